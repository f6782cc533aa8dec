//! Logging to S3 (issue #9) against a real S3-compatible server: s3s-fs, started by each test
//! on 127.0.0.1 on a free port, serving a temporary directory. Each test runs in a child
//! process of the test binary, with the server's endpoint and credentials in its environment
//! (`AWS_*`, as a user sets them for an `s3://` logdir).
//!
//! ```sh
//! TBW_S3S_FS=$(scripts/s3-server.sh path) cargo test --features object-store --test object_store \
//!     object_store_s3::
//! ```
//!
//! `scripts/s3-server.sh path` installs s3s-fs into target/tools on first use. Without
//! `TBW_S3S_FS` the tests print a note and pass without running; with `TBW_REQUIRE_S3=1` (as in
//! CI) they fail instead.
//!
//! Everything is read back through the S3 API (LIST and GET), never from the server's files:
//! the objects under the run's prefix, in name order, each read with `EventReader`, must hold
//! exactly what was logged (compared with the same calls made on a local writer), and nothing
//! twice, also across a server outage.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use tensorboard_writer::object_store::aws::AmazonS3Builder;
use tensorboard_writer::object_store::path::Path as ObjectPath;
use tensorboard_writer::object_store::{ObjectStore, ObjectStoreExt, RetryConfig};
use tensorboard_writer::reader::EventReader;
use tensorboard_writer::summary::image::ImageLayout;
use tensorboard_writer::{Error, SummaryWriter, SummaryWriterBuilder, proto};

/// The server's credentials (test values; it listens on 127.0.0.1 only).
const ACCESS_KEY: &str = "tbw-test-access";
const SECRET_KEY: &str = "tbw-test-secret";
const REGION: &str = "us-east-1";
/// The bucket every test logs into (a directory under the server's root).
const BUCKET: &str = "tbw";

/// Every loop waiting on the server or on an upload gives up after this long.
const WAIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------- the server

/// The s3s-fs binary, or `None` (after a printed note) when the tests should skip.
fn s3s_fs() -> Option<PathBuf> {
    let required = std::env::var("TBW_REQUIRE_S3").as_deref() == Ok("1");
    match std::env::var_os("TBW_S3S_FS") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "TBW_S3S_FS={} is not a file (scripts/s3-server.sh path installs s3s-fs)",
                p.display()
            );
            Some(p)
        }
        _ if required => panic!(
            "TBW_REQUIRE_S3=1 but TBW_S3S_FS is not set: \
             TBW_S3S_FS=$(scripts/s3-server.sh path) cargo test --features object-store \
             --test object_store object_store_s3::"
        ),
        _ => {
            eprintln!(
                "note: S3 test skipped: set TBW_S3S_FS to an s3s-fs binary \
                 (TBW_S3S_FS=$(scripts/s3-server.sh path)) to run it"
            );
            None
        }
    }
}

/// The port the child process's server listens on (chosen by the parent, which puts it in
/// the child's `AWS_ENDPOINT`).
const PORT_VAR: &str = "TBW_S3_TEST_PORT";

/// Runs the S3 test `name` in a child process ([`crate::in_child_with_env`]) whose environment
/// holds the server's endpoint and credentials. In that child, returns the s3s-fs binary and
/// the port its server is to listen on; `None` in the parent (once the child passed) and when
/// the test skips.
fn s3_child(name: &str) -> Option<(PathBuf, u16)> {
    let bin = s3s_fs()?;
    let port = match std::env::var(PORT_VAR) {
        Ok(p) => p.parse().expect("the port the parent chose"),
        Err(_) => free_port(),
    };
    let vars = [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
        (PORT_VAR, port.to_string()),
    ];
    crate::in_child_with_env(module_path!(), name, &vars).then_some((bin, port))
}

/// A free TCP port on 127.0.0.1 (free when this returns; the server binds it right after).
fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding 127.0.0.1:0");
    l.local_addr().expect("local address").port()
}

