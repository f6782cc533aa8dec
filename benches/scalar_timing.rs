//! The timing harness behind BENCHMARKS.md's per-batch `add_scalar` numbers, for comparing
//! builds quickly (criterion's `benches/scalars.rs` gives the reported medians).
//!
//! ```sh
//! alias scalar_timing='cargo run -p tensorboard-writer-benches --release --example scalar_timing'
//! scalar_timing                               # batches (the default)
//! scalar_timing -- batches --sequence         # and each batch, in order
//! scalar_timing -- batches 200                # 200 batches (for many short runs)
//! scalar_timing -- batches --tags 6           # six tags in turn
//! scalar_timing -- batches --tags 40 --format # tags built anew
//! scalar_timing -- threads 64                 # 64 threads, default bound
//! scalar_timing -- threads 64 65536
//! scalar_timing -- parts                      # what the locks cost here
//! scalar_timing -- latency                    # every call timed alone
//! scalar_timing -- phases                     # against the VM's own speed
//! scalar_timing -- lag 2                      # wall times' lag, cores busy
//! valgrind --tool=callgrind --toggle-collect='scalar_timing::run_calls' \
//!     target/release/examples/scalar_timing calls 101000         # instructions per call
//! ```
//!
//! - `batches`: 4000 batches of 1000 `add_scalar("loss", …)` calls on one writer with default
//!   settings (its background thread writes meanwhile; a flush every 100 batches); prints the
//!   minimum, 10th percentile, median, 90th percentile and mean of the per-call time of each
//!   batch. Alternate the builds being compared, run by run: this VM's speed drifts.
//!   A number sets how many batches (4000 by default). `--sequence` also prints every
//!   batch in order, one character each, to show how long the slow and fast stretches last.
//!   `--tags N` logs N different tags in turn (how training loops log) instead of `loss`
//!   alone: `loss`, `accuracy`, … (eight names), then `layer{i}/grad_norm`. `--format`
//!   builds every call's tag anew with `format!` and times the same `format!` calls alone
//!   in the batches between: the writer's part of the loop (their difference) is the median
//!   printed last.
//! - `threads N [MAX_PENDING]`: N threads log 4 M events in all through clones of one
//!   writer, then close it; prints events per second (end to end, all on disk).
//! - `parts`: a `parking_lot` mutex's lock and unlock, a `spin` spin lock's, and one
//!   compare-and-swap, uncontended, a million times each.
//! - `latency`: 2,000,000 `add_scalar` calls timed one by one, each between two
//!   `Instant::now()` reads, alternating with the same two reads around nothing (the timer's
//!   own cost); prints the percentiles of both, up to the slowest call, and the median and
//!   mean with the timer's cost taken off. The mean includes the rare slow calls (waking the
//!   background thread, a buffer swap, the VM taking the core away); the median is the
//!   typical call.
//! - `phases`: 4000 rounds, each a batch of 1000 iterations of seven workloads in turn:
//!   `add_scalar` (as in `batches`), a dependent chain of integer mixing in registers (no
//!   memory, no writer), the writer's wall-clock read, a 48-byte append to a `Vec`, the same
//!   behind a spin lock, a model of the call's frame encoded on the stack and copied under a
//!   spin lock into a private buffer, and a model of the whole call (clock, frame, spin lock,
//!   copy) into a model event file whose thread checksums and writes every 256 KiB. Prints
//!   each one's distribution and its correlation with `add_scalar`, batch by batch: whether
//!   a slow stretch of `add_scalar` is the writer's doing or the machine's, which kind of
//!   work the machine slows, and how far the writer's path is from a minimal one.
//! - `lag [HOGS] [PAUSE_US]`: how far the wall times written lag the precise clock. Logs
//!   `loss` densely for 3 s (or with a pause of `PAUSE_US` µs between batches of 100, for
//!   sparse logging), with `HOGS` other threads spinning meanwhile (0 by default; 2 keeps
//!   both cores of this machine busy); after every batch, reads the precise clock and logs a
//!   `probe` event at once. Prints the percentiles of the probes' lag (clock read minus the
//!   wall time written) in milliseconds, read back from the file.
//! - `calls N`: N `add_scalar` calls in one function of their own (`run_calls`), for
//!   callgrind: its instruction count divided by N is the instructions per call.
//!
//! Logs go to a fresh directory under the system's temporary directory, removed at the end.

