//! Reading event files back: [`EventReader`] for one file, [`read_events`] and
//! [`read_scalars`] for a whole run directory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::{self, summary, Event};
use crate::record::RecordReader;

/// Iterates the events of one event file, checking both checksums of every record.
///
/// Three ways a read can end are told apart:
/// - the end of the file, between records: `Ok(None)` from
///   [`read_event`](Self::read_event);
/// - a final record that is not complete yet ([`Error::Truncated`]): what a file looks like
///   while its writer is mid-write, or after the writer was killed. Not corruption; call again
///   once the file has grown and reading resumes where it stopped;
/// - damage ([`Error::CorruptRecord`] for a failed checksum, [`Error::Decode`] for a payload
///   that is not an `Event`): reading cannot go past it.
///
/// As an [`Iterator`], it yields each event, then at most one error: corruption ends the
/// iteration for good, and `Truncated` ends it until the file grows (calling
/// [`next`](Iterator::next) again later resumes).
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let w = tensorboard_writer::SummaryWriter::new(dir.path())?;
/// # w.add_scalar("loss", 0.5f32, 1u32)?;
/// # w.close()?;
/// # let path = w.path();
/// use tensorboard_writer::EventReader;
///
/// for event in EventReader::open(path)? {
///     let event = event?;
///     println!("step {} at {}", event.step, event.wall_time);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventReader<R> {
    records: RecordReader<R>,
    /// The (offset, bytes available) of the last truncation reported by the iterator.
    reported_truncation: Option<(u64, u64)>,
    failed: bool,
}

impl EventReader<File> {
    /// Opens the event file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
        Ok(EventReader {
            records: RecordReader::with_path(file, path),
            reported_truncation: None,
            failed: false,
        })
    }
}

impl<R: Read> EventReader<R> {
    /// A reader over any byte stream of records.
    pub fn new(inner: R) -> Self {
        EventReader {
            records: RecordReader::new(inner),
            reported_truncation: None,
            failed: false,
        }
    }

    /// Offset of the next record in the stream.
    pub fn offset(&self) -> u64 {
        self.records.offset()
    }

    /// Reads the next event: `Ok(None)` at the end of the file, [`Error::Truncated`] when the
    /// file ends inside a record (resumable), other errors for damage.
    pub fn read_event(&mut self) -> Result<Option<Event>> {
        let offset = self.records.offset();
        let path = self.records.path().to_path_buf();
        match self.records.read_record()? {
            None => Ok(None),
            Some(payload) => Event::decode(payload)
                .map(Some)
                .map_err(|source| Error::Decode {
                    path,
                    offset,
                    source,
                }),
        }
    }
}

impl<R: Read> Iterator for EventReader<R> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.read_event() {
            Ok(Some(e)) => {
                self.reported_truncation = None;
                Some(Ok(e))
            }
            Ok(None) => None,
            Err(Error::Truncated {
                path,
                offset,
                available,
                needed,
            }) => {
                if self.reported_truncation == Some((offset, available)) {
                    return None; // nothing new since we said so
                }
                self.reported_truncation = Some((offset, available));
                Some(Err(Error::Truncated {
                    path,
                    offset,
                    available,
                    needed,
                }))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// The event files directly in `run_dir` (names containing `tfevents`), in name order,
/// which is the order TensorBoard reads them in.
pub fn event_files(run_dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let dir = run_dir.as_ref();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("listing", dir, e))? {
        let entry = entry.map_err(|e| Error::io("listing", dir, e))?;
        let is_file = entry
            .file_type()
            .map_err(|e| Error::io("listing", dir, e))?
            .is_file();
        if is_file && entry.file_name().to_string_lossy().contains("tfevents") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Every event of every event file in `run_dir`, file by file in name order.
///
/// A truncated final record (a writer mid-write or killed) ends its file quietly, as it does
/// in TensorBoard; corruption is an error.
pub fn read_events(run_dir: impl AsRef<Path>) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for path in event_files(run_dir)? {
        let mut reader = EventReader::open(&path)?;
        loop {
            match reader.read_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) | Err(Error::Truncated { .. }) => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(events)
}

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
/// TensorFlow 2 and TensorBoard's own writer write).
pub fn read_scalars(run_dir: impl AsRef<Path>) -> Result<ScalarSeries> {
    let mut series = ScalarSeries::new();
    let mut plugin_of: BTreeMap<String, String> = BTreeMap::new();
    for event in read_events(run_dir)? {
        let Some(proto::event::What::Summary(s)) = event.what else {
            continue;
        };
        for v in s.value {
            if let Some(md) = &v.metadata {
                if let Some(pd) = &md.plugin_data {
                    plugin_of
                        .entry(v.tag.clone())
                        .or_insert_with(|| pd.plugin_name.clone());
                }
            }
            let value = match &v.value {
                Some(summary::value::Value::SimpleValue(x)) => Some(f64::from(*x)),
                Some(summary::value::Value::Tensor(t))
                    if plugin_of.get(&v.tag).map(String::as_str) == Some("scalars") =>
                {
                    tensor_scalar(t)
                }
                _ => None,
            };
            if let Some(value) = value {
                series.entry(v.tag).or_default().push(ScalarPoint {
                    step: event.step,
                    wall_time: event.wall_time,
                    value,
                });
            }
        }
    }
    Ok(series)
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
