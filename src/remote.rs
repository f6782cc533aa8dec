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

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path as FsPath, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreScheme, PutOptions, PutPayload, RetryConfig};
use parking_lot::{Condvar, Mutex, MutexGuard};
use tokio::sync::Notify;

use crate::error::{Error, Result};
use crate::event_file::{self, RemoteBarrier, Sink};
use crate::logdir;
use crate::wire::{FOOTER_LEN, HEADER_LEN};

/// The default size cap of a segment object: 4 MiB.
pub const DEFAULT_SEGMENT_BYTES: usize = 4 << 20;

/// The default number of uploads after which a segment object is sealed: 32.
pub const DEFAULT_SEGMENT_UPLOADS: u32 = 32;

/// The default bound on data held in memory that the object store has not yet stored: 64 MiB.
pub const DEFAULT_MAX_SPOOL_BYTES: usize = 64 << 20;

/// The default time [`flush`](crate::SummaryWriter::flush) and
/// [`close`](crate::SummaryWriter::close) wait for the object store: 5 minutes.
pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// First wait before a failed PUT is tried again.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between two tries of a failed PUT.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

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

/// The object-storage settings of a [`SummaryWriterBuilder`](crate::SummaryWriterBuilder).
#[derive(Debug, Clone)]
pub(crate) struct RemoteSettings {
    /// A store given by the user: the logdir is then the key prefix in it.
    pub store: Option<Arc<dyn ObjectStore>>,
    /// Where a sibling run of `add_scalars` goes: its parent's store, under the parent's prefix.
    pub resolved: Option<Target>,
    pub segment_bytes: usize,
    pub segment_uploads: u32,
    pub max_spool_bytes: usize,
    pub upload_timeout: Duration,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        RemoteSettings {
            store: None,
            resolved: None,
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_uploads: DEFAULT_SEGMENT_UPLOADS,
            max_spool_bytes: DEFAULT_MAX_SPOOL_BYTES,
            upload_timeout: DEFAULT_UPLOAD_TIMEOUT,
        }
    }
}

impl RemoteSettings {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.segment_bytes == 0 {
            return Err(Error::InvalidOption("segment_bytes must be positive"));
        }
        if self.segment_uploads == 0 {
            return Err(Error::InvalidOption("segment_uploads must be positive"));
        }
        if self.max_spool_bytes == 0 {
            return Err(Error::InvalidOption("max_spool_bytes must be positive"));
        }
        if self.upload_timeout.is_zero() {
            return Err(Error::InvalidOption("upload_timeout must be positive"));
        }
        Ok(())
    }
}

/// A store and the key prefix of a run in it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    store: Arc<dyn ObjectStore>,
    prefix: ObjPath,
    /// The prefix as shown to the user: the URL, or the prefix itself in a user's store.
    url: String,
}

impl Target {
    /// The sibling run `dir` of this one (for `add_scalars`): same store, prefix `<prefix>/dir`.
    pub(crate) fn child(&self, dir: &str) -> Target {
        Target {
            store: self.store.clone(),
            prefix: self.prefix.clone().join(dir),
            url: join_url(&self.url, dir),
        }
    }
}

fn join_url(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", base.trim_end_matches('/'))
    }
}

/// The object store and key prefix a logdir names: `Some` for a URL or when the user gave a
/// store, `None` for a local directory.
pub(crate) fn resolve(logdir: &FsPath, settings: &RemoteSettings) -> Result<Option<Target>> {
    if let Some(t) = &settings.resolved {
        return Ok(Some(t.clone()));
    }
    let text = logdir.to_str();
    if let Some(store) = &settings.store {
        let raw = text.ok_or_else(|| Error::InvalidUrl {
            url: logdir.display().to_string(),
            reason: "an object-store key prefix must be valid UTF-8".into(),
        })?;
        let trimmed = raw.trim_matches('/');
        let prefix = ObjPath::parse(trimmed).map_err(|e| Error::InvalidUrl {
            url: raw.to_owned(),
            reason: format!("not a valid key prefix: {e}"),
        })?;
        return Ok(Some(Target {
            store: store.clone(),
            prefix,
            url: trimmed.to_owned(),
        }));
    }
    let Some(text) = text.filter(|t| logdir::url_scheme(t).is_some()) else {
        return Ok(None);
    };
    store_for_url(text).map(Some)
}

/// object_store's own retries are off: the uploader retries, with its own backoff and for as
/// long as it takes, and classifies errors itself.
fn no_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    }
}

