//! [`TensorBoardLogger`]: burn-train's `MetricLogger` writing TensorBoard runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use ::burn::train::logger::MetricLogger;
use ::burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use ::burn::train::metric::{MetricAttributes, MetricDefinition, MetricId, NumericEntry};

use crate::error::{Error, Result};
use crate::proto::event::What;
use crate::proto::{DataClass, session_log::SessionStatus, summary};
use crate::reader::{EventReader, event_files};
use crate::summary::custom_scalars::{Category, Layout};
use crate::summary::{f32_tensor, metadata, string_tensor, tensor_value};
use crate::tag::sanitize_tag;
use crate::writer::SummaryWriter;

/// The plugin name of the values that hold burn's entries (no TensorBoard dashboard shows
/// them; [`TensorBoardLogger`]'s `read_numeric` reads them back).
pub const ENTRY_PLUGIN: &str = "burn_train";
/// Tag prefix of the entries, in a split's run: `burn_train/entry/<metric>`.
const ENTRY_PREFIX: &str = "burn_train/entry/";
/// Tag of the last iteration step of each epoch, in a split's run.
const LAST_ITERATION_TAG: &str = "burn_train/last_iteration";
/// Tag prefix of the epoch aggregates.
pub const EPOCH_PREFIX: &str = "epoch/";
/// Tag prefix of the per-iteration values.
pub const ITERATION_PREFIX: &str = "iteration/";
/// The subdirectory of a split's run that holds its per-iteration values.
pub const ITERATION_RUN: &str = "iteration";

/// The run directory name of a split: `train`, `valid`, `test`, or `test-<tag>` for a tagged
/// test split (the tag trimmed, lower-cased, with spaces and path separators as `-`, as
/// burn's file logger names its directories).
pub fn split_run_name(split: &Split) -> String {
    match split {
        Split::Train => "train".into(),
        Split::Valid => "valid".into(),
        Split::Test(None) => "test".into(),
        Split::Test(Some(tag)) => {
            let tag: String = tag
                .trim()
                .to_lowercase()
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if tag.is_empty() || tag.chars().all(|c| c == '.') {
                "test".into()
            } else {
                format!("test-{tag}")
            }
        }
    }
}

/// What one split writes: its run (epoch aggregates, burn's entries) and the run of its
/// per-iteration values, with the state the next event needs.
struct SplitRun {
    run: SummaryWriter,
    iterations: SummaryWriter,
    /// The last iteration step written (steps grow across epochs).
    step: u64,
    /// The epoch of the entries in `pending`.
    epoch: Option<usize>,
    /// The numeric entries of the current epoch, by metric name, for its aggregate.
    pending: BTreeMap<String, Vec<NumericEntry>>,
    /// The per-iteration values of the last update (metric, value, description), written
    /// when the next update shows that it was not the epoch's final one.
    held: Vec<(String, f64, String)>,
    /// Tags already written once (the first value of a tag carries its description).
    described: HashSet<String>,
}

/// burn-train's metric logger for TensorBoard (feature `burn`): plug it in with
/// `SupervisedTraining::with_metric_logger` (and `Evaluator`'s builder for tests), as burn's
/// `FileMetricLogger`. See the [module documentation](crate::burn#the-metric-logger) for the
/// runs and tags it writes.
///
/// The trait's methods cannot return errors: the first error (a write that failed, a value
/// TensorBoard cannot hold) is kept and returned by [`flush`](Self::flush) and
/// [`close`](Self::close), and by `read_numeric` (which burn turns into a panic of its
/// event-store thread, as it does for its own logger's I/O errors). Dropping the logger
/// writes out what it holds and closes its runs; an error then is printed to stderr.
pub struct TensorBoardLogger {
    logdir: PathBuf,
    resume_epoch: Option<usize>,
    definitions: HashMap<MetricId, MetricDefinition>,
    splits: HashMap<Split, SplitRun>,
    /// The numeric metrics seen so far, in order, for the custom-scalars layout.
    layout_metrics: Vec<String>,
    /// The split whose run holds the layout.
    layout_split: Option<Split>,
    error: Option<Error>,
}