#[path = "../tests/common/training_tags.rs"]
mod training_tags;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tensorboard_writer::{Error, SummaryWriter};
use training_tags::TRAINING_TAGS;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::env::temp_dir().join(format!("scalar_timing_{}", std::process::id()));
    let result = match args.first().map(String::as_str).unwrap_or("batches") {
        "batches" => {
            let count = args
                .iter()
                .skip(1)
                .find_map(|a| a.parse().ok())
                .unwrap_or(4000);
            let tags = args
                .iter()
                .position(|a| a == "--tags")
                .and_then(|i| args.get(i + 1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            if args.iter().any(|a| a == "--format") {
                batches_formatted(&dir, count, tags)
            } else {
                batches(&dir, count, tags, args.iter().any(|a| a == "--sequence"))
            }
        }
        "threads" => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4);
            let bound = args.get(2).and_then(|s| s.parse().ok());
            threads(&dir, n, bound)
        }
        "parts" => {
            parts();
            Ok(())
        }
        "latency" => latency(&dir),
        "phases" => phases(&dir),
        "lag" => {
            let hogs = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            let pause = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
            lag(&dir, hogs, pause)
        }
        "calls" => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(101_000);
            SummaryWriter::new(&dir).and_then(|w| {
                run_calls(&w, n)?;
                w.close()
            })
        }
        other => {
            eprintln!(
                "unknown mode {other:?}: batches, threads N [MAX_PENDING], parts, latency, phases, lag, calls N"
            );
            std::process::exit(2);
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn batches(dir: &std::path::Path, count: usize, tags: usize, sequence: bool) -> Result<(), Error> {
    let tags = tag_names(tags);
    let writer = SummaryWriter::new(dir)?;
    let mut per_call = Vec::with_capacity(count.max(1));
    let mut step = 0u64;
    for batch in 0..count.max(1) {
        let start = Instant::now();
        for i in 0..1000 {
            let tag = tags[i % tags.len()].as_str();
            writer.add_scalar(black_box(tag), black_box(0.25f32), step)?;
            step += 1;
        }
        per_call.push(start.elapsed().as_nanos() as f64 / 1000.0);
        if batch % 100 == 99 {
            writer.flush()?;
        }
    }
    writer.close()?;
    if sequence {
        // One character per batch, in order: `.` under 32 ns per call, `o` under 40, `X` 40
        // or more; 100 batches (about 3-5 ms) a line.
        let marks: Vec<char> = per_call
            .iter()
            .map(|t| match *t {
                t if t < 32.0 => '.',
                t if t < 40.0 => 'o',
                _ => 'X',
            })
            .collect();
        for line in marks.chunks(100) {
            println!("{}", line.iter().collect::<String>());
        }
    }
    per_call.sort_by(f64::total_cmp);
    let at = |q: f64| per_call[((per_call.len() - 1) as f64 * q) as usize];
    let mean = per_call.iter().sum::<f64>() / per_call.len() as f64;
    println!(
        "add_scalar per call, over {} batches of 1000: min {:.1} ns, p10 {:.1}, median {:.1}, p90 {:.1}, mean {mean:.1}",
        per_call.len(),
        at(0.0),
        at(0.1),
        at(0.5),
        at(0.9)
    );
    Ok(())
}

/// The tag names `batches --tags N` logs in turn.
fn tag_names(n: usize) -> Vec<String> {
    // Past the eight training names, `layer{i}/grad_norm` (a loop logging one value per layer).
    (0..n.max(1))
        .map(|i| match TRAINING_TAGS.get(i) {
            Some(t) => t.to_string(),
            None => format!("layer{}/grad_norm", i - TRAINING_TAGS.len()),
        })
        .collect()
}

/// `batches --format`: every call's tag built anew with `format!` (a fresh `String` at an
/// address the allocator chooses, as in `add_scalar(&format!("layer{i}/grad_norm"), …)`),
/// alternating batch by batch with the same `format!` calls alone; prints both medians and
/// the writer's part (their difference, batch by batch), to compare with `batches` (the
/// same tags stored). The writer's part is the last median printed, for
/// `scripts/alternate-builds.sh`.
// `format!` on purpose: what a loop logging `&format!(…)` runs for every call.
#[allow(clippy::useless_format)]
fn batches_formatted(dir: &std::path::Path, count: usize, tags: usize) -> Result<(), Error> {
    let tags = tag_names(tags);
    let writer = SummaryWriter::new(dir)?;
    let mut with_writer = Vec::with_capacity(count.max(1));
    let mut alone = Vec::with_capacity(count.max(1));
    let mut step = 0u64;
    for batch in 0..count.max(1) {
        let start = Instant::now();
        for i in 0..1000 {
            let tag = format!("{}", black_box(&tags[i % tags.len()]));
            writer.add_scalar(&tag, black_box(0.25f32), step)?;
            step += 1;
        }
        with_writer.push(start.elapsed().as_nanos() as f64 / 1000.0);
        let start = Instant::now();
        for i in 0..1000 {
            let tag = format!("{}", black_box(&tags[i % tags.len()]));
            black_box(&tag);
        }
        alone.push(start.elapsed().as_nanos() as f64 / 1000.0);
        if batch % 100 == 99 {
            writer.flush()?;
        }
    }
    writer.close()?;
    let mut part: Vec<f64> = with_writer.iter().zip(&alone).map(|(a, b)| a - b).collect();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "add_scalar(&format!(..)) per call, over {} batches of 1000: {:.1} ns; format! alone {:.1}; \
         the writer's part (the difference, batch by batch): median {:.1} ns",
        with_writer.len(),
        median(&mut with_writer),
        median(&mut alone),
        median(&mut part)
    );
    Ok(())
}

