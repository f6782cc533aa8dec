//! Scalars fast: [`ScalarReader`] reads the scalars of one file without building an `Event`
//! per record, and [`read_scalars`] collects a run's scalars by tag with it.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use prost::Message;

use super::events::event_files;
use crate::error::{Error, Result};
use crate::fast_decode::{self, Kind, RawValue};
use crate::proto::{self, Event, summary};
use crate::record::RecordReader;

/// One point of a scalar series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarPoint {
    /// The training step.
    pub step: i64,
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    /// The value (scalars written by this crate are `f32`, widened here).
    pub value: f64,
}

/// Scalar series by tag.
pub type ScalarSeries = BTreeMap<String, Vec<ScalarPoint>>;

/// Reads every scalar in the run directory `run_dir`, in write order, by tag.
///
/// Understands both forms TensorBoard reads: legacy `simple_value` (what this crate and
/// tensorboardX write) and single-element numeric tensors under the `scalars` plugin (what
/// TensorFlow 2 and TensorBoard's own writer write). A tensor counts once its tag has been
/// seen with `scalars` plugin metadata anywhere earlier in the run (the first plugin named
/// for a tag wins).
///
/// Reads with [`ScalarReader`]: no `Event` is built, and nothing is allocated per event
/// beyond the growth of the returned series. A truncated final record (a writer mid-write or
/// killed) ends its file quietly, as it does in TensorBoard; corruption is an error.
pub fn read_scalars(run_dir: impl AsRef<Path>) -> Result<ScalarSeries> {
    let mut series = SeriesBuilder::default();
    let mut plugins = TagPlugins::default();
    for path in event_files(run_dir)? {
        let mut reader = ScalarReader::open(&path)?;
        // What the run taught about tags carries over from file to file.
        reader.plugins = std::mem::take(&mut plugins);
        match reader.for_each_scalar(|s| series.push(s)) {
            Ok(()) | Err(Error::Truncated { .. }) => {}
            Err(e) => return Err(e),
        }
        plugins = reader.plugins;
    }
    Ok(series.finish())
}

/// Builds a [`ScalarSeries`] with one string allocation per tag, not per point.
#[derive(Default)]
struct SeriesBuilder {
    series: Vec<(String, Vec<ScalarPoint>)>,
    index: HashMap<String, usize>,
    /// The series the last point went to: consecutive points mostly share a tag.
    last: usize,
}

impl SeriesBuilder {
    #[inline(always)]
    fn push(&mut self, s: ScalarRef<'_>) {
        let point = ScalarPoint {
            step: s.step,
            wall_time: s.wall_time,
            value: s.value,
        };
        if let Some((tag, points)) = self.series.get_mut(self.last) {
            if same_bytes(tag.as_bytes(), s.tag.as_bytes()) {
                points.push(point);
                return;
            }
        }
        let at = match self.index.get(s.tag) {
            Some(&at) => at,
            None => {
                self.index.insert(s.tag.to_owned(), self.series.len());
                self.series.push((s.tag.to_owned(), Vec::new()));
                self.series.len() - 1
            }
        };
        self.last = at;
        if let Some((_, points)) = self.series.get_mut(at) {
            points.push(point);
        }
    }

    fn finish(self) -> ScalarSeries {
        self.series.into_iter().collect()
    }
}

/// One scalar value read by a [`ScalarReader`], with its tag borrowed from the reader's
/// buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarRef<'a> {
    /// The tag.
    pub tag: &'a str,
    /// The training step of the event.
    pub step: i64,
    /// The event's wall time, in seconds since the Unix epoch.
    pub wall_time: f64,
    /// The value (`simple_value` is an `f32`, widened here).
    pub value: f64,
}

/// Which tags have named the `scalars` plugin in their metadata (the first plugin named for
/// a tag wins, as in [`read_scalars`]).
#[derive(Debug, Default)]
struct TagPlugins {
    is_scalars: HashMap<Box<str>, bool>,
}

impl TagPlugins {
    #[inline]
    fn note(&mut self, tag: &str, plugin: &str) {
        if !self.is_scalars.contains_key(tag) {
            self.is_scalars.insert(tag.into(), plugin == "scalars");
        }
    }

    #[inline]
    fn is_scalars(&self, tag: &str) -> bool {
        self.is_scalars.get(tag).copied().unwrap_or(false)
    }
}

