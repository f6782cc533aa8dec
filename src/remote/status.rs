//! [`UploadStatus`]: how a writer's uploads are going.

use super::uploader::Uploader;

/// How the uploads of a [`SummaryWriter`](crate::SummaryWriter) logging to object storage are
/// going, from [`SummaryWriter::upload_status`](crate::SummaryWriter::upload_status).
///
/// Byte counts are of the event stream (the bytes of the event file), in write order; the
/// stored bytes are always its first `bytes_stored` bytes.
///
/// ```
/// use std::sync::Arc;
/// use tensorboard_writer::object_store::memory::InMemory;
/// use tensorboard_writer::SummaryWriter;
///
/// let store = Arc::new(InMemory::new());
/// let writer = SummaryWriter::builder("runs/a").object_store(store).build()?;
/// writer.add_scalar("loss", 0.5f32, 1u32)?;
/// writer.flush()?;
/// let status = writer.upload_status().expect("an object-store writer");
/// assert_eq!(status.bytes_pending, 0);
/// assert_eq!(status.bytes_stored, status.bytes_accepted);
/// assert!(status.current_object.starts_with("runs/a/events.out.tfevents."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadStatus {
    /// Where the run goes: the logdir URL, or the key prefix in a store given to
    /// [`object_store`](crate::SummaryWriterBuilder::object_store).
    pub url: String,
    /// Bytes handed to the uploader by the event-file writer.
    pub bytes_accepted: u64,
    /// Bytes the object store has confirmed stored.
    pub bytes_stored: u64,
    /// Bytes accepted but not yet stored, held in memory.
    pub bytes_pending: u64,
    /// PUT requests made, failed ones included.
    pub put_requests: u64,
    /// Bytes sent in all PUT requests, rewrites of a segment and failed requests included.
    pub bytes_sent: u64,
    /// PUT requests that failed (each is tried again).
    pub retries: u64,
    /// Segment objects started.
    pub segments: u64,
    /// Key of the segment object being written (or to be written next).
    pub current_object: String,
    /// The error of the last PUT, if it failed; `None` once a PUT succeeds again.
    pub last_error: Option<String>,
}

impl Uploader {
    /// How the uploads are going.
    pub(crate) fn status(&self) -> UploadStatus {
        let st = self.state.lock();
        let current_object = match (st.segs.back(), st.stem.as_deref()) {
            (Some(s), _) if !s.sealed => s.key.to_string(),
            (_, Some(stem)) => self
                .prefix
                .clone()
                .join(format!("{stem}.{:06}{}", st.next_seg, self.suffix))
                .to_string(),
            (_, None) => String::new(),
        };
        UploadStatus {
            url: self.url.clone(),
            bytes_accepted: st.accepted,
            bytes_stored: st.stored,
            bytes_pending: st.pending(),
            put_requests: st.put_requests,
            bytes_sent: st.bytes_sent,
            retries: st.retries,
            segments: st.next_seg,
            current_object,
            last_error: st.last_error.as_ref().map(|e| e.to_string()),
        }
    }
}
