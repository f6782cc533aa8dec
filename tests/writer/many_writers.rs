//! Many writers (issue 8, item 5): writers in one process and processes in one run directory
//! never collide on file names, even when started in the same second, and a run's file names
//! sort in creation order (TensorBoard reads a run's files in name order, docs/FORMAT.md §1.3).
//!
//! The processes are this test binary re-run with [`CHILD_DIR_ENV`] set.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tensorboard_writer::SummaryWriter;
use tensorboard_writer::reader::{event_files, read_events, read_scalars};

use crate::common::exact_test_name;

const CHILD_DIR_ENV: &str = "TBW_MANY_WRITERS_CHILD_DIR";
const MARK: &str = "@tbw@";
/// Writers each child process creates, one after the other (more than 10, so that counters
/// of different widths meet).
const WRITERS_PER_PROCESS: usize = 12;
const PROCESSES: usize = 6;
const EVENTS_PER_WRITER: u32 = 50;

/// The seconds field of an event file's name.
fn name_secs(path: &Path) -> u64 {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.split('.').nth(3).unwrap().parse().unwrap()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// In a child process: waits for a line on stdin (so that all children start together),
/// then creates [`WRITERS_PER_PROCESS`] writers in the run directory one after the other,
/// each logging its own tag, and prints each file's path in creation order.
#[test]
fn many_writers_child_process() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return;
    };
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    let pid = std::process::id();
    let mut out = std::io::stdout();
    for i in 0..WRITERS_PER_PROCESS {
        let w = SummaryWriter::new(&dir).unwrap();
        for step in 0..EVENTS_PER_WRITER {
            w.add_scalar(&format!("p{pid}/w{i}"), step as f32, step)
                .unwrap();
        }
        w.close().unwrap();
        writeln!(out, "\n{MARK}{}", w.path().display()).unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn processes_started_together_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let start_secs = now_secs();
    let child = exact_test_name(module_path!(), "many_writers_child_process");
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", child.as_str(), "--nocapture"])
                .args(["--test-threads=1"])
                .env(CHILD_DIR_ENV, dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Everyone is up: go.
    for c in &mut children {
        c.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let mut created: Vec<Vec<PathBuf>> = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let paths: Vec<PathBuf> = BufReader::new(&out.stdout[..])
            .lines()
            .filter_map(|l| Some(PathBuf::from(l.unwrap().strip_prefix(MARK)?)))
            .collect();
        assert_eq!(paths.len(), WRITERS_PER_PROCESS);
        created.push(paths);
    }
    let elapsed = started.elapsed();

    // No collisions: as many files as writers, each holding exactly its own writer's events.
    let files = event_files(dir.path()).unwrap();
    let all: BTreeSet<&PathBuf> = created.iter().flatten().collect();
    assert_eq!(files.len(), PROCESSES * WRITERS_PER_PROCESS);
    assert_eq!(files.iter().collect::<BTreeSet<_>>(), all);
    for paths in &created {
        // Each process's files sort in the order it created them.
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(&sorted, paths, "name order is not creation order");
        for (i, path) in paths.iter().enumerate() {
            let name = path.file_name().unwrap().to_str().unwrap();
            let pid = name.split('.').rev().nth(1).unwrap();
            let events = tensorboard_writer::reader::EventReader::open(path)
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            assert_eq!(events.len(), 1 + EVENTS_PER_WRITER as usize, "{name}");
            for e in &events[1..] {
                let Some(tensorboard_writer::proto::event::What::Summary(s)) = &e.what else {
                    panic!("not a summary")
                };
                assert_eq!(s.value[0].tag, format!("p{pid}/w{i}"), "{name}");
            }
        }
    }
    // The seconds in the names are the creation time, moved forward by at most one second
    // to sort after the files already there.
    let secs: BTreeSet<u64> = files.iter().map(|f| name_secs(f)).collect();
    let (first, last) = (*secs.first().unwrap(), *secs.last().unwrap());
    assert!(first >= start_secs && first <= now_secs());
    assert!(last <= now_secs() + 1, "{secs:?}");
    eprintln!(
        "{PROCESSES} processes × {WRITERS_PER_PROCESS} writers in {elapsed:?}: {} files, \
         {} distinct name seconds, {} s past the clock at most",
        files.len(),
        secs.len(),
        last.saturating_sub(now_secs())
    );
}

#[test]
fn threads_creating_writers_at_once_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (dir, barrier) = (dir.path().to_path_buf(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..16)
                    .map(|i| {
                        let w = SummaryWriter::new(&dir).unwrap();
                        w.add_scalar(&format!("t{t}w{i}"), 1.0f32, 0u32).unwrap();
                        w
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let writers: Vec<SummaryWriter> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let paths: BTreeSet<PathBuf> = writers.iter().map(|w| w.path().to_owned()).collect();
    assert_eq!(paths.len(), 128);
    for w in &writers {
        w.close().unwrap();
    }
    assert_eq!(event_files(dir.path()).unwrap().len(), 128);
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s.len(), 128);
    assert!(s.values().all(|points| points.len() == 1));
}

#[test]
fn writers_of_one_process_sort_in_creation_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for i in 0..25u32 {
        let w = SummaryWriter::new(dir.path()).unwrap();
        w.add_scalar("step", i as f32, i).unwrap();
        w.close().unwrap();
        paths.push(w.path().to_owned());
    }
    assert_eq!(event_files(dir.path()).unwrap(), paths);
    // Read in name order, the run is one series in the order it was logged.
    let steps: Vec<i64> = read_scalars(dir.path()).unwrap()["step"]
        .iter()
        .map(|p| p.step)
        .collect();
    assert_eq!(steps, (0..25).collect::<Vec<_>>());
}

#[test]
fn a_new_file_sorts_after_files_that_would_otherwise_come_later() {
    // Files that sort after what this process would name its file: another host in the
    // same second ("zzz…"), and a file from an hour ahead (a clock that went back since).
    let now = now_secs();
    for existing in [
        format!("events.out.tfevents.{now:010}.zzzzzzzz.1.000000"),
        format!("events.out.tfevents.{:010}.host.1.000000.v2", now + 3600),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let old = SummaryWriter::new(dir.path()).unwrap();
        old.add_scalar("x", 0.0f32, 0u32).unwrap();
        old.close().unwrap();
        let renamed = dir.path().join(&existing);
        std::fs::rename(old.path(), &renamed).unwrap();

        let w = SummaryWriter::new(dir.path()).unwrap();
        w.add_scalar("x", 1.0f32, 1u32).unwrap();
        w.close().unwrap();
        assert_eq!(
            event_files(dir.path()).unwrap(),
            [renamed, w.path().to_owned()]
        );
        assert_eq!(name_secs(w.path()), name_secs(Path::new(&existing)) + 1);
        let steps: Vec<i64> = read_events(dir.path())
            .unwrap()
            .iter()
            .filter(|e| {
                e.step > 0
                    || matches!(
                        e.what,
                        Some(tensorboard_writer::proto::event::What::Summary(_))
                    )
            })
            .map(|e| e.step)
            .collect();
        assert_eq!(steps, [0, 1]);
    }
}
