//! Object-storage uploads (issue #9): what one hour of a realistic training log costs to keep
//! in a bucket, this crate's segment objects against re-uploading the whole event file at
//! every flush (what the Python writers do on `s3://` / `gs://`).
//!
//! The log: 5 steps per second, each step 4 scalars (a merged `train/loss` +
//! `train/accuracy` event, `lr`, `grad_norm`), and every 50 steps 2 histograms of 10,000
//! values; a flush every 2 s (the default flush interval), i.e. 10 steps per flush and 1,800
//! flushes for the hour. No real hour passes: the flushes are explicit `flush()` calls (the
//! background interval is set to an hour so that only they upload).
//!
//! - ours: a writer on an `object_store` store (`SummaryWriter::builder(..).object_store(..)`),
//!   default segment caps (4 MiB, 32 uploads).
//! - whole file: the same log through a local writer; after each `flush()` the whole file is
//!   read and PUT to the same store.
//!
//! The store is an in-memory `object_store::memory::InMemory` wrapped to count PUT requests
//! and payload bytes; with `TBW_BENCH_S3_ENDPOINT=http://127.0.0.1:PORT` it is an s3s-fs
//! (`mkdir -p ROOT/tbw-bench && scripts/s3-server.sh serve ROOT PORT`) instead.
//!
//! First a table of the whole simulated hour for both (bytes logged, bytes uploaded, ratio,
//! PUTs, wall time per flush), then criterion's time per flush interval (`upload/ours`,
//! `upload/whole_file`: log 10 steps, flush, upload; averaged over the hour, as each timed
//! batch continues the simulated hour where the previous one stopped and a new hour starts
//! after 1,800 flushes, outside the timed region).
//!
//! Run with `cargo bench -p tensorboard-writer-benches --features object-store --bench upload`.

use std::fmt;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::stream::BoxStream;
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::object_store::memory::InMemory;
use tensorboard_writer::object_store::path::Path as ObjectPath;
use tensorboard_writer::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result as OsResult,
};

const STEPS_PER_FLUSH: u32 = 10;
const FLUSHES_PER_HOUR: u32 = 1800;
const HISTOGRAM_EVERY: u32 = 50;
const HISTOGRAM_VALUES: usize = 10_000;

// ---------------------------------------------------------------- a counting store

/// Forwards everything to `inner`, counting PUT requests and their payload bytes.
#[derive(Debug)]
struct CountingStore {
    inner: Arc<dyn ObjectStore>,
    puts: AtomicU64,
    put_bytes: AtomicU64,
}

impl CountingStore {
    fn new(inner: Arc<dyn ObjectStore>) -> Arc<Self> {
        Arc::new(CountingStore {
            inner,
            puts: AtomicU64::new(0),
            put_bytes: AtomicU64::new(0),
        })
    }
    fn counts(&self) -> (u64, u64) {
        (
            self.puts.load(Ordering::Relaxed),
            self.put_bytes.load(Ordering::Relaxed),
        )
    }
}

impl fmt::Display for CountingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingStore {
    async fn put_opts(
        &self,
        location: &ObjectPath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> OsResult<PutResult> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.put_bytes
            .fetch_add(payload.content_length() as u64, Ordering::Relaxed);
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &ObjectPath,
        opts: PutMultipartOptions,
    ) -> OsResult<Box<dyn MultipartUpload>> {
        // Not used by either writer; counted as one request (its parts are not counted).
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &ObjectPath, options: GetOptions) -> OsResult<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, OsResult<ObjectPath>>,
    ) -> BoxStream<'static, OsResult<ObjectPath>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&ObjectPath>) -> BoxStream<'static, OsResult<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&ObjectPath>) -> OsResult<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &ObjectPath,
        to: &ObjectPath,
        options: CopyOptions,
    ) -> OsResult<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