impl TensorBoardLogger {
    /// A logger writing the runs of a new training under `logdir` (`logdir/train`,
    /// `logdir/valid`, …). The runs are opened at their split's first update.
    pub fn new(logdir: impl AsRef<Path>) -> Self {
        TensorBoardLogger {
            logdir: logdir.as_ref().to_path_buf(),
            resume_epoch: None,
            definitions: HashMap::new(),
            splits: HashMap::new(),
            layout_metrics: Vec::new(),
            layout_split: None,
            error: None,
        }
    }

    /// A logger continuing the runs under `logdir` after a restart from the checkpoint of
    /// `epoch` (what was given to burn's `SupervisedTraining::checkpoint`): each split's run
    /// is reopened with [`purge_step`](crate::SummaryWriterBuilder::purge_step) `epoch + 1`
    /// and its per-iteration run with the step after the last iteration of `epoch`, so that
    /// TensorBoard shows every series without the overlap of the interrupted epochs, and the
    /// iteration steps continue where that epoch ended. `read_numeric` sees the epochs up to
    /// `epoch` from the earlier files and the later ones from the new files.
    pub fn resume(logdir: impl AsRef<Path>, epoch: usize) -> Self {
        let mut l = Self::new(logdir);
        l.resume_epoch = Some(epoch);
        l
    }

    /// The directory of the run `split` writes to (`logdir/train`, …); its per-iteration
    /// values are in the subdirectory [`ITERATION_RUN`].
    pub fn run_dir(&self, split: &Split) -> PathBuf {
        self.logdir.join(split_run_name(split))
    }

    /// Writes out everything logged so far (except the per-iteration values of the last
    /// update, held until the next update tells whether it was the epoch's final one) and
    /// returns the first error the logger met, if any.
    pub fn flush(&mut self) -> Result<()> {
        for s in self.splits.values() {
            s.run.flush()?;
            s.iterations.flush()?;
        }
        self.take_error()
    }

    /// Writes the held per-iteration values and the aggregates of the epochs that got no
    /// epoch summary (the test splits), and closes every run. Returns the first error met.
    pub fn close(mut self) -> Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> Result<()> {
        let splits: Vec<Split> = self.splits.keys().cloned().collect();
        for split in splits {
            let r = self.end_epoch(&split).and_then(|()| {
                let s = self.splits.get_mut(&split).ok_or_else(missing)?;
                s.run.close()?;
                s.iterations.close()
            });
            self.keep(r);
        }
        self.splits.clear();
        self.error.take().map_or(Ok(()), Err)
    }

    fn take_error(&mut self) -> Result<()> {
        match self.error.take() {
            Some(e) => {
                // Keep failing: the runs are incomplete from here on.
                self.error = Some(Error::InvalidInput {
                    what: "burn metric logger",
                    reason: format!("an earlier error: {e}"),
                });
                Err(e)
            }
            None => Ok(()),
        }
    }

    fn keep(&mut self, r: Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn name_of(&self, id: &MetricId) -> Result<String> {
        self.definitions
            .get(id)
            .map(|d| d.name.to_string())
            .ok_or_else(|| Error::InvalidInput {
                what: "burn metric logger",
                reason: format!("an update of metric {id:?}, which has no definition"),
            })
    }

    /// The tag description of a metric: its description and unit.
    fn description(&self, name: &str) -> String {
        let Some(def) = self.definitions.values().find(|d| d.name.as_str() == name) else {
            return String::new();
        };
        let mut text = def.description.clone().unwrap_or_default();
        if let MetricAttributes::Numeric(attr) = &def.attributes {
            let mut notes = Vec::new();
            if let Some(unit) = &attr.unit {
                notes.push(format!("unit: {unit}"));
            }
            notes.push(if attr.higher_is_better {
                "higher is better".to_owned()
            } else {
                "lower is better".to_owned()
            });
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("({})", notes.join(", ")));
        }
        text
    }

