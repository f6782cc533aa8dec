//! Scalar logging benchmarks: `tensorboard-writer` side by side with the crates.io peer
//! `tensorboard-rs` wherever the peer supports the workload.
//!
//! - `add_scalar/caller`: one `add_scalar` call on the caller's thread. Ours logs into a writer
//!   with default settings, so its background thread writes while the caller logs, as in
//!   real use; it is flushed between samples outside the timed region. The peer queues into
//!   an unbounded channel; a fresh peer writer per sample is dropped (draining its queue)
//!   outside the timed region. `…/8_tags`: the same, eight tags logged in turn (`loss`,
//!   `accuracy`, … `val/accuracy`), as training loops log; the time is per call.
//! - `end_to_end/1thread`: create a writer, log N scalars, close it (everything on disk), with
//!   default settings. N = 1,000,000 for ours, 20,000 for the peer (about 3.8 µs per event);
//!   compare the per-element throughput. `end_to_end/4threads`: ours only, 4 threads logging
//!   250,000 scalars each through clones of one writer.
//! - `merged_step/10_scalars`: one event holding 10 scalars, caller's thread only, measured
//!   like `add_scalar/caller`. The peer has no merged-step call in its `SummaryWriter`; it is
//!   driven through its public `FileWriter::add_summary` with one `Summary` of 10 values.
//! - `reader`: read back a file of 1,000,000 scalar events: `EventReader` (checksums and
//!   decoding of every event), the raw `record::RecordReader` (checksums, no decoding),
//!   `ScalarReader` (checksums, the borrowing decoder, every scalar handed to a closure) and
//!   `read_scalars` (the same, building the series by tag), and the typed reader of every
//!   kind, `RunReader` (`read_new`: each point as a `Sample`; `read_all`: series by tag with
//!   the restart rule). Throughput is in bytes of the
//!   file (`reader/events`: in events). The peer has no reader.
//!
//! All files go into a temporary directory, removed at the end.
//!
//! Run with `cargo bench -p tensorboard-writer-benches --bench scalars` (about two minutes on
//! two cores), or one group with e.g. `cargo bench -p tensorboard-writer-benches --bench
//! scalars -- reader`.

#[path = "../tests/common/training_tags.rs"]
mod training_tags;

use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use tensorboard_rs::summary::scalar as peer_scalar;
use tensorboard_rs::summary_writer::{FileWriter as PeerFileWriter, SummaryWriter as PeerWriter};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::reader::{EventReader, RunReader, ScalarReader, read_scalars};
use tensorboard_writer::record::RecordReader;
use training_tags::TRAINING_TAGS;

/// Scalars per event in the merged-step benchmark.
const MERGED_TAGS: [&str; 10] = [
    "train/loss",
    "train/accuracy",
    "train/lr",
    "train/grad_norm",
    "train/weight_norm",
    "val/loss",
    "val/accuracy",
    "val/precision",
    "val/recall",
    "val/f1",
];

/// A writer for caller-side timing: memory enough that a sample never waits for the disk,
/// and no timed flush while a sample runs.
fn roomy_writer(logdir: &Path) -> SummaryWriter {
    SummaryWriter::builder(logdir)
        .max_pending_bytes(1 << 30)
        .flush_interval(Duration::from_secs(3600))
        .build()
        .expect("creating writer")
}

/// Hands out fresh, numbered run directories under one root.
struct Dirs {
    root: PathBuf,
    next: usize,
}

