//! [`SummaryWriter`]: the handle training loops log through, its scopes, and the merged
//! [`StepBuilder`].

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use prost::Message;

use crate::clock;
use crate::encode::{self, EventHeader, SimpleValue, SMALL_RECORD};
use crate::error::{Error, Result};
use crate::event_file::{self, EventFile, Options};
#[cfg(not(feature = "object-store"))]
use crate::logdir::url_scheme;
use crate::proto;
use crate::tag::validate_tag;

/// Written as `source_metadata.writer` in the first record of every file.
pub const WRITER_NAME: &str = "tensorboard-writer";

/// The default flush interval: data shows in TensorBoard at most this long after it is
/// logged, even without a call to [`SummaryWriter::flush`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);

/// The default bound on memory held for data not yet written: 16 MiB.
pub const DEFAULT_MAX_PENDING_BYTES: usize = 16 << 20;

/// A training step, as any of the integer types training loops count with.
///
/// TensorBoard stores steps as `i64`; a `u64` or `usize` beyond `i64::MAX` is an
/// [`Error::StepOutOfRange`]. Negative steps are allowed and shown as such.
pub trait Step: Copy {
    /// The step as TensorBoard stores it.
    fn to_step(self) -> Result<i64>;
}

macro_rules! lossless_step {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline]
            fn to_step(self) -> Result<i64> {
                Ok(i64::from(self))
            }
        }
    )*};
}
lossless_step!(i64, i32, u32, i16, u16, i8, u8);

macro_rules! checked_step {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline]
            fn to_step(self) -> Result<i64> {
                i64::try_from(self).map_err(|_| Error::StepOutOfRange { step: self as u128 })
            }
        }
    )*};
}
checked_step!(u64, usize);

/// A scalar value: `f32`, `f64`, or a one-element tensor by reference.
///
/// TensorBoard keeps scalars as `f32`, so `f64` values are rounded to the nearest `f32`.
/// NaN and ±infinity are logged as they are and show as such. A finite `f64` too large for an
/// `f32` is an [`Error::ValueOutOfRange`] rather than a silent infinity.
///
/// A tensor with exactly one element (shape `[]`, `[1]`, `[1, 1]`, …) of any numeric type is
/// a scalar too: `&candle_core::Tensor` (feature `candle`), `&tch::Tensor` (feature `tch`) and
/// `&`[`HostTensor`](crate::tensor::HostTensor), so `writer.add_scalar("loss", &loss, step)`
/// logs a loss tensor. Any other element count is an [`Error::InvalidInput`].
pub trait ScalarValue: Copy {
    /// The value as TensorBoard stores it, or why it cannot be stored: an
    /// [`Error::ValueOutOfRange`] (whose `tag` the caller fills in when it is empty) or an
    /// [`Error::InvalidInput`].
    fn to_f32(self) -> Result<f32>;
}

impl ScalarValue for f32 {
    #[inline]
    fn to_f32(self) -> Result<f32> {
        Ok(self)
    }
}

impl ScalarValue for f64 {
    #[inline]
    fn to_f32(self) -> Result<f32> {
        let v = self as f32;
        if v.is_infinite() && self.is_finite() {
            Err(Error::ValueOutOfRange {
                tag: String::new(),
                value: self,
                reason: "finite value beyond the f32 range TensorBoard stores scalars in",
            })
        } else {
            Ok(v)
        }
    }
}

/// `e` with the full tag of `tag` filled in when it is a [`Error::ValueOutOfRange`] without
/// one. The error path of scalar conversions, kept out of line.
#[cold]
#[inline(never)]
fn scalar_error(writer: &SummaryWriter, tag: &str, e: Error) -> Error {
    match e {
        Error::ValueOutOfRange {
            tag: t,
            value,
            reason,
        } if t.is_empty() => Error::ValueOutOfRange {
            tag: writer.full_tag(tag),
            value,
            reason,
        },
        e => e,
    }
}

/// The error for a value of `tag` that cannot be stored, unless `tag` itself is invalid:
/// that error comes first, as if the tag were checked before the value.
#[cold]
#[inline(never)]
fn value_error(writer: &SummaryWriter, tag: &str, e: Error) -> Error {
    match validate_tag(tag) {
        Err(tag_error) => tag_error,
        Ok(()) => scalar_error(writer, tag, e),
    }
}

pub(crate) fn check_wall_time(t: f64) -> Result<f64> {
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err(Error::InvalidWallTime(t))
    }
}

/// Settings for a [`SummaryWriter`], from [`SummaryWriter::builder`].
#[derive(Debug, Clone)]
pub struct SummaryWriterBuilder {
    logdir: PathBuf,
    flush_interval: Duration,
    max_pending_bytes: usize,
    filename_suffix: String,
    durable: bool,
    precise_wall_time: bool,
    purge_step: Option<Result<i64>>,
    #[cfg(feature = "object-store")]
    remote: crate::remote::RemoteSettings,
}

impl SummaryWriterBuilder {
    /// How often the background thread writes out what was logged (default
    /// [`DEFAULT_FLUSH_INTERVAL`]). Must be positive.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Upper bound on the bytes held in memory for data not yet written (default
    /// [`DEFAULT_MAX_PENDING_BYTES`], at least 256). When the disk cannot keep up, logging
    /// calls wait for it rather than grow memory or drop data. One record larger than half
    /// this bound is still accepted.
    pub fn max_pending_bytes(mut self, bytes: usize) -> Self {
        self.max_pending_bytes = bytes;
        self
    }