    fn open(&mut self, split: &Split) -> Result<()> {
        if self.splits.contains_key(split) {
            return Ok(());
        }
        let run_dir = self.run_dir(split);
        let iter_dir = run_dir.join(ITERATION_RUN);
        let (run, iterations, step) = match self.resume_epoch {
            None => (
                SummaryWriter::new(&run_dir)?,
                SummaryWriter::new(&iter_dir)?,
                0,
            ),
            Some(epoch) => {
                let base = if run_dir.is_dir() {
                    last_iteration(&run_dir, epoch)?
                } else {
                    0
                };
                (
                    SummaryWriter::builder(&run_dir)
                        .purge_step(epoch as u64 + 1)
                        .build()?,
                    SummaryWriter::builder(&iter_dir)
                        .purge_step(base + 1)
                        .build()?,
                    base,
                )
            }
        };
        self.splits.insert(
            split.clone(),
            SplitRun {
                run,
                iterations,
                step,
                epoch: None,
                pending: BTreeMap::new(),
                held: Vec::new(),
                described: HashSet::new(),
            },
        );
        if self.layout_split.is_none() {
            self.layout_split = Some(split.clone());
        }
        Ok(())
    }

    /// Rewrites the custom-scalars layout when a numeric metric appears for the first time:
    /// one category for the epoch charts, one for the iteration charts, a chart per metric
    /// overlaying the splits.
    fn note_metric(&mut self, name: &str) -> Result<()> {
        if self.layout_metrics.iter().any(|m| m == name) {
            return Ok(());
        }
        self.layout_metrics.push(name.to_owned());
        let mut epoch = Category::new("burn: epoch aggregates");
        let mut iter = Category::new("burn: iterations");
        for m in &self.layout_metrics {
            let tag = sanitize_tag(m);
            let re = |prefix: &str| format!("^{}$", regex_escape(&format!("{prefix}{tag}")));
            epoch = epoch.multiline(m.clone(), &[re(EPOCH_PREFIX)]);
            iter = iter.multiline(m.clone(), &[re(ITERATION_PREFIX)]);
        }
        let layout = Layout::new().category(epoch).category(iter);
        let split = self.layout_split.clone().ok_or_else(missing)?;
        let s = self.splits.get(&split).ok_or_else(missing)?;
        s.run.add_custom_scalars(&layout)
    }

    fn log_update(&mut self, update: &MetricsUpdate, epoch: usize, split: &Split) -> Result<()> {
        self.open(split)?;
        let same_epoch = self.splits.get(split).and_then(|s| s.epoch) == Some(epoch);
        if !same_epoch {
            // An epoch that ended without a summary (or the first one).
            self.end_epoch(split)?;
        }
        // The entries, as burn's file logger stores them.
        let mut entries = Vec::new();
        let mut numeric = Vec::new();
        // (name, serialized, numeric?): burn's file logger keeps both kinds alike.
        for e in &update.entries {
            entries.push((
                self.name_of(&e.metric_id)?,
                &e.serialized_entry.serialized,
                false,
            ));
        }
        for n in &update.entries_numeric {
            let name = self.name_of(&n.entry.metric_id)?;
            entries.push((name.clone(), &n.entry.serialized_entry.serialized, true));
            if let Some(v) = &n.numeric_entry {
                numeric.push((name, v.current()));
            }
        }
        for (name, _) in &numeric {
            self.note_metric(name)?;
        }
        let descriptions: HashMap<String, String> = numeric
            .iter()
            .map(|(n, _)| (n.clone(), self.description(n)))
            .collect();
        let s = self.splits.get_mut(split).ok_or_else(missing)?;
        s.epoch = Some(epoch);
        // The previous update was not the epoch's last: its values are iteration points.
        write_held(s)?;
        let mut b = s.run.step(epoch as u64);
        let mut any = false;
        for (name, serialized, is_numeric) in entries {
            if serialized.is_empty() || serialized.as_str() == "N/A" {
                continue; // burn's placeholders, which its file logger skips too
            }
            // Only numeric metrics get an epoch aggregate.
            if let (true, Ok(entry)) = (is_numeric, NumericEntry::deserialize(serialized)) {
                s.pending.entry(name.clone()).or_default().push(entry);
            }
            let tag = format!("{ENTRY_PREFIX}{}", sanitize_tag(&name));
            let items = vec![name.into_bytes(), serialized.clone().into_bytes()];
            b = b.value(&tensor_value(
                tag,
                metadata(ENTRY_PLUGIN, Vec::new(), DataClass::Tensor),
                string_tensor(&[2], items),
            ));
            any = true;
        }
        if any {
            b.write()?;
        }
        s.held = numeric
            .into_iter()
            .map(|(n, v)| {
                let d = descriptions.get(&n).cloned().unwrap_or_default();
                (n, v, d)
            })
            .collect();
        Ok(())
    }

