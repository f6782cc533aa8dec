//! The timing harness behind BENCHMARKS.md's per-batch `add_scalar` numbers, for comparing
//! builds quickly (criterion's `benches/scalars.rs` gives the reported medians).
//!
//! ```sh
//! cargo run --release --example scalar_timing                 # batches (the default)
//! cargo run --release --example scalar_timing -- threads 64   # 64 threads, default bound
//! cargo run --release --example scalar_timing -- threads 64 65536
//! cargo run --release --example scalar_timing -- parts        # what the locks cost here
//! cargo run --release --example scalar_timing -- latency      # every call timed alone
//! valgrind --tool=callgrind --toggle-collect='scalar_timing::run_calls' \
//!     target/release/examples/scalar_timing calls 101000         # instructions per call
//! ```
//!
//! - `batches`: 4000 batches of 1000 `add_scalar("loss", …)` calls on one writer with default
//!   settings (its background thread writes meanwhile; a flush every 100 batches); prints the
//!   minimum, 10th percentile, median, 90th percentile and mean of the per-call time of each
//!   batch. Alternate the builds being compared, run by run: this VM's speed drifts.
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
//! - `calls N`: N `add_scalar` calls in one function of their own (`run_calls`), for
//!   callgrind: its instruction count divided by N is the instructions per call.
//!
//! Logs go to a fresh directory under the system's temporary directory, removed at the end.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tensorboard_writer::{Error, SummaryWriter};

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::env::temp_dir().join(format!("scalar_timing_{}", std::process::id()));
    let result = match args.first().map(String::as_str).unwrap_or("batches") {
        "batches" => batches(&dir),
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
        "calls" => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(101_000);
            SummaryWriter::new(&dir).and_then(|w| {
                run_calls(&w, n)?;
                w.close()
            })
        }
        other => {
            eprintln!(
                "unknown mode {other:?}: batches, threads N [MAX_PENDING], parts, latency, calls N"
            );
            std::process::exit(2);
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn batches(dir: &std::path::Path) -> Result<(), Error> {
    let writer = SummaryWriter::new(dir)?;
    let mut per_call = Vec::with_capacity(4000);
    let mut step = 0u64;
    for batch in 0..4000 {
        let start = Instant::now();
        for _ in 0..1000 {
            writer.add_scalar(black_box("loss"), black_box(0.25f32), step)?;
            step += 1;
        }
        per_call.push(start.elapsed().as_nanos() as f64 / 1000.0);
        if batch % 100 == 99 {
            writer.flush()?;
        }
    }
    writer.close()?;
    per_call.sort_by(f64::total_cmp);
    let at = |q: f64| per_call[((per_call.len() - 1) as f64 * q) as usize];
    let mean = per_call.iter().sum::<f64>() / per_call.len() as f64;
    println!(
        "add_scalar per call, over 4000 batches of 1000: min {:.1} ns, p10 {:.1}, median {:.1}, p90 {:.1}, mean {mean:.1}",
        at(0.0),
        at(0.1),
        at(0.5),
        at(0.9)
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
