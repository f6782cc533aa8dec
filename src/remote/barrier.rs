//! `flush` and `close` of a writer logging to object storage: waiting, on the caller's
//! thread, until the store holds the data.

use std::time::Instant;

use super::uploader::{Uploader, after};
use crate::error::Result;
use crate::event_file::RemoteBarrier;

impl RemoteBarrier for Uploader {
    fn wait_stored(&self, len: u64, started: Instant) -> Result<()> {
        let deadline = after(started, self.timeout);
        let mut st = self.lock();
        loop {
            if st.stored >= len {
                return Ok(());
            }
            if let Some(e) = self.early_error(&st) {
                return Err(e);
            }
            if self.progress.wait_until(&mut st, deadline).timed_out() && st.stored < len {
                return Err(self
                    .early_error(&st)
                    .unwrap_or_else(|| self.timeout_error(&st)));
            }
        }
    }

    fn close(&self) -> Result<()> {
        {
            let mut st = self.lock();
            if let Some(r) = &st.close_result {
                return r.clone();
            }
            let deadline = after(Instant::now(), self.timeout);
            st.closing = true;
            st.close_deadline.get_or_insert(deadline);
            self.wake.notify_one();
            while st.stored < st.accepted && !st.exited && !st.permanent {
                if self.progress.wait_until(&mut st, deadline).timed_out() {
                    break;
                }
            }
            if st.stored < st.accepted {
                st.give_up = true;
                self.cancel.notify_one();
                self.wake.notify_one();
            }
        }
        if let Some(handle) = self.thread.lock().take() {
            // A panic in the thread is reported through `exited` and `last_error`.
            let _ = handle.join();
        }
        let mut st = self.lock();
        let result = if st.stored < st.accepted {
            Err(match &st.last_error {
                Some(e) if st.permanent => self.upload_error(&st, e.clone()),
                _ => self.timeout_error(&st),
            })
        } else {
            Ok(())
        };
        st.close_result = Some(result.clone());
        result
    }

    fn closed(&self) -> bool {
        self.lock().close_result.is_some()
    }
}