    /// Text appended to the event file's name (for example `.v2`). It must not contain a
    /// path separator or a control character.
    pub fn filename_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.filename_suffix = suffix.into();
        self
    }

    /// With `true`, every write is followed by `fsync` (`File::sync_data`), so data that
    /// [`SummaryWriter::flush`] reported written survives a power loss, not only a crash of
    /// the process. Off by default: it costs a disk round trip per write.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// With `true`, wall times come from the precise system clock, read on every call. By
    /// default (`false`) they come from the kernel's coarse clock on Linux, or while logging
    /// is dense from the time a clock thread keeps in memory: the same time, a few
    /// milliseconds behind, read in a few nanoseconds instead of 40–70 (see
    /// [Wall times](crate#wall-times)).
    pub fn precise_wall_time(mut self, precise: bool) -> Self {
        self.precise_wall_time = precise;
        self
    }

    /// Resuming from a checkpoint at step `step`: makes TensorBoard forget what earlier runs
    /// into this directory logged at steps `>= step`, so the restarted training continues one
    /// clean series instead of drawing a second, overlapping one (tensorboardX's
    /// `purge_step`).
    ///
    /// TensorBoard's two loaders do this differently (FORMAT.md §1.7), and the writer serves
    /// both:
    /// - the Python loader (`--load_fast=false`) purges every tag of the run at a
    ///   `SessionLog` START event, but only at the *second* START it sees in a run (the first
    ///   marks a fresh start). The new event file therefore begins with two START events at
    ///   `step`, which purge whether or not the earlier writer wrote one (tensorboardX writes
    ///   one, so its `purge_step` does nothing in TensorBoard 2.21 after a writer that wrote
    ///   none);
    /// - the Rust loader ignores `SessionLog`, but drops a series' points at steps `>= s` as
    ///   soon as a new point at step `s` arrives, reading files in name order (the new file
    ///   sorts after the old ones). So every tag that is logged again after the restart shows
    ///   one clean series; a tag that the restarted run never logs again keeps its old points
    ///   under this loader.
    ///
    /// Also set on the sibling runs of [`SummaryWriter::add_scalars`]. A step beyond
    /// `i64::MAX` is an [`Error::StepOutOfRange`] from [`build`](Self::build).
    ///
    /// ```
    /// use tensorboard_writer::SummaryWriter;
    /// # let dir = tempfile::tempdir()?;
    /// # let run = dir.path().join("run");
    /// // The first attempt logged steps 0..150 and crashed; the checkpoint is from step 100.
    /// let w = SummaryWriter::new(&run)?;
    /// for step in 0..150u32 {
    ///     w.add_scalar("loss", 1.0f32, step)?;
    /// }
    /// w.close()?;
    ///
    /// let w = SummaryWriter::builder(&run).purge_step(100u32).build()?;
    /// for step in 100..200u32 {
    ///     w.add_scalar("loss", 0.5f32, step)?; // TensorBoard shows 0..100 old, 100..200 new
    /// }
    /// # w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purge_step(mut self, step: impl Step) -> Self {
        // Kept as a result: build() reports an out-of-range step.
        self.purge_step = Some(step.to_step());
        self
    }

    /// Logs into `store`, an object store built by the caller, instead of a local directory
    /// or a store made from a logdir URL (feature `object-store`). The logdir given to
    /// [`SummaryWriter::builder`] is then the key prefix of the run in `store` (leading and
    /// trailing `/` ignored; `""` is the store's root), and
    /// [`add_scalars`](SummaryWriter::add_scalars) runs go beside it in the same store.
    ///
    /// The event stream is cut into *segment objects*, each a whole, valid event file named
    /// `<prefix>/events.out.tfevents.<secs>.<host>.<pid>.<counter>.<seg><suffix>`
    /// (`<seg>` = `000000`, `000001`, …), so that the names sort in write order. The current
    /// segment is rewritten whole, on a thread of its own, whenever there is new data (the
    /// background writer hands it over every [flush interval](Self::flush_interval)), until
    /// it reaches [`segment_bytes`](Self::segment_bytes) or has been uploaded
    /// [`segment_uploads`](Self::segment_uploads) times; then the next one starts, once the
    /// last upload of the previous one has completed. Failed uploads are retried with
    /// exponential backoff (100 ms doubling to 5 s) for as long as it takes, holding the data
    /// in memory (at most [`max_spool_bytes`](Self::max_spool_bytes)); see
    /// [`upload_timeout`](Self::upload_timeout) for what `flush` and `close` wait for, and
    /// [`SummaryWriter::upload_status`] for how it is going. [`durable`](Self::durable) has
    /// nothing to add: what a PUT stored is durable. Calls that write files of their own
    /// beside the event file (`add_embedding`) are refused with an [`Error::InvalidInput`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tensorboard_writer::object_store::memory::InMemory;
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// let store = Arc::new(InMemory::new());
    /// let writer = SummaryWriter::builder("experiments/run1")
    ///     .object_store(store.clone())
    ///     .build()?;
    /// writer.add_scalar("loss", 0.25f32, 1u32)?;
    /// writer.flush()?; // barrier: stored in `store` now
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # use tensorboard_writer::object_store::ObjectStore;
    /// # let prefix = tensorboard_writer::object_store::path::Path::from("experiments/run1");
    /// # let list = rt.block_on(store.list_with_delimiter(Some(&prefix)))?;
    /// # assert_eq!(list.objects.len(), 1);
    /// # assert!(list.objects[0].location.as_ref().ends_with(".000000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "object-store")]
    pub fn object_store(mut self, store: Arc<dyn object_store::ObjectStore>) -> Self {
        self.remote.store = Some(store);
        self
    }

    /// Size cap of a segment object in object storage (default
    /// [`DEFAULT_SEGMENT_BYTES`](crate::DEFAULT_SEGMENT_BYTES), 4 MiB; must be positive;
    /// feature `object-store`). A segment holds whole records only: the next record that
    /// would take it past the cap starts a new segment, and a single larger record gets a
    /// segment of its own. Each upload rewrites the whole current segment, so a smaller cap
    /// sends fewer bytes per upload and makes more objects.
    #[cfg(feature = "object-store")]
    pub fn segment_bytes(mut self, bytes: usize) -> Self {
        self.remote.segment_bytes = bytes;
        self
    }

    /// Number of uploads after which a segment object is sealed and the next one starts
    /// (default [`DEFAULT_SEGMENT_UPLOADS`](crate::DEFAULT_SEGMENT_UPLOADS), 32; must be
    /// positive; feature `object-store`). `1` writes every upload to a new object.
    #[cfg(feature = "object-store")]
    pub fn segment_uploads(mut self, uploads: u32) -> Self {
        self.remote.segment_uploads = uploads;
        self
    }

    /// Upper bound on the event data held in memory that the object store has not stored yet
    /// (default [`DEFAULT_MAX_SPOOL_BYTES`](crate::DEFAULT_MAX_SPOOL_BYTES), 64 MiB; must be
    /// positive; feature `object-store`). When it is full (the store is down or slower than
    /// the logging), the background writer waits for room, and once
    /// [`max_pending_bytes`](Self::max_pending_bytes) are waiting too, so do the logging
    /// calls: back-pressure, never loss. A wait longer than
    /// [`upload_timeout`](Self::upload_timeout) stops the writer with an
    /// [`Error::WriteFailed`]. The memory used is at most this plus the current segment's
    /// stored part ([`segment_bytes`](Self::segment_bytes)).
    #[cfg(feature = "object-store")]
    pub fn max_spool_bytes(mut self, bytes: usize) -> Self {
        self.remote.max_spool_bytes = bytes;
        self
    }

    /// How long [`SummaryWriter::flush`], [`SummaryWriter::close`] and
    /// [`build`](Self::build) wait for the object store to store the data (default
    /// [`DEFAULT_UPLOAD_TIMEOUT`](crate::DEFAULT_UPLOAD_TIMEOUT), 5 minutes; must be positive;
    /// feature `object-store`), so that an outage shorter than this loses nothing and is not
    /// even an error. Past it, `flush` returns an [`Error::Upload`] and the uploads go on in
    /// the background, the data kept; `close` (and drop) give up and report the bytes not
    /// stored. An error that retrying cannot fix (a missing bucket, denied access) ends the
    /// wait at once. Also bounds a single upload request and the wait of a full spool.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use tensorboard_writer::object_store::memory::InMemory;
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// let writer = SummaryWriter::builder("run")
    ///     .object_store(Arc::new(InMemory::new()))
    ///     .segment_bytes(1 << 20)
    ///     .segment_uploads(16)
    ///     .max_spool_bytes(16 << 20)
    ///     .upload_timeout(Duration::from_secs(60))
    ///     .build()?;
    /// writer.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "object-store")]
    pub fn upload_timeout(mut self, timeout: Duration) -> Self {
        self.remote.upload_timeout = timeout;
        self
    }

    /// Creates the log directory if needed, opens a new event file in it and starts the
    /// background writer.
    ///
    /// With the `object-store` feature, a logdir URL (`s3://…`, `gs://…`, `az://…`,
    /// `file://…`) or a store given to `object_store` logs to object storage instead (see
    /// `SummaryWriterBuilder::object_store`): `build` lists the run's
    /// prefix, then uploads the first segment object (holding the file header) before it
    /// returns, so a missing bucket or bad credentials are an [`Error::Upload`] here.
    /// Without the feature, a logdir of the form `scheme://…` is an
    /// [`Error::ObjectStoreFeatureDisabled`], and no local directory is created.
    pub fn build(self) -> Result<SummaryWriter> {
        self.check_options()?;
        let opts = self.options();
        // Before the file exists, so bad options leave nothing behind.
        opts.validate()?;
        #[cfg(feature = "object-store")]
        if let Some(target) = crate::remote::resolve(&self.logdir, &self.remote)? {
            return self.build_remote(target, &opts);
        }
        #[cfg(not(feature = "object-store"))]
        if let Some(url) = self.logdir.to_str().filter(|l| url_scheme(l).is_some()) {
            return Err(Error::ObjectStoreFeatureDisabled {
                url: url.to_owned(),
            });
        }
        let (path, file) =
            event_file::create_event_file(&self.logdir, &self.filename_suffix, self.durable)?;
        self.start(
            path,
            Box::new(file),
            &opts,
            #[cfg(feature = "object-store")]
            None,
        )
    }

    /// Opens the run in object storage, and uploads its first segment before returning.
    #[cfg(feature = "object-store")]
    fn build_remote(
        mut self,
        target: crate::remote::Target,
        opts: &Options,
    ) -> Result<SummaryWriter> {
        let (path, sink, uploader) =
            crate::remote::open(target.clone(), &self.remote, &self.filename_suffix)?;
        // Sibling runs of `add_scalars` go to the same store, under this run's prefix.
        self.remote.resolved = Some(target);
        let writer = match self.start(path, Box::new(sink), opts, Some(uploader.clone())) {
            Ok(w) => w,
            Err(e) => {
                uploader.abandon();
                return Err(e);
            }
        };
        // The first PUT, synchronously: a missing bucket or bad credentials fail here.
        if let Err(e) = writer.inner.file.flush() {
            uploader.abandon();
            return Err(e);
        }
        Ok(writer)
    }

    /// Like [`build`](Self::build), with the bytes going to `sink` instead of a new file;
    /// `path` names it in errors and [`SummaryWriter::path`]. A hook for tests that inject
    /// I/O failures, not part of the supported API. Sibling runs of
    /// [`SummaryWriter::add_scalars`] still get real files.
    #[doc(hidden)]
    pub fn build_with_sink(
        self,
        path: PathBuf,
        sink: Box<dyn event_file::Sink>,
    ) -> Result<SummaryWriter> {
        self.check_options()?;
        let opts = self.options();
        opts.validate()?;
        self.start(
            path,
            sink,
            &opts,
            #[cfg(feature = "object-store")]
            None,
        )
    }

    fn options(&self) -> Options {
        Options {
            flush_interval: self.flush_interval,
            max_pending_bytes: self.max_pending_bytes,
            durable: self.durable,
        }
    }

    /// The checks that need no file system, made before the event file exists.
    fn check_options(&self) -> Result<()> {
        if let Some(Err(e)) = &self.purge_step {
            return Err(e.clone());
        }
        if self
            .filename_suffix
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return Err(Error::InvalidOption(
                "filename_suffix must not contain a path separator or control character",
            ));
        }
        #[cfg(feature = "object-store")]
        self.remote.validate()?;
        Ok(())
    }

    fn start(
        self,
        path: PathBuf,
        sink: Box<dyn event_file::Sink>,
        opts: &Options,
        #[cfg(feature = "object-store")] upload: Option<Arc<crate::remote::Uploader>>,
    ) -> Result<SummaryWriter> {
        let file = EventFile::start(path, sink, opts)?;
        let header = proto::Event {
            wall_time: clock::precise(),
            what: Some(proto::event::What::FileVersion("brain.Event:2".into())),
            source_metadata: Some(proto::SourceMetadata {
                writer: WRITER_NAME.into(),
            }),
            ..Default::default()
        };
        file.append(&header.encode_to_vec())?;
        if let Some(Ok(step)) = self.purge_step {
            // Two STARTs: the Python loader treats the first START of a run as a fresh start
            // and purges only at later ones (see `purge_step`).
            let start = proto::Event {
                wall_time: clock::precise(),
                step,
                what: Some(proto::event::What::SessionLog(proto::SessionLog {
                    status: proto::session_log::SessionStatus::Start as i32,
                    ..Default::default()
                })),
                ..Default::default()
            };
            let bytes = start.encode_to_vec();
            file.append(&bytes)?;
            file.append(&bytes)?;
        }
        let clock = (!self.precise_wall_time).then(clock::Keepalive::new);
        Ok(SummaryWriter {
            inner: Arc::new(Inner {
                _clock: clock,
                file,
                builder: self,
                children: Mutex::new(HashMap::new()),
                #[cfg(feature = "object-store")]
                upload,
            }),
            scope: Arc::from(""),
            scope_id: 0,
        })
    }
}