fn lag(dir: &std::path::Path, hogs: usize, pause_us: u64) -> Result<(), Error> {
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..hogs)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    }
                }
            })
        })
        .collect();
    let writer = SummaryWriter::new(dir)?;
    let mut clock_reads = Vec::new();
    let start = Instant::now();
    let mut step = 0i64;
    while start.elapsed() < Duration::from_secs(3) {
        for _ in 0..100 {
            writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
            step += 1;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        writer.add_scalar("probe", 0.0f32, step)?;
        clock_reads.push(now);
        if pause_us > 0 {
            std::thread::sleep(Duration::from_micros(pause_us));
        }
    }
    writer.close()?;
    stop.store(true, Ordering::Relaxed);
    for s in spinners {
        let _ = s.join();
    }
    let series = tensorboard_writer::reader::read_scalars(dir)?;
    let probes = series.get("probe").map_or(&[][..], Vec::as_slice);
    let mut lags: Vec<f64> = probes
        .iter()
        .zip(&clock_reads)
        .map(|(p, t)| (t - p.wall_time) * 1e3)
        .collect();
    if lags.is_empty() || probes.len() != clock_reads.len() {
        eprintln!(
            "{} probes read back, {} logged",
            probes.len(),
            clock_reads.len()
        );
        let _ = std::fs::remove_dir_all(dir);
        std::process::exit(1);
    }
    lags.sort_by(f64::total_cmp);
    let at = |q: f64| lags[((lags.len() - 1) as f64 * q) as usize];
    println!(
        "wall-time lag over {} probes ({hogs} spinning threads, {pause_us} µs pauses, {} events): \
         min {:.3} ms, p50 {:.3}, p90 {:.3}, p99 {:.3}, p99.9 {:.3}, max {:.3}",
        lags.len(),
        step,
        at(0.0),
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        at(1.0)
    );
    Ok(())
}