/// Reads the scalars of one event file fast: a decoder that borrows tags from the record
/// buffer instead of building an [`Event`] per record, and allocates nothing per event.
///
/// It yields what [`read_scalars`] collects (`simple_value`s, and one-element float or
/// double tensors of tags whose metadata names the `scalars` plugin), as [`ScalarRef`]s,
/// and checks everything [`EventReader`](super::EventReader) checks: both checksums of every record, and that
/// every payload is a valid `Event` (a payload prost would reject is an
/// [`Error::Decode`], with prost's own message). Ends of reading are reported as by
/// [`EventReader::read_event`](super::EventReader::read_event): `Ok` at the end of the file, [`Error::Truncated`] for an
/// incomplete final record (call again once the file has grown), and
/// [`Error::CorruptRecord`] or [`Error::Decode`] for damage, which every later call
/// reports again.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use tensorboard_writer::SummaryWriter;
/// use tensorboard_writer::reader::ScalarReader;
///
/// let w = SummaryWriter::new(dir.path())?;
/// for step in 0..100u32 {
///     w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)?;
///     w.add_scalar("lr", 0.1f32, step)?;
/// }
/// w.close()?;
///
/// let mut reader = ScalarReader::open(w.path())?;
/// let mut last_loss = None;
/// let mut count = 0;
/// reader.for_each_scalar(|s| {
///     count += 1;
///     if s.tag == "loss" {
///         last_loss = Some((s.step, s.value));
///     }
/// })?;
/// assert_eq!(count, 200);
/// assert_eq!(last_loss, Some((99, f64::from(1.0f32 / 100.0))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ScalarReader<R> {
    records: RecordReader<R>,
    plugins: TagPlugins,
    /// Reused from event to event: holds the values of one event while it is checked.
    values: Vec<RawValue<'static>>,
    /// The damage that stopped reading, reported again by every later call.
    failed: Option<Error>,
    tags: RecentTags,
}

/// The last four tags seen (replaced in turn), so that a tag seen again soon is not checked
/// for UTF-8 again: bytes equal to a known tag are that tag. A file that cycles through
/// more tags than that has each event's tag checked.
#[derive(Debug, Default)]
struct RecentTags {
    tags: [String; 4],
    next: usize,
}

/// `a == b`, without a call to `memcmp` for the short tags this is mostly used on.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

impl RecentTags {
    /// `bytes` as a tag, or `None` if they are not UTF-8.
    #[inline(always)]
    fn check(&mut self, bytes: &[u8]) -> Option<&str> {
        let i = self
            .tags
            .iter()
            .position(|t| same_bytes(t.as_bytes(), bytes));
        match i {
            Some(i) => self.tags.get(i).map(String::as_str),
            None => self.learn(bytes),
        }
    }

    #[inline(never)]
    fn learn(&mut self, bytes: &[u8]) -> Option<&str> {
        let tag = std::str::from_utf8(bytes).ok()?;
        let i = self.next % self.tags.len();
        self.next = self.next.wrapping_add(1);
        let slot = self.tags.get_mut(i)?;
        slot.clear();
        slot.push_str(tag);
        Some(slot.as_str())
    }
}

impl ScalarReader<File> {
    /// Opens the event file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::read("opening", path, e))?;
        Ok(Self::from_records(RecordReader::with_path(file, path)))
    }
}

impl<R: Read> ScalarReader<R> {
    /// A reader over any byte stream of records.
    pub fn new(inner: R) -> Self {
        Self::from_records(RecordReader::new(inner))
    }

    fn from_records(records: RecordReader<R>) -> Self {
        ScalarReader {
            records,
            plugins: TagPlugins::default(),
            values: Vec::new(),
            failed: None,
            tags: RecentTags::default(),
        }
    }

    /// Offset of the next record in the stream.
    pub fn offset(&self) -> u64 {
        self.records.offset()
    }