struct Inner {
    file: EventFile,
    builder: SummaryWriterBuilder,
    /// Writers of the sibling runs that [`SummaryWriter::add_scalars`] writes into.
    children: Mutex<HashMap<String, SummaryWriter>>,
    /// The uploader of a writer logging to object storage.
    #[cfg(feature = "object-store")]
    upload: Option<Arc<crate::remote::Uploader>>,
    /// Keeps the clock thread running while this writer reads it (not with
    /// `precise_wall_time`).
    _clock: Option<clock::Keepalive>,
}

/// Writes TensorBoard event files: the handle a training loop logs through.
///
/// `SummaryWriter` is `Clone + Send + Sync`; clones share one event file and one background
/// writer thread, so any number of threads can log through their own clone. Logging calls
/// encode the event into a shared in-memory buffer and return; they never wait for the disk
/// unless it has fallen `max_pending_bytes` behind (see [`SummaryWriterBuilder`]). The
/// background thread writes the buffer out every flush interval, when it fills, on
/// [`flush`](Self::flush), on [`close`](Self::close), and when the last clone is dropped.
///
/// [`scope`](Self::scope) returns a handle whose tags are prefixed, so `conv1.add_scalar("w",
/// ..)` logs `conv1/w`; every method works the same on scoped handles.
///
/// # What survives a crash, a panic or a full disk
///
/// - **Crash** (SIGKILL, OOM killer, power loss with [`durable`](SummaryWriterBuilder::durable)
///   flushing): everything logged before the last [`flush`](Self::flush) that returned `Ok` is
///   in the file; what came after may be partly there. At worst the file ends in one
///   truncated record, which [`EventReader`](crate::EventReader) reports as
///   [`Error::Truncated`] and TensorBoard skips; the records before it read normally.
/// - **Panic**: a thread that panics drops its handle while unwinding; dropping the last
///   clone writes out everything logged, so data logged before the panic reaches the file.
///   Dropping never panics.
/// - **Write errors** (a full disk, an I/O error, a failed `fsync`): the writer stops for good
///   at the first one. The file is cut back to the end of its last complete record, so
///   everything written before the failure stays readable by TensorBoard. The error is
///   returned by [`flush`](Self::flush), [`close`](Self::close), [`check`](Self::check) and
///   every later logging call, as [`Error::WriteFailed`]; data logged after the failure is
///   refused, not dropped silently. Data accepted but not yet written when the write failed
///   (at most [`max_pending_bytes`](SummaryWriterBuilder::max_pending_bytes)) is lost. To go
///   on logging once space is freed, build a new writer for the same run directory: its
///   file sorts after the old one, and TensorBoard shows both as one run.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use tensorboard_writer::{Error, SummaryWriter};
///
/// let mut writer = SummaryWriter::new(dir.path())?;
/// for step in 0..10u32 {
///     if let Err(e @ Error::WriteFailed { .. }) = writer.add_scalar("loss", 0.5f32, step) {
///         eprintln!("logging failed ({e}); starting a new event file");
///         writer = SummaryWriter::new(dir.path())?;
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// ```
/// use tensorboard_writer::SummaryWriter;
///
/// let dir = tempfile::tempdir()?;
/// let writer = SummaryWriter::new(dir.path().join("run1"))?;
/// for step in 0..100u32 {
///     let loss = 1.0 / (1.0 + step as f32);
///     writer.add_scalar("loss", loss, step)?;
/// }
/// let train = writer.scope("train")?;
/// train.add_scalar("accuracy", 0.97f64, 100u32)?; // tag "train/accuracy"
/// writer.flush()?; // everything above is in the file now
/// # let run = tensorboard_writer::read_scalars(dir.path().join("run1"))?;
/// # assert_eq!(run["loss"].len(), 100);
/// # assert_eq!(run["train/accuracy"][0].value, f64::from(0.97f32));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SummaryWriter {
    inner: Arc<Inner>,
    /// Prefix of every tag logged through this handle, without the trailing `/`.
    scope: Arc<str>,
    /// Names `scope` in the per-thread tag cache (see `encode::with_cached_prefix`): 0 for
    /// no scope, a number never used before for each `scope` call (clones share theirs).
    scope_id: u64,
}

