//! Full disks and I/O errors (issue 8, item 3): on a real full file system (a 256 KiB tmpfs,
//! mounted when the tests run as root) and through injected failing sinks, the error reaches
//! the caller from the next fallible call and from `flush`/`close`, nothing panics, the file
//! is cut back to its last complete record so everything before the failure stays readable,
//! and the writer stays stopped (as documented on `SummaryWriter`) while a new writer for the
//! same run directory carries on once there is room again.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tensorboard_writer::reader::{EventReader, event_files, read_scalars};
use tensorboard_writer::{Error, Sink, SummaryWriter, proto};

/// Every event in the file at `path`, asserting that it ends cleanly: no truncated record and
/// no damage.
fn read_clean(path: &Path) -> Vec<proto::Event> {
    EventReader::open(path)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{} does not end cleanly: {e}", path.display()))
}

fn loss_steps(events: &[proto::Event]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| matches!(e.what, Some(proto::event::What::Summary(_))))
        .map(|e| e.step)
        .collect()
}

fn is_write_failed(r: Result<(), Error>) -> bool {
    matches!(r, Err(Error::WriteFailed { .. }))
}

/// Every fallible call on a failed writer returns the write error (and none panics).
fn assert_every_call_fails(w: &SummaryWriter) {
    assert!(is_write_failed(w.add_scalar("loss", 1.0f32, 1u32)));
    assert!(is_write_failed(
        w.add_scalar_with_wall_time("loss", 1.0f32, 1u32, 1.0)
    ));
    assert!(is_write_failed(w.step(1u32).scalar("loss", 1.0f32).write()));
    assert!(is_write_failed(w.step(1u32).write()));
    assert!(is_write_failed(
        w.scope("s").unwrap().add_scalar("x", 1.0f32, 1u32)
    ));
    assert!(is_write_failed(w.add_text("note", "text", 1u32)));
    assert!(is_write_failed(w.add_histogram(
        "h",
        &[1.0f32, 2.0][..],
        1u32
    )));
    assert!(is_write_failed(w.write_event(&proto::Event {
        wall_time: 1.0,
        ..Default::default()
    })));
    assert!(is_write_failed(w.check()));
    assert!(is_write_failed(w.flush()));
    assert!(is_write_failed(w.close()));
    assert!(is_write_failed(w.close()), "close stays failed");
}

