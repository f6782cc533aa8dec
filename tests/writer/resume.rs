//! `SummaryWriterBuilder::purge_step`: what the resumed writer writes. (That both TensorBoard
//! loaders then show one clean series is checked against the real TensorBoard by the
//! compatibility check, run `resume` in tests/compat/logdir/resume.rs.)

use tensorboard_writer::proto::{event::What, session_log::SessionStatus};
use tensorboard_writer::reader::{EventReader, event_files, read_scalars};
use tensorboard_writer::{Error, SummaryWriter};

fn whats(path: &std::path::Path) -> Vec<(i64, What)> {
    EventReader::open(path)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.step, e.what.unwrap())
        })
        .collect()
}

#[test]
fn a_resumed_file_starts_with_two_session_starts_at_the_purge_step() {
    let dir = tempfile::tempdir().unwrap();
    let first = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..150u32 {
        first.add_scalar("loss", step as f32, step).unwrap();
    }
    first.close().unwrap();
    let second = SummaryWriter::builder(dir.path())
        .purge_step(100u64)
        .build()
        .unwrap();
    second.add_scalar("loss", -1.0f32, 100u32).unwrap();
    second.close().unwrap();

    let files = event_files(dir.path()).unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1], second.path(), "the resumed file sorts last");
    // The first attempt's file is left as it was, with no SessionLog.
    let old = whats(&files[0]);
    assert_eq!(old.len(), 151);
    assert!(!old.iter().any(|(_, w)| matches!(w, What::SessionLog(_))));

    let new = whats(&files[1]);
    assert!(matches!(&new[0], (0, What::FileVersion(v)) if v == "brain.Event:2"));
    for (step, what) in &new[1..3] {
        assert_eq!(*step, 100);
        let What::SessionLog(log) = what else {
            panic!("{what:?}")
        };
        assert_eq!(log.status, SessionStatus::Start as i32);
    }
    assert!(matches!(&new[3], (100, What::Summary(_))));
    assert_eq!(new.len(), 4);
    // The crate's reader shows the raw data: both attempts' points.
    assert_eq!(read_scalars(dir.path()).unwrap()["loss"].len(), 151);
}

#[test]
fn sibling_runs_of_add_scalars_are_purged_too() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .purge_step(7u32)
        .build()
        .unwrap();
    w.add_scalars("loss", &[("train", 1.0f32)], 7u32).unwrap();
    w.close().unwrap();
    let sibling = dir.path().join("loss_train");
    let files = event_files(&sibling).unwrap();
    assert_eq!(files.len(), 1);
    let starts = whats(&files[0])
        .into_iter()
        .filter(|(s, w)| *s == 7 && matches!(w, What::SessionLog(_)))
        .count();
    assert_eq!(starts, 2);
}

#[test]
fn a_purge_step_beyond_i64_is_refused_before_any_file_exists() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let r = SummaryWriter::builder(&run).purge_step(u64::MAX).build();
    assert!(matches!(r, Err(Error::StepOutOfRange { .. })), "{r:?}");
    assert!(!run.exists());
}

#[test]
fn without_purge_step_no_session_log_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.close().unwrap();
    let all = whats(w.path());
    assert_eq!(all.len(), 1);
    assert!(matches!(&all[0].1, What::FileVersion(_)));
}