/// The store under the counter: in memory, or an S3 server given by `TBW_BENCH_S3_ENDPOINT`.
fn inner_store() -> (Arc<dyn ObjectStore>, String) {
    let Ok(endpoint) = std::env::var("TBW_BENCH_S3_ENDPOINT") else {
        return (Arc::new(InMemory::new()), "in-memory store".into());
    };
    use tensorboard_writer::object_store::aws::AmazonS3Builder;
    // s3s-fs serves each directory of its root as a bucket: `mkdir ROOT/tbw-bench` first.
    let bucket = "tbw-bench";
    let store = AmazonS3Builder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id("tbw-test-access")
        .with_secret_access_key("tbw-test-secret")
        .build()
        .expect("an S3 client for TBW_BENCH_S3_ENDPOINT");
    (Arc::new(store), format!("s3s-fs at {endpoint}"))
}

// ---------------------------------------------------------------- the training log

#[path = "../tests/common/rng.rs"]
mod rng;
use rng::Rng;

/// Roughly normal: the sum of four uniforms, centred.
fn normal(rng: &mut Rng) -> f32 {
    (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2.0) * 1.7
}

/// One step of the training log.
fn log_step(w: &SummaryWriter, step: u32, rng: &mut Rng, weights: &mut [f32]) {
    let loss = 2.3 / (1.0 + step as f32 * 0.01) + 0.05 * rng.unit();
    w.step(step)
        .scalar("train/loss", loss)
        .scalar("train/accuracy", 1.0 - loss / 2.5)
        .write()
        .expect("merged scalars");
    w.add_scalar("lr", 1e-3f32 * 0.9999f32.powi(step as i32), step)
        .expect("lr");
    w.add_scalar("grad_norm", 0.5 + rng.unit(), step)
        .expect("grad_norm");
    if step % HISTOGRAM_EVERY == 0 {
        for x in weights.iter_mut() {
            *x += 0.001 * normal(rng);
        }
        w.add_histogram("fc1/weights", &*weights, step)
            .expect("histogram");
        let acts: Vec<f32> = weights.iter().map(|x| x.max(0.0) * 3.0).collect();
        w.add_histogram("fc1/activations", &acts, step)
            .expect("histogram");
    }
}

/// One simulated hour, in either mode, flush by flush.
struct Hour {
    store: Arc<CountingStore>,
    rt: Arc<tokio::runtime::Runtime>,
    whole_file: bool,
    run: u32,
    writer: SummaryWriter,
    _dir: Option<tempfile::TempDir>,
    key: ObjectPath,
    step: u32,
    flushes: u32,
    rng: Rng,
    weights: Vec<f32>,
}

impl Hour {
    fn new(store: Arc<CountingStore>, rt: Arc<tokio::runtime::Runtime>, whole_file: bool) -> Hour {
        let (writer, dir, key) = Self::open(&store, whole_file, 0);
        let mut rng = Rng(7);
        let weights = (0..HISTOGRAM_VALUES)
            .map(|_| 0.05 * normal(&mut rng))
            .collect();
        Hour {
            store,
            rt,
            whole_file,
            run: 0,
            writer,
            _dir: dir,
            key,
            step: 0,
            flushes: 0,
            rng,
            weights,
        }
    }

    fn open(
        store: &Arc<CountingStore>,
        whole_file: bool,
        run: u32,
    ) -> (SummaryWriter, Option<tempfile::TempDir>, ObjectPath) {
        let hour_long = Duration::from_secs(3600);
        if whole_file {
            let dir = tempfile::tempdir().expect("temporary directory");
            let w = SummaryWriter::builder(dir.path())
                .flush_interval(hour_long)
                .build()
                .expect("local writer");
            let name = w
                .path()
                .file_name()
                .expect("an event file name")
                .to_string_lossy()
                .into_owned();
            let key = ObjectPath::from(format!("whole-file/run{run}/{name}"));
            (w, Some(dir), key)
        } else {
            let dyn_store: Arc<dyn ObjectStore> = store.clone();
            let w = SummaryWriter::builder(format!("ours/run{run}"))
                .object_store(dyn_store)
                .flush_interval(hour_long)
                .build()
                .expect("object-store writer");
            (w, None, ObjectPath::from(format!("ours/run{run}")))
        }
    }

