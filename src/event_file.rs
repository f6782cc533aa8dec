//! Event files: naming, and the buffered background writer behind every
//! [`SummaryWriter`](crate::SummaryWriter).
//!
//! Logging calls encode each event straight into a pre-allocated *front* buffer while holding
//! a mutex for little more than a memcpy. One background thread swaps that buffer for its
//! empty *back* buffer, computes the record checksums, and writes the bytes out: every
//! flush interval, whenever the front buffer passes a quarter of its size, on
//! [`flush`](EventFile::flush), on [`close`](EventFile::close) and on drop. The logging thread
//! never touches the file.
//!
//! Memory is bounded: the two buffers hold `max_pending_bytes / 2` each. When the disk cannot
//! keep up and the front buffer is full, the logging thread waits until the background thread
//! has taken it (back-pressure). A single record larger than a buffer is still accepted; the
//! buffer grows for it and shrinks back after it is written.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::record::{self, FOOTER_LEN, HEADER_LEN};

/// Where the background thread puts the bytes. A file in normal use; tests inject others.
pub(crate) trait Sink: Send + 'static {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    fn sync(&mut self) -> io::Result<()>;
}

impl Sink for File {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Write::write_all(self, buf)
    }
    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
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

struct State {
    /// Complete, unsealed records waiting for the background thread.
    front: Vec<u8>,
    /// The background thread's empty buffer, when it is not writing one.
    spare: Option<Vec<u8>>,
    /// Bytes accepted since the file was opened.
    appended: u64,
    /// Bytes written to the file (and synced, in durable mode).
    written: u64,
    /// Bytes someone is waiting to see written.
    flush_target: u64,
    /// Callers waiting for room in a full front buffer.
    waiting_for_room: usize,
    /// First failure of the background thread; returned by every later call.
    error: Option<Error>,
    /// No more appends; the background thread drains and exits.
    closing: bool,
    /// The background thread has exited.
    exited: bool,
}