impl Dirs {
    fn new(root: &Path) -> Self {
        Dirs {
            root: root.to_path_buf(),
            next: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> PathBuf {
        self.next += 1;
        self.root.join(format!("{prefix}_{}", self.next))
    }
}

fn add_scalar_caller(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dirs = Dirs::new(tmp.path());
    let mut group = c.benchmark_group("add_scalar/caller");

    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    // Default settings, as users get them: the background thread writes while we log.
    let writer = SummaryWriter::new(dirs.fresh("ours")).expect("creating writer");
    let mut step = 0u64;
    group.bench_function("tensorboard-writer", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                writer
                    .add_scalar(black_box("loss"), black_box(0.25f32), step)
                    .expect("add_scalar");
                step += 1;
            }
            let elapsed = start.elapsed();
            writer.flush().expect("flush");
            elapsed
        })
    });
    group.bench_function("tensorboard-writer/8_tags", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters {
                let tag = TRAINING_TAGS[i as usize % TRAINING_TAGS.len()];
                writer
                    .add_scalar(black_box(tag), black_box(0.25f32), step)
                    .expect("add_scalar");
                step += 1;
            }
            let elapsed = start.elapsed();
            writer.flush().expect("flush");
            elapsed
        })
    });
    writer.close().expect("close");

    // Every event the peer queues costs its background thread ~4 µs to drain, outside the
    // timed region: keep the run short.
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    group.bench_function("tensorboard-rs", |b| {
        b.iter_custom(|iters| {
            let mut peer = PeerWriter::new(dirs.fresh("peer"));
            let start = Instant::now();
            for i in 0..iters {
                peer.add_scalar(black_box("loss"), black_box(0.25f32), i as usize);
            }
            let elapsed = start.elapsed();
            drop(peer); // joins its thread once the queue is written
            elapsed
        })
    });
    group.bench_function("tensorboard-rs/8_tags", |b| {
        b.iter_custom(|iters| {
            let mut peer = PeerWriter::new(dirs.fresh("peer"));
            let start = Instant::now();
            for i in 0..iters {
                let tag = TRAINING_TAGS[i as usize % TRAINING_TAGS.len()];
                peer.add_scalar(black_box(tag), black_box(0.25f32), i as usize);
            }
            let elapsed = start.elapsed();
            drop(peer);
            elapsed
        })
    });
    group.finish();
}

/// Times `iters` runs of `run` in fresh run directories, removing each afterwards untimed.
fn time_runs(dirs: &mut Dirs, prefix: &str, iters: u64, mut run: impl FnMut(&Path)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let logdir = dirs.fresh(prefix);
        let start = Instant::now();
        run(&logdir);
        total += start.elapsed();
        std::fs::remove_dir_all(&logdir).expect("removing run directory");
    }
    total
}

fn end_to_end(c: &mut Criterion) {
    const OURS_N: u64 = 1_000_000;
    const PEER_N: u64 = 20_000;
    const THREADS: u64 = 4;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dirs = Dirs::new(tmp.path());

    let mut group = c.benchmark_group("end_to_end/1thread");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(OURS_N));
    group.bench_function(BenchmarkId::new("tensorboard-writer", OURS_N), |b| {
        b.iter_custom(|iters| {
            time_runs(&mut dirs, "ours", iters, |logdir| {
                let w = SummaryWriter::new(logdir).expect("creating writer");
                for step in 0..OURS_N {
                    w.add_scalar("loss", step as f32 * 1e-6, step)
                        .expect("add_scalar");
                }
                w.close().expect("close");
            })
        })
    });
    group.throughput(Throughput::Elements(PEER_N));
    group.bench_function(BenchmarkId::new("tensorboard-rs", PEER_N), |b| {
        b.iter_custom(|iters| {
            time_runs(&mut dirs, "peer", iters, |logdir| {
                let mut w = PeerWriter::new(logdir);
                for step in 0..PEER_N as usize {
                    w.add_scalar("loss", step as f32 * 1e-6, step);
                }
                w.flush();
                drop(w); // the peer's flush does not wait; its drop joins the writer thread
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("end_to_end/4threads");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(OURS_N));
    group.bench_function(BenchmarkId::new("tensorboard-writer", OURS_N), |b| {
        b.iter_custom(|iters| {
            time_runs(&mut dirs, "ours4", iters, |logdir| {
                let w = SummaryWriter::new(logdir).expect("creating writer");
                std::thread::scope(|s| {
                    for t in 0..THREADS {
                        let w = w.clone();
                        s.spawn(move || {
                            let tag = format!("thread{t}/loss");
                            for step in 0..OURS_N / THREADS {
                                w.add_scalar(&tag, step as f32 * 1e-6, step)
                                    .expect("add_scalar");
                            }
                        });
                    }
                });
                w.close().expect("close");
            })
        })
    });
    group.finish();
}

fn merged_step(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dirs = Dirs::new(tmp.path());
    let mut group = c.benchmark_group("merged_step/10_scalars");

    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    let writer = roomy_writer(&dirs.fresh("ours"));
    let mut step = 0u64;
    group.bench_function("tensorboard-writer", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let v = black_box(0.25f32);
                MERGED_TAGS
                    .iter()
                    .fold(writer.step(step), |s, tag| s.scalar(black_box(tag), v))
                    .write()
                    .expect("write");
                step += 1;
            }
            let elapsed = start.elapsed();
            writer.flush().expect("flush");
            elapsed
        })
    });
    writer.close().expect("close");

    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    group.bench_function("tensorboard-rs", |b| {
        b.iter_custom(|iters| {
            let mut peer = PeerFileWriter::new(dirs.fresh("peer"));
            let start = Instant::now();
            for i in 0..iters {
                let v = black_box(0.25f32);
                let mut summary = peer_scalar(black_box(MERGED_TAGS[0]), v);
                for tag in &MERGED_TAGS[1..] {
                    summary
                        .mut_value()
                        .extend(peer_scalar(black_box(tag), v).take_value());
                }
                peer.add_summary(summary, i as usize);
            }
            let elapsed = start.elapsed();
            drop(peer); // joins its thread once the queue is written
            elapsed
        })
    });
    group.finish();
}