fn store_for_url(text: &str) -> Result<Target> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: text.to_owned(),
        reason,
    };
    let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|e| invalid(e.to_string()))?;
    let built: std::result::Result<Arc<dyn ObjectStore>, object_store::Error> = match scheme {
        ObjectStoreScheme::AmazonS3 => object_store::aws::AmazonS3Builder::from_env()
            .with_url(text)
            .with_retry(no_retries())
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::GoogleCloudStorage => {
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(text)
                .with_retry(no_retries())
                .build()
                .map(|s| Arc::new(s) as _)
        }
        ObjectStoreScheme::MicrosoftAzure => object_store::azure::MicrosoftAzureBuilder::from_env()
            .with_url(text)
            .with_retry(no_retries())
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::Local => Ok(Arc::new(object_store::local::LocalFileSystem::new()) as _),
        ObjectStoreScheme::Memory => Ok(Arc::new(object_store::memory::InMemory::new()) as _),
        other => {
            return Err(invalid(format!(
                "{other:?} URLs are not supported (s3://, gs://, az://, file:// and memory:// are)"
            )))
        }
    };
    let store = built.map_err(|e| invalid(e.to_string()))?;
    Ok(Target {
        store,
        prefix,
        url: text.trim_end_matches('/').to_owned(),
    })
}

/// Opens a run in `target`: starts the uploader thread, which lists the prefix (best effort)
/// to name the new objects so that they sort after every event file already there. Returns
/// the name of the first segment object (for `SummaryWriter::path`), the sink the event-file
/// writer writes into, and the uploader.
pub(crate) fn open(
    target: Target,
    settings: &RemoteSettings,
    suffix: &str,
) -> Result<(PathBuf, ObjectSink, Arc<Uploader>)> {
    settings.validate()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the upload runtime for", &target.url, e))?;
    let up = Arc::new(Uploader {
        url: target.url.clone(),
        prefix: target.prefix.clone(),
        suffix: suffix.to_owned(),
        segment_bytes: settings.segment_bytes as u64,
        segment_uploads: settings.segment_uploads,
        max_spool_bytes: settings.max_spool_bytes as u64,
        timeout: settings.upload_timeout,
        state: Mutex::new(UpState::default()),
        progress: Condvar::new(),
        wake: Notify::new(),
        cancel: Notify::new(),
        thread: Mutex::new(None),
    });
    let up2 = up.clone();
    let store = target.store.clone();
    let handle = std::thread::Builder::new()
        .name("tensorboard-upload".into())
        .spawn(move || {
            let _guard = UploaderExit(up2.clone());
            runtime.block_on(async move {
                let stem = name_stem(&*store, &up2).await;
                {
                    let mut st = up2.state.lock();
                    st.stem = Some(stem);
                }
                up2.progress.notify_all();
                up2.run(&*store).await;
            });
        })
        .map_err(|e| Error::io("starting the upload thread for", &target.url, e))?;
    *up.thread.lock() = Some(handle);
    // Wait for the names. The listing is bounded by `upload_timeout`; the margin is for a
    // thread that is slow to start.
    let deadline = after(
        Instant::now(),
        settings
            .upload_timeout
            .saturating_add(Duration::from_secs(5)),
    );
    let first = {
        let mut st = up.state.lock();
        loop {
            if let Some(stem) = &st.stem {
                break format!("{stem}.{:06}{}", 0, up.suffix);
            }
            if st.exited || up.progress.wait_until(&mut st, deadline).timed_out() {
                drop(st);
                up.abandon();
                return Err(Error::Upload {
                    url: up.url.clone(),
                    pending_bytes: 0,
                    source: Arc::new(io::Error::other("the upload thread did not start")),
                });
            }
        }
    };
    let path = PathBuf::from(join_url(&up.url, &first));
    Ok((path, ObjectSink { up: up.clone() }, up))
}