fn latency(dir: &std::path::Path) -> Result<(), Error> {
    const N: usize = 2_000_000;
    let writer = SummaryWriter::new(dir)?;
    let mut step = 0u64;
    for _ in 0..100_000 {
        writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
        step += 1;
    }
    // Allocated before timing: pushing into them allocates nothing.
    let mut timer = Vec::with_capacity(N);
    let mut calls = Vec::with_capacity(N);
    for i in 0..N {
        let t0 = Instant::now();
        let t1 = Instant::now();
        timer.push((t1 - t0).as_nanos() as u64);
        let t0 = Instant::now();
        writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
        let t1 = Instant::now();
        calls.push((t1 - t0).as_nanos() as u64);
        step += 1;
        if i % 100_000 == 99_999 {
            writer.flush()?;
        }
    }
    writer.close()?;
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
    let (timer_mean, calls_mean) = (mean(&timer), mean(&calls));
    timer.sort_unstable();
    calls.sort_unstable();
    let at = |v: &[u64], q: f64| v[((v.len() - 1) as f64 * q) as usize];
    for (name, v) in [("timer alone", &timer), ("add_scalar + timer", &calls)] {
        println!(
            "{name:>18}: p50 {} ns, p90 {}, p99 {}, p99.9 {}, p99.99 {}, max {}, mean {:.1}",
            at(v, 0.5),
            at(v, 0.9),
            at(v, 0.99),
            at(v, 0.999),
            at(v, 0.9999),
            at(v, 1.0),
            mean(v)
        );
    }
    println!(
        "add_scalar per call, timer's cost taken off: median {} ns, mean {:.1} ns",
        at(&calls, 0.5) as i64 - at(&timer, 0.5) as i64,
        calls_mean - timer_mean
    );
    Ok(())
}

/// One workload of `phases`: a name, and a batch of 1000 iterations.
type Kernel<'a> = (&'static str, Box<dyn FnMut() -> Result<(), Error> + 'a>);

fn phases(dir: &std::path::Path) -> Result<(), Error> {
    const ROUNDS: usize = 4000;
    const WRAP: usize = 512 << 10;
    let writer = SummaryWriter::new(dir)?;
    let (mut step, mut model_step) = (0u64, 0u64);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let locked =
        || spin::mutex::SpinMutex::<_, spin::relax::Spin>::new(Vec::with_capacity(WRAP + 128));
    let (lock, model_lock) = (locked(), locked());
    let mut plain = Vec::<u8>::with_capacity(WRAP + 128);
    let frame = [7u8; 48];
    let prefix = [3u8; 32];
    let model_path = dir.join("model");
    let model_writer = ModelWriter::start(&model_path).map_err(|e| Error::Io {
        action: "create",
        path: model_path.clone(),
        source: std::sync::Arc::new(e),
    })?;
    let mut mw_step = 0u64;
    let mut kernels: Vec<Kernel> = vec![
        (
            "add_scalar",
            Box::new(|| {
                for _ in 0..1000 {
                    writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
                    step += 1;
                }
                Ok(())
            }),
        ),
        (
            "computation in registers",
            Box::new(|| {
                x = black_box(mix_chain(x, 1000));
                Ok(())
            }),
        ),
        (
            "wall clock read (the writer's)",
            Box::new(|| {
                let mut acc = 0.0;
                for _ in 0..1000 {
                    acc += black_box(wall_clock());
                }
                black_box(acc);
                Ok(())
            }),
        ),
        (
            "48-byte append to a Vec",
            Box::new(|| {
                for _ in 0..1000 {
                    if plain.len() >= WRAP {
                        plain.clear();
                    }
                    black_box(&mut plain).extend_from_slice(black_box(&frame));
                }
                Ok(())
            }),
        ),
        (
            "spin lock + 48-byte append",
            Box::new(|| {
                for _ in 0..1000 {
                    let mut buf = black_box(&lock).lock();
                    if buf.len() >= WRAP {
                        buf.clear();
                    }
                    buf.extend_from_slice(black_box(&frame));
                }
                Ok(())
            }),
        ),
        (
            "frame on the stack + lock + copy",
            Box::new(|| {
                for _ in 0..1000 {
                    let mut f = [0u8; 128];
                    let len = model_frame(&mut f, black_box(&prefix), 1.7e9, model_step, 0.25);
                    model_step += 1;
                    let mut buf = black_box(&model_lock).lock();
                    if buf.len() >= WRAP {
                        buf.clear();
                    }
                    buf.extend_from_slice(&f[..len]);
                }
                Ok(())
            }),
        ),
        (
            "model + clock + background writer",
            Box::new(|| {
                for _ in 0..1000 {
                    let mut f = [0u8; 128];
                    let len = model_frame(&mut f, black_box(&prefix), wall_clock(), mw_step, 0.25);
                    mw_step += 1;
                    model_writer.append(&f[..len]);
                }
                Ok(())
            }),
        ),
    ];
    let mut times = vec![Vec::with_capacity(ROUNDS); kernels.len()];
    for round in 0..ROUNDS {
        for ((_, kernel), t) in kernels.iter_mut().zip(&mut times) {
            let start = Instant::now();
            kernel()?;
            t.push(start.elapsed().as_nanos() as f64 / 1000.0);
        }
        if round % 100 == 99 {
            writer.flush()?;
        }
    }
    let names: Vec<&str> = kernels.iter().map(|(name, _)| *name).collect();
    drop(kernels);
    writer.close()?;
    model_writer.stop();
    println!(
        "per iteration, over {ROUNDS} rounds of a batch of 1000 of each (ns); \
         r: correlation with add_scalar, batch by batch"
    );
    for (name, v) in names.iter().zip(&times) {
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
        println!(
            "{name:>32}: min {:5.1}, p10 {:5.1}, median {:5.1}, p90 {:5.1}; r {:5.2}",
            at(0.0),
            at(0.1),
            at(0.5),
            at(0.9),
            correlation(&times[0], v)
        );
    }
    Ok(())
}

