//! One event file as `Event`s ([`EventReader`]), and a run directory's event files in name
//! order ([`event_files`], [`read_events`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::Event;
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
/// use tensorboard_writer::reader::EventReader;
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
        let file = File::open(path).map_err(|e| Error::read("opening", path, e))?;
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
        match self.records.read_record()? {
            None => Ok(None),
            Some(payload) => match Event::decode(payload) {
                Ok(event) => Ok(Some(event)),
                // The path is cloned only on failure: one allocation fewer per event.
                Err(source) => Err(Error::Decode {
                    path: self.records.path().to_path_buf(),
                    offset,
                    source: Arc::new(source),
                }),
            },
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
    for entry in std::fs::read_dir(dir).map_err(|e| Error::read("listing", dir, e))? {
        let entry = entry.map_err(|e| Error::read("listing", dir, e))?;
        let is_file = entry
            .file_type()
            .map_err(|e| Error::read("listing", dir, e))?
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
