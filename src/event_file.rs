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

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};
use spin::mutex::{SpinMutex, SpinMutexGuard};

use crate::error::{Error, Result};
use crate::wire::{self, FOOTER_LEN, HEADER_LEN};

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
    /// returns: the barrier [`EventFile::flush`] and [`EventFile::close`] wait on, from the
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

/// Settings of the background writer.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub flush_interval: Duration,
    pub max_pending_bytes: usize,
    pub durable: bool,
}

/// Smallest accepted `max_pending_bytes`.
pub(crate) const MIN_PENDING_BYTES: usize = 256;

/// What logging calls append to, behind its own spin lock (see [`Shared::front`]).
struct Front {
    /// Complete, unsealed records waiting for the background thread.
    buf: Vec<u8>,
    /// Bytes of the buffers the background thread has taken so far: with `buf.len()`, all
    /// bytes accepted since the file was opened (see [`Front::appended`]), without a
    /// counter to update on every append.
    taken: u64,
    /// The file is closing or failed, or its thread exited: appends take the slow path,
    /// which says which (from [`State`]). Set under the state lock.
    blocked: bool,
}

impl Front {
    /// Appends what `write` writes, exactly `rec` bytes of whole record frames; true when
    /// that took the buffer past `threshold` (time to wake the background thread).
    #[inline]
    fn push(&mut self, rec: usize, threshold: usize, write: impl FnOnce(&mut Vec<u8>)) -> bool {
        let before = self.buf.len();
        write(&mut self.buf);
        debug_assert_eq!(self.buf.len() - before, rec, "record length mismatch");
        before < threshold && self.buf.len() >= threshold
    }

    /// Bytes accepted since the file was opened.
    fn appended(&self) -> u64 {
        self.taken + self.buf.len() as u64
    }

    /// Hands the buffer to the background thread, `spare` taking its place; returns it
    /// and [`appended`](Self::appended) as of now.
    fn take(&mut self, spare: Vec<u8>) -> (Vec<u8>, u64) {
        // A spare holding bytes would count them as accepted.
        debug_assert!(spare.is_empty(), "the spare buffer must be empty");
        let appended = self.appended();
        self.taken = appended;
        (std::mem::replace(&mut self.buf, spare), appended)
    }
}

struct State {
    /// The background thread's empty buffer, when it is not writing one.
    spare: Option<Vec<u8>>,
    /// Bytes written to the file (and synced, in durable mode).
    written: u64,
    /// Bytes someone is waiting to see written.
    flush_target: u64,
    /// Callers waiting for room in a full front buffer.
    waiting_for_room: usize,
    /// First failure of the background thread; returned by every later call.
    error: Option<Error>,
    /// `error` was returned to a caller at least once (so the drop need not print it).
    error_returned: bool,
    /// No more appends; the background thread drains and exits.
    closing: bool,
    /// The background thread has exited.
    exited: bool,
    /// Most bytes held at once for data not yet written (front buffer plus the buffer being
    /// written), sampled by the background thread at each swap and after each write, which
    /// is where the sum peaks. Costs the logging thread nothing.
    peak_pending: usize,
}

impl State {
    /// The background thread's error, noted as returned to a caller.
    fn returned_error(&mut self) -> Option<Error> {
        let e = self.error.clone();
        self.error_returned |= e.is_some();
        e
    }
}

struct Shared {
    /// The front buffer, taken through [`Shared::front`]. A spin lock, because what it
    /// guards is a `memcpy` long and its release is a plain store: one atomic
    /// read-modify-write per logged event where a mutex takes two, about 10 ns of the ~50 an
    /// `add_scalar` costs (BENCHMARKS.md). When both are taken, `state` is taken first.
    front: SpinMutex<Front>,
    state: Mutex<State>,
    /// Wakes the background thread.
    work: Condvar,
    /// Wakes callers waiting for space or for a flush.
    progress: Condvar,
    /// Capacity of each buffer.
    buf_cap: usize,
    /// Front-buffer fill that wakes the background thread early.
    threshold: usize,
    path: PathBuf,
}

