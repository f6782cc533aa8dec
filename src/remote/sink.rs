//! The [`Sink`] the event-file writer writes into: hands whole records to the uploader.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use super::uploader::{Uploader, after};
use crate::event_file::{RemoteBarrier, Sink};

/// The [`Sink`] the event-file writer writes into: hands whole records to the uploader.
/// Waits while the spool is full, at most `upload_timeout`.
pub(crate) struct ObjectSink {
    pub(super) up: Arc<Uploader>,
}

impl Sink for ObjectSink {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let up = &*self.up;
        let deadline = after(Instant::now(), up.timeout);
        let mut st = up.lock();
        loop {
            if st.exited || st.give_up {
                return Err(io::Error::other(format!(
                    "the upload thread for {} stopped",
                    up.url
                )));
            }
            let pending = st.pending();
            if pending == 0 || pending + buf.len() as u64 <= up.max_spool_bytes {
                break;
            }
            if up.progress.wait_until(&mut st, deadline).timed_out() {
                let pending = st.pending();
                if pending > 0 && pending + buf.len() as u64 > up.max_spool_bytes {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        up.timeout_error(&st),
                    ));
                }
            }
        }
        st.push_records(up, buf);
        drop(st);
        up.wake.notify_one();
        Ok(())
    }

    /// Object stores have no `fsync`: what a PUT stored is durable. A no-op.
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// The sink never takes part of a buffer, so after a failed write there is nothing to
    /// cut back; data the store may already hold cannot be taken back.
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let accepted = self.up.lock().accepted;
        if len >= accepted {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "cannot cut {} back to byte {len}: {accepted} bytes were handed to the uploader",
                self.up.url
            )))
        }
    }

    fn remote(&self) -> Option<Arc<dyn RemoteBarrier>> {
        Some(self.up.clone())
    }
}
