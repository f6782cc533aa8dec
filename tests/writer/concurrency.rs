//! Concurrency (issue 8, item 4): 8 threads × 1,000,000 events through cloned handles lose
//! nothing, keep each thread's order and stay within the memory bound; closing while other
//! threads log is clean.
//!
//! The big run happens in a child process (this test binary re-run with [`CHILD_DIR_ENV`]
//! set), so that its peak RSS (`VmHWM`) is its own and not that of the tests running beside it.
//! In debug builds it logs 100,000 events per thread (debug `add_scalar` and decoding are ~20×
//! slower); `cargo test --release --test writer concurrency::` runs the full 1,000,000, and
//! `TBW_EVENTS_PER_THREAD=n` sets any size.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use prost::Message;
use tensorboard_writer::reader::read_scalars;
use tensorboard_writer::record::RecordReader;
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::exact_test_name;

const CHILD_DIR_ENV: &str = "TBW_CONCURRENCY_CHILD_DIR";
const MARK: &str = "@tbw@";
const THREADS: u32 = 8;
/// The writer's memory bound in the big run.
const MAX_PENDING: usize = 1 << 20;

fn events_per_thread() -> u32 {
    std::env::var("TBW_EVENTS_PER_THREAD")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            100_000
        } else {
            1_000_000
        })
}

/// A field of `/proc/self/status`, in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Starts `THREADS` threads, thread `t` running `f(clone of w, t)`.
fn spawn_on_clones<R: Send + 'static>(
    w: &SummaryWriter,
    f: impl Fn(SummaryWriter, u32) -> R + Send + Clone + 'static,
) -> Vec<std::thread::JoinHandle<R>> {
    (0..THREADS)
        .map(|t| {
            let (w, f) = (w.clone(), f.clone());
            std::thread::spawn(move || f(w, t))
        })
        .collect()
}

/// Joins the threads, in order, with their results (a thread's panic fails the test).
fn join_all<R>(threads: Vec<std::thread::JoinHandle<R>>) -> Vec<R> {
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// The big run, in the child process. A no-op in a normal test run.
#[test]
fn concurrency_child_process() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return;
    };
    let n = events_per_thread();
    let rss_before = status_kb("VmRSS:");
    let started = Instant::now();
    let w = SummaryWriter::builder(&dir)
        .max_pending_bytes(MAX_PENDING)
        .build()
        .unwrap();
    join_all(spawn_on_clones(&w, move |w, t| {
        let tag = format!("t{t}");
        for step in 0..n {
            w.add_scalar(&tag, step as f32, step).unwrap();
        }
    }));
    w.close().unwrap();
    let elapsed = started.elapsed();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "\n{MARK} peak_pending={} rss_before_kb={rss_before} hwm_kb={} elapsed_ms={}",
        w.peak_pending_bytes(),
        status_kb("VmHWM:"),
        elapsed.as_millis()
    )
    .unwrap();
    out.flush().unwrap();
}

/// Streams every record of `path` and checks that each tag `t<k>` holds the steps 0..n in
/// order, value = step. Returns the number of summary events.
fn check_every_step_in_order(path: &Path, n: u32) -> u64 {
    let mut records = RecordReader::with_path(std::fs::File::open(path).unwrap(), path);
    let mut next = vec![0u32; THREADS as usize];
    let mut events = 0;
    records.read_record().unwrap().unwrap(); // file_version
    while let Some(raw) = records.read_record().unwrap() {
        let event = proto::Event::decode(raw).unwrap();
        let Some(proto::event::What::Summary(s)) = event.what else {
            panic!("unexpected event {event:?}")
        };
        assert_eq!(s.value.len(), 1);
        let v = &s.value[0];
        let t: usize = v.tag.strip_prefix('t').unwrap().parse().unwrap();
        assert_eq!(
            event.step,
            i64::from(next[t]),
            "tag {}: lost or out of order",
            v.tag
        );
        assert_eq!(
            v.value,
            Some(proto::summary::value::Value::SimpleValue(next[t] as f32))
        );
        next[t] += 1;
        events += 1;
    }
    assert_eq!(next, vec![n; THREADS as usize], "events missing at the end");
    events
}

