//! The upload thread's loop: PUTs, retries with backoff, and cancellation.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use object_store::{ObjectStore, PutOptions};
use tokio::sync::Notify;

use super::errors::is_permanent;
use super::uploader::Uploader;

/// First wait before a failed PUT is tried again.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between two tries of a failed PUT.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs `f` unless `cancel` is notified first.
async fn unless_cancelled<F: Future>(f: F, cancel: &Notify) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cancelled = pin!(cancel.notified());
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = f.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

impl Uploader {
    /// The uploader thread's loop: PUT the oldest segment not stored whole, whenever there is
    /// one; retry failures with backoff; stop once closing and everything is stored, or when
    /// `close` gives up.
    pub(super) async fn run(&self, store: &dyn ObjectStore) {
        let mut backoff = INITIAL_BACKOFF;
        loop {
            let next = {
                let mut st = self.state.lock();
                if st.give_up {
                    return;
                }
                match st.next_job(self.segment_uploads) {
                    Some(job) => {
                        let limit = match st.close_deadline {
                            Some(d) => d.saturating_duration_since(Instant::now()),
                            None => self.timeout,
                        };
                        st.put_requests += 1;
                        st.bytes_sent += job.len;
                        Some((job, limit))
                    }
                    // Closing, and everything is stored.
                    None if st.closing => return,
                    None => None,
                }
            };
            let Some((job, limit)) = next else {
                // Idle until new data or `close` (a notification sent before this wait is
                // kept as a permit, so none is lost).
                self.wake.notified().await;
                continue;
            };
            let put = store.put_opts(&job.key, job.payload.clone(), PutOptions::default());
            let Some(result) =
                unless_cancelled(tokio::time::timeout(limit, put), &self.cancel).await
            else {
                return;
            };
            let failure: Option<(Arc<dyn StdError + Send + Sync>, bool)> = match result {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => {
                    let permanent = is_permanent(&e);
                    Some((Arc::new(e), permanent))
                }
                Err(_elapsed) => Some((
                    Arc::new(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("PUT {} took longer than {limit:?}", job.key),
                    )),
                    false,
                )),
            };
            {
                let mut st = self.state.lock();
                match &failure {
                    None => {
                        st.stored(&job);
                        backoff = INITIAL_BACKOFF;
                    }
                    Some((e, permanent)) => {
                        st.retries += 1;
                        st.last_error = Some(e.clone());
                        st.permanent = *permanent;
                    }
                }
            }
            self.progress.notify_all();
            if failure.is_some() {
                let wait = {
                    let st = self.state.lock();
                    match st.close_deadline {
                        Some(d) => backoff.min(d.saturating_duration_since(Instant::now())),
                        None => backoff,
                    }
                };
                if unless_cancelled(tokio::time::sleep(wait), &self.cancel)
                    .await
                    .is_none()
                {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