impl Shared {
    /// Takes the front buffer's lock: one compare-and-swap when it is free, which it
    /// nearly always is.
    #[inline]
    fn front(&self) -> SpinMutexGuard<'_, Front> {
        match self.front.try_lock() {
            Some(front) => front,
            None => self.front_contended(),
        }
    }

    /// Waits for the front buffer's lock: spins briefly, then yields the core, then sleeps,
    /// so that a holder that was descheduled (even one of lower real-time priority, which a
    /// waiter that only yields could starve) gets to run and release it.
    #[cold]
    fn front_contended(&self) -> SpinMutexGuard<'_, Front> {
        let mut waits = 0u32;
        loop {
            while self.front.is_locked() {
                waits += 1;
                if waits < 8 {
                    std::hint::spin_loop();
                } else if waits < 1024 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
            if let Some(front) = self.front.try_lock() {
                return front;
            }
        }
    }
}

/// One open event file and its background writer.
pub(crate) struct EventFile {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The sink's upload barrier, for a sink that stores its data remotely.
    remote: Option<Arc<dyn RemoteBarrier>>,
}

static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

const NAME_PREFIX: &str = "events.out.tfevents.";

/// `events.out.tfevents.<secs:010>.<hostname>.<pid>.<counter:06><suffix>`.
///
/// The counter is global to the process and zero-padded, so files a process creates in one
/// second sort in creation order.
pub(crate) fn event_file_name(
    secs: u64,
    host: &str,
    pid: u32,
    counter: u64,
    suffix: &str,
) -> String {
    format!("{NAME_PREFIX}{secs:010}.{host}.{pid}.{counter:06}{suffix}")
}

/// The seconds field of a name of the form `events.out.tfevents.<10 digits>.…`.
fn name_secs(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(NAME_PREFIX)?.get(..10)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The last (in name order) event file name of the `events.out.tfevents.<secs>` form in
/// `dir` that a new file created at `now` must sort after (see [`name_secs_after`]). Best
/// effort: an unreadable directory gives `None`.
fn last_event_file_name(dir: &Path, now: u64) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name_secs(name).is_some_and(|secs| must_follow(secs, now)))
        .max()
}

/// Whether a new file created at `now` must sort after an existing one dated `secs`: one
/// from this second or before, or from more than a second ahead (the clock went back since).
/// A file dated exactly one second ahead is one that was itself moved forward a second, by a
/// writer running beside this one: following it too would push the names of writers that
/// keep creating files in one directory further and further into the future, while the
/// order of files that are written at the same time cannot matter anyway.
fn must_follow(secs: u64, now: u64) -> bool {
    secs != now.saturating_add(1)
}

/// The seconds to put in a new file's name: `now`, or, when `last` (from
/// [`last_event_file_name`]) would sort after `candidate` (a file from another process or
/// host created in the same second, or a clock that went back), one second past `last`'s, so
/// that the new file sorts last. TensorBoard's Python loader reads a run's files in name
/// order and never returns to an earlier one, so a new file sorting before an old one would
/// never be read.
fn name_secs_after(now: u64, candidate: &str, last: Option<&str>) -> u64 {
    match last.and_then(|l| Some((l, name_secs(l)?))) {
        Some((last, secs)) if candidate <= last => now.max(secs.saturating_add(1)),
        _ => now,
    }
}

/// The seconds to put in the name of a new event file that is not in a local directory (an
/// object in object storage), given the names of the objects already beside it: the same
/// rule as [`create_event_file`]'s, with `candidate` the new name at `now`.
#[cfg(feature = "object-store")]
pub(crate) fn name_secs_among(now: u64, candidate: &str, existing: &[String]) -> u64 {
    let last = existing
        .iter()
        .filter(|name| name_secs(name).is_some_and(|secs| must_follow(secs, now)))
        .max();
    name_secs_after(now, candidate, last.map(String::as_str))
}

/// The next value of the process-wide counter in event file names.
#[cfg(feature = "object-store")]
pub(crate) fn next_file_counter() -> u64 {
    FILE_COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// This machine's host name, made safe for a file name.
pub(crate) fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_owned()
    } else {
        clean
    }
}