    /// Writes the epoch aggregates of `split`'s pending epoch at step = epoch, and the last
    /// iteration step of that epoch; flushes both runs.
    fn end_epoch(&mut self, split: &Split) -> Result<()> {
        let Some(s) = self.splits.get_mut(split) else {
            return Ok(());
        };
        // Values held from an update with no epoch summary after it were an iteration's.
        write_held(s)?;
        let Some(epoch) = s.epoch else {
            return Ok(());
        };
        let names: Vec<String> = s.pending.keys().cloned().collect();
        let descriptions: HashMap<String, String> = names
            .iter()
            .map(|n| (n.clone(), self.description(n)))
            .collect();
        let s = self.splits.get_mut(split).ok_or_else(missing)?;
        let pending = std::mem::take(&mut s.pending);
        let mut b = s.run.step(epoch as u64);
        for (name, entries) in &pending {
            let Some(v) = aggregate(entries) else {
                continue;
            };
            let tag = format!("{EPOCH_PREFIX}{}", sanitize_tag(name));
            let d = descriptions.get(name).map(String::as_str).unwrap_or("");
            b = scalar(b, &mut s.described, tag, v, d);
        }
        b = b.value(&tensor_value(
            LAST_ITERATION_TAG.to_owned(),
            metadata(ENTRY_PLUGIN, Vec::new(), DataClass::Tensor),
            string_tensor(&[1], vec![s.step.to_string().into_bytes()]),
        ));
        b.write()?;
        s.epoch = None;
        s.run.flush()?;
        s.iterations.flush()
    }

    fn read(&mut self, name: &str, epoch: usize, split: &Split) -> Result<Vec<String>> {
        if let Some(s) = self.splits.get(split) {
            s.run.flush()?;
        }
        let dir = self.run_dir(split);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        Ok(read_entries(&dir)?
            .into_iter()
            .filter(|e| e.epoch == epoch as i64 && e.name == name)
            .map(|e| e.serialized)
            .collect())
    }
}

fn missing() -> Error {
    Error::InvalidInput {
        what: "burn metric logger",
        reason: "a split's run is not open".into(),
    }
}

/// `v` as a scalar under `tag`: the first value of a tag in a run is written as a rank-0
/// tensor whose metadata carries the description, the later ones as plain scalars.
fn scalar<'a>(
    b: crate::StepBuilder<'a>,
    described: &mut HashSet<String>,
    tag: String,
    v: f64,
    description: &str,
) -> crate::StepBuilder<'a> {
    if described.insert(tag.clone()) {
        let mut md = metadata("scalars", Vec::new(), DataClass::Scalar);
        md.summary_description = description.to_owned();
        b.value(&tensor_value(tag, md, f32_tensor(&[], [v as f32])))
    } else {
        // As f32, as TensorBoard keeps it: a finite f64 beyond the f32 range shows as ±∞
        // rather than failing the event and every other metric in it (the exact value stays
        // in burn's entries).
        b.scalar(&tag, v as f32)
    }
}

/// Writes the held per-iteration values at the next iteration step.
fn write_held(s: &mut SplitRun) -> Result<()> {
    if s.held.is_empty() {
        return Ok(());
    }
    s.step += 1;
    let held = std::mem::take(&mut s.held);
    let mut b = s.iterations.step(s.step);
    for (name, v, description) in held {
        let tag = format!("{ITERATION_PREFIX}{}", sanitize_tag(&name));
        b = scalar(b, &mut s.described, tag, v, &description);
    }
    b.write()
}