/// An s3s-fs process serving `root` on 127.0.0.1:`port`, killed when dropped (also when the
/// test fails). `kill` and `start` stop and restart it on the same port and root.
struct Server {
    bin: PathBuf,
    _dir: tempfile::TempDir,
    root: PathBuf,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    /// Starts a server on `port` and a new temporary root holding an empty bucket [`BUCKET`].
    fn new(bin: &Path, port: u16) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().join("root");
        // s3s-fs serves each top-level directory of its root as a bucket.
        std::fs::create_dir_all(root.join(BUCKET)).expect("creating the bucket directory");
        let mut s = Server {
            bin: bin.to_owned(),
            log: dir.path().join("s3s-fs.log"),
            _dir: dir,
            root,
            port,
            child: None,
        };
        s.start();
        s
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on its port and root; panics if it does not answer in time.
    fn start(&mut self) {
        let deadline = Instant::now() + WAIT;
        // The port was ours a moment ago; after a kill it can take a moment to be free again.
        loop {
            match self.try_start() {
                Ok(()) => return,
                Err(why) if Instant::now() < deadline => {
                    eprintln!("s3s-fs did not restart ({why}); retrying");
                    thread::sleep(Duration::from_millis(200));
                }
                Err(why) => panic!("s3s-fs did not restart on port {}: {why}", self.port),
            }
        }
    }