    /// Reads the next event and calls `f` with each scalar it holds (none for most
    /// non-scalar events). Returns `Ok(false)` at the end of the file, `Ok(true)` after an
    /// event; errors as described on [`ScalarReader`]. `f` is called only once the whole
    /// event has been checked, so a damaged event yields nothing.
    pub fn read_event_scalars(&mut self, mut f: impl FnMut(ScalarRef<'_>)) -> Result<bool> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let offset = self.records.offset();
        let payload = match self.records.read_record() {
            Ok(Some(payload)) => payload,
            Ok(None) => return Ok(false),
            // The record reader reports damage again on every later call by itself.
            Err(e) => return Err(e),
        };
        if let Some((wall_time, step, tag, x)) = fast_decode::scan_simple_scalar(payload) {
            if let Some(tag) = self.tags.check(tag) {
                f(ScalarRef {
                    tag,
                    step,
                    wall_time,
                    value: f64::from(x),
                });
                return Ok(true);
            }
        }
        let mut values = fast_decode::recycle(std::mem::take(&mut self.values));
        let outcome = match fast_decode::scan_event(payload, &mut values) {
            Ok((wall_time, step)) => {
                for v in &values {
                    if let Some(plugin) = v.plugin {
                        self.plugins.note(v.tag, plugin);
                    }
                    let value = match v.kind {
                        Kind::Simple(x) => Some(f64::from(x)),
                        Kind::Tensor(t) if self.plugins.is_scalars(v.tag) => t.value(),
                        _ => None,
                    };
                    if let Some(value) = value {
                        f(ScalarRef {
                            tag: v.tag,
                            step,
                            wall_time,
                            value,
                        });
                    }
                }
                Ok(())
            }
            // Not an Event: prost says why. Should prost accept what the fast decoder
            // refused, prost's reading is the one that counts.
            Err(_) => {
                Event::decode(payload).map(|event| event_scalars(&event, &mut self.plugins, f))
            }
        };
        self.values = fast_decode::recycle(values);
        match outcome {
            Ok(()) => Ok(true),
            Err(source) => {
                let e = Error::Decode {
                    path: self.records.path().to_path_buf(),
                    offset,
                    source: Arc::new(source),
                };
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Reads every remaining event, calling `f` with each scalar. Returns `Ok(())` at the
    /// end of the file; errors as described on [`ScalarReader`] (after
    /// [`Error::Truncated`], calling again once the file has grown reads on).
    pub fn for_each_scalar(&mut self, mut f: impl FnMut(ScalarRef<'_>)) -> Result<()> {
        while self.read_event_scalars(&mut f)? {}
        Ok(())
    }
}

/// The scalars of a decoded event, by the rules of [`ScalarReader`].
fn event_scalars(event: &Event, plugins: &mut TagPlugins, mut f: impl FnMut(ScalarRef<'_>)) {
    let Some(proto::event::What::Summary(s)) = &event.what else {
        return;
    };
    for v in &s.value {
        if let Some(pd) = v.metadata.as_ref().and_then(|md| md.plugin_data.as_ref()) {
            plugins.note(&v.tag, &pd.plugin_name);
        }
        let value = match &v.value {
            Some(summary::value::Value::SimpleValue(x)) => Some(f64::from(*x)),
            Some(summary::value::Value::Tensor(t)) if plugins.is_scalars(&v.tag) => {
                tensor_scalar(t)
            }
            _ => None,
        };
        if let Some(value) = value {
            f(ScalarRef {
                tag: &v.tag,
                step: event.step,
                wall_time: event.wall_time,
                value,
            });
        }
    }
}

/// Whether the fast decoder behind [`ScalarReader`] accepts `payload` as an `Event`: a
/// hook for the fuzz checks, which compare it with prost. Not part of the supported API.
#[cfg(feature = "__test-hooks")]
#[doc(hidden)]
pub fn fast_decode_accepts(payload: &[u8]) -> bool {
    fast_decode::scan_event(payload, &mut Vec::new()).is_ok()
}

/// The single value of a one-element float tensor.
fn tensor_scalar(t: &proto::TensorProto) -> Option<f64> {
    use proto::DataType;
    let dtype = DataType::try_from(t.dtype).ok()?;
    let content = &t.tensor_content;
    match dtype {
        DataType::DtFloat => t.float_val.first().map(|&x| f64::from(x)).or_else(|| {
            let b: [u8; 4] = content.get(..4)?.try_into().ok()?;
            Some(f64::from(f32::from_le_bytes(b)))
        }),
        DataType::DtDouble => t.double_val.first().copied().or_else(|| {
            let b: [u8; 8] = content.get(..8)?.try_into().ok()?;
            Some(f64::from_le_bytes(b))
        }),
        _ => None,
    }
}
