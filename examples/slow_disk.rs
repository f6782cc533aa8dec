//! Peak memory when the disk cannot keep up: several threads log scalars as fast as they can
//! into a writer whose "disk" (a sink behind the hidden `build_with_sink` hook) takes 1 ms
//! per write plus 10 MB/s, far slower than the threads produce. The writer must hold them
//! back (back-pressure) rather than grow its buffers.
//!
//! For each `max_pending_bytes` setting a child process (this program, re-run) logs for a
//! fixed time and reports its peak resident memory (`VmHWM` from `/proc/self/status`, Linux
//! only), its resident memory before the writer was built, and the writer's own count of
//! the most bytes it held at once (`peak_pending_bytes`).
//!
//! Run with `cargo run --release --example slow_disk` (about 10 s), optionally followed by
//! settings in MiB (default `1 16 64`).

use std::io;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tensorboard_writer::{Sink, SummaryWriter};

const THREADS: usize = 4;
const LOG_FOR: Duration = Duration::from_millis(2_000);
/// Simulated disk: fixed cost per write plus a transfer rate.
const PER_WRITE: Duration = Duration::from_millis(1);
const BYTES_PER_SEC: f64 = 10e6;

/// A disk that keeps nothing and takes its time.
struct SlowSink {
    written: Arc<AtomicU64>,
}

impl Sink for SlowSink {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        std::thread::sleep(PER_WRITE + Duration::from_secs_f64(buf.len() as f64 / BYTES_PER_SEC));
        self.written.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn truncate(&mut self, _len: u64) -> io::Result<()> {
        Ok(())
    }
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`), if the system has one.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The child: logs with `max_pending_bytes = mib` MiB and prints one result line.
fn child(mib: usize) -> Result<(), Box<dyn std::error::Error>> {
    let rss_before = status_kib("VmRSS:").unwrap_or(0);
    let written = Arc::new(AtomicU64::new(0));
    let max_pending = mib << 20;
    let writer = SummaryWriter::builder(std::env::temp_dir())
        .max_pending_bytes(max_pending)
        .build_with_sink(
            "slow-disk".into(),
            Box::new(SlowSink {
                written: written.clone(),
            }),
        )?;
    let start = Instant::now();
    let logged: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let writer = writer.clone();
                s.spawn(move || -> Result<u64, tensorboard_writer::Error> {
                    let tag = format!("thread{t}/loss");
                    let mut step = 0u64;
                    while start.elapsed() < LOG_FOR {
                        for _ in 0..1_000 {
                            writer.add_scalar(&tag, step as f32 * 1e-6, step)?;
                            step += 1;
                        }
                    }
                    Ok(step)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("logging thread panicked"))
            .sum::<Result<u64, _>>()
    })?;
    let logging = start.elapsed();
    let hwm_logging = status_kib("VmHWM:").unwrap_or(0);
    let peak_pending = writer.peak_pending_bytes();
    // `close` waits for the slow disk to take the last buffers.
    writer.close()?;
    println!(
        "| {mib} MiB | {:.1} M in {:.2} s | {:.1} MB/s | {:.1} MiB | {:.1} MiB | {peak_pending} ({}) | {:.2} |",
        logged as f64 / 1e6,
        logging.as_secs_f64(),
        written.load(Ordering::Relaxed) as f64 / 1e6 / start.elapsed().as_secs_f64(),
        rss_before as f64 / 1024.0,
        hwm_logging as f64 / 1024.0,
        if peak_pending <= max_pending {
            "within"
        } else {
            "OVER"
        },
        (hwm_logging.saturating_sub(rss_before) * 1024) as f64 / max_pending as f64,
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, mib] = args.as_slice() {
        if flag == "--child" {
            return child(mib.parse()?);
        }
    }
    if status_kib("VmHWM:").is_none() {
        eprintln!("no /proc/self/status here: peak memory cannot be measured");
    }
    let settings: Vec<usize> = if args.is_empty() {
        vec![1, 16, 64]
    } else {
        args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?
    };
    println!(
        "{THREADS} threads logging scalars for {:.1} s into a disk of {} ms per write + {:.0} MB/s",
        LOG_FOR.as_secs_f64(),
        PER_WRITE.as_millis(),
        BYTES_PER_SEC / 1e6
    );
    println!();
    println!(
        "| max_pending_bytes | events accepted | disk rate | RSS before writer | peak RSS \
         (VmHWM) | peak_pending_bytes | (peak RSS - RSS before) / max_pending |"
    );
    println!("|---|---|---|---|---|---|---|");
    let me = std::env::current_exe()?;
    for mib in settings {
        let status = Command::new(&me)
            .args(["--child", &mib.to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("the run with {mib} MiB failed: {status}").into());
        }
    }
    Ok(())
}