    fn try_start(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "the server is already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("opening the server log");
        let child = Command::new(&self.bin)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&self.root)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cloning the log handle"))
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawning {}: {e}", self.bin.display()))?;
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let child = self.child.as_mut().expect("just started");
            if let Some(status) = child.try_wait().expect("waiting on s3s-fs") {
                self.child = None;
                return Err(format!("s3s-fs exited with {status}: {}", self.log_text()));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!(
                    "no answer on {addr} within 20 s: {}",
                    self.log_text()
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server (SIGKILL: no goodbye to open connections) and reaps it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A client of the server, for reading back (no retries: a failure is a failure).
    fn store(&self) -> Arc<dyn ObjectStore> {
        let store = AmazonS3Builder::new()
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region(REGION)
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_retry(RetryConfig {
                max_retries: 0,
                ..RetryConfig::default()
            })
            .build()
            .expect("building the S3 client");
        Arc::new(store)
    }

    /// The objects under `prefix` (name, bytes), in name order, read through LIST and GET.
    fn objects(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        let store = self.store();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async {
            let prefix = ObjectPath::from(prefix);
            let list = store
                .list_with_delimiter(Some(&prefix))
                .await
                .expect("listing the run's prefix");
            assert!(
                list.common_prefixes.is_empty(),
                "unexpected sub-prefixes under {prefix}: {:?}",
                list.common_prefixes
            );
            let mut names: Vec<ObjectPath> = list.objects.into_iter().map(|o| o.location).collect();
            names.sort();
            let mut out = Vec::new();
            for name in names {
                let bytes = store
                    .get(&name)
                    .await
                    .unwrap_or_else(|e| panic!("GET {name}: {e}"))
                    .bytes()
                    .await
                    .unwrap_or_else(|e| panic!("reading {name}: {e}"));
                out.push((name.to_string(), bytes.to_vec()));
            }
            out
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Opens a writer on `s3://BUCKET/<prefix>` of `server`, configured by `options` (the server's
/// endpoint and credentials are in the environment: [`s3_child`]).
fn open_s3(
    server: &Server,
    prefix: &str,
    options: impl FnOnce(SummaryWriterBuilder) -> SummaryWriterBuilder,
) -> SummaryWriter {
    assert_eq!(
        std::env::var("AWS_ENDPOINT").ok(),
        Some(server.endpoint()),
        "the writer must reach this test's server"
    );
    let url = format!("s3://{BUCKET}/{prefix}");
    options(SummaryWriter::builder(&url))
        .build()
        .unwrap_or_else(|e| panic!("opening {url}: {e}"))
}

// ---------------------------------------------------------------- reading back

/// One segment object: its name and events (it must be a whole event file).
struct Segment {
    name: String,
    events: Vec<proto::Event>,
}

fn parse_segments(objects: &[(String, Vec<u8>)]) -> Vec<Segment> {
    objects
        .iter()
        .map(|(name, bytes)| {
            let events = EventReader::new(&bytes[..])
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| panic!("object {name} is not a whole event file: {e}"));
            Segment {
                name: name.clone(),
                events,
            }
        })
        .collect()
}

fn read_local(w: &SummaryWriter) -> Vec<proto::Event> {
    EventReader::open(w.path())
        .expect("opening the local event file")
        .collect::<Result<Vec<_>, _>>()
        .expect("reading the local event file")
}

fn is_file_version(e: &proto::Event) -> bool {
    matches!(e.what, Some(proto::event::What::FileVersion(_)))
}

/// An event as compared between the S3 run and the local one: without its wall time and its
/// values' metadata (a segment repeats each tag's metadata; checked by
/// [`check_metadata_per_segment`]). `None` for the `file_version` record each file starts with.
fn normalized(e: &proto::Event) -> Option<proto::Event> {
    if is_file_version(e) {
        return None;
    }
    let mut e = e.clone();
    e.wall_time = 0.0;
    if let Some(proto::event::What::Summary(s)) = &mut e.what {
        for v in &mut s.value {
            v.metadata = None;
        }
    }
    Some(e)
}

/// Short text of an event for failure messages (images make `{:?}` enormous).
fn describe(e: &proto::Event) -> String {
    let tags: Vec<String> = match &e.what {
        Some(proto::event::What::Summary(s)) => s.value.iter().map(|v| v.tag.clone()).collect(),
        other => vec![format!("{:.80}", format!("{other:?}"))],
    };
    format!("step {} {:?}", e.step, tags)
}

/// `got` (the segments' events in name order) holds exactly `want` (the local file's), in
/// order: nothing lost, nothing duplicated, nothing extra.
fn assert_same_events(got: &[proto::Event], want: &[proto::Event]) {
    let got: Vec<proto::Event> = got.iter().filter_map(normalized).collect();
    let want: Vec<proto::Event> = want.iter().filter_map(normalized).collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w,
            "event {i} differs: stored {}, logged {}",
            describe(g),
            describe(w)
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "stored {} events, logged {}; first extra: {:?}",
        got.len(),
        want.len(),
        got.get(want.len()).or(want.get(got.len())).map(describe)
    );
}

/// Every segment is a file of its own for TensorBoard, which fixes a series' metadata from the
/// first value of the tag in each file (docs/FORMAT.md §1.8): wherever the local file has metadata on
/// a tag's first value, each segment's first value of that tag has the same metadata.
fn check_metadata_per_segment(segments: &[Segment], local: &[proto::Event]) {
    use std::collections::{HashMap, HashSet};
    let mut first_meta: HashMap<String, Option<proto::SummaryMetadata>> = HashMap::new();
    for e in local {
        if let Some(proto::event::What::Summary(s)) = &e.what {
            for v in &s.value {
                first_meta
                    .entry(v.tag.clone())
                    .or_insert_with(|| v.metadata.clone());
            }
        }
    }
    for seg in segments {
        let mut seen = HashSet::new();
        for e in &seg.events {
            let Some(proto::event::What::Summary(s)) = &e.what else {
                continue;
            };
            for v in &s.value {
                if !seen.insert(v.tag.clone()) {
                    continue;
                }
                if let Some(Some(want)) = first_meta.get(&v.tag) {
                    assert_eq!(
                        v.metadata.as_ref(),
                        Some(want),
                        "segment {}: first value of tag {:?} lacks its metadata",
                        seg.name,
                        v.tag
                    );
                }
            }
        }
    }
}

/// The scalar `tag` at `step` is among `events`.
fn has_scalar(events: &[proto::Event], tag: &str, step: i64) -> bool {
    events.iter().any(|e| {
        e.step == step
            && matches!(&e.what, Some(proto::event::What::Summary(s))
                if s.value.iter().any(|v| v.tag == tag))
    })
}

// ---------------------------------------------------------------- a workload

use crate::common::rng::Rng;

/// One training step's logging, made identically on every writer in `writers`: scalars each
/// step (one merged event, one plain), a histogram every 5 steps, a noisy 24×24 RGB image
/// (about 1.7 kB of PNG) every 10, a text note every 25.
fn log_step(writers: &[&SummaryWriter], step: u32, rng: &mut Rng) {
    let loss = 1.0 / (1.0 + step as f32) + 0.01 * rng.unit();
    let acc = f64::from(step) / (1.0 + f64::from(step));
    let lr = 1e-3f32 * 0.99f32.powi(step as i32);
    let hist: Option<Vec<f32>> =
        (step % 5 == 0).then(|| (0..500).map(|_| rng.unit() * 2.0 - 1.0).collect());
    let image: Option<Vec<u8>> =
        (step % 10 == 0).then(|| (0..24 * 24 * 3).map(|_| rng.next() as u8).collect());
    for w in writers {
        w.step(step)
            .scalar("train/loss", loss)
            .scalar("train/accuracy", acc)
            .write()
            .expect("logging merged scalars");
        w.add_scalar("lr", lr, step).expect("logging a scalar");
        if let Some(h) = &hist {
            w.add_histogram("fc1/weights", h, step)
                .expect("logging a histogram");
        }
        if let Some(px) = &image {
            w.add_image("inputs", px, ImageLayout::Hwc(24, 24, 3), step)
                .expect("logging an image");
        }
        if step % 25 == 0 {
            w.add_text("notes", &format!("step **{step}**: loss {loss:.4}"), step)
                .expect("logging text");
        }
    }
}

// ---------------------------------------------------------------- the tests

/// Scalars, histograms, images and text through `s3://`, with small segments: the objects in
/// name order hold exactly what was logged, names sort in write order, each segment carries
/// its tags' metadata, and data shows up within the flush interval without a flush().
#[test]
fn segments_hold_everything_in_order() {
    let Some((bin, port)) = s3_child("segments_hold_everything_in_order") else {
        return;
    };
    let server = Server::new(&bin, port);
    let local_dir = tempfile::tempdir().expect("temporary directory");
    let local = SummaryWriter::new(local_dir.path()).expect("local writer");
    let flush_interval = Duration::from_secs(1);
    let prefix = "runs/segments";
    let w = open_s3(&server, prefix, |b| {
        b.flush_interval(flush_interval)
            .segment_bytes(16 << 10)
            .segment_uploads(4)
    });

    // Object names in the order they first appeared in listings.
    let mut appeared: Vec<String> = Vec::new();
    let mut rng = Rng(9);
    for step in 0..200u32 {
        log_step(&[&w, &local], step, &mut rng);
        if step % 10 == 9 {
            w.flush().expect("flush");
            for (name, _) in server.objects(prefix) {
                if !appeared.contains(&name) {
                    appeared.push(name);
                }
            }
        }
    }
    let status = w
        .upload_status()
        .expect("an S3 writer has an upload status");
    assert_eq!(status.bytes_pending, 0, "after flush(): {status:?}");
    assert_eq!(status.bytes_stored, status.bytes_accepted, "{status:?}");
    assert_eq!(status.retries, 0, "no failure expected: {status:?}");
    assert!(
        status.url.starts_with("s3://tbw/runs/segments"),
        "{status:?}"
    );

    // Visible within the flush interval without flush(): poll the store for a marker.
    local
        .add_scalar("marker", 1.0f32, 10_000u32)
        .expect("marker");
    w.add_scalar("marker", 1.0f32, 10_000u32).expect("marker");
    let logged = Instant::now();
    let visible_after = loop {
        let events: Vec<proto::Event> = parse_segments(&server.objects(prefix))
            .into_iter()
            .flat_map(|s| s.events)
            .collect();
        if has_scalar(&events, "marker", 10_000) {
            break logged.elapsed();
        }
        assert!(
            logged.elapsed() < Duration::from_secs(20),
            "a scalar logged without flush() was not in the store after 20 s (flush interval {flush_interval:?})"
        );
        thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "marker visible in S3 {visible_after:?} after logging (flush interval {flush_interval:?})"
    );
    // The interval, plus time for the upload itself on a busy machine.
    assert!(
        visible_after <= flush_interval + Duration::from_secs(4),
        "visible only after {visible_after:?}"
    );

    w.close().expect("close");
    local.close().expect("local close");
    let status = w.upload_status().expect("status after close");
    let objects = server.objects(prefix);
    let segments = parse_segments(&objects);
    let names: Vec<&str> = objects.iter().map(|(n, _)| n.as_str()).collect();
    eprintln!(
        "{} segments, {} bytes; {status:?}",
        names.len(),
        objects.iter().map(|(_, b)| b.len()).sum::<usize>()
    );
    assert!(names.len() >= 4, "expected several segments, got {names:?}");
    assert_eq!(status.segments, names.len() as u64, "{status:?}");
    for name in &names {
        let base = name.rsplit('/').next().unwrap_or(name);
        assert!(
            name.starts_with("runs/segments/") && base.contains("tfevents"),
            "object {name} is not an event file of the run"
        );
    }
    // Names sort in write order: the order they appeared in is their sorted order.
    for (name, _) in &objects {
        if !appeared.contains(name) {
            appeared.push(name.clone());
        }
    }
    assert_eq!(appeared, names, "names do not sort in the order written");
    // Every object is a whole event file; the first starts with the file version.
    assert!(
        segments[0].events.first().is_some_and(is_file_version),
        "the first segment does not start with a file_version event"
    );
    for s in &segments {
        assert!(
            s.events.iter().any(|e| !is_file_version(e)),
            "segment {} holds no data",
            s.name
        );
    }

    let stored: Vec<proto::Event> = segments.iter().flat_map(|s| s.events.clone()).collect();
    let want = read_local(&local);
    assert_same_events(&stored, &want);
    check_metadata_per_segment(&segments, &want);
    // Sanity: the comparison covered every kind logged.
    let n_tags = |tag: &str| {
        want.iter()
            .filter(|e| has_scalar(std::slice::from_ref(e), tag, e.step))
            .count()
    };
    assert_eq!(n_tags("train/loss"), 200);
    assert_eq!(n_tags("fc1/weights"), 40);
    assert_eq!(n_tags("inputs"), 20);
    assert_eq!(n_tags("notes"), 8);
}

/// The server is killed mid-run and comes back seconds later on the same port and root:
/// flush() waits through the outage, and in the end every event logged is stored exactly once.
#[test]
fn outage_loses_nothing_and_duplicates_nothing() {
    let Some((bin, port)) = s3_child("outage_loses_nothing_and_duplicates_nothing") else {
        return;
    };
    let mut server = Server::new(&bin, port);
    let local_dir = tempfile::tempdir().expect("temporary directory");
    let local = SummaryWriter::new(local_dir.path()).expect("local writer");
    let prefix = "runs/outage";
    let w = open_s3(&server, prefix, |b| {
        b.flush_interval(Duration::from_millis(200))
            .segment_bytes(24 << 10)
            .segment_uploads(8)
            .upload_timeout(WAIT * 2)
    });
    let mut rng = Rng(17);
    let mut step = 0u32;
    for _ in 0..60 {
        log_step(&[&w, &local], step, &mut rng);
        step += 1;
    }
    w.flush().expect("flush before the outage");
    let before = w.upload_status().expect("status");
    assert_eq!(before.bytes_pending, 0, "{before:?}");

    server.kill();
    let outage = Instant::now();
    // Keep logging for 4 s while the store is down; a second thread calls flush() 1 s in.
    let mut flusher = None;
    while outage.elapsed() < Duration::from_secs(4) {
        log_step(&[&w, &local], step, &mut rng);
        step += 1;
        if flusher.is_none() && outage.elapsed() > Duration::from_secs(1) {
            let w2 = w.clone();
            flusher = Some(thread::spawn(move || {
                let t = Instant::now();
                (w2.flush(), t.elapsed())
            }));
        }
        thread::sleep(Duration::from_millis(20));
    }
    let flusher = flusher.expect("the flush thread was started");
    let during = w.upload_status().expect("status");
    eprintln!("during the outage ({step} steps logged): {during:?}");
    assert!(
        !flusher.is_finished(),
        "flush() returned while the store was down: {:?}",
        flusher.join().ok().map(|(r, _)| r)
    );
    assert!(during.retries > 0, "no failed upload counted: {during:?}");
    assert!(during.bytes_pending > 0, "{during:?}");
    assert!(during.last_error.is_some(), "{during:?}");

    server.start();
    eprintln!("server back after {:?}", outage.elapsed());
    let deadline = Instant::now() + WAIT;
    while !flusher.is_finished() {
        assert!(
            Instant::now() < deadline,
            "flush() still blocked 60 s after the store came back"
        );
        thread::sleep(Duration::from_millis(50));
    }
    let (result, took) = flusher.join().expect("flush thread panicked");
    result.expect("flush() across the outage");
    eprintln!("the flush() called during the outage returned Ok after {took:?}");

    for _ in 0..40 {
        log_step(&[&w, &local], step, &mut rng);
        step += 1;
    }
    w.flush().expect("flush after the outage");
    let after = w.upload_status().expect("status");
    eprintln!("after: {after:?}");
    assert_eq!(after.bytes_pending, 0, "{after:?}");
    assert!(
        after.retries >= during.retries && after.retries > 0,
        "{after:?}"
    );
    assert_eq!(after.last_error, None, "{after:?}");
    w.close().expect("close after the outage");
    local.close().expect("local close");

    let segments = parse_segments(&server.objects(prefix));
    assert!(segments.len() >= 2, "expected several segments");
    let stored: Vec<proto::Event> = segments.iter().flat_map(|s| s.events.clone()).collect();
    let want = read_local(&local);
    assert_same_events(&stored, &want);
    check_metadata_per_segment(&segments, &want);
    assert!(
        has_scalar(&stored, "lr", i64::from(step) - 1),
        "the last step is missing"
    );
}

/// The server dies for good: flush() gives up after `upload_timeout` with `Error::Upload`
/// naming the run and the bytes not stored, and so does close(); what was flushed before
/// stays in the store.
#[test]
fn store_that_never_comes_back_is_an_upload_error() {
    let Some((bin, port)) = s3_child("store_that_never_comes_back_is_an_upload_error") else {
        return;
    };
    let mut server = Server::new(&bin, port);
    let prefix = "runs/gone";
    let timeout = Duration::from_secs(2);
    let w = open_s3(&server, prefix, |b| {
        b.flush_interval(Duration::from_millis(100))
            .upload_timeout(timeout)
    });
    let mut rng = Rng(33);
    for step in 0..20u32 {
        log_step(&[&w], step, &mut rng);
    }
    w.flush().expect("flush while the store is up");
    let kept = parse_segments(&server.objects(prefix));

    server.kill();
    for step in 20..40u32 {
        log_step(&[&w], step, &mut rng);
    }
    let t = Instant::now();
    let err = w
        .flush()
        .expect_err("flush() with the store gone must fail");
    let took = t.elapsed();
    let text = err.to_string();
    eprintln!("flush() failed after {took:?}: {text}");
    match &err {
        Error::Upload {
            url, pending_bytes, ..
        } => {
            assert!(url.starts_with("s3://tbw/runs/gone"), "url {url}");
            assert!(*pending_bytes > 0, "pending_bytes {pending_bytes}");
            assert!(
                text.contains(url.as_str()),
                "message does not name {url}: {text}"
            );
            assert!(
                text.contains("timeout") && text.contains(&pending_bytes.to_string()),
                "message does not say the upload timed out and how much is not stored: {text}"
            );
        }
        other => panic!("expected Error::Upload, got {other:?}"),
    }
    assert!(
        took < timeout + Duration::from_secs(10),
        "flush() took {took:?} with upload_timeout {timeout:?}"
    );
    let status = w.upload_status().expect("status");
    assert!(
        status.retries > 0 && status.last_error.is_some(),
        "{status:?}"
    );

    let t = Instant::now();
    let err = w
        .close()
        .expect_err("close() with the store gone must fail");
    let took = t.elapsed();
    eprintln!("close() failed after {took:?}: {err}");
    assert!(
        matches!(&err, Error::Upload { pending_bytes, .. } if *pending_bytes > 0),
        "expected Error::Upload with bytes not stored, got {err:?}"
    );
    assert!(
        took < timeout + Duration::from_secs(10),
        "close() took {took:?}"
    );

    // What flush() stored before the server died is still there (restarted to look).
    server.start();
    let segments = parse_segments(&server.objects(prefix));
    let stored: Vec<proto::Event> = segments.iter().flat_map(|s| s.events.clone()).collect();
    let kept: Vec<proto::Event> = kept.iter().flat_map(|s| s.events.clone()).collect();
    assert!(
        has_scalar(&stored, "lr", 19),
        "step 19 was flushed but is not stored"
    );
    assert!(stored.len() >= kept.len());
}
