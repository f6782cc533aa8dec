//! [`RunReader`]: every typed point of one run, its event files read in name order, live
//! files followed.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use prost::Message;

use super::data::{Data, Kind};
use super::decode::Tags;
use super::events::event_files;
use super::graph::{Graph, GraphKind, RUN_GRAPH_TAG};
use crate::error::{Error, Result};
use crate::fast_decode;
use crate::proto::{Event, event::What};
use crate::record::RecordReader;

/// One point of a series: its step, wall time and typed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The training step.
    pub step: i64,
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    /// The value.
    pub data: Data,
}

/// Which series a [`RunReader`] decodes: called with each tag and kind, it says whether the
/// caller wants them. Values it turns down are skipped without being decoded.
pub type Filter = Box<dyn FnMut(&str, Kind) -> bool + Send>;

enum FileState {
    Active(RecordReader<File>),
    /// Damaged (the error was returned once), or gone from the directory.
    Dead,
}

/// Reads the typed points of one run: the event files directly in its directory, in name
/// order, as TensorBoard's Rust data server reads them.
///
/// - Each file is read from where the last call stopped. A file that ends inside a record
///   (its writer is between writes) is left there and read on by a later call once the
///   record is complete: [`read_new`](Self::read_new) can follow a live run.
/// - New files are picked up on each call; files that disappear are dropped.
/// - A damaged file (a checksum that fails, a payload that is not an `Event`) is reported
///   once, as the error of that call, and then left alone; the other files are read on by
///   later calls. A value whose form its plugin does not read is
///   [`Error::InvalidSummary`], returned once its event's other values have been passed
///   on; reading goes on after its record.
/// - A tag's kind is fixed by its first value in the run (the first plugin named wins), as
///   in both TensorBoard loaders.
/// - No sampling: every point is passed on. [`read_all`](Self::read_all) applies the
///   data server's rule for restarts (a step that goes back replaces the later points).
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use tensorboard_writer::reader::{Data, RunReader};
/// use tensorboard_writer::SummaryWriter;
///
/// let w = SummaryWriter::new(dir.path())?;
/// w.add_scalar("loss", 0.5f32, 1u32)?;
/// w.add_text("note", "hello", 1u32)?;
/// w.flush()?;
///
/// let mut run = RunReader::open(dir.path())?;
/// let mut seen = Vec::new();
/// run.read_new(|tag, sample| seen.push((tag.to_string(), sample.data.kind())))?;
/// assert_eq!(seen.len(), 2);
/// w.add_scalar("loss", 0.25f32, 2u32)?;
/// w.flush()?;
/// run.read_new(|tag, sample| {
///     assert_eq!((tag, sample.step, &sample.data), ("loss", 2, &Data::Scalar(0.25)));
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RunReader {
    dir: PathBuf,
    files: BTreeMap<PathBuf, FileState>,
    tags: Tags,
    filter: Option<Filter>,
}

impl std::fmt::Debug for RunReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunReader")
            .field("dir", &self.dir)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The series of a run by tag, each in step order.
pub type RunSeries = BTreeMap<String, Vec<Sample>>;

impl RunReader {
    /// A reader of the run directory `dir` (its event files are listed at the first read).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::read_dir(&dir).map_err(|e| Error::read("listing", &dir, e))?;
        Ok(RunReader {
            dir,
            files: BTreeMap::new(),
            tags: Tags::default(),
            filter: None,
        })
    }

    /// Decodes only the values `filter` accepts (by tag and kind). Memory and time then
    /// follow the data asked for, not the size of the run.
    pub fn with_filter(mut self, filter: impl FnMut(&str, Kind) -> bool + Send + 'static) -> Self {
        self.filter = Some(Box::new(filter));
        self
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The event files seen so far, in name order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    /// Reads everything new since the last call, calling `f` with each point's tag and
    /// sample in the order written (file by file in name order). Returns how many records
    /// were read. Errors as described on [`RunReader`]: the points before the error have been
    /// passed to `f`, and a later call reads on.
    pub fn read_new(&mut self, mut f: impl FnMut(&str, Sample)) -> Result<u64> {
        self.read_files(&mut Decoded(&mut f))
    }

    /// Like [`read_new`](Self::read_new), but without decoding the values: `f` is called with
    /// each point's tag, kind and step. What a listing or an index of a run needs, at a
    /// fraction of the cost for large values (images, histograms). Reading state is shared
    /// with `read_new`: a point scanned is not read again.
    pub fn scan_new(&mut self, mut f: impl FnMut(&str, Kind, i64)) -> Result<u64> {
        self.read_files(&mut Scanned(&mut f))
    }

    fn read_files(&mut self, visit: &mut impl Visit) -> Result<u64> {
        let names = event_files(&self.dir)?;
        // Files no longer listed are dropped; the others keep their state.
        let mut old = std::mem::take(&mut self.files);
        for name in names {
            let state = match old.remove(&name) {
                Some(state) => state,
                None => match File::open(&name) {
                    Ok(file) => FileState::Active(RecordReader::with_path(file, &name)),
                    // Gone between the listing and the open: it is not part of the run.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::read("opening", name, e)),
                },
            };
            self.files.insert(name, state);
        }
        let mut records = 0;
        for (path, state) in self.files.iter_mut() {
            let FileState::Active(reader) = state else {
                continue;
            };
            loop {
                let offset = reader.offset();
                let payload = match reader.read_record() {
                    Ok(Some(p)) => p,
                    Ok(None) | Err(Error::Truncated { .. }) => break,
                    Err(e) => {
                        *state = FileState::Dead;
                        return Err(e);
                    }
                };
                records += 1;
                let outcome = read_payload(payload, &mut self.tags, self.filter.as_mut(), visit)
                    .map_err(|e| match e {
                        PayloadError::Decode(source) => Error::Decode {
                            path: path.to_path_buf(),
                            offset,
                            source: Arc::new(source),
                        },
                        PayloadError::Invalid { tag, reason } => Error::InvalidSummary {
                            path: path.to_path_buf(),
                            offset,
                            tag,
                            reason,
                        },
                    });
                if let Err(e) = outcome {
                    if matches!(e, Error::Decode { .. }) {
                        *state = FileState::Dead;
                    }
                    return Err(e);
                }
            }
        }
        Ok(records)
    }

    /// Reads everything (new since the last call) into series by tag, applying the rule
    /// TensorBoard's Rust data server applies to restarts: a point at step `s` replaces every
    /// point of its series at a step `≥ s` read before it. So each series comes out in
    /// strictly increasing step order, with the points a restarted run wrote again replacing
    /// the ones it lost, and nothing sampled away. Stops at the first error.
    pub fn read_all(&mut self) -> Result<RunSeries> {
        let mut series = RunSeries::new();
        let mut last: Option<(String, Vec<Sample>)> = None;
        let result = self.read_new(|tag, sample| {
            // Consecutive points mostly share a tag: keep that series at hand.
            let points = match &mut last {
                Some((t, points)) if t == tag => points,
                _ => {
                    if let Some((t, points)) = last.take() {
                        series.insert(t, points);
                    }
                    let points = series.remove(tag).unwrap_or_default();
                    &mut last.insert((tag.to_string(), points)).1
                }
            };
            push_preempting(points, sample);
        });
        if let Some((t, points)) = last {
            series.insert(t, points);
        }
        result.map(|_| series)
    }
}

