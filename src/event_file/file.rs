//! [`EventFile`]: one open event file, the handle logging calls append through, and its
//! background writer's lifecycle (start, flush, close, drop).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};
use spin::mutex::SpinMutex;

use super::buffer::{Front, Shared, State};
use super::options::Options;
use super::sink::{RemoteBarrier, Sink};
use super::worker::{Worker, stopped_error};
use crate::error::{Error, Result};
use crate::wire::{self, FOOTER_LEN, HEADER_LEN};

/// One open event file and its background writer.
pub(crate) struct EventFile {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The sink's upload barrier, for a sink that stores its data remotely.
    remote: Option<Arc<dyn RemoteBarrier>>,
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
    #[cfg(feature = "__test-hooks")]
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::RecordReader;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Duration;

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