/// Picks the name stem `events.out.tfevents.<secs>.<host>.<pid>.<counter>` of a new run's
/// objects, sorting after every event file under the prefix (one LIST, best effort: a failed
/// listing is ignored, and the first PUT reports what is wrong with the store).
async fn name_stem(store: &dyn ObjectStore, up: &Uploader) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let prefix = (!up.prefix.as_ref().is_empty()).then_some(&up.prefix);
    let listing = tokio::time::timeout(up.timeout, store.list_with_delimiter(prefix)).await;
    let existing: Vec<String> = match listing {
        Ok(Ok(list)) => list
            .objects
            .iter()
            .filter_map(|o| o.location.filename().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let host = event_file::hostname();
    let pid = std::process::id();
    loop {
        let counter = event_file::next_file_counter();
        let seg0 = format!(".{:06}{}", 0, up.suffix);
        let candidate = event_file::event_file_name(now, &host, pid, counter, &seg0);
        let secs = event_file::name_secs_among(now, &candidate, &existing);
        let stem = event_file::event_file_name(secs, &host, pid, counter, "");
        // A name already taken (a process that reused our pid in the same second, or the
        // same host's clock set back): the next counter.
        if !existing.iter().any(|n| n.starts_with(&stem)) {
            return stem;
        }
    }
}

/// One segment object: its bytes so far and how much of them the store holds.
struct Segment {
    key: ObjPath,
    /// Offset of its first byte in the event stream.
    start: u64,
    chunks: Vec<Bytes>,
    len: u64,
    /// Bytes of it the store holds (the length at its last successful PUT).
    stored_len: u64,
    /// Successful PUTs of it.
    puts: u32,
    /// No more data goes into it; once stored whole, it is done.
    sealed: bool,
}

#[derive(Default)]
struct UpState {
    /// `events.out.tfevents.<secs>.<host>.<pid>.<counter>`, once the uploader has listed the
    /// prefix.
    stem: Option<String>,
    /// Segments not yet done, oldest first; the last one takes new data unless sealed.
    segs: VecDeque<Segment>,
    /// Segments started.
    next_seg: u64,
    accepted: u64,
    stored: u64,
    put_requests: u64,
    bytes_sent: u64,
    retries: u64,
    /// The last failed PUT's error, cleared by a success.
    last_error: Option<Arc<dyn StdError + Send + Sync>>,
    /// That error is one that retrying will not fix (a missing bucket, denied access).
    permanent: bool,
    closing: bool,
    /// When `close` gives up: no PUT or wait of the uploader runs past it.
    close_deadline: Option<Instant>,
    /// Stop at once, storing nothing more.
    give_up: bool,
    exited: bool,
    close_result: Option<Result<()>>,
}

/// A PUT to make: the whole segment `seg` (its index in `segs` is 0) as it is now.
struct Job {
    key: ObjPath,
    payload: PutPayload,
    len: u64,
}

impl UpState {
    fn pending(&self) -> u64 {
        self.accepted - self.stored
    }

    /// The PUT to make next, if any: the oldest segment that is not stored whole. Done
    /// segments are dropped; a segment about to be uploaded for the `segment_uploads`-th time
    /// is sealed first, so that this upload is its last.
    fn next_job(&mut self, segment_uploads: u32) -> Option<Job> {
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
    fn stored(&mut self, job: &Job) {
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
    fn push_records(&mut self, up: &Uploader, mut buf: &[u8]) {
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
fn after(from: Instant, d: Duration) -> Instant {
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
    url: String,
    prefix: ObjPath,
    suffix: String,
    segment_bytes: u64,
    segment_uploads: u32,
    max_spool_bytes: u64,
    timeout: Duration,
    state: Mutex<UpState>,
    /// Wakes callers: data stored, a PUT failed, the uploader exited.
    progress: Condvar,
    /// Wakes the uploader: new data, closing.
    wake: Notify,
    /// Interrupts a PUT or a backoff of the uploader: `close` gave up.
    cancel: Notify,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Uploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uploader").field("url", &self.url).finish()
    }
}

/// Marks the uploader as exited however its thread ends, so that no caller waits for it.
struct UploaderExit(Arc<Uploader>);
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

/// The error for data not stored in time.
#[derive(Debug)]
struct NotStoredInTime {
    timeout: Duration,
    last: Option<Arc<dyn StdError + Send + Sync>>,
}

impl fmt::Display for NotStoredInTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the object store has not stored the data within the upload timeout ({:?})",
            self.timeout
        )?;
        match &self.last {
            Some(e) => write!(f, "; last error: {e}"),
            None => Ok(()),
        }
    }
}

impl StdError for NotStoredInTime {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.last.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// Whether retrying cannot fix `e`: a missing bucket or object path, denied access, bad
/// credentials, an invalid path, an operation the store does not support, or an HTTP client
/// error (4xx other than 408 and 429, or a redirect to another region). Anything else
/// (connection failures, timeouts, 5xx, errors of a user's store) is retried.
fn is_permanent(e: &object_store::Error) -> bool {
    use object_store::Error as E;
    match e {
        E::NotFound { .. }
        | E::PermissionDenied { .. }
        | E::Unauthenticated { .. }
        | E::InvalidPath { .. }
        | E::NotSupported { .. }
        | E::NotImplemented { .. }
        | E::UnknownConfigurationKey { .. } => true,
        E::Generic { .. } => is_client_error(e),
        _ => false,
    }
}

/// object_store reports other HTTP statuses only in its messages
/// (`Server returned non-2xx status code: 400 Bad Request: …`).
fn is_client_error(e: &(dyn StdError + 'static)) -> bool {
    let mut text = String::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        text.push_str(&err.to_string());
        text.push('\n');
        cur = err.source();
    }
    if text.contains("Received redirect without LOCATION") {
        return true;
    }
    text.match_indices("status code: ").any(|(i, m)| {
        text[i + m.len()..]
            .get(..3)
            .and_then(|code| code.parse::<u16>().ok())
            .is_some_and(|code| (400..500).contains(&code) && code != 408 && code != 429)
    })
}

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
    async fn run(&self, store: &dyn ObjectStore) {
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

    fn upload_error(&self, st: &UpState, source: Arc<dyn StdError + Send + Sync>) -> Error {
        Error::Upload {
            url: self.url.clone(),
            pending_bytes: st.pending(),
            source,
        }
    }

    fn timeout_error(&self, st: &UpState) -> Error {
        self.upload_error(
            st,
            Arc::new(NotStoredInTime {
                timeout: self.timeout,
                last: st.last_error.clone(),
            }),
        )
    }

    /// The error of a wait that ended early: a permanent failure, or a stopped uploader.
    fn early_error(&self, st: &UpState) -> Option<Error> {
        if st.permanent {
            if let Some(e) = &st.last_error {
                return Some(self.upload_error(st, e.clone()));
            }
        }
        if st.exited {
            let source = st
                .last_error
                .clone()
                .unwrap_or_else(|| Arc::new(io::Error::other("the upload thread stopped")));
            return Some(self.upload_error(st, source));
        }
        None
    }

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

    fn lock(&self) -> MutexGuard<'_, UpState> {
        self.state.lock()
    }
}

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

/// The [`Sink`] the event-file writer writes into: hands whole records to the uploader.
/// Waits while the spool is full, at most `upload_timeout`.
pub(crate) struct ObjectSink {
    up: Arc<Uploader>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::encode_record;

    #[test]
    fn every_cloud_url_maps_to_its_store_and_prefix() {
        // Building a store makes no request: credentials are resolved at the first one, so
        // these build here without any cloud (the Azure account name can be in the URL).
        for (url, store, prefix) in [
            ("s3://bucket/exp/run1", "AmazonS3", "exp/run1"),
            ("s3a://bucket/exp/run1/", "AmazonS3", "exp/run1"),
            ("gs://bucket/exp/run1", "GoogleCloudStorage", "exp/run1"),
            (
                "https://account.blob.core.windows.net/container/exp/run1",
                "MicrosoftAzure",
                "exp/run1",
            ),
            ("file:///tmp/exp/run1", "LocalFileSystem", "tmp/exp/run1"),
            ("memory:///exp/run1", "InMemory", "exp/run1"),
        ] {
            let t = store_for_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(
                t.store.to_string().starts_with(store),
                "{url}: {} is not {store}",
                t.store
            );
            assert_eq!(t.prefix.as_ref(), prefix, "{url}");
            assert_eq!(t.url, url.trim_end_matches('/'));
        }
        for (url, why) in [
            ("http://example.com/run", "not supported"),
            ("s3://", "recognise"),
        ] {
            match store_for_url(url) {
                Err(Error::InvalidUrl { reason, .. }) => {
                    assert!(reason.to_lowercase().contains(why), "{url}: {reason}")
                }
                Err(e) => panic!("{url}: {e:?}"),
                Ok(t) => panic!("{url}: built {}", t.store),
            }
        }
    }

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
    fn client_errors_are_permanent_and_server_errors_are_not() {
        let generic = |msg: &str| object_store::Error::Generic {
            store: "S3",
            source: msg.to_string().into(),
        };
        assert!(is_permanent(&generic(
            "Server returned non-2xx status code: 400 Bad Request: x"
        )));
        assert!(!is_permanent(&generic(
            "Server returned non-2xx status code: 503 Service Unavailable: x"
        )));
        assert!(!is_permanent(&generic(
            "Server returned non-2xx status code: 429 Too Many Requests"
        )));
        assert!(!is_permanent(&generic("connection refused")));
        assert!(is_permanent(&object_store::Error::NotFound {
            path: "b".into(),
            source: "NoSuchBucket".to_string().into(),
        }));
    }

    #[test]
    fn record_len_reads_the_frame() {
        let r = recs(2, 5);
        assert_eq!(record_len(&r), 21);
        assert_eq!(record_len(&r[..10]), 10);
        assert_eq!(record_len(&[]), 0);
    }
}