    /// Logs one flush interval's steps, flushes, and (whole-file mode) uploads the file.
    fn interval(&mut self) {
        for _ in 0..STEPS_PER_FLUSH {
            log_step(&self.writer, self.step, &mut self.rng, &mut self.weights);
            self.step += 1;
        }
        self.writer.flush().expect("flush");
        if self.whole_file {
            let bytes = std::fs::read(self.writer.path()).expect("reading the event file");
            self.rt
                .block_on(self.store.put(&self.key, PutPayload::from(bytes)))
                .expect("PUT of the whole file");
        }
        self.flushes += 1;
    }

    fn done(&self) -> bool {
        self.flushes >= FLUSHES_PER_HOUR
    }

    /// Bytes of event data logged so far (the local file's size, or what the uploader took).
    fn bytes_logged(&self) -> u64 {
        if self.whole_file {
            std::fs::metadata(self.writer.path())
                .expect("event file")
                .len()
        } else {
            self.writer
                .upload_status()
                .expect("an upload status")
                .bytes_accepted
        }
    }

    /// Closes this hour's writer and starts a new hour (a new run).
    fn restart(&mut self) {
        self.writer.close().expect("close");
        self.run += 1;
        let (writer, dir, key) = Self::open(&self.store, self.whole_file, self.run);
        self.writer = writer;
        self._dir = dir;
        self.key = key;
        self.step = 0;
        self.flushes = 0;
    }
}

struct HourResult {
    logged: u64,
    puts: u64,
    put_bytes: u64,
    segments: Option<u64>,
    per_flush: Duration,
}

fn whole_hour(rt: &Arc<tokio::runtime::Runtime>, whole_file: bool) -> HourResult {
    let (inner, _) = inner_store();
    let store = CountingStore::new(inner);
    let mut hour = Hour::new(store.clone(), rt.clone(), whole_file);
    // The writer's opening PUT (ours) is part of the hour's cost; count from zero.
    let t = Instant::now();
    while !hour.done() {
        hour.interval();
    }
    let per_flush = t.elapsed() / FLUSHES_PER_HOUR;
    let logged = hour.bytes_logged();
    let segments = hour.writer.upload_status().map(|s| s.segments);
    hour.writer.close().expect("close");
    let (puts, put_bytes) = store.counts();
    HourResult {
        logged,
        puts,
        put_bytes,
        segments,
        per_flush,
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn table(rt: &Arc<tokio::runtime::Runtime>) {
    let (_, what) = inner_store();
    println!(
        "\nOne hour of training log ({FLUSHES_PER_HOUR} flushes, {} steps, 4 scalars per step, \
         2 histograms of {HISTOGRAM_VALUES} values every {HISTOGRAM_EVERY} steps), {what}:\n",
        FLUSHES_PER_HOUR * STEPS_PER_FLUSH
    );
    let ours = whole_hour(rt, false);
    let whole = whole_hour(rt, true);
    println!(
        "| upload | bytes logged | bytes uploaded | uploaded / logged | PUTs | wall time per flush |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, r) in [
        (
            format!(
                "segments (ours; {} segments)",
                ours.segments.unwrap_or_default()
            ),
            &ours,
        ),
        ("whole file at each flush".to_string(), &whole),
    ] {
        println!(
            "| {name} | {} | {} | {:.1}× | {} | {:.0} µs |",
            mb(r.logged),
            mb(r.put_bytes),
            r.put_bytes as f64 / r.logged as f64,
            r.puts,
            r.per_flush.as_secs_f64() * 1e6
        );
    }
    println!(
        "\nwhole file uploads {:.1}× the bytes of segments\n",
        whole.put_bytes as f64 / ours.put_bytes as f64
    );
}

fn bench(c: &mut Criterion) {
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime"),
    );
    table(&rt);

    let mut g = c.benchmark_group("upload");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(10));
    for (name, whole_file) in [("ours", false), ("whole_file", true)] {
        let (inner, _) = inner_store();
        let mut hour = Hour::new(CountingStore::new(inner), rt.clone(), whole_file);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    if hour.done() {
                        hour.restart();
                    }
                    let t = Instant::now();
                    hour.interval();
                    timed += t.elapsed();
                }
                black_box(hour.flushes);
                timed
            })
        });
        hour.writer.close().expect("close");
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