struct Shared {
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

/// One open event file and its background writer.
pub(crate) struct EventFile {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `events.out.tfevents.<secs:010>.<hostname>.<pid>.<counter><suffix>`.
pub(crate) fn event_file_name(
    secs: u64,
    host: &str,
    pid: u32,
    counter: u64,
    suffix: &str,
) -> String {
    format!("events.out.tfevents.{secs:010}.{host}.{pid}.{counter}{suffix}")
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

/// Creates `dir` if needed and a new, uniquely named event file in it.
pub(crate) fn create_event_file(dir: &Path, suffix: &str) -> Result<(PathBuf, File)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating directory", dir, e))?;
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let host = hostname();
    let pid = std::process::id();
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(event_file_name(secs, &host, pid, counter, suffix));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            // Another writer (say, a process that reused our pid) took the name: next counter.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("creating event file", path, e)),
        }
    }
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
            state: Mutex::new(State {
                front: Vec::with_capacity(buf_cap),
                spare: Some(Vec::with_capacity(buf_cap)),
                appended: 0,
                written: 0,
                flush_target: 0,
                waiting_for_room: 0,
                error: None,
                closing: false,
                exited: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            buf_cap,
            threshold: (buf_cap / 4).clamp(1, 256 << 10),
            path,
        });
        let worker = Worker {
            shared: shared.clone(),
            sink,
            interval: opts.flush_interval,
            durable: opts.durable,
        };
        let thread = std::thread::Builder::new()
            .name("tensorboard-writer".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::io("starting writer thread for", shared.path.clone(), e))?;
        Ok(EventFile {
            shared,
            thread: Mutex::new(Some(thread)),
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
            record::append_unsealed(out, payload_len, write)
        })
    }

    /// Appends one record holding `payload`.
    pub(crate) fn append(&self, payload: &[u8]) -> Result<()> {
        self.append_with(payload.len(), |out| out.extend_from_slice(payload))
    }

    /// Appends a whole record frame, already encoded with [`record::append_unsealed`]. The
    /// fastest path: one memcpy under the lock.
    #[inline]
    pub(crate) fn append_unsealed_frame(&self, frame: &[u8]) -> Result<()> {
        self.append_frame(frame.len(), |out| out.extend_from_slice(frame))
    }

    /// Holds the lock while `write` appends exactly `rec` bytes of whole record frames.
    #[inline]
    fn append_frame(&self, rec: usize, write: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let mut st = self.shared.state.lock();
        if st.error.is_some() || st.closing || st.front.len() + rec > self.shared.buf_cap {
            self.wait_for_room(&mut st, rec)?;
        }
        let before = st.front.len();
        write(&mut st.front);
        debug_assert_eq!(st.front.len() - before, rec, "record length mismatch");
        st.appended += rec as u64;
        if before < self.shared.threshold && st.front.len() >= self.shared.threshold {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    #[cold]
    fn wait_for_room(&self, st: &mut MutexGuard<'_, State>, rec: usize) -> Result<()> {
        loop {
            if let Some(e) = &st.error {
                return Err(e.clone());
            }
            if st.closing {
                return Err(Error::Closed);
            }
            // An empty front buffer takes any record, however large, so nothing is refused
            // for its size.
            if st.front.is_empty() || st.front.len() + rec <= self.shared.buf_cap {
                return Ok(());
            }
            st.waiting_for_room += 1;
            self.shared.work.notify_one();
            self.shared.progress.wait(st);
            st.waiting_for_room -= 1;
        }
    }

    /// Returns once everything appended before the call is written (and synced in durable
    /// mode), or the background thread's error.
    pub(crate) fn flush(&self) -> Result<()> {
        let mut st = self.shared.state.lock();
        let target = st.appended;
        if st.written < target && !st.exited && st.error.is_none() {
            st.flush_target = st.flush_target.max(target);
            self.shared.work.notify_one();
            while st.written < target && !st.exited && st.error.is_none() {
                self.shared.progress.wait(&mut st);
            }
        }
        if let Some(e) = &st.error {
            return Err(e.clone());
        }
        if st.written < target {
            // The thread exited without writing everything and without an error: only a
            // panic inside it can do that.
            return Err(Error::WriteFailed {
                path: self.shared.path.clone(),
                source: Arc::new(io::Error::other("background writer thread stopped")),
            });
        }
        Ok(())
    }

    /// The background thread's error, if it has failed.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.shared.state.lock().error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Like [`check`](Self::check), and [`Error::Closed`] once the file is closing or closed.
    pub(crate) fn check_open(&self) -> Result<()> {
        let st = self.shared.state.lock();
        if let Some(e) = &st.error {
            return Err(e.clone());
        }
        if st.closing {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Writes everything, stops the background thread and waits for it. Later appends get
    /// [`Error::Closed`]. Idempotent: a second call returns the same result.
    pub(crate) fn close(&self) -> Result<()> {
        {
            let mut st = self.shared.state.lock();
            st.closing = true;
            self.shared.work.notify_one();
            self.shared.progress.notify_all();
        }
        if let Some(handle) = self.thread.lock().take() {
            // A panic in the thread is reported through `exited` below.
            let _ = handle.join();
        }
        let st = self.shared.state.lock();
        if let Some(e) = &st.error {
            return Err(e.clone());
        }
        if st.written < st.appended {
            return Err(Error::WriteFailed {
                path: self.shared.path.clone(),
                source: Arc::new(io::Error::other("background writer thread stopped")),
            });
        }
        Ok(())
    }
}

impl Drop for EventFile {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            // Drop cannot return the error; say it rather than lose it.
            eprintln!("tensorboard-writer: {e}");
        }
    }
}

struct Worker {
    shared: Arc<Shared>,
    sink: Box<dyn Sink>,
    interval: Duration,
    durable: bool,
}

/// Marks the thread as exited however it ends, so no caller waits for it forever.
struct ExitGuard(Arc<Shared>);
impl Drop for ExitGuard {
    fn drop(&mut self) {
        let mut st = self.0.state.lock();
        st.exited = true;
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
                    let has_data = !st.front.is_empty();
                    if has_data
                        && (due
                            || st.closing
                            || st.front.len() >= self.shared.threshold
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
                let back = std::mem::replace(&mut st.front, spare);
                // Callers blocked on a full buffer can go on.
                self.shared.progress.notify_all();
                (back, st.appended)
            };

            let result = self.write(&mut back);
            next_tick = Instant::now() + self.interval;

            back.clear();
            if back.capacity() > self.shared.buf_cap.saturating_mul(2) {
                // An oversized record grew this buffer; give the memory back.
                back = Vec::with_capacity(self.shared.buf_cap);
            }
            let mut st = self.shared.state.lock();
            st.spare = Some(back);
            match result {
                Ok(()) => st.written = target,
                Err(e) => {
                    st.error = Some(Error::WriteFailed {
                        path: self.shared.path.clone(),
                        source: Arc::new(e),
                    });
                }
            }
            self.shared.progress.notify_all();
            if st.error.is_some() {
                return;
            }
        }
    }

    fn write(&mut self, buf: &mut [u8]) -> io::Result<()> {
        record::fill_crcs(buf);
        self.sink.write_all(buf)?;
        if self.durable {
            self.sink.sync()?;
        }
        Ok(())
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
        assert_eq!(a, "events.out.tfevents.0000000999.host.42.0");
        assert_eq!(b, "events.out.tfevents.0000001000.host.42.1.v2");
        assert!(a < b);
    }

    #[test]
    fn two_files_created_in_the_same_second_differ() {
        let dir = tempfile::tempdir().unwrap();
        let (p1, _) = create_event_file(dir.path(), "").unwrap();
        let (p2, _) = create_event_file(dir.path(), "").unwrap();
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
        assert!(f.shared.state.lock().front.capacity() <= 512);
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