/// The clock the writer reads by default (src/clock.rs).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn wall_clock() -> f64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The clock the writer reads by default (src/clock.rs).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn wall_clock() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A scalar frame laid out as the writer lays it out (length, checksum gaps, wall time,
/// step varint, a 32-byte cached prefix, the value), for the `phases` model.
#[inline(never)]
fn model_frame(f: &mut [u8; 128], prefix: &[u8; 32], wall: f64, step: u64, value: f32) -> usize {
    let mut p = 12;
    f[p] = 9;
    f[p + 1..p + 9].copy_from_slice(&wall.to_le_bytes());
    p += 9;
    f[p] = 16;
    p += 1;
    let mut v = step;
    while v >= 0x80 {
        f[p] = (v as u8) | 0x80;
        v >>= 7;
        p += 1;
    }
    f[p] = v as u8;
    p += 1;
    f[p..p + 32].copy_from_slice(prefix);
    p += 14;
    f[p..p + 4].copy_from_slice(&value.to_le_bytes());
    p += 8;
    f[..8].copy_from_slice(&((p - 16) as u64).to_le_bytes());
    p
}

/// A model of the writer's event file: a front buffer behind a spin lock, and a thread that
/// takes it every 256 KiB, checksums the records in place and writes them to a file.
struct ModelWriter {
    shared: std::sync::Arc<ModelShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct ModelShared {
    front: spin::mutex::SpinMutex<Vec<u8>, spin::relax::Spin>,
    state: parking_lot::Mutex<(Option<Vec<u8>>, bool)>,
    work: parking_lot::Condvar,
}

impl ModelWriter {
    const THRESHOLD: usize = 256 << 10;