/// Creates `dir` if needed and a new, uniquely named event file in it, named to sort after
/// every event file already there (see [`name_secs_after`]). With `durable`, the directory
/// is synced too, so that the new file's name survives a power loss.
///
/// Names never collide: `create_new` refuses an existing name, and a taken name (another
/// process that reused our pid in the same second) moves on to the next counter.
pub(crate) fn create_event_file(
    dir: &Path,
    suffix: &str,
    durable: bool,
) -> Result<(PathBuf, File)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating directory", dir, e))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let host = hostname();
    let pid = std::process::id();
    let last = last_event_file_name(dir, now);
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = event_file_name(now, &host, pid, counter, suffix);
        let secs = name_secs_after(now, &candidate, last.as_deref());
        let path = dir.join(event_file_name(secs, &host, pid, counter, suffix));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => {
                if durable {
                    if let Err(e) = sync_dir(dir) {
                        // Leave no empty file behind for an error the caller gets.
                        drop(file);
                        let _ = std::fs::remove_file(&path);
                        return Err(e);
                    }
                }
                return Ok((path, file));
            }
            // Another writer (say, a process that reused our pid) took the name: next counter.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("creating event file", path, e)),
        }
    }
}

/// Syncs a directory, so that the entries just created in it are durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a directory; there is nothing more to do there.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(Error::io("syncing directory", dir, e)),
        Ok(()) => Ok(()),
    }
}

/// Directory entries cannot be synced separately here.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

impl Options {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_pending_bytes < MIN_PENDING_BYTES {
            return Err(Error::InvalidOption(
                "max_pending_bytes must be at least 256",
            ));
        }
        if self.flush_interval.is_zero() {
            return Err(Error::InvalidOption("flush_interval must be positive"));
        }
        Ok(())
    }
}

