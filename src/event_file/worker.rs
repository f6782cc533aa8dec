//! The background thread: takes the front buffer, seals its records and writes them out;
//! its first failure stops the writer for good.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::buffer::Shared;
use super::sink::Sink;
use crate::error::Error;
use crate::wire;

pub(super) fn stopped_error(path: &Path) -> Error {
    Error::WriteFailed {
        path: path.to_path_buf(),
        source: Arc::new(io::Error::other("the background writer thread stopped")),
    }
}

pub(super) struct Worker {
    pub(super) shared: Arc<Shared>,
    pub(super) sink: Box<dyn Sink>,
    pub(super) interval: Duration,
    pub(super) durable: bool,
    /// End of the last record written whole (and synced, in durable mode).
    pub(super) good_len: u64,
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
    pub(super) fn run(mut self) {
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
