//! Logging to object storage (feature `object-store`): S3, Google Cloud Storage, Azure Blob
//! Storage, a local file system through `file://` URLs, or any
//! [`ObjectStore`](object_store::ObjectStore).
//!
//! Object stores cannot append, so the event stream is cut into *segment objects*. The
//! current segment is rewritten whole (one PUT of all its bytes so far) whenever there is new
//! data and the uploader is idle, until it holds
//! [`segment_bytes`](crate::SummaryWriterBuilder::segment_bytes) or has been uploaded
//! [`segment_uploads`](crate::SummaryWriterBuilder::segment_uploads) times; then it is sealed
//! and the next segment starts. A segment holds whole records only, so each object is a valid
//! event file on its own, and rewrites only ever extend it.
//!
//! Objects are named `events.out.tfevents.<secs>.<host>.<pid>.<counter>.<seg><suffix>`, with the
//! segment number `<seg>` padded to six digits, so that they sort in write order: TensorBoard's
//! Python loader reads a run's files in name order and never returns to an earlier one. The
//! final PUT of a segment therefore completes before the first PUT of the next.
//!
//! The uploads run on a thread of their own, on a current-thread tokio runtime; neither the
//! logging threads nor the event-file writer thread ever wait for the network, except when the
//! in-memory spool of data not yet stored is full (back-pressure). Failed PUTs are retried with
//! exponential backoff (100 ms doubling up to 5 s), for ever in the background; `flush` and
//! `close` wait at most `upload_timeout` for them.
//!
//! - `settings`: the builder's object-storage settings; `target`: a store and a run's key
//!   prefix in it; `resolve`: the target a logdir names (a URL, or a prefix in the user's
//!   store).
//! - `open`: opening a run (naming its objects, starting the upload thread).
//! - `uploader`: the state shared by the upload thread, the sink and the callers, and the
//!   segments; `run`: the upload thread's loop; `errors`: which failures are retried, and the
//!   errors callers get.
//! - `sink`: the [`Sink`](crate::event_file::Sink) the event-file writer writes into;
//!   `barrier`: `flush` and `close`, waiting for the store; `status`: [`UploadStatus`].

mod barrier;
mod errors;
mod open;
mod resolve;
mod run;
mod settings;
mod sink;
mod status;
mod target;
mod uploader;

pub(crate) use open::open;
pub(crate) use resolve::resolve;
pub(crate) use settings::RemoteSettings;
pub use settings::{
    DEFAULT_MAX_SPOOL_BYTES, DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_UPLOADS, DEFAULT_UPLOAD_TIMEOUT,
};
pub use status::UploadStatus;
pub(crate) use target::Target;
pub(crate) use uploader::Uploader;