/// The last `scope_id` given out.
static SCOPE_IDS: AtomicU64 = AtomicU64::new(0);

impl fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.inner.file.path())
            .field("scope", &self.scope)
            .finish()
    }
}

impl SummaryWriter {
    /// A writer with default settings logging into the run directory `logdir` (created if
    /// needed). Point `tensorboard --logdir` at `logdir` or at a parent of it.
    ///
    /// With the `object-store` feature, `logdir` may be an object-storage URL instead:
    /// `s3://bucket/prefix/run` (also `s3a://`), `gs://bucket/run`, `az://container/run` (also
    /// `azure://`, `abfs[s]://`, `adl://`), `file:///absolute/path/run` or `memory:///run`,
    /// with credentials and settings from the environment (see
    /// `SummaryWriterBuilder::object_store` for how the run is uploaded, and the README's
    /// "Logging to object storage" for the variables read). Without the feature, such a logdir
    /// is an [`Error::ObjectStoreFeatureDisabled`].
    ///
    /// ```
    /// # #[cfg(feature = "object-store")]
    /// # {
    /// # let dir = tempfile::tempdir()?;
    /// # let url = format!("file://{}/run", dir.path().display());
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// // Or "s3://bucket/experiments/run1", "gs://…", "az://…".
    /// let writer = SummaryWriter::new(&url)?;
    /// writer.add_scalar("loss", 0.5f32, 1u32)?;
    /// writer.close()?;
    /// # assert_eq!(tensorboard_writer::read_scalars(dir.path().join("run"))?["loss"].len(), 1);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(logdir: impl AsRef<Path>) -> Result<Self> {
        Self::builder(logdir).build()
    }

    /// Settings beyond the defaults: flush interval, memory bound, file name suffix, durable
    /// (fsync) flushing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::builder(dir.path())
    ///     .flush_interval(Duration::from_secs(1))
    ///     .max_pending_bytes(4 << 20)
    ///     .filename_suffix(".v2")
    ///     .durable(true)
    ///     .build()?;
    /// assert!(writer.path().to_str().unwrap().ends_with(".v2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(logdir: impl AsRef<Path>) -> SummaryWriterBuilder {
        SummaryWriterBuilder {
            logdir: logdir.as_ref().to_path_buf(),
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            max_pending_bytes: DEFAULT_MAX_PENDING_BYTES,
            filename_suffix: String::new(),
            durable: false,
            precise_wall_time: false,
            purge_step: None,
            #[cfg(feature = "object-store")]
            remote: Default::default(),
        }
    }

    /// The run directory this writer logs into.
    pub fn logdir(&self) -> &Path {
        &self.inner.builder.logdir
    }

    /// The event file this writer appends to, in [`logdir`](Self::logdir).
    ///
    /// It is named `events.out.tfevents.<secs>.<host>.<pid>.<counter>` (plus the
    /// [suffix](SummaryWriterBuilder::filename_suffix)): the Unix time in seconds, padded to
    /// ten digits; the host name; the process id; and a counter global to the process,
    /// padded to six digits. The file is created with `create_new`, so no two writers, in one
    /// process or in several, ever share a file.
    ///
    /// TensorBoard reads a run's files in name order, and its Python loader never goes back
    /// to an earlier file, so a new file must sort after the files already in the run
    /// directory. When one would not (a file from another process or host created in the
    /// same second, or a clock that went back since), the seconds are moved forward just far
    /// enough that it does: by one second, unless the clock went back. Restarting a run in the
    /// same directory therefore adds a file that TensorBoard reads after the old ones. (Writers
    /// that run at the same time in one directory cannot all be read by the Python loader,
    /// whatever their names; give each its own run directory.)
    ///
    /// For a writer logging to object storage (feature `object-store`), the URL (or, in a
    /// store given to `SummaryWriterBuilder::object_store`, the key) of the run's first
    /// segment object, `…<counter>.000000<suffix>`; later segments differ in that last number
    /// only (`upload_status` names the current one).
    pub fn path(&self) -> &Path {
        self.inner.file.path()
    }

    /// This handle's scope (`""` for the writer itself, `"conv1/relu"` for nested scopes).
    pub fn scope_name(&self) -> &str {
        &self.scope
    }

    /// A handle whose tags are prefixed with `name/`. Scopes nest:
    /// `writer.scope("a")?.scope("b")?` logs `tag` as `a/b/tag`. The name follows the
    /// [tag rules](crate::tag) and may itself contain `/`.
    pub fn scope(&self, name: &str) -> Result<SummaryWriter> {
        validate_tag(name)?;
        let scope: Arc<str> = if self.scope.is_empty() {
            Arc::from(name)
        } else {
            Arc::from(format!("{}/{name}", self.scope))
        };
        Ok(SummaryWriter {
            inner: self.inner.clone(),
            scope,
            scope_id: SCOPE_IDS.fetch_add(1, Ordering::Relaxed) + 1,
        })
    }

    /// The full tag for `tag` under this handle's scope.
    pub fn full_tag(&self, tag: &str) -> String {
        if self.scope.is_empty() {
            tag.to_owned()
        } else {
            format!("{}/{tag}", self.scope)
        }
    }

    /// Logs `value` as the scalar `tag` at `step`, with the current time as wall time.
    ///
    /// `value` is `f32` or `f64` (see [`ScalarValue`]); `step` is any integer type (see
    /// [`Step`]). NaN and infinite values are logged and show as such in TensorBoard. This
    /// call does no I/O and allocates nothing: it encodes the event into the writer's buffer.
    ///
    /// Errors: an invalid tag, a step or value that cannot be stored, or a writer that has
    /// failed or was closed.
    #[inline]
    pub fn add_scalar(&self, tag: &str, value: impl ScalarValue, step: impl Step) -> Result<()> {
        let step = step.to_step()?;
        self.write_scalar(tag, value, step, self.now())
    }

    /// The current wall time, from the clock the builder chose.
    #[inline]
    fn now(&self) -> f64 {
        if self.inner.builder.precise_wall_time {
            clock::precise()
        } else {
            clock::coarse()
        }
    }

    /// Like [`add_scalar`](Self::add_scalar) with an explicit wall time in seconds since the
    /// Unix epoch. A NaN, infinite or negative wall time is an [`Error::InvalidWallTime`].
    pub fn add_scalar_with_wall_time(
        &self,
        tag: &str,
        value: impl ScalarValue,
        step: impl Step,
        wall_time: f64,
    ) -> Result<()> {
        let step = step.to_step()?;
        self.write_scalar(tag, value, step, check_wall_time(wall_time)?)
    }

    #[inline]
    fn write_scalar(
        &self,
        tag: &str,
        value: impl ScalarValue,
        step: i64,
        wall_time: f64,
    ) -> Result<()> {
        let value = match value.to_f32() {
            Ok(v) => v,
            Err(e) => return Err(value_error(self, tag, e)),
        };
        let h = EventHeader { wall_time, step };
        let mut frame = [0u8; SMALL_RECORD];
        // The common case: a tag this thread logged before, checked and encoded then.
        let len = match encode::with_cached_prefix(self.scope_id, tag, |prefix| {
            prefix.frame(&h, value, &mut frame)
        }) {
            Some(len) => len,
            None => {
                validate_tag(tag)?;
                match encode::cache_prefix(self.scope_id, &self.scope, tag) {
                    Some(prefix) => prefix.frame(&h, value, &mut frame),
                    None => return self.write_long_scalar(tag, value, &h),
                }
            }
        };
        // Encoded on the stack, outside the lock: one memcpy under it.
        self.inner.file.append_unsealed_frame(&frame[..len])
    }

    /// A scalar whose tag is too long for a stack-encoded record: encoded under the lock.
    #[cold]
    fn write_long_scalar(&self, tag: &str, value: f32, h: &EventHeader) -> Result<()> {
        let v = SimpleValue {
            scope: &self.scope,
            tag,
            value,
        };
        let field_len = v.field_len();
        let payload_len = encode::summary_event_len(h, field_len);
        self.inner.file.append_with(payload_len, |out| {
            encode::write_summary_event_head(out, h, field_len);
            v.write_field(out);
        })
    }

    /// Logs several related scalars so that TensorBoard draws them in one chart, the way
    /// tensorboardX's `add_scalars` does: each `(name, value)` goes to its own run,
    /// `<logdir>/<main_tag>_<name>` (with `/` in the scoped main tag replaced by `_`), under
    /// the tag `main_tag`. TensorBoard shows those runs beside this one and overlays them in
    /// the chart for `main_tag`.
    ///
    /// `name` follows the [tag rules](crate::tag) and must not contain `/`. All values share
    /// one wall time. The sibling runs' writers are created on first use and are flushed and
    /// closed with this writer.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_scalars("loss", &[("train", 0.31f32), ("val", 0.42)], 7u32)?;
    /// writer.flush()?;
    /// let train = tensorboard_writer::read_scalars(dir.path().join("loss_train"))?;
    /// assert_eq!(train["loss"][0].value, f64::from(0.31f32));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalars<V: ScalarValue>(
        &self,
        main_tag: &str,
        values: &[(&str, V)],
        step: impl Step,
    ) -> Result<()> {
        let step = step.to_step()?;
        validate_tag(main_tag)?;
        let full_main = self.full_tag(main_tag);
        for (name, _) in values {
            validate_tag(name)?;
            if name.contains('/') {
                return Err(Error::InvalidTag {
                    tag: (*name).to_owned(),
                    reason: "an add_scalars series name becomes a directory name and must not contain '/'",
                });
            }
        }
        let wall_time = self.now();
        for (name, value) in values {
            let child = self.child(&format!("{}_{name}", full_main.replace('/', "_")))?;
            child.write_scalar(&full_main, *value, step, wall_time)?;
        }
        Ok(())
    }

    fn child(&self, dir: &str) -> Result<SummaryWriter> {
        let mut children = self.inner.children.lock();
        if let Some(w) = children.get(dir) {
            return Ok(w.clone());
        }
        let mut b = self.inner.builder.clone();
        b.logdir = b.logdir.join(dir);
        #[cfg(feature = "object-store")]
        if let Some(target) = &mut b.remote.resolved {
            *target = target.child(dir);
        }
        let w = b.build()?;
        children.insert(dir.to_owned(), w.clone());
        Ok(w)
    }

    /// Starts a merged summary: one event at `step` holding many values, written by
    /// [`StepBuilder::write`]. Merging the values logged at a step saves space and keeps
    /// them together in the file.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.step(100u32)
    ///     .scalar("xent", 0.12f32)
    ///     .scalar("accuracy", 0.97f64)
    ///     .write()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn step(&self, step: impl Step) -> StepBuilder<'_> {
        let (step, error) = match step.to_step() {
            Ok(s) => (s, None),
            Err(e) => (0, Some(e)),
        };
        StepBuilder {
            writer: self,
            step,
            wall_time: None,
            summary: Vec::with_capacity(256),
            error,
        }
    }

    /// Writes a complete `Event` as given, for data this crate has no call for yet. Its wall
    /// time must be finite and not negative; a summary's tags must follow the
    /// [tag rules](crate::tag) unless they start with `_` or end with `__` (TensorBoard's
    /// reserved tags such as `_hparams_/experiment`), and are not scoped.
    pub fn write_event(&self, event: &proto::Event) -> Result<()> {
        check_wall_time(event.wall_time)?;
        if let Some(proto::event::What::Summary(s)) = &event.what {
            for v in &s.value {
                if !(v.tag.starts_with('_') || v.tag.ends_with("__")) {
                    validate_tag(&v.tag)?;
                }
            }
        }
        self.inner.file.append(&event.encode_to_vec())
    }

    /// Returns once everything logged before the call, through any clone of this writer and
    /// its [`add_scalars`](Self::add_scalars) runs, is written to the event files (and synced,
    /// with [`durable`](SummaryWriterBuilder::durable) flushing). Returns the background
    /// writer's error if it failed.
    ///
    /// For a writer logging to object storage (feature `object-store`), returns once all of
    /// it is *stored* in the object store, waiting at most the upload timeout (5 minutes by
    /// default), or at once on an error that retrying cannot fix; then it returns an
    /// [`Error::Upload`], the data is kept, and the uploads go on in the background (a later
    /// `flush` can succeed).
    pub fn flush(&self) -> Result<()> {
        self.inner.file.flush()?;
        let children: Vec<_> = self.inner.children.lock().values().cloned().collect();
        for c in children {
            c.flush()?;
        }
        Ok(())
    }

    /// Flushes, stops the background thread and closes the event files. Afterwards every
    /// clone of this writer refuses new data with [`Error::Closed`]. Dropping the last clone
    /// closes too, but cannot return an error; call `close` to see one.
    ///
    /// For a writer logging to object storage (feature `object-store`), also uploads the
    /// rest and stops the upload thread, waiting at most the upload timeout (as `flush` does);
    /// then it gives up, with an [`Error::Upload`] that says how many bytes were not stored.
    /// Dropping the last clone does the same, and prints such an error to stderr.
    pub fn close(&self) -> Result<()> {
        let first = self.inner.file.close();
        let children: Vec<_> = self.inner.children.lock().values().cloned().collect();
        for c in children {
            c.close()?;
        }
        first
    }

    /// Like [`check`](Self::check), and [`Error::Closed`] after [`close`](Self::close): for
    /// calls that write files of their own beside the event file.
    pub(crate) fn check_open(&self) -> Result<()> {
        #[cfg(feature = "object-store")]
        if self.inner.upload.is_some() {
            return Err(Error::InvalidInput {
                what: "call on an object-storage writer",
                reason: "it writes files beside the event file, which only a local logdir \
                         supports (log embeddings to a local logdir)"
                    .into(),
            });
        }
        self.inner.file.check_open()
    }

    /// How the uploads of a writer logging to object storage are going (feature
    /// `object-store`): bytes accepted, stored and pending, requests, retries, segments and
    /// the last error. `None` for a writer logging to a local directory. Covers this run only,
    /// not the [`add_scalars`](Self::add_scalars) runs.
    #[cfg(feature = "object-store")]
    pub fn upload_status(&self) -> Option<crate::UploadStatus> {
        self.inner.upload.as_ref().map(|u| u.status())
    }

    /// The background writer's error, if it has failed, without flushing.
    pub fn check(&self) -> Result<()> {
        self.inner.file.check()
    }

    /// The most bytes this writer has held at once for data not yet written (its own event
    /// file, not the [`add_scalars`](Self::add_scalars) runs). Stays within
    /// [`max_pending_bytes`](SummaryWriterBuilder::max_pending_bytes) unless a single record
    /// is larger than half of it. For tests of the memory bound; not part of the supported API.
    #[doc(hidden)]
    pub fn peak_pending_bytes(&self) -> usize {
        self.inner.file.peak_pending_bytes()
    }
}