// ---- A real full file system ----

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` at a new temporary directory, or says why it cannot.
    fn mount(size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("not running as root".into());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().to_path_buf();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| format!("running mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs { _dir: dir, path })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so that a failed test holding a file open does not leave a mount behind.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let uid = s.lines().find(|l| l.starts_with("Uid:"))?;
            Some(uid.split_whitespace().nth(2)? == "0") // effective uid
        })
        .unwrap_or(false)
}

/// Mounts the tmpfs or explains the skip. `TBW_REQUIRE_TMPFS=1` turns a skip into a failure.
fn tmpfs_or_skip(test: &str) -> Option<Tmpfs> {
    match Tmpfs::mount("256k") {
        Ok(t) => Some(t),
        Err(why) => {
            assert!(
                std::env::var("TBW_REQUIRE_TMPFS").as_deref() != Ok("1"),
                "{test}: {why}, and TBW_REQUIRE_TMPFS=1"
            );
            eprintln!("skipping {test}: {why}");
            None
        }
    }
}

fn full_disk_then_recovery(durable: bool) {
    let test = format!("full_disk (durable {durable})");
    let Some(fs) = tmpfs_or_skip(&test) else {
        return;
    };
    let run = fs.path.join("run");
    std::fs::create_dir(&run).unwrap();
    // Leave about 40 KiB free: the event file fills it after a few hundred events.
    let filler = fs.path.join("filler");
    std::fs::write(&filler, vec![0u8; 216 << 10]).unwrap();

    let w = SummaryWriter::builder(&run)
        .max_pending_bytes(4 << 10)
        .flush_interval(Duration::from_secs(3600))
        .durable(durable)
        .build()
        .unwrap();
    let mut flushed = None; // last step whose flush returned Ok
    let mut step = 0u32;
    let first_error = loop {
        assert!(step < 1_000_000, "the disk never filled up");
        if let Err(e) = w.add_scalar("loss", step as f32, step) {
            break e;
        }
        if step % 50 == 49 {
            match w.flush() {
                Ok(()) => flushed = Some(step),
                Err(e) => break e,
            }
        }
        step += 1;
    };
    match &first_error {
        Error::WriteFailed { path, source } => {
            assert_eq!(path, w.path());
            assert_eq!(source.kind(), io::ErrorKind::StorageFull, "{first_error}");
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    let flushed = flushed.expect("some flushes succeeded before the disk filled");
    assert_every_call_fails(&w);

    // The file was cut back to its last complete record: it reads to a clean end, with
    // every step up to the last successful flush, in order.
    let old = w.path().to_owned();
    let events = read_clean(&old);
    let steps = loss_steps(&events);
    assert!(
        steps.len() > flushed as usize,
        "flushed {flushed}, kept {}",
        steps.len()
    );
    assert_eq!(steps, (0..steps.len() as i64).collect::<Vec<_>>());
    drop(w); // dropping the failed writer neither panics nor writes

    // Space freed: a new writer for the same run carries on in a new file that sorts after
    // the old one, and the run reads as one series.
    std::fs::remove_file(&filler).unwrap();
    let next = steps.len() as u32;
    let w2 = SummaryWriter::builder(&run)
        .durable(durable)
        .build()
        .unwrap();
    for s in next..next + 100 {
        w2.add_scalar("loss", s as f32, s).unwrap();
    }
    w2.close().unwrap();
    assert_eq!(event_files(&run).unwrap(), [old, w2.path().to_owned()]);
    let all: Vec<i64> = read_scalars(&run).unwrap()["loss"]
        .iter()
        .map(|p| p.step)
        .collect();
    assert_eq!(all, (0..i64::from(next) + 100).collect::<Vec<_>>());
    eprintln!("{test}: disk full after step {step}, {next} steps kept, last flush at {flushed}");
}

#[test]
fn full_disk_stops_the_writer_and_keeps_what_was_written() {
    full_disk_then_recovery(false);
}

#[test]
fn full_disk_with_durable_flushing() {
    full_disk_then_recovery(true);
}

#[test]
fn full_disk_when_a_large_record_does_not_fit() {
    // One record larger than the free space: nothing of it may stay in the file.
    let Some(fs) = tmpfs_or_skip("full_disk_when_a_large_record_does_not_fit") else {
        return;
    };
    let w = SummaryWriter::new(&fs.path).unwrap();
    w.add_scalar("loss", 0.5f32, 0u32).unwrap();
    w.flush().unwrap();
    let before = std::fs::metadata(w.path()).unwrap().len();
    let big = "x".repeat(300 << 10); // more than the whole file system
    w.add_text("note", &big, 1u32).unwrap(); // accepted into the buffer
    assert!(is_write_failed(w.flush()));
    assert_eq!(std::fs::metadata(w.path()).unwrap().len(), before);
    assert_eq!(loss_steps(&read_clean(w.path())), [0]);
    assert_every_call_fails(&w);
}

// ---- Injected failures ----

/// A sink over a real file that can be told to fail: `budget` bytes more are written, then a
/// write keeps what fits and fails like a full disk; `fail_sync` fails syncs; `fail_truncate`
/// fails the clean-up.
#[derive(Clone)]
struct Faulty {
    file: Arc<std::sync::Mutex<File>>,
    budget: Arc<AtomicU64>,
    fail_sync: Arc<AtomicBool>,
    fail_truncate: Arc<AtomicBool>,
}

impl Faulty {
    fn new(path: &Path) -> Faulty {
        Faulty {
            file: Arc::new(std::sync::Mutex::new(File::create(path).unwrap())),
            budget: Arc::new(AtomicU64::new(u64::MAX)),
            fail_sync: Arc::default(),
            fail_truncate: Arc::default(),
        }
    }
}

impl Sink for Faulty {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let room = self.budget.load(Ordering::SeqCst);
        let n = (buf.len() as u64).min(room) as usize;
        Write::write_all(&mut *self.file.lock().unwrap(), &buf[..n])?;
        self.budget.fetch_sub(n as u64, Ordering::SeqCst);
        if n < buf.len() {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        Ok(())
    }
    fn sync(&mut self) -> io::Result<()> {
        if self.fail_sync.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        self.file.lock().unwrap().sync_data()
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        if self.fail_truncate.load(Ordering::SeqCst) {
            return Err(io::Error::other("injected truncate failure"));
        }
        let mut f = self.file.lock().unwrap();
        f.set_len(len)?;
        f.seek(SeekFrom::Start(len)).map(drop)
    }
}

fn faulty_writer(dir: &Path, durable: bool) -> (SummaryWriter, Faulty, PathBuf) {
    let path = dir.join("events.out.tfevents.0000000001.faulty");
    let sink = Faulty::new(&path);
    let w = SummaryWriter::builder(dir)
        .max_pending_bytes(1 << 20)
        .flush_interval(Duration::from_secs(3600))
        .durable(durable)
        .build_with_sink(path.clone(), Box::new(sink.clone()))
        .unwrap();
    (w, sink, path)
}

#[test]
fn a_write_that_fails_half_way_is_cut_back_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (w, sink, path) = faulty_writer(dir.path(), false);
    for step in 0..100u32 {
        w.add_scalar("loss", step as f32, step).unwrap();
    }
    w.flush().unwrap();
    let good = std::fs::metadata(&path).unwrap().len();
    sink.budget.store(30, Ordering::SeqCst); // the next write stops 30 bytes in
    for step in 100..200u32 {
        w.add_scalar("loss", step as f32, step).unwrap();
    }
    match w.flush() {
        Err(Error::WriteFailed { path: p, source }) => {
            assert_eq!(p, path);
            assert_eq!(source.raw_os_error(), Some(28));
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good, "cut back");
    assert_eq!(loss_steps(&read_clean(&path)), (0..100).collect::<Vec<_>>());
    // Room again: the writer stays stopped, and says so, rather than write after a gap.
    sink.budget.store(u64::MAX, Ordering::SeqCst);
    assert_every_call_fails(&w);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
}

#[test]
fn the_error_reaches_the_next_logging_call_without_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.out.tfevents.0000000001.faulty");
    let sink = Faulty::new(&path);
    sink.budget.store(1_000, Ordering::SeqCst);
    // A small buffer: the background thread writes (and fails) while the caller logs.
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(1 << 10)
        .build_with_sink(path.clone(), Box::new(sink))
        .unwrap();
    let mut accepted = 0u32;
    let e = loop {
        match w.add_scalar("loss", accepted as f32, accepted) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 100_000, "the error never reached add_scalar");
    };
    assert!(matches!(e, Error::WriteFailed { .. }), "{e:?}");
    assert_every_call_fails(&w);
    let steps = loss_steps(&read_clean(&path));
    assert!(!steps.is_empty() && steps.len() < accepted as usize);
    assert_eq!(steps, (0..steps.len() as i64).collect::<Vec<_>>());
}

#[test]
fn a_failed_sync_in_durable_mode_is_reported_and_cut_back() {
    let dir = tempfile::tempdir().unwrap();
    let (w, sink, path) = faulty_writer(dir.path(), true);
    w.add_scalar("loss", 0.0f32, 0u32).unwrap();
    w.flush().unwrap();
    let synced = std::fs::metadata(&path).unwrap().len();
    sink.fail_sync.store(true, Ordering::SeqCst);
    w.add_scalar("loss", 1.0f32, 1u32).unwrap();
    match w.flush() {
        Err(Error::WriteFailed { source, .. }) => assert_eq!(source.raw_os_error(), Some(5)),
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    // What was written but not synced is not claimed: the file ends at the last sync.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), synced);
    assert_eq!(loss_steps(&read_clean(&path)), [0]);
    assert_every_call_fails(&w);
}

#[test]
fn a_failed_clean_up_is_reported_too_and_the_reader_sees_a_truncated_record() {
    let dir = tempfile::tempdir().unwrap();
    let (w, sink, path) = faulty_writer(dir.path(), false);
    w.add_scalar("loss", 0.0f32, 0u32).unwrap();
    w.flush().unwrap();
    sink.budget.store(20, Ordering::SeqCst);
    sink.fail_truncate.store(true, Ordering::SeqCst);
    w.add_scalar("loss", 1.0f32, 1u32).unwrap();
    let e = w.flush().unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("injected truncate failure"), "{msg}");
    assert!(msg.contains("last complete record"), "{msg}");
    assert_every_call_fails(&w);
    // The half record stays, but it is at the end, so it hides nothing: the reader reports
    // it as a truncated final record after the complete ones.
    let mut r = EventReader::open(&path).unwrap();
    assert!(r.next().unwrap().is_ok()); // file_version
    assert_eq!(r.next().unwrap().unwrap().step, 0);
    assert!(matches!(r.next(), Some(Err(Error::Truncated { .. }))));
}

#[test]
fn add_scalars_runs_report_their_own_failures() {
    // The sibling runs of add_scalars get real files; a failure of the main file still
    // reaches add_scalars' caller through flush and close.
    let dir = tempfile::tempdir().unwrap();
    let (w, sink, _) = faulty_writer(dir.path(), false);
    w.add_scalars("loss", &[("train", 1.0f32), ("val", 2.0)], 0u32)
        .unwrap();
    sink.budget.store(0, Ordering::SeqCst);
    w.add_scalar("x", 1.0f32, 0u32).unwrap();
    assert!(is_write_failed(w.flush()));
    assert!(is_write_failed(w.close()));
    // The siblings were still closed, with their data.
    assert_eq!(
        read_scalars(dir.path().join("loss_train")).unwrap()["loss"].len(),
        1
    );
    assert_eq!(
        read_scalars(dir.path().join("loss_val")).unwrap()["loss"].len(),
        1
    );
}