#[test]
fn eight_threads_log_a_million_events_each_through_clones() {
    let n = events_per_thread();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let child = exact_test_name(module_path!(), "concurrency_child_process");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", child.as_str(), "--nocapture"])
        .args(["--test-threads=1"])
        .env(CHILD_DIR_ENV, dir.path())
        .env("TBW_EVENTS_PER_THREAD", n.to_string())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(MARK))
        .unwrap_or_else(|| panic!("no report from the child: {stdout}"));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (peak_pending, rss_before, hwm) = (
        field("peak_pending"),
        field("rss_before_kb"),
        field("hwm_kb"),
    );
    let logging_ms = field("elapsed_ms");

    let files = tensorboard_writer::reader::event_files(dir.path()).unwrap();
    assert_eq!(files.len(), 1);
    let file_mb = std::fs::metadata(&files[0]).unwrap().len() >> 20;
    let check_started = Instant::now();
    let events = check_every_step_in_order(&files[0], n);
    assert_eq!(events, u64::from(n) * u64::from(THREADS));

    // Memory: the buffers never held more than the bound, and the process grew by little
    // more than that while writing a file tens or hundreds of times larger.
    assert!(
        peak_pending > 0 && peak_pending <= MAX_PENDING as u64,
        "peak pending {peak_pending} bytes, bound {MAX_PENDING}"
    );
    let growth_mb = hwm.saturating_sub(rss_before) >> 10;
    assert!(
        growth_mb <= 24,
        "peak RSS grew by {growth_mb} MiB (bound {} MiB) for a {file_mb} MiB file",
        MAX_PENDING >> 20
    );
    eprintln!(
        "{THREADS} threads × {n} events: logged and closed in {logging_ms} ms, checked in \
         {:?} ({:?} in all); file {file_mb} MiB; peak pending {peak_pending} bytes (bound \
         {MAX_PENDING}); peak RSS {hwm} kB, {growth_mb} MiB above the start",
        check_started.elapsed(),
        started.elapsed()
    );
}

/// Steps `0..accepted` of every thread's tag, and nothing else: every call that returned Ok
/// is on disk, and nothing refused is.
fn assert_exactly_accepted(dir: &Path, accepted: &[u32]) {
    let s = read_scalars(dir).unwrap();
    for (t, &n) in accepted.iter().enumerate() {
        let steps: Vec<i64> = s
            .get(&format!("t{t}"))
            .map(|ps| ps.iter().map(|p| p.step).collect())
            .unwrap_or_default();
        assert_eq!(steps, (0..i64::from(n)).collect::<Vec<_>>(), "thread {t}");
    }
}

#[test]
fn closing_while_other_threads_log_is_clean() {
    for round in 0..20u64 {
        let dir = tempfile::tempdir().unwrap();
        // A small bound, so that some threads wait for room when the close comes.
        let w = SummaryWriter::builder(dir.path())
            .max_pending_bytes(if round % 2 == 0 { 2048 } else { 1 << 20 })
            .build()
            .unwrap();
        let threads = spawn_on_clones(&w, |w, t| {
            let tag = format!("t{t}");
            let mut step = 0u32;
            loop {
                // Three ways in: add_scalar, the merged-step builder, and (thread 2)
                // flushes in between.
                let r = if t % 2 == 0 {
                    w.add_scalar(&tag, step as f32, step)
                } else {
                    w.step(step).scalar(&tag, step as f32).write()
                };
                match r {
                    Ok(()) => step += 1,
                    Err(Error::Closed) => break,
                    Err(e) => panic!("thread {t}: {e}"),
                }
                if t == 2 && step % 1000 == 0 {
                    w.flush().unwrap(); // Ok during and after the close too
                }
            }
            // Stays closed.
            assert!(matches!(
                w.add_scalar(&tag, 0.0f32, 0u32),
                Err(Error::Closed)
            ));
            w.flush().unwrap();
            step
        });
        std::thread::sleep(Duration::from_millis(round % 5 * 4));
        w.close().unwrap();
        assert_exactly_accepted(dir.path(), &join_all(threads));
    }
}

#[test]
fn dropping_handles_on_many_threads_while_others_log_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(4096)
        .build()
        .unwrap();
    let threads = spawn_on_clones(&w, |w, t| {
        let tag = format!("t{t}");
        let n = 2_000 * (t + 1);
        for step in 0..n {
            w.add_scalar(&tag, step as f32, step).unwrap();
        }
        n // the clone is dropped here, while the others still log
    });
    drop(w);
    // The last clone to go wrote everything.
    assert_exactly_accepted(dir.path(), &join_all(threads));
}