/// One event holding many values at one step: a merged summary. Made by
/// [`SummaryWriter::step`].
///
/// Methods chain; the first invalid input is kept and returned by [`write`](Self::write),
/// which then writes nothing. All values share the step and one wall time.
#[must_use = "a StepBuilder writes nothing until .write() is called"]
pub struct StepBuilder<'w> {
    writer: &'w SummaryWriter,
    step: i64,
    wall_time: Option<f64>,
    /// Encoded `Summary` body: one `value` field per value.
    summary: Vec<u8>,
    error: Option<Error>,
}

impl fmt::Debug for StepBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepBuilder")
            .field("step", &self.step)
            .field("bytes", &self.summary.len())
            .field("error", &self.error)
            .finish()
    }
}

impl StepBuilder<'_> {
    /// Adds the scalar `tag` (under the writer's scope).
    pub fn scalar(mut self, tag: &str, value: impl ScalarValue) -> Self {
        if self.error.is_some() {
            return self;
        }
        let value = match value.to_f32() {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(value_error(self.writer, tag, e));
                return self;
            }
        };
        let summary = &mut self.summary;
        let scope_id = self.writer.scope_id;
        if encode::with_cached_prefix(scope_id, tag, |p| p.append_value(value, summary)).is_some() {
            return self;
        }
        if let Err(e) = validate_tag(tag) {
            self.error = Some(e);
            return self;
        }
        match encode::cache_prefix(scope_id, &self.writer.scope, tag) {
            Some(prefix) => prefix.append_value(value, &mut self.summary),
            None => SimpleValue {
                scope: &self.writer.scope,
                tag,
                value,
            }
            .write_field(&mut self.summary),
        }
        self
    }

    /// Adds the value `build` makes for the full (scoped) form of `tag`, after checking the
    /// tag. The first error is kept for [`write`](Self::write).
    pub(crate) fn tagged(
        mut self,
        tag: &str,
        build: impl FnOnce(String) -> Result<proto::summary::Value>,
    ) -> Self {
        if self.error.is_some() {
            return self;
        }
        let value = validate_tag(tag).and_then(|()| build(self.writer.full_tag(tag)));
        match value {
            Ok(v) => prost::encoding::message::encode(1, &v, &mut self.summary),
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Adds a prepared `Summary.Value`; its tag is used as given (not scoped).
    pub fn value(mut self, value: &proto::summary::Value) -> Self {
        if self.error.is_none() {
            prost::encoding::message::encode(1, value, &mut self.summary);
        }
        self
    }

    /// Sets the wall time (seconds since the Unix epoch) instead of the current time.
    pub fn wall_time(mut self, wall_time: f64) -> Self {
        match check_wall_time(wall_time) {
            Ok(t) => self.wall_time = Some(t),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Writes the event. With no values added it writes nothing.
    pub fn write(self) -> Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.summary.is_empty() {
            return self.writer.check();
        }
        let h = EventHeader {
            wall_time: self.wall_time.unwrap_or_else(|| self.writer.now()),
            step: self.step,
        };
        let body = &self.summary;
        self.writer
            .inner
            .file
            .append_with(encode::summary_event_len(&h, body.len()), |out| {
                encode::write_summary_event_head(out, &h, body.len());
                out.extend_from_slice(body);
            })
    }
}
