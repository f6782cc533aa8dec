//! The [`Uploader`]: the state shared by the upload thread, the sink the event-file writer
//! writes into, and the callers of `flush`, `close` and `upload_status`; and the segment
//! objects the event stream is cut into.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use object_store::PutPayload;
use object_store::path::Path as ObjPath;
use parking_lot::{Condvar, Mutex, MutexGuard};
use tokio::sync::Notify;

use crate::error::Result;
use crate::wire::{FOOTER_LEN, HEADER_LEN};

/// One segment object: its bytes so far and how much of them the store holds.
pub(super) struct Segment {
    pub(super) key: ObjPath,
    /// Offset of its first byte in the event stream.
    start: u64,
    chunks: Vec<Bytes>,
    len: u64,
    /// Bytes of it the store holds (the length at its last successful PUT).
    stored_len: u64,
    /// Successful PUTs of it.
    puts: u32,
    /// No more data goes into it; once stored whole, it is done.
    pub(super) sealed: bool,
}

#[derive(Default)]
pub(super) struct UpState {
    /// `events.out.tfevents.<secs>.<host>.<pid>.<counter>`, once the uploader has listed the
    /// prefix.
    pub(super) stem: Option<String>,
    /// Segments not yet done, oldest first; the last one takes new data unless sealed.
    pub(super) segs: VecDeque<Segment>,
    /// Segments started.
    pub(super) next_seg: u64,
    pub(super) accepted: u64,
    pub(super) stored: u64,
    pub(super) put_requests: u64,
    pub(super) bytes_sent: u64,
    pub(super) retries: u64,
    /// The last failed PUT's error, cleared by a success.
    pub(super) last_error: Option<Arc<dyn StdError + Send + Sync>>,
    /// That error is one that retrying will not fix (a missing bucket, denied access).
    pub(super) permanent: bool,
    pub(super) closing: bool,
    /// When `close` gives up: no PUT or wait of the uploader runs past it.
    pub(super) close_deadline: Option<Instant>,
    /// Stop at once, storing nothing more.
    pub(super) give_up: bool,
    pub(super) exited: bool,
    pub(super) close_result: Option<Result<()>>,
}

/// A PUT to make: the whole segment `seg` (its index in `segs` is 0) as it is now.
pub(super) struct Job {
    pub(super) key: ObjPath,
    pub(super) payload: PutPayload,
    pub(super) len: u64,
}

impl UpState {
    pub(super) fn pending(&self) -> u64 {
        self.accepted - self.stored
    }

    /// The PUT to make next, if any: the oldest segment that is not stored whole. Done
    /// segments are dropped; a segment about to be uploaded for the `segment_uploads`-th time
    /// is sealed first, so that this upload is its last.
    pub(super) fn next_job(&mut self, segment_uploads: u32) -> Option<Job> {
        while let Some(front) = self.segs.front() {
            if front.sealed && front.stored_len == front.len {
                self.segs.pop_front();
            } else {
                break;
            }
        }
        let front = self.segs.front_mut()?;
        if front.stored_len == front.len {
            return None;
        }
        if front.puts + 1 >= segment_uploads {
            front.sealed = true;
        }
        Some(Job {
            key: front.key.clone(),
            payload: front.chunks.iter().cloned().collect(),
            len: front.len,
        })
    }

    /// Records the success of `job`, the PUT of the oldest segment.
    pub(super) fn stored(&mut self, job: &Job) {
        if let Some(front) = self.segs.front_mut() {
            if front.key == job.key {
                front.stored_len = front.stored_len.max(job.len);
                front.puts += 1;
                self.stored = self.stored.max(front.start + front.stored_len);
            }
        }
        self.last_error = None;
        self.permanent = false;
    }

    /// The segment new data goes into: the last one, or a new one if it is sealed or full for
    /// a record of `rec` bytes.
    fn segment_for(&mut self, up: &Uploader, rec: u64) -> &mut Segment {
        let need_new = match self.segs.back_mut() {
            None => true,
            Some(s) if s.sealed => true,
            Some(s) if s.len > 0 && s.len + rec > up.segment_bytes => {
                s.sealed = true;
                true
            }
            Some(_) => false,
        };
        if need_new {
            let index = self.next_seg;
            self.next_seg += 1;
            let stem = self.stem.as_deref().unwrap_or("events.out.tfevents");
            let key = up
                .prefix
                .clone()
                .join(format!("{stem}.{index:06}{}", up.suffix));
            self.segs.push_back(Segment {
                key,
                start: self.accepted,
                chunks: Vec::new(),
                len: 0,
                stored_len: 0,
                puts: 0,
                sealed: false,
            });
        }
        // Just pushed, or checked above.
        let last = self.segs.len() - 1;
        &mut self.segs[last]
    }

    /// Adds `buf` (whole records) to the segments, never splitting a record, and starting a
    /// new segment where the next record would take the current one past `segment_bytes`.
    pub(super) fn push_records(&mut self, up: &Uploader, mut buf: &[u8]) {
        while !buf.is_empty() {
            let first = record_len(buf);
            let seg = self.segment_for(up, first as u64);
            let room = up.segment_bytes.saturating_sub(seg.len);
            // Whole records that fit; at least one (a record larger than a segment gets a
            // segment of its own).
            let mut take = first;
            while take < buf.len() {
                let next = record_len(&buf[take..]);
                if (take + next) as u64 > room {
                    break;
                }
                take += next;
            }
            seg.chunks.push(Bytes::copy_from_slice(&buf[..take]));
            seg.len += take as u64;
            self.accepted += take as u64;
            buf = &buf[take..];
        }
    }
}