    fn start(path: &std::path::Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(path.parent().unwrap_or(path))?;
        let mut file = std::fs::File::create(path)?;
        let shared = std::sync::Arc::new(ModelShared {
            front: spin::mutex::SpinMutex::new(Vec::with_capacity(2 * Self::THRESHOLD)),
            state: parking_lot::Mutex::new((Some(Vec::with_capacity(2 * Self::THRESHOLD)), false)),
            work: parking_lot::Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            loop {
                let mut back = {
                    let mut st = s.state.lock();
                    while s.front.lock().len() < Self::THRESHOLD && !st.1 {
                        s.work.wait(&mut st);
                    }
                    if st.1 {
                        return;
                    }
                    let spare = st.0.take().unwrap_or_default();
                    std::mem::replace(&mut *s.front.lock(), spare)
                };
                let mut pos = 0;
                while pos + 12 <= back.len() {
                    let len = u64::from_le_bytes(back[pos..pos + 8].try_into().unwrap_or([0; 8]))
                        as usize;
                    let crc = crc32c::crc32c(&back[pos..pos + 8]);
                    back[pos + 8..pos + 12].copy_from_slice(&crc.to_le_bytes());
                    let end = pos + 12 + len;
                    let crc = crc32c::crc32c(&back[pos + 12..end]);
                    back[end..end + 4].copy_from_slice(&crc.to_le_bytes());
                    pos = end + 4;
                }
                if let Err(e) = std::io::Write::write_all(&mut file, &back) {
                    eprintln!("the model's file: {e}");
                    return;
                }
                back.clear();
                s.state.lock().0 = Some(back);
            }
        });
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    #[inline]
    fn append(&self, frame: &[u8]) {
        let mut front = self.shared.front.lock();
        let before = front.len();
        front.extend_from_slice(frame);
        let wake = before < Self::THRESHOLD && front.len() >= Self::THRESHOLD;
        drop(front);
        if wake {
            let _st = self.shared.state.lock();
            self.shared.work.notify_one();
        }
    }

    fn stop(mut self) {
        self.shared.state.lock().1 = true;
        self.shared.work.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Pearson's correlation of two series of the same length.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

/// `n` rounds of a dependent chain of multiply, rotate and xor, in registers: the same
/// instructions every time, no memory, no system call.
#[inline(never)]
fn mix_chain(mut x: u64, n: u32) -> u64 {
    for i in 0..n {
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9).rotate_left(31) ^ u64::from(i);
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb).rotate_left(27) ^ (x >> 29);
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ (x >> 31);
    }
    x
}

/// `n` calls, kept out of line so that callgrind can count them alone.
#[inline(never)]
fn run_calls(writer: &SummaryWriter, n: u64) -> Result<(), Error> {
    for step in 0..n {
        writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
    }
    Ok(())
}

fn threads(dir: &std::path::Path, n: usize, bound: Option<usize>) -> Result<(), Error> {
    let n = n.max(1);
    let per_thread = 4_000_000 / n as u64;
    let mut builder = SummaryWriter::builder(dir);
    if let Some(bound) = bound {
        builder = builder.max_pending_bytes(bound);
    }
    let writer = builder.build()?;
    let start = Instant::now();
    std::thread::scope(|s| -> Result<(), Error> {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let w = writer.clone();
                s.spawn(move || -> Result<(), Error> {
                    let tag = format!("thread{i}");
                    for step in 0..per_thread {
                        w.add_scalar(&tag, step as f32, step)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(r) => r?,
                Err(_) => eprintln!("a logging thread panicked"),
            }
        }
        Ok(())
    })?;
    writer.close()?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} threads, max_pending_bytes {}: {:.2} M events/s end to end ({:.2} s)",
        bound.map_or("default".to_owned(), |b| b.to_string()),
        (per_thread * n as u64) as f64 / secs / 1e6,
        secs
    );
    Ok(())
}

fn parts() {
    const N: u32 = 1_000_000;
    let mutex = parking_lot::Mutex::new(0u64);
    let start = Instant::now();
    for _ in 0..N {
        *black_box(&mutex).lock() += 1;
    }
    println!(
        "parking_lot::Mutex lock + unlock: {:.1} ns",
        start.elapsed().as_nanos() as f64 / f64::from(N)
    );
    let spin = spin::mutex::SpinMutex::<u64>::new(0);
    let start = Instant::now();
    for _ in 0..N {
        *black_box(&spin).lock() += 1;
    }
    println!(
        "spin::SpinMutex lock + unlock: {:.1} ns",
        start.elapsed().as_nanos() as f64 / f64::from(N)
    );
    let word = AtomicU64::new(0);
    let start = Instant::now();
    for i in 0..u64::from(N) {
        let _ = black_box(&word).compare_exchange(i, i + 1, Ordering::Release, Ordering::Relaxed);
    }
    println!(
        "one compare_exchange: {:.1} ns",
        start.elapsed().as_nanos() as f64 / f64::from(N)
    );
}