/// Appends `sample`, first dropping the points at its step or later (the data server's
/// preemption).
pub(crate) fn push_preempting(points: &mut Vec<Sample>, sample: Sample) {
    while points.last().is_some_and(|p| p.step >= sample.step) {
        points.pop();
    }
    points.push(sample);
}

enum PayloadError {
    Decode(prost::DecodeError),
    Invalid { tag: String, reason: String },
}

/// What [`read_payload`] passes each point to: a decoded [`Sample`], or only its tag, kind
/// and step.
trait Visit {
    const DECODE: bool;
    fn point(&mut self, tag: &str, kind: Kind, step: i64, wall_time: f64, data: Option<Data>);
}

struct Decoded<'a, F>(&'a mut F);

impl<F: FnMut(&str, Sample)> Visit for Decoded<'_, F> {
    const DECODE: bool = true;
    #[inline(always)]
    fn point(&mut self, tag: &str, _: Kind, step: i64, wall_time: f64, data: Option<Data>) {
        if let Some(data) = data {
            (self.0)(
                tag,
                Sample {
                    step,
                    wall_time,
                    data,
                },
            );
        }
    }
}

struct Scanned<'a, F>(&'a mut F);

impl<F: FnMut(&str, Kind, i64)> Visit for Scanned<'_, F> {
    const DECODE: bool = false;
    #[inline(always)]
    fn point(&mut self, tag: &str, kind: Kind, step: i64, _: f64, _: Option<Data>) {
        (self.0)(tag, kind, step);
    }
}

fn read_payload<V: Visit>(
    payload: &[u8],
    tags: &mut Tags,
    mut filter: Option<&mut Filter>,
    visit: &mut V,
) -> std::result::Result<(), PayloadError> {
    let mut wants = |tag: &str, kind: Kind| filter.as_mut().is_none_or(|w| w(tag, kind));
    // Most records of a long run are one simple_value: read those without building an Event.
    if let Some((wall_time, step, tag, x)) = fast_decode::scan_simple_scalar(payload) {
        if let Ok(tag) = std::str::from_utf8(tag) {
            if wants(tag, Kind::Scalars) {
                let data = Data::Scalar(f64::from(x));
                visit.point(tag, Kind::Scalars, step, wall_time, Some(data));
            }
            return Ok(());
        }
    }
    let event = Event::decode(payload).map_err(PayloadError::Decode)?;
    let (step, wall_time) = (event.step, event.wall_time);
    let mut invalid = None;
    let graph = |kind, bytes| Some(Data::Graph(Box::new(Graph { kind, bytes })));
    match event.what {
        Some(What::Summary(s)) => {
            for v in &s.value {
                let Some(kind) = tags.kind_of(v) else {
                    continue;
                };
                if !wants(&v.tag, kind) {
                    continue;
                }
                if !V::DECODE {
                    visit.point(&v.tag, kind, step, wall_time, None);
                    continue;
                }
                match tags.decode(kind, v) {
                    Ok(data @ Some(_)) => visit.point(&v.tag, kind, step, wall_time, data),
                    Ok(None) => {}
                    // The event's other values are still read; the first bad one is reported.
                    Err(reason) => {
                        invalid.get_or_insert(PayloadError::Invalid {
                            tag: v.tag.clone(),
                            reason,
                        });
                    }
                }
            }
        }
        Some(What::GraphDef(bytes)) if wants(RUN_GRAPH_TAG, Kind::Graphs) => {
            let data = graph(GraphKind::GraphDef, bytes);
            visit.point(RUN_GRAPH_TAG, Kind::Graphs, step, wall_time, data);
        }
        Some(What::TaggedRunMetadata(t)) if wants(&t.tag, Kind::Graphs) => {
            let data = graph(GraphKind::RunMetadata, t.run_metadata);
            visit.point(&t.tag, Kind::Graphs, step, wall_time, data);
        }
        _ => {}
    }
    invalid.map_or(Ok(()), Err)
}