/// burn's epoch aggregate of a metric's entries (what its event store computes from
/// `read_numeric`): the final value when the last entry is one, else the mean weighted by
/// the entries' counts.
pub(crate) fn aggregate(entries: &[NumericEntry]) -> Option<f64> {
    match entries.last()? {
        NumericEntry::Final(v) => Some(*v),
        _ => {
            let (sum, n) = entries.iter().fold((0.0, 0usize), |(s, n), e| match e {
                NumericEntry::Value(v) | NumericEntry::Final(v) => (s + v, n + 1),
                NumericEntry::Aggregated {
                    aggregated_value,
                    count,
                } => (s + aggregated_value * *count as f64, n + count),
            });
            Some(sum / n as f64)
        }
    }
}

/// One of burn's entries read back from a run.
struct StoredEntry {
    epoch: i64,
    name: String,
    serialized: String,
}

/// Every `burn_train/` value of a run's files, in order, with the purges their
/// `SessionLog` STARTs ask for: a START at step `s` drops every earlier value at a step ≥ `s`
/// (what TensorBoard's Python loader does, FORMAT.md §1.7; the writer's
/// [`purge_step`](crate::SummaryWriterBuilder::purge_step) writes them).
fn read_run(dir: &Path) -> Result<Vec<(i64, summary::Value)>> {
    let mut out: Vec<(i64, summary::Value)> = Vec::new();
    for file in event_files(dir)? {
        for event in EventReader::open(&file)? {
            let event = event?;
            match event.what {
                Some(What::SessionLog(log)) if log.status == SessionStatus::Start as i32 => {
                    out.retain(|(step, _)| *step < event.step);
                }
                Some(What::Summary(s)) => {
                    for v in s.value {
                        if v.tag.starts_with("burn_train/") {
                            out.push((event.step, v));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

fn strings(v: &summary::Value) -> Option<Vec<String>> {
    let is_entry = v
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .is_some_and(|p| p.plugin_name == ENTRY_PLUGIN);
    match &v.value {
        Some(summary::value::Value::Tensor(t)) if is_entry => t
            .string_val
            .iter()
            .map(|b| String::from_utf8(b.clone()).ok())
            .collect(),
        _ => None,
    }
}

fn read_entries(dir: &Path) -> Result<Vec<StoredEntry>> {
    Ok(read_run(dir)?
        .into_iter()
        .filter(|(_, v)| v.tag.starts_with(ENTRY_PREFIX))
        .filter_map(|(step, v)| {
            let mut s = strings(&v)?;
            if s.len() != 2 {
                return None;
            }
            let serialized = s.pop()?;
            let name = s.pop()?;
            Some(StoredEntry {
                epoch: step,
                name,
                serialized,
            })
        })
        .collect())
}

/// The last iteration step of `epoch` recorded in a split's run (0 if none).
fn last_iteration(dir: &Path, epoch: usize) -> Result<u64> {
    Ok(read_run(dir)?
        .into_iter()
        .filter(|(step, v)| v.tag == LAST_ITERATION_TAG && *step <= epoch as i64)
        .filter_map(|(_, v)| strings(&v)?.first()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0))
}

/// `s` with the characters that are regex syntax escaped (tags may hold `.`).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl MetricLogger for TensorBoardLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let r = self.log_update(&update, epoch, split);
        self.keep(r);
    }

    fn read_numeric(
        &mut self,
        name: &str,
        epoch: usize,
        split: &Split,
    ) -> std::result::Result<Vec<NumericEntry>, String> {
        if let Some(e) = &self.error {
            return Err(format!("tensorboard-writer: {e}"));
        }
        let lines = self
            .read(name, epoch, split)
            .map_err(|e| format!("tensorboard-writer: {e}"))?;
        // As burn's file logger: any line that does not parse makes the whole read an error.
        lines
            .iter()
            .map(|l| NumericEntry::deserialize(l))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| "Parsing numeric entry errors".to_string())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.definitions
            .insert(definition.metric_id.clone(), definition);
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let split = summary.split.clone();
        // The update just before the summary held the epoch's final values: they are the
        // epoch aggregate, not an iteration point.
        if let Some(s) = self.splits.get_mut(&split) {
            s.held.clear();
        }
        let r = self.end_epoch(&split);
        self.keep(r);
    }
}

impl Drop for TensorBoardLogger {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            eprintln!("tensorboard-writer: the burn metric logger failed: {e}");
        }
    }
}
