//! Event files: naming, and the buffered background writer behind every
//! [`SummaryWriter`](crate::SummaryWriter).
//!
//! Logging calls encode each event straight into a pre-allocated *front* buffer while holding
//! a spin lock for little more than a memcpy (a spin lock because its release is a plain
//! store: one atomic read-modify-write per event instead of a mutex's two; waiting, for room
//! or for a flush, goes through the state mutex and its condition variables). One
//! background thread swaps that buffer for its empty *back* buffer, computes the record
//! checksums, and writes the bytes out: every flush interval, whenever the front buffer passes
//! a quarter of its size, on [`flush`](EventFile::flush), on [`close`](EventFile::close) and
//! on drop. The logging thread never touches the file.
//!
//! Memory is bounded: the two buffers hold `max_pending_bytes / 2` each. When the disk cannot
//! keep up and the front buffer is full, the logging thread waits until the background thread
//! has taken it (back-pressure). A single record larger than a buffer is still accepted; the
//! buffer grows for it and shrinks back after it is written.
//!
//! Failures: the first write or sync error stops the writer for good (every later call
//! returns it), and the file is cut back to the end of its last complete record, so that what
//! was written before the failure stays readable and nothing follows a half-written record.
//!
//! - `sink`: where the bytes go ([`Sink`]), and the upload barrier of a remote sink.
//! - `options`: the background writer's settings.
//! - `naming`: event file names, and creating a file under a new one; `host`: the host name
//!   in them.
//! - `buffer`: the front buffer and the state shared with the background thread.
//! - `file`: [`EventFile`], the handle logging calls append through.
//! - `worker`: the background thread.

mod buffer;
mod file;
mod host;
mod naming;
mod options;
mod sink;
mod worker;

pub(crate) use file::EventFile;
#[cfg(feature = "object-store")]
pub(crate) use host::hostname;
pub(crate) use naming::create_event_file;
#[cfg(feature = "object-store")]
pub(crate) use naming::{event_file_name, name_secs_among, next_file_counter};
pub(crate) use options::Options;
#[cfg(any(feature = "object-store", feature = "__test-hooks"))]
pub use sink::RemoteBarrier;
pub use sink::Sink;