/// `from + d`, or a time decades away when that is past what an `Instant` can hold (an
/// `upload_timeout` of `Duration::MAX` means "wait for ever", not a panic).
pub(super) fn after(from: Instant, d: Duration) -> Instant {
    from.checked_add(d)
        .or_else(|| from.checked_add(Duration::from_secs(1 << 30)))
        .unwrap_or(from)
}

/// Length of the TFRecord at the start of `buf` (all of `buf` if it is not a whole record).
fn record_len(buf: &[u8]) -> usize {
    let Some(len) = buf.get(..8) else {
        return buf.len();
    };
    let mut le = [0u8; 8];
    le.copy_from_slice(len);
    let payload = u64::from_le_bytes(le);
    let total = (HEADER_LEN + FOOTER_LEN) as u64 + payload.min(u64::MAX / 2);
    usize::try_from(total).map_or(buf.len(), |t| t.min(buf.len()))
}

/// The state shared by the uploader thread, the sink the event-file writer writes into, and
/// the callers of `flush`, `close` and `upload_status`.
pub(crate) struct Uploader {
    pub(super) url: String,
    pub(super) prefix: ObjPath,
    pub(super) suffix: String,
    pub(super) segment_bytes: u64,
    pub(super) segment_uploads: u32,
    pub(super) max_spool_bytes: u64,
    pub(super) timeout: Duration,
    pub(super) state: Mutex<UpState>,
    /// Wakes callers: data stored, a PUT failed, the uploader exited.
    pub(super) progress: Condvar,
    /// Wakes the uploader: new data, closing.
    pub(super) wake: Notify,
    /// Interrupts a PUT or a backoff of the uploader: `close` gave up.
    pub(super) cancel: Notify,
    pub(super) thread: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Uploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uploader").field("url", &self.url).finish()
    }
}

/// Marks the uploader as exited however its thread ends, so that no caller waits for it.
pub(super) struct UploaderExit(pub(super) Arc<Uploader>);
impl Drop for UploaderExit {
    fn drop(&mut self) {
        let mut st = self.0.state.lock();
        st.exited = true;
        if std::thread::panicking() && st.last_error.is_none() {
            st.last_error = Some(Arc::new(io::Error::other("the upload thread panicked")));
        }
        self.0.progress.notify_all();
    }
}

impl Uploader {
    /// Stops the uploader at once, storing nothing more, and marks it closed (for a writer
    /// whose `build` failed: nothing to report twice).
    pub(crate) fn abandon(&self) {
        {
            let mut st = self.state.lock();
            st.give_up = true;
            st.closing = true;
            st.close_result.get_or_insert(Ok(()));
        }
        self.cancel.notify_one();
        self.wake.notify_one();
        if let Some(handle) = self.thread.lock().take() {
            let _ = handle.join();
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, UpState> {
        self.state.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::encode_record;

    fn uploader(segment_bytes: u64, segment_uploads: u32) -> Uploader {
        Uploader {
            url: "mem".into(),
            prefix: ObjPath::from("run"),
            suffix: String::new(),
            segment_bytes,
            segment_uploads,
            max_spool_bytes: 1 << 20,
            timeout: Duration::from_secs(1),
            state: Mutex::new(UpState {
                stem: Some("events.out.tfevents.0000000001.h.1.000000".into()),
                ..UpState::default()
            }),
            progress: Condvar::new(),
            wake: Notify::new(),
            cancel: Notify::new(),
            thread: Mutex::new(None),
        }
    }

    fn recs(n: usize, payload: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..n {
            encode_record(&vec![7u8; payload], &mut out);
        }
        out
    }

    #[test]
    fn records_are_never_split_and_segments_respect_the_size_cap() {
        // 100-byte records (84 + 16), 250-byte segments: two records a segment.
        let up = uploader(250, 100);
        let mut st = up.lock();
        st.push_records(&up, &recs(5, 84));
        assert_eq!(st.accepted, 500);
        let lens: Vec<u64> = st.segs.iter().map(|s| s.len).collect();
        assert_eq!(lens, vec![200, 200, 100]);
        assert_eq!(st.segs.iter().filter(|s| s.sealed).count(), 2);
        let names: Vec<String> = st.segs.iter().map(|s| s.key.to_string()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        assert!(names[2].ends_with(".000000.000002"), "{names:?}");
        // A record larger than a segment gets one of its own.
        st.push_records(&up, &recs(1, 1000));
        assert_eq!(st.segs.back().map(|s| s.len), Some(1016));
        assert_eq!(st.segs.len(), 4);
    }

    #[test]
    fn the_last_upload_of_a_segment_seals_it_first() {
        let up = uploader(1 << 20, 2);
        let mut st = up.lock();
        st.push_records(&up, &recs(1, 10));
        let job = st.next_job(2).unwrap();
        assert!(!st.segs[0].sealed);
        st.stored(&job);
        assert_eq!(st.stored, 26);
        assert!(st.next_job(2).is_none(), "nothing new to upload");
        st.push_records(&up, &recs(1, 10));
        let job = st.next_job(2).unwrap();
        assert!(st.segs[0].sealed, "second upload of 2 is the last");
        // Data arriving during the last upload goes to the next segment.
        st.push_records(&up, &recs(1, 10));
        assert_eq!(st.segs.len(), 2);
        st.stored(&job);
        let next = st.next_job(2).unwrap();
        assert_eq!(st.segs.len(), 1, "the sealed, stored segment is done");
        assert!(next.key.to_string().ends_with(".000001"));
        assert_eq!(next.len, 26);
    }

    #[test]
    fn record_len_reads_the_frame() {
        let r = recs(2, 5);
        assert_eq!(record_len(&r), 21);
        assert_eq!(record_len(&r[..10]), 10);
        assert_eq!(record_len(&[]), 0);
    }
}