impl EventFile {
    /// Starts the background writer for `sink`, named `path` in errors.
    pub(crate) fn start(path: PathBuf, sink: Box<dyn Sink>, opts: &Options) -> Result<Self> {
        opts.validate()?;
        let buf_cap = opts.max_pending_bytes / 2;
        let shared = Arc::new(Shared {
            front: SpinMutex::new(Front {
                buf: Vec::with_capacity(buf_cap),
                taken: 0,
                blocked: false,
            }),
            state: Mutex::new(State {
                spare: Some(Vec::with_capacity(buf_cap)),
                written: 0,
                flush_target: 0,
                waiting_for_room: 0,
                error: None,
                error_returned: false,
                closing: false,
                exited: false,
                peak_pending: 0,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            buf_cap,
            threshold: (buf_cap / 4).clamp(1, 256 << 10),
            path,
        });
        let remote = sink.remote();
        let worker = Worker {
            shared: shared.clone(),
            sink,
            interval: opts.flush_interval,
            durable: opts.durable,
            good_len: 0,
        };
        let thread = std::thread::Builder::new()
            .name("tensorboard-writer".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::io("starting writer thread for", shared.path.clone(), e))?;
        Ok(EventFile {
            shared,
            thread: Mutex::new(Some(thread)),
            remote,
        })
    }

    /// The event file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Appends one record whose payload of exactly `payload_len` bytes is written by `write`
    /// into the shared buffer. Waits while the buffer is full.
    #[inline]
    pub(crate) fn append_with(
        &self,
        payload_len: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Result<()> {
        self.append_frame(HEADER_LEN + payload_len + FOOTER_LEN, |out| {
            wire::append_unsealed(out, payload_len, write)
        })
    }

    /// Appends one record holding `payload`.
    pub(crate) fn append(&self, payload: &[u8]) -> Result<()> {
        self.append_with(payload.len(), |out| out.extend_from_slice(payload))
    }

    /// Appends a whole record frame, already encoded with [`wire::append_unsealed`]. The
    /// fastest path: one memcpy under the lock.
    #[inline]
    pub(crate) fn append_unsealed_frame(&self, frame: &[u8]) -> Result<()> {
        self.append_frame(frame.len(), |out| out.extend_from_slice(frame))
    }

    /// Holds the front lock while `write` appends exactly `rec` bytes of whole record
    /// frames; takes the slow path when the buffer is full or the file closing or failed.
    #[inline]
    fn append_frame(&self, rec: usize, write: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let mut front = self.shared.front();
        if front.blocked || front.buf.len() + rec > self.shared.buf_cap {
            drop(front);
            return self.append_slow(rec, write);
        }
        let wake = front.push(rec, self.shared.threshold, write);
        drop(front);
        if wake {
            crate::clock::busy();
            // Under the state lock, so that the background thread cannot be between its
            // look at the buffer and its wait.
            let _st = self.shared.state.lock();
            self.shared.work.notify_one();
        }
        Ok(())
    }

    /// [`append_frame`](Self::append_frame) when the front buffer has no room, or the file
    /// is closing or failed: waits for room (back-pressure), or returns the error.
    #[cold]
    fn append_slow(&self, rec: usize, write: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let mut st = self.shared.state.lock();
        loop {
            if let Some(e) = st.returned_error() {
                return Err(e);
            }
            if st.closing {
                return Err(Error::Closed);
            }
            if st.exited {
                // Cannot happen: the thread only exits on close or with an error set.
                return Err(self.stopped());
            }
            {
                let mut front = self.shared.front();
                // An empty front buffer takes any record, however large, so nothing is
                // refused for its size.
                if front.buf.is_empty() || front.buf.len() + rec <= self.shared.buf_cap {
                    if front.push(rec, self.shared.threshold, write) {
                        crate::clock::busy();
                        // The state lock is held: the background thread is not between its
                        // look at the buffer and its wait.
                        self.shared.work.notify_one();
                    }
                    return Ok(());
                }
            }
            st.waiting_for_room += 1;
            self.shared.work.notify_one();
            self.shared.progress.wait(&mut st);
            st.waiting_for_room -= 1;
        }
    }

    /// Returns once everything appended before the call is written (and synced in durable
    /// mode), or the background thread's error. For a remote sink, then waits (on the
    /// caller's thread) until that data is stored remotely, or the sink's upload error.
    pub(crate) fn flush(&self) -> Result<()> {
        let started = Instant::now();
        let target = self.flush_local()?;
        match &self.remote {
            Some(remote) => remote.wait_stored(target, started),
            None => Ok(()),
        }
    }

    /// The background thread's part of [`flush`](Self::flush): returns the bytes appended
    /// before the call, once they are written to the sink.
    fn flush_local(&self) -> Result<u64> {
        let mut st = self.shared.state.lock();
        let target = self.shared.front().appended();
        if st.written < target && !st.exited && st.error.is_none() {
            st.flush_target = st.flush_target.max(target);
            self.shared.work.notify_one();
            while st.written < target && !st.exited && st.error.is_none() {
                self.shared.progress.wait(&mut st);
            }
        }
        if let Some(e) = st.returned_error() {
            return Err(e);
        }
        if st.written < target {
            // The thread exited without writing everything and without an error: only a
            // panic inside it can do that.
            return Err(self.stopped());
        }
        Ok(target)
    }

    fn stopped(&self) -> Error {
        stopped_error(&self.shared.path)
    }

    /// Most bytes held at once for data not yet written, since the file was opened.
    pub(crate) fn peak_pending_bytes(&self) -> usize {
        let st = self.shared.state.lock();
        st.peak_pending.max(self.shared.front().buf.len())
    }

    /// The background thread's error, if it has failed.
    pub(crate) fn check(&self) -> Result<()> {
        match self.shared.state.lock().returned_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Like [`check`](Self::check), and [`Error::Closed`] once the file is closing or closed.
    pub(crate) fn check_open(&self) -> Result<()> {
        let mut st = self.shared.state.lock();
        if let Some(e) = st.returned_error() {
            return Err(e);
        }
        if st.closing {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Writes everything, stops the background thread and waits for it. Later appends get
    /// [`Error::Closed`]. Idempotent: a second call returns the same result. For a remote
    /// sink, then stores the rest remotely and stops the uploads (see
    /// [`RemoteBarrier::close`]); the background thread's error comes first.
    pub(crate) fn close(&self) -> Result<()> {
        let local = self.close_local();
        match &self.remote {
            Some(remote) => {
                let remote = remote.close();
                local.and(remote)
            }
            None => local,
        }
    }

    /// The background thread's part of [`close`](Self::close).
    fn close_local(&self) -> Result<()> {
        {
            let mut st = self.shared.state.lock();
            st.closing = true;
            self.shared.front().blocked = true;
            self.shared.work.notify_one();
            self.shared.progress.notify_all();
        }
        if let Some(handle) = self.thread.lock().take() {
            // A panic in the thread is reported through `exited` below.
            let _ = handle.join();
        }
        let mut st = self.shared.state.lock();
        if let Some(e) = st.returned_error() {
            return Err(e);
        }
        if st.written < self.shared.front().appended() {
            return Err(self.stopped());
        }
        Ok(())
    }
}

fn stopped_error(path: &Path) -> Error {
    Error::WriteFailed {
        path: path.to_path_buf(),
        source: Arc::new(io::Error::other("the background writer thread stopped")),
    }
}

impl Drop for EventFile {
    /// Writes out what is pending, so that data logged before a panic (this drop running
    /// while the thread unwinds) or an early return reaches the file. Never panics: a panic
    /// here during unwinding would abort the process.
    fn drop(&mut self) {
        let already_returned = self.shared.state.lock().error_returned;
        let remote_closed = self.remote.as_ref().is_some_and(|r| r.closed());
        if let Err(e) = self.close_local() {
            if !already_returned {
                // Drop cannot return the error, and no call has; say it rather than lose it.
                // `eprintln!` would panic if stderr is gone, so that failure is ignored.
                let _ = writeln!(io::stderr(), "tensorboard-writer: {e}");
            }
        }
        // The final upload, after the background thread gave the sink everything.
        if let Some(remote) = &self.remote {
            if let Err(e) = remote.close() {
                if !remote_closed {
                    let _ = writeln!(io::stderr(), "tensorboard-writer: {e}");
                }
            }
        }
    }
}

struct Worker {
    shared: Arc<Shared>,
    sink: Box<dyn Sink>,
    interval: Duration,
    durable: bool,
    /// End of the last record written whole (and synced, in durable mode).
    good_len: u64,
}

/// Marks the thread as exited however it ends, so no caller waits for it forever. A panic
/// (a bug, or a panicking injected sink) becomes the writer's error, so that callers get it
/// instead of waiting for room that never comes.
struct ExitGuard(Arc<Shared>);
impl Drop for ExitGuard {
    fn drop(&mut self) {
        let mut st = self.0.state.lock();
        st.exited = true;
        self.0.front().blocked = true;
        if std::thread::panicking() && st.error.is_none() {
            st.error = Some(stopped_error(&self.0.path));
        }
        self.0.progress.notify_all();
    }
}

impl Worker {
    fn run(mut self) {
        let _guard = ExitGuard(self.shared.clone());
        let mut next_tick = Instant::now() + self.interval;
        loop {
            let (mut back, target) = {
                let mut st = self.shared.state.lock();
                loop {
                    let due = Instant::now() >= next_tick;
                    let len = self.shared.front().buf.len();
                    if len > 0
                        && (due
                            || st.closing
                            || len >= self.shared.threshold
                            || st.waiting_for_room > 0
                            || st.flush_target > st.written)
                    {
                        break;
                    }
                    if st.closing || st.error.is_some() {
                        return;
                    }
                    if due {
                        next_tick = Instant::now() + self.interval;
                    }
                    self.shared.work.wait_until(&mut st, next_tick);
                }
                let spare = st.spare.take().unwrap_or_default();
                let (back, appended) = {
                    let mut front = self.shared.front();
                    st.peak_pending = st.peak_pending.max(front.buf.len());
                    front.take(spare)
                };
                // Callers blocked on a full buffer can go on.
                self.shared.progress.notify_all();
                (back, appended)
            };

            let result = self.write(&mut back);
            next_tick = Instant::now() + self.interval;

            let written_len = back.len();
            back.clear();
            if back.capacity() > self.shared.buf_cap.saturating_mul(2) {
                // An oversized record grew this buffer; give the memory back.
                back = Vec::with_capacity(self.shared.buf_cap);
            }
            let mut st = self.shared.state.lock();
            // The front buffer only grew while `back` was being written: the peak is now.
            st.peak_pending = st
                .peak_pending
                .max(self.shared.front().buf.len() + written_len);
            st.spare = Some(back);
            match result {
                Ok(()) => st.written = target,
                Err(e) => {
                    st.error = Some(Error::WriteFailed {
                        path: self.shared.path.clone(),
                        source: Arc::new(e),
                    });
                    self.shared.front().blocked = true;
                }
            }
            self.shared.progress.notify_all();
            if st.error.is_some() {
                return;
            }
        }
    }

    /// Seals and writes `buf` (whole records). On failure, cuts the file back to the end of
    /// the last record written whole, so that no partial record is left for a reader to stop
    /// at, and nothing written later could follow one.
    fn write(&mut self, buf: &mut [u8]) -> io::Result<()> {
        wire::fill_crcs(buf);
        let result = self.sink.write_all(buf).and_then(|()| {
            if self.durable {
                self.sink.sync()
            } else {
                Ok(())
            }
        });
        match result {
            Ok(()) => {
                self.good_len += buf.len() as u64;
                Ok(())
            }
            Err(e) => match self.sink.truncate(self.good_len) {
                Ok(()) => Err(e),
                Err(t) => Err(io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; cutting the file back to its last complete record \
                         (byte {}) failed too: {t}",
                        self.good_len
                    ),
                )),
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::RecordReader;
    use std::sync::atomic::AtomicBool;

    /// A sink that keeps what it is given, can be slowed, and can be made to fail.
    #[derive(Clone, Default)]
    pub(crate) struct MemSink {
        pub data: Arc<Mutex<Vec<u8>>>,
        pub fail: Arc<AtomicBool>,
        pub gate: Arc<Mutex<()>>,
        pub syncs: Arc<AtomicU64>,
    }
    impl Sink for MemSink {
        fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
            let _held = self.gate.lock();
            if self.fail.load(Ordering::SeqCst) {
                return Err(io::Error::other("injected failure"));
            }
            self.data.lock().extend_from_slice(buf);
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            self.syncs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            self.data.lock().truncate(len as usize);
            Ok(())
        }
    }

    fn opts(max_pending: usize) -> Options {
        Options {
            flush_interval: Duration::from_secs(3600),
            max_pending_bytes: max_pending,
            durable: false,
        }
    }

    fn records(data: &[u8]) -> Vec<Vec<u8>> {
        let mut r = RecordReader::new(data);
        let mut out = Vec::new();
        while let Some(rec) = r.read_record().unwrap() {
            out.push(rec.to_vec());
        }
        out
    }

    #[test]
    fn file_names_sort_by_time_and_hold_pid_and_counter() {
        let a = event_file_name(999, "host", 42, 0, "");
        let b = event_file_name(1_000, "host", 42, 1, ".v2");
        assert_eq!(a, "events.out.tfevents.0000000999.host.42.000000");
        assert_eq!(b, "events.out.tfevents.0000001000.host.42.000001.v2");
        assert!(a < b);
        // Writer 10 of a process sorts after writer 9 of the same second.
        assert!(event_file_name(5, "h", 1, 9, "") < event_file_name(5, "h", 1, 10, ""));
        assert_eq!(name_secs(&a), Some(999));
        assert_eq!(name_secs("events.out.tfevents.12.h"), None);
        assert_eq!(name_secs("x.events.out.tfevents.0000000999.h"), None);
    }

    #[test]
    fn new_names_sort_after_every_existing_file() {
        let ours = event_file_name(1_000, "host", 99_999, 0, "");
        // Nothing there, or everything there sorts before: the time as it is.
        assert_eq!(name_secs_after(1_000, &ours, None), 1_000);
        let older = event_file_name(999, "zzz", 1, 0, "");
        assert_eq!(name_secs_after(1_000, &ours, Some(&older)), 1_000);
        // Same second, a name that sorts after ours (another host, or a restarted process
        // whose pid has more digits): one second later.
        for last in [
            event_file_name(1_000, "zzz", 1, 0, ""),
            event_file_name(1_000, "host", 100_000, 0, "").replace("100000", "9999999"),
        ] {
            let secs = name_secs_after(1_000, &ours, Some(&last));
            assert_eq!(secs, 1_001);
            assert!(event_file_name(secs, "host", 99_999, 0, "") > last);
        }
        // Files to follow: this second, earlier, or far ahead; not one second ahead (a
        // writer beside us that moved its own name forward).
        assert!(must_follow(1_000, 1_000) && must_follow(999, 1_000) && must_follow(1_002, 1_000));
        assert!(!must_follow(1_001, 1_000));
        // A clock that went back an hour.
        let future = event_file_name(4_600, "host", 7, 3, ".v2");
        let secs = name_secs_after(1_000, &ours, Some(&future));
        assert_eq!(secs, 4_601);
        assert!(event_file_name(secs, "host", 99_999, 0, "") > future);
    }

    #[test]
    fn two_files_created_in_the_same_second_differ() {
        let dir = tempfile::tempdir().unwrap();
        let (p1, _) = create_event_file(dir.path(), "", false).unwrap();
        let (p2, _) = create_event_file(dir.path(), "", true).unwrap();
        assert!(p1 < p2);
        assert_ne!(p1, p2);
        assert!(p1
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains("tfevents"));
    }

    #[test]
    fn flush_is_a_barrier() {
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1 << 20)).unwrap();
        for i in 0..100u32 {
            f.append(&i.to_le_bytes()).unwrap();
        }
        f.flush().unwrap();
        let recs = records(&sink.data.lock());
        assert_eq!(recs.len(), 100);
        assert_eq!(recs[99], 99u32.to_le_bytes());
    }

    #[test]
    fn timer_writes_without_a_flush() {
        let sink = MemSink::default();
        let mut o = opts(1 << 20);
        o.flush_interval = Duration::from_millis(20);
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &o).unwrap();
        f.append(b"tick").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while sink.data.lock().is_empty() {
            assert!(Instant::now() < deadline, "timer never wrote the data");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(records(&sink.data.lock()), vec![b"tick".to_vec()]);
    }

    #[test]
    fn passing_a_quarter_of_the_buffer_wakes_the_writer_every_time() {
        // No timer within the test: only the callers' wake-ups can get the data written.
        // 4 KiB buffers wake at 1 KiB; each round crosses it once, from a fresh buffer.
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(8192)).unwrap();
        let payload = [7u8; 84]; // 100-byte records
        for round in 1..=50usize {
            for _ in 0..11 {
                f.append(&payload).unwrap();
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while records(&sink.data.lock()).len() < round * 11 {
                assert!(
                    Instant::now() < deadline,
                    "round {round}: the background thread was not woken"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    #[test]
    fn full_buffer_blocks_the_caller_until_the_disk_catches_up() {
        let sink = MemSink::default();
        let f =
            Arc::new(EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1024)).unwrap());
        let gate = sink.gate.lock(); // the "disk" is stuck
        let done = Arc::new(AtomicU64::new(0));
        let (f2, done2) = (f.clone(), done.clone());
        let t = std::thread::spawn(move || {
            for _ in 0..200 {
                f2.append(&[1u8; 48]).unwrap();
                done2.fetch_add(1, Ordering::SeqCst);
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        let stuck_at = done.load(Ordering::SeqCst);
        // Two 512-byte buffers of 64-byte records: at most 16 accepted while the disk is stuck.
        assert!(
            stuck_at <= 16,
            "caller was not held back: {stuck_at} records accepted"
        );
        assert!(f.shared.front().buf.capacity() <= 512);
        drop(gate);
        t.join().unwrap();
        f.flush().unwrap();
        assert_eq!(records(&sink.data.lock()).len(), 200);
    }

    #[test]
    fn oversized_record_is_accepted_whole() {
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(256)).unwrap();
        let big = vec![9u8; 10_000];
        f.append(b"a").unwrap();
        f.append(&big).unwrap();
        f.append(b"b").unwrap();
        f.flush().unwrap();
        assert_eq!(
            records(&sink.data.lock()),
            vec![b"a".to_vec(), big, b"b".to_vec()]
        );
    }

    #[test]
    fn write_error_is_sticky_and_reaches_every_call() {
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1 << 20)).unwrap();
        f.append(b"ok").unwrap();
        f.flush().unwrap();
        sink.fail.store(true, Ordering::SeqCst);
        f.append(b"lost?").unwrap();
        let e = f.flush().unwrap_err();
        assert!(matches!(e, Error::WriteFailed { .. }), "{e:?}");
        assert!(e.to_string().contains("injected failure"));
        assert!(matches!(f.append(b"later"), Err(Error::WriteFailed { .. })));
        assert!(matches!(f.flush(), Err(Error::WriteFailed { .. })));
        assert!(matches!(f.check(), Err(Error::WriteFailed { .. })));
        assert!(matches!(f.close(), Err(Error::WriteFailed { .. })));
    }

    /// Accepts `budget` bytes, then fails every write; like a disk that fills up, it keeps
    /// the first part of the write that fails.
    #[derive(Clone)]
    struct FillingSink {
        data: Arc<Mutex<Vec<u8>>>,
        budget: Arc<AtomicU64>,
        truncations: Arc<Mutex<Vec<u64>>>,
    }
    impl Sink for FillingSink {
        fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
            let room = self.budget.load(Ordering::SeqCst) as usize;
            let n = room.min(buf.len());
            self.data.lock().extend_from_slice(&buf[..n]);
            self.budget.fetch_sub(n as u64, Ordering::SeqCst);
            if n < buf.len() {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            self.truncations.lock().push(len);
            self.data.lock().truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_partial_write_is_cut_back_to_the_last_whole_record() {
        let sink = FillingSink {
            data: Arc::default(),
            budget: Arc::new(AtomicU64::new(1_050)),
            truncations: Arc::default(),
        };
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1 << 20)).unwrap();
        let mut flushed = 0;
        let err = loop {
            // 10 records of 100 bytes per flush: the 1000-byte budget ends mid-record.
            for _ in 0..10 {
                f.append(&[7u8; 84]).unwrap();
            }
            match f.flush() {
                Ok(()) => flushed += 10,
                Err(e) => break e,
            }
        };
        assert!(matches!(&err, Error::WriteFailed { source, .. }
            if source.kind() == io::ErrorKind::StorageFull));
        // The second flush fails 50 bytes into its first record.
        assert_eq!(flushed, 10);
        assert_eq!(*sink.truncations.lock(), vec![1_000]);
        let data = sink.data.lock().clone();
        assert_eq!(data.len(), 1_000, "no half record left behind");
        assert_eq!(records(&data).len(), 10);
        assert!(matches!(f.append(b"x"), Err(Error::WriteFailed { .. })));
        assert!(matches!(f.close(), Err(Error::WriteFailed { .. })));
    }

    struct PanickingSink;
    impl Sink for PanickingSink {
        fn write_all(&mut self, _: &[u8]) -> io::Result<()> {
            panic!("injected panic in the sink");
        }
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn truncate(&mut self, _: u64) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_dead_writer_thread_is_an_error_not_a_hang() {
        let f = EventFile::start("mem".into(), Box::new(PanickingSink), &opts(256)).unwrap();
        f.append(&[0u8; 100]).unwrap();
        assert!(matches!(f.flush(), Err(Error::WriteFailed { .. })));
        // The buffer (128 bytes) is full after one more record; the next would wait for
        // room forever if the thread's death were not an error.
        for _ in 0..10 {
            assert!(matches!(
                f.append(&[0u8; 100]),
                Err(Error::WriteFailed { .. })
            ));
        }
        assert!(matches!(f.close(), Err(Error::WriteFailed { .. })));
    }

    #[test]
    fn peak_pending_stays_within_the_bound() {
        let sink = MemSink::default();
        let f =
            Arc::new(EventFile::start("mem".into(), Box::new(sink.clone()), &opts(4096)).unwrap());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let f = f.clone();
                std::thread::spawn(move || {
                    for _ in 0..5_000 {
                        f.append(&[1u8; 20]).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        f.close().unwrap();
        let peak = f.peak_pending_bytes();
        assert!(peak > 0 && peak <= 4096, "peak {peak}");
        assert_eq!(records(&sink.data.lock()).len(), 20_000);
    }

    #[test]
    fn close_writes_everything_then_refuses() {
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1 << 20)).unwrap();
        f.append(b"last words").unwrap();
        f.close().unwrap();
        assert_eq!(records(&sink.data.lock()), vec![b"last words".to_vec()]);
        assert!(matches!(f.append(b"x"), Err(Error::Closed)));
        f.close().unwrap();
        f.flush().unwrap();
    }

    #[test]
    fn drop_writes_everything() {
        let sink = MemSink::default();
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &opts(1 << 20)).unwrap();
        f.append(b"bye").unwrap();
        drop(f);
        assert_eq!(records(&sink.data.lock()), vec![b"bye".to_vec()]);
    }

    #[test]
    fn durable_mode_syncs_before_flush_returns() {
        let sink = MemSink::default();
        let mut o = opts(1 << 20);
        o.durable = true;
        let f = EventFile::start("mem".into(), Box::new(sink.clone()), &o).unwrap();
        f.append(b"x").unwrap();
        f.flush().unwrap();
        assert_eq!(sink.syncs.load(Ordering::SeqCst), 1);
        let plain = MemSink::default();
        let g = EventFile::start("mem".into(), Box::new(plain.clone()), &opts(1 << 20)).unwrap();
        g.append(b"x").unwrap();
        g.flush().unwrap();
        assert_eq!(plain.syncs.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn bad_options_are_errors() {
        assert!(matches!(
            EventFile::start("m".into(), Box::new(MemSink::default()), &opts(10)),
            Err(Error::InvalidOption(_))
        ));
        let mut o = opts(1 << 20);
        o.flush_interval = Duration::ZERO;
        assert!(matches!(
            EventFile::start("m".into(), Box::new(MemSink::default()), &o),
            Err(Error::InvalidOption(_))
        ));
    }
}
