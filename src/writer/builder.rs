//! [`SummaryWriterBuilder`]: the writer's settings, and starting a writer from them.

use std::path::PathBuf;
#[cfg(feature = "object-store")]
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::event_file::Options;

use super::step::Step;

/// Written as `source_metadata.writer` in the first record of every file.
pub const WRITER_NAME: &str = "tensorboard-writer";

/// The default flush interval: data shows in TensorBoard at most this long after it is
/// logged, even without a call to [`SummaryWriter::flush`](crate::SummaryWriter::flush).
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);

/// The default bound on memory held for data not yet written: 16 MiB.
pub const DEFAULT_MAX_PENDING_BYTES: usize = 16 << 20;

/// Settings for a [`SummaryWriter`](crate::SummaryWriter), from [`SummaryWriter::builder`](crate::SummaryWriter::builder).
#[derive(Debug, Clone)]
pub struct SummaryWriterBuilder {
    pub(super) logdir: PathBuf,
    pub(super) flush_interval: Duration,
    pub(super) max_pending_bytes: usize,
    pub(super) filename_suffix: String,
    pub(super) durable: bool,
    pub(super) precise_wall_time: bool,
    pub(super) purge_step: Option<Result<i64>>,
    pub(super) legacy_summaries: bool,
    #[cfg(feature = "object-store")]
    pub(super) remote: crate::remote::RemoteSettings,
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
    /// [`SummaryWriter::flush`](crate::SummaryWriter::flush) reported written survives a power loss, not only a crash of
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

    /// With `true`, histograms, images (video included) and audio are written in the older
    /// summary forms, as `torch.utils.tensorboard` and tensorboardX write them: a
    /// `HistogramProto`, a `Summary.Image` and a `Summary.Audio` in the `histo`, `image` and
    /// `audio` fields of each value, instead of the tensor forms `tf.summary` writes (the
    /// default, `false`). TensorBoard shows both the same way; use this for tools that read
    /// only the older forms, such as tbparse, whose `histograms`, `images` and `audio` are
    /// empty for the tensor forms (README, "Which tools read what").
    ///
    /// One switch for all three, because the tools that need it read all three the old way
    /// (tbparse reads events with TensorBoard's old `EventAccumulator`, which keeps only
    /// these forms for these dashboards). What differs from the tensor forms (docs/FORMAT.md
    /// §3, "Older forms"): TensorBoard's Python loader (`--load_fast=false`) converts the
    /// older histogram form to `f32` rows (edges rounded to 7 significant digits), and its
    /// Rust loader serves the older audio form as `application/octet-stream` instead of
    /// `audio/wav`. A histogram records `num`, `sum` and `sum_squares` in this form.
    ///
    /// ```
    /// use tensorboard_writer::proto::{event::What, summary::value::Value};
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::builder(dir.path()).legacy_summaries(true).build()?;
    /// writer.add_histogram("weights", &[0.5f32, 1.5, 1.75], 0u32)?;
    /// writer.close()?;
    /// let events = tensorboard_writer::reader::read_events(dir.path())?;
    /// let Some(What::Summary(s)) = &events[1].what else { panic!() };
    /// let Some(Value::Histo(h)) = &s.value[0].value else { panic!() };
    /// assert_eq!((h.min, h.max, h.num, h.sum), (0.5, 1.75, 3.0, 3.75));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn legacy_summaries(mut self, legacy: bool) -> Self {
        self.legacy_summaries = legacy;
        self
    }

    /// Resuming from a checkpoint at step `step`: makes TensorBoard forget what earlier runs
    /// into this directory logged at steps `>= step`, so the restarted training continues one
    /// clean series instead of drawing a second, overlapping one (tensorboardX's
    /// `purge_step`).
    ///
    /// TensorBoard's two loaders do this differently (docs/FORMAT.md §1.7), and the writer serves
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
    /// Also set on the sibling runs of [`SummaryWriter::add_scalars`](crate::SummaryWriter::add_scalars). A step beyond
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
    /// [`SummaryWriter::builder`](crate::SummaryWriter::builder) is then the key prefix of the run in `store` (leading and
    /// trailing `/` ignored; `""` is the store's root), and
    /// [`add_scalars`](crate::SummaryWriter::add_scalars) runs go beside it in the same store.
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
    /// [`SummaryWriter::upload_status`](crate::SummaryWriter::upload_status) for how it is going. [`durable`](Self::durable) has
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

    /// How long [`SummaryWriter::flush`](crate::SummaryWriter::flush), [`SummaryWriter::close`](crate::SummaryWriter::close) and
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

    pub(super) fn options(&self) -> Options {
        Options {
            flush_interval: self.flush_interval,
            max_pending_bytes: self.max_pending_bytes,
            durable: self.durable,
        }
    }

    /// The checks that need no file system, made before the event file exists.
    pub(super) fn check_options(&self) -> Result<()> {
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
}
