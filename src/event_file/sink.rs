//! Where an event file's bytes go: the [`Sink`] the background thread writes into (the file
//! itself, or a test's or object storage's), and the upload barrier of a remote one.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::time::Instant;

use crate::error::Result;

/// Where the background thread puts an event file's bytes: the file itself in normal use.
///
/// Not part of the supported API: a hook for tests that inject I/O failures, through
/// `SummaryWriterBuilder::build_with_sink`.
#[doc(hidden)]
pub trait Sink: Send + 'static {
    /// Writes all of `buf` at the end of what was written so far.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Makes what was written durable (`fsync`).
    fn sync(&mut self) -> io::Result<()>;
    /// Cuts the data back to its first `len` bytes, and makes the next write go there. Called
    /// after a failed write or sync, with `len` the end of the last record written whole.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
    /// For a sink whose data goes on to remote storage (object storage) after `write_all`
    /// returns: the barrier [`EventFile::flush`](super::file::EventFile::flush) and
    /// [`EventFile::close`](super::file::EventFile::close) wait on, from the
    /// caller's thread, so that the background thread never waits for the network. `None`
    /// (the default) for a sink that holds the data once `write_all` (and `sync`) return.
    fn remote(&self) -> Option<Arc<dyn RemoteBarrier>> {
        None
    }
}

/// The upload side of a [`Sink`] whose data goes on to remote storage. Byte counts are of
/// the stream of bytes given to the sink's `write_all`, which are the event file's bytes.
///
/// Not part of the supported API (see [`Sink`]).
#[doc(hidden)]
pub trait RemoteBarrier: Send + Sync {
    /// Returns once the first `len` bytes given to the sink are stored remotely, or an error
    /// when they are not by the sink's own timeout counted from `started`. Later calls may
    /// succeed: data not stored is kept and the uploads go on.
    fn wait_stored(&self, len: u64, started: Instant) -> Result<()>;
    /// Called once the background thread has given the sink everything: stores the rest
    /// (within the sink's timeout) and stops the uploads. Idempotent: later calls return the
    /// first call's result.
    fn close(&self) -> Result<()>;
    /// Whether [`close`](Self::close) was called (so that its result reached a caller).
    fn closed(&self) -> bool;
}

impl Sink for File {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Write::write_all(self, buf)
    }
    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)?;
        self.seek(SeekFrom::Start(len)).map(drop)
    }
}
