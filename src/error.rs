//! The crate's error type.

use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong in this crate.
///
/// The variants fall in three groups: the writer's (`Io`, `WriteFailed`, `Closed`, the
/// `Invalid…` and `…OutOfRange` input errors, and with object storage `InvalidUrl`,
/// `ObjectStoreFeatureDisabled` and `Upload`), the reader's (`ReadFailed`, `CorruptRecord`,
/// `Decode`, `Truncated`, `InvalidSummary`, `InvalidProjectorConfig`), and none shared. No variant exposes another crate's error type:
/// underlying errors are reached through [`source()`](std::error::Error::source).
///
/// Errors from the background writer thread are kept and returned again by every later
/// fallible call on the same writer, so a failing disk can never go unnoticed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation of the writer on the caller's thread failed (creating the log
    /// directory or the event file, writing the projector's files, reading an ONNX model to
    /// log). Reading event files fails with [`Error::ReadFailed`] instead.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "creating directory".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The background thread failed to write or sync the event file. The writer keeps
    /// returning this error; data logged after the failure is refused, not dropped silently.
    #[error("writing event file {path} failed: {source}")]
    WriteFailed {
        /// The event file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The writer was closed (by [`SummaryWriter::close`](crate::SummaryWriter::close) on
    /// this or another handle) and accepts no more data.
    #[error("the summary writer is closed")]
    Closed,

    /// A tag or scope name breaks the tag rules (see [`crate::tag`]).
    #[error("invalid tag {tag:?}: {reason}")]
    InvalidTag {
        /// The offending tag, as given.
        tag: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// A step does not fit TensorBoard's signed 64-bit step.
    #[error("step {step} does not fit in an i64")]
    StepOutOfRange {
        /// The step as given.
        step: u128,
    },

    /// A finite value cannot be stored without turning into something else (for example a
    /// finite `f64` beyond the range of the `f32` TensorBoard stores scalars as).
    #[error("value {value} for tag {tag:?} is out of range: {reason}")]
    ValueOutOfRange {
        /// The tag the value was logged under.
        tag: String,
        /// The value as given.
        value: f64,
        /// Why it cannot be stored.
        reason: &'static str,
    },

    /// A wall time that is NaN, infinite or negative. TensorBoard's Rust loader abandons the
    /// rest of a file at a NaN wall time, so the writer never writes one.
    #[error("invalid wall time {0}: it must be finite and not negative")]
    InvalidWallTime(f64),

    /// Data that cannot be logged as given: a shape that does not match the data, an empty
    /// table, an unsupported channel count, and the like.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What was being logged.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A writer option is out of range.
    #[error("invalid writer option: {0}")]
    InvalidOption(&'static str),

    /// The logdir is an object-store URL (`s3://…`, `gs://…`, `file://…`: anything of the form
    /// `scheme://…`), but this build of the crate has no object-store support. Enable the
    /// crate's `object-store` cargo feature. No local directory is created.
    #[error(
        "logdir {url:?} is an object-store URL: logging to object storage needs the \
         `object-store` cargo feature of tensorboard-writer"
    )]
    ObjectStoreFeatureDisabled {
        /// The logdir as given.
        url: String,
    },

    /// An object-store logdir that cannot be used: a URL that does not parse or whose scheme
    /// is not supported, a store configuration the store's builder refused (a missing bucket
    /// name, a bad setting in the environment), or a key prefix that is not a valid object
    /// path.
    #[error("invalid object-store location {url:?}: {reason}")]
    InvalidUrl {
        /// The logdir as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The object store has not stored the event data (feature `object-store`): the first
    /// upload of a new writer failed (a missing bucket, bad credentials), or
    /// [`flush`](crate::SummaryWriter::flush) or [`close`](crate::SummaryWriter::close) gave up
    /// waiting after the upload timeout or at an error that retrying cannot fix. After
    /// `flush`, the data is kept and the uploads go on in the background; after `close`,
    /// `pending_bytes` bytes were not stored.
    #[error("uploading to {url} failed, {pending_bytes} bytes not stored: {source}")]
    Upload {
        /// Where the run goes: the logdir URL, or the key prefix in a user's store.
        url: String,
        /// Bytes of event data not stored (yet).
        pending_bytes: u64,
        /// The store's error, or the timeout (with the store's last error as its source).
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },

    /// Reading event files failed: a file or directory could not be opened, listed or read.
    /// (Failures of the writer's own I/O are [`Error::Io`] and [`Error::WriteFailed`].)
    #[error("{action} {path}: {source}")]
    ReadFailed {
        /// What was being done, e.g. "opening".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// A record's length or payload failed its CRC check: the file is corrupt at `offset`
    /// (reading).
    #[error("corrupt record at byte {offset} of {path}: {what}")]
    CorruptRecord {
        /// The file being read (empty for a reader over a plain byte stream).
        path: PathBuf,
        /// Offset of the start of the damaged record.
        offset: u64,
        /// Which check failed.
        what: &'static str,
    },

    /// A record's payload passed its CRC check but is not a valid `Event` (reading).
    #[error("record at byte {offset} of {path} is not a valid Event: {source}")]
    Decode {
        /// The file being read.
        path: PathBuf,
        /// Offset of the start of the record.
        offset: u64,
        /// The decoder's complaint (its type is not part of the API).
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },

    /// A file ends in the middle of a record (reading). This is what a file looks like while its writer
    /// is between writes, or after the writer was killed; it is not corruption. An
    /// [`EventReader`](crate::reader::EventReader) can resume once the record is complete.
    #[error("truncated record at byte {offset} of {path}: {available} of {needed} bytes present")]
    Truncated {
        /// The file being read.
        path: PathBuf,
        /// Offset of the start of the incomplete record.
        offset: u64,
        /// Bytes of the record present.
        available: u64,
        /// Bytes the record needs (only the header is known until the length is read).
        needed: u64,
    },
    /// A record is a valid `Event`, but one of its summary values does not have the form
    /// its plugin reads (reading): a histogram tensor that is not `[k, 3]`, an image tensor
    /// without its width and height, hparams plugin content that does not decode, and the
    /// like. TensorBoard leaves such a value out; the typed readers report it instead.
    #[error("record at byte {offset} of {path}, tag {tag:?}: {reason}")]
    InvalidSummary {
        /// The file being read.
        path: PathBuf,
        /// Offset of the start of the record.
        offset: u64,
        /// The value's tag.
        tag: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A run's `projector_config.pbtxt` is not a projector config this crate can read
    /// (reading).
    #[error("invalid projector config {path}: {reason}")]
    InvalidProjectorConfig {
        /// The file.
        path: PathBuf,
        /// Where and why parsing stopped.
        reason: String,
    },
}

impl Error {
    pub(crate) fn read(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::ReadFailed {
            action,
            path: path.into(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source: Arc::new(source),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