fn reader(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let tmp = tempfile::tempdir().expect("tempdir");
    let writer = SummaryWriter::new(tmp.path()).expect("creating writer");
    for step in 0..N {
        writer
            .add_scalar("loss", step as f32 * 1e-6, step)
            .expect("add_scalar");
    }
    writer.close().expect("close");
    let path = writer.path().to_path_buf();
    let bytes = std::fs::metadata(&path).expect("event file").len();
    // N scalars and the file-version header.
    assert_eq!(
        EventReader::open(&path).expect("open").count() as u64,
        N + 1
    );

    let mut group = c.benchmark_group("reader");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(bytes));
    group.bench_function("EventReader", |b| {
        b.iter(|| {
            for event in EventReader::open(&path).expect("open") {
                black_box(event.expect("event"));
            }
        })
    });
    group.bench_function("RecordReader", |b| {
        b.iter(|| {
            let mut records = RecordReader::new(File::open(&path).expect("open"));
            while let Some(record) = records.read_record().expect("record") {
                black_box(record);
            }
        })
    });
    // The borrowing scalar decoder: checksums, every payload checked as an Event, each
    // scalar handed out with its tag borrowed (no allocation per event).
    group.bench_function("ScalarReader", |b| {
        b.iter(|| {
            let mut scalars = ScalarReader::open(&path).expect("open");
            scalars
                .for_each_scalar(|s| {
                    black_box(s);
                })
                .expect("scalars");
        })
    });
    // The same plus building the series by tag (`read_scalars` on the run directory).
    group.bench_function("read_scalars", |b| {
        b.iter(|| black_box(read_scalars(tmp.path()).expect("read_scalars")))
    });
    // The typed reader of every kind (what `tbw export` uses): each point as a `Sample`.
    group.bench_function("RunReader::read_new", |b| {
        b.iter(|| {
            let mut run = RunReader::open(tmp.path()).expect("open");
            run.read_new(|tag, s| {
                black_box((tag, s));
            })
            .expect("read_new")
        })
    });
    // The same, into series by tag with the data server's rule for restarts.
    group.bench_function("RunReader::read_all", |b| {
        b.iter(|| {
            let mut run = RunReader::open(tmp.path()).expect("open");
            black_box(run.read_all().expect("read_all"))
        })
    });
    group.finish();
    // The same reads in events per second.
    let mut group = c.benchmark_group("reader/events");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(N));
    group.bench_function("ScalarReader", |b| {
        b.iter(|| {
            let mut scalars = ScalarReader::open(&path).expect("open");
            scalars
                .for_each_scalar(|s| {
                    black_box(s);
                })
                .expect("scalars");
        })
    });
    group.finish();
}

criterion_group!(benches, add_scalar_caller, end_to_end, merged_step, reader);
criterion_main!(benches);
