//! [`SummaryWriter`]: the handle training loops log through, its scopes, and the scalar
//! hot path.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use prost::Message;

use crate::clock;
use crate::encode::{self, EventHeader, SMALL_RECORD, SimpleValue};
use crate::error::{Error, Result};
use crate::event_file::EventFile;
use crate::proto;
use crate::summary::scalar::ScalarValue;
use crate::tag::validate_tag;

use super::builder::SummaryWriterBuilder;
use super::step::Step;

/// `e` with the full tag of `tag` filled in when it is a [`Error::ValueOutOfRange`] without
/// one. The error path of scalar conversions, kept out of line.
#[cold]
#[inline(never)]
pub(super) fn scalar_error(writer: &SummaryWriter, tag: &str, e: Error) -> Error {
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
pub(super) fn value_error(writer: &SummaryWriter, tag: &str, e: Error) -> Error {
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

pub(super) struct Inner {
    pub(super) file: EventFile,
    pub(super) builder: SummaryWriterBuilder,
    /// Writers of the sibling runs that [`SummaryWriter::add_scalars`] writes into.
    pub(super) children: Mutex<HashMap<String, SummaryWriter>>,
    /// The uploader of a writer logging to object storage.
    #[cfg(feature = "object-store")]
    pub(super) upload: Option<Arc<crate::remote::Uploader>>,
    /// Keeps the clock thread running while this writer reads it (not with
    /// `precise_wall_time`).
    pub(super) _clock: Option<clock::Keepalive>,
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
///   truncated record, which [`EventReader`](crate::reader::EventReader) reports as
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
/// # let run = tensorboard_writer::reader::read_scalars(dir.path().join("run1"))?;
/// # assert_eq!(run["loss"].len(), 100);
/// # assert_eq!(run["train/accuracy"][0].value, f64::from(0.97f32));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SummaryWriter {
    pub(super) inner: Arc<Inner>,
    /// Prefix of every tag logged through this handle, without the trailing `/`.
    pub(super) scope: Arc<str>,
    /// Names `scope` in the per-thread tag cache (see `encode::with_cached_prefix`): 0 for
    /// no scope, a number never used before for each `scope` call (clones share theirs).
    pub(super) scope_id: u64,
}

/// The last `scope_id` given out.
pub(super) static SCOPE_IDS: AtomicU64 = AtomicU64::new(0);

impl fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.inner.file.path())
            .field("scope", &self.scope)
            .finish()
    }
}

impl SummaryWriter {
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
    pub(super) fn now(&self) -> f64 {
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
    /// let train = tensorboard_writer::reader::read_scalars(dir.path().join("loss_train"))?;
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
    /// Whether the writer was built with [`durable`](SummaryWriterBuilder::durable): files
    /// written beside the event file (the projector's) are synced too.
    pub(crate) fn is_durable(&self) -> bool {
        self.inner.builder.durable
    }

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
    #[cfg(feature = "__test-hooks")]
    #[doc(hidden)]
    pub fn peak_pending_bytes(&self) -> usize {
        self.inner.file.peak_pending_bytes()
    }
}
