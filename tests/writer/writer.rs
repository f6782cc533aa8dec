//! The SummaryWriter end to end: what it writes is read back with the crate's reader and
//! compared value by value. (What the real TensorBoard serves for it is checked by
//! `scripts/tensorboard-compat.sh`.)

use std::path::Path;
use std::time::{Duration, Instant};

use prost::Message;
use tensorboard_writer::reader::{EventReader, read_events, read_scalars};
use tensorboard_writer::{Error, SummaryWriter, proto};

fn summaries(dir: &Path) -> Vec<proto::Event> {
    read_events(dir)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.what, Some(proto::event::What::Summary(_))))
        .collect()
}

#[test]
fn file_starts_with_version_and_writer_name() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("a/b/run")).unwrap(); // directories created
    w.close().unwrap();
    let name = w.path().file_name().unwrap().to_str().unwrap().to_owned();
    let parts: Vec<&str> = name.split('.').collect();
    assert_eq!(&parts[..3], &["events", "out", "tfevents"], "{name}");
    assert_eq!(
        parts[3].len(),
        10,
        "seconds zero-padded to 10 digits: {name}"
    );
    assert!(parts[3].parse::<u64>().is_ok());
    assert_eq!(
        parts[parts.len() - 2],
        std::process::id().to_string(),
        "{name}"
    );
    assert!(
        parts[parts.len() - 1].parse::<u64>().is_ok(),
        "counter: {name}"
    );

    let events = read_events(dir.path().join("a/b/run")).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].what,
        Some(proto::event::What::FileVersion("brain.Event:2".into()))
    );
    assert_eq!(
        events[0].source_metadata.as_ref().unwrap().writer,
        tensorboard_writer::WRITER_NAME
    );
    assert!(events[0].wall_time > 1.6e9);
}

#[test]
fn scalars_round_trip_with_every_step_type_and_special_values() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalar("a", 1.5f32, 1usize).unwrap();
    w.add_scalar("a", 2.5f64, 2u64).unwrap();
    w.add_scalar("a", f32::NAN, 3i64).unwrap();
    w.add_scalar("a", f64::INFINITY, 4u32).unwrap();
    w.add_scalar("a", f32::NEG_INFINITY, 5i32).unwrap();
    w.add_scalar("a", -0.0f32, -6i64).unwrap();
    w.add_scalar("a", 0.1f64, i64::MAX).unwrap(); // 0.1 rounds to the nearest f32
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    let got: Vec<(i64, u64)> = s["a"].iter().map(|p| (p.step, p.value.to_bits())).collect();
    let want: Vec<(i64, u64)> = [
        (1, 1.5f64),
        (2, 2.5),
        (3, f64::from(f32::NAN)),
        (4, f64::INFINITY),
        (5, f64::NEG_INFINITY),
        (-6, -0.0),
        (i64::MAX, f64::from(0.1f32)),
    ]
    .iter()
    .map(|&(s, v)| (s, v.to_bits()))
    .collect();
    assert_eq!(got, want);
    for p in &s["a"] {
        assert!(p.wall_time.is_finite() && p.wall_time > 1.6e9);
    }
}

#[test]
fn explicit_wall_time_is_kept_and_bad_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalar_with_wall_time("t", 1.0f32, 0u32, 1_234.5)
        .unwrap();
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        match w.add_scalar_with_wall_time("t", 1.0f32, 1u32, bad) {
            Err(Error::InvalidWallTime(t)) => assert_eq!(t.to_bits(), bad.to_bits()),
            other => panic!("wall time {bad}: {other:?}"),
        }
        assert!(matches!(
            w.step(1u32).scalar("t", 1.0f32).wall_time(bad).write(),
            Err(Error::InvalidWallTime(_))
        ));
    }
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s["t"].len(), 1, "refused values must not be written");
    assert_eq!(s["t"][0].wall_time, 1_234.5);
}

/// Dense logging reads the time the clock thread keeps (src/clock.rs), sparse logging the
/// kernel's coarse clock: either way each wall time is the clock's, at most a few
/// milliseconds behind it, and it moves with the clock.
#[test]
fn wall_times_follow_the_clock_whether_logging_is_dense_or_sparse() {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let mut probes = Vec::new();
    let mut step = 0u64;
    let mut probe = |w: &SummaryWriter, step: &mut u64| {
        let before = now();
        w.add_scalar("probe", 0.0f32, *step).unwrap();
        probes.push((before, now()));
        *step += 1;
    };
    // 0.4 s dense (batches of 1000 values), then 0.4 s sparse (a value every 5 ms).
    let start = now();
    while now() < start + 0.4 {
        for _ in 0..1000 {
            w.add_scalar("dense", 0.5f32, step).unwrap();
            step += 1;
        }
        probe(&w, &mut step);
    }
    let middle = now();
    while now() < middle + 0.4 {
        std::thread::sleep(Duration::from_millis(5));
        probe(&w, &mut step);
    }
    w.close().unwrap();
    let got = &read_scalars(dir.path()).unwrap()["probe"];
    assert_eq!(got.len(), probes.len());
    for (p, (before, after)) in got.iter().zip(&probes) {
        assert!(
            p.wall_time <= after + 1e-6,
            "{} ahead of the clock ({after})",
            p.wall_time
        );
        // A tick or two behind, with room for a loaded test machine; a clock stuck for the
        // 0.8 s of the test fails.
        assert!(
            p.wall_time >= before - 0.25,
            "{} lags the clock ({before}) by more than 0.25 s",
            p.wall_time
        );
    }
}

#[test]
fn out_of_range_input_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    match w.add_scalar("big", 1e300f64, 0u32) {
        Err(Error::ValueOutOfRange { tag, value, .. }) => {
            assert_eq!(tag, "big");
            assert_eq!(value, 1e300);
        }
        other => panic!("{other:?}"),
    }
    match w.add_scalar("s", 1.0f32, u64::MAX) {
        Err(Error::StepOutOfRange { step }) => assert_eq!(step, u128::from(u64::MAX)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        w.add_scalar("s", 1.0f32, usize::MAX),
        Err(Error::StepOutOfRange { .. })
    ));
    assert!(matches!(
        w.step(u64::MAX).scalar("s", 1.0f32).write(),
        Err(Error::StepOutOfRange { .. })
    ));
    let scoped = w.scope("layer").unwrap();
    match scoped
        .step(0u32)
        .scalar("ok", 1.0f32)
        .scalar("x", -1e300f64)
        .write()
    {
        Err(Error::ValueOutOfRange { tag, .. }) => assert_eq!(tag, "layer/x"),
        other => panic!("{other:?}"),
    }
    w.flush().unwrap();
    assert!(summaries(dir.path()).is_empty());
}

#[test]
fn invalid_tags_and_scopes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    for bad in ["", "/x", "x/", "a//b", "a\nb", "acc(top1)"] {
        assert!(
            matches!(
                w.add_scalar(bad, 1.0f32, 0u32),
                Err(Error::InvalidTag { .. })
            ),
            "{bad:?}"
        );
        assert!(
            matches!(w.scope(bad), Err(Error::InvalidTag { .. })),
            "{bad:?}"
        );
        assert!(matches!(
            w.step(0u32).scalar(bad, 1.0f32).write(),
            Err(Error::InvalidTag { .. })
        ));
    }
    assert!(matches!(
        w.add_scalars("loss", &[("a/b", 1.0f32)], 0u32),
        Err(Error::InvalidTag { .. })
    ));
    assert!(matches!(
        w.add_scalars("loss(x)", &[("a", 1.0f32)], 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.flush().unwrap();
    assert!(summaries(dir.path()).is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no sibling runs created"
    );
}

#[test]
fn scopes_prefix_and_nest() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let conv1 = w.scope("conv1").unwrap();
    let inner = conv1.scope("relu/out").unwrap();
    assert_eq!(inner.scope_name(), "conv1/relu/out");
    assert_eq!(inner.full_tag("mean"), "conv1/relu/out/mean");
    w.add_scalar("top", 1.0f32, 0u32).unwrap();
    conv1.add_scalar("w", 2.0f32, 0u32).unwrap();
    inner.add_scalar("mean", 3.0f32, 0u32).unwrap();
    inner.step(1u32).scalar("max", 4.0f32).write().unwrap();
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    let tags: Vec<&str> = s.keys().map(String::as_str).collect();
    assert_eq!(
        tags,
        [
            "conv1/relu/out/max",
            "conv1/relu/out/mean",
            "conv1/w",
            "top"
        ]
    );
    assert_eq!(s["conv1/relu/out/max"][0].value, 4.0);
}

#[test]
fn merged_step_is_one_event_with_all_values() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.step(7u32)
        .scalar("xent", 0.5f32)
        .scalar("accuracy", 0.75f64)
        .scalar("lr", 1e-3f32)
        .wall_time(99.0)
        .write()
        .unwrap();
    w.step(8u32).write().unwrap(); // empty: writes nothing
    w.flush().unwrap();
    let events = summaries(dir.path());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].step, 7);
    assert_eq!(events[0].wall_time, 99.0);
    let Some(proto::event::What::Summary(s)) = &events[0].what else {
        unreachable!()
    };
    let tags: Vec<&str> = s.value.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(tags, ["xent", "accuracy", "lr"]);
    // The hand-encoded bytes on disk are exactly prost's canonical encoding of the event.
    let file = std::fs::File::open(w.path()).unwrap();
    let mut records = tensorboard_writer::record::RecordReader::new(file);
    records.read_record().unwrap(); // file_version
    let raw = records.read_record().unwrap().unwrap().to_vec();
    assert_eq!(raw, events[0].encode_to_vec());
}

#[test]
fn prepared_values_go_through_the_step_builder() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let v = proto::summary::Value {
        tag: "raw".into(),
        value: Some(proto::summary::value::Value::SimpleValue(3.0)),
        ..Default::default()
    };
    w.step(1u32).value(&v).scalar("x", 1.0f32).write().unwrap();
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s["raw"][0].value, 3.0);
    assert_eq!(s["x"][0].step, 1);
}

#[test]
fn add_scalars_writes_sibling_runs_like_tensorboardx() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let scoped = w.scope("opt").unwrap();
    for step in 0..3u32 {
        w.add_scalars(
            "loss",
            &[("train", step as f32), ("val", 10.0 + step as f32)],
            step,
        )
        .unwrap();
        scoped.add_scalars("lr", &[("g0", 0.1f64)], step).unwrap();
    }
    w.flush().unwrap(); // flushes the sibling writers too
    let train = read_scalars(dir.path().join("loss_train")).unwrap();
    let val = read_scalars(dir.path().join("loss_val")).unwrap();
    let lr = read_scalars(dir.path().join("opt_lr_g0")).unwrap();
    assert_eq!(
        train["loss"].iter().map(|p| p.value).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0]
    );
    assert_eq!(
        val["loss"].iter().map(|p| p.value).collect::<Vec<_>>(),
        [10.0, 11.0, 12.0]
    );
    assert_eq!(lr["opt/lr"].len(), 3);
    // One wall time per call, shared by its series.
    assert_eq!(train["loss"][1].wall_time, val["loss"][1].wall_time);
    // The writer's own run got none of them.
    assert!(read_scalars(dir.path()).unwrap().is_empty());
    w.close().unwrap();
    assert!(matches!(
        w.add_scalars("loss", &[("train", 1.0f32)], 9u32),
        Err(Error::Closed)
    ));
}

#[test]
fn close_refuses_new_data_on_every_clone() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let clone = w.clone();
    let scoped = w.scope("s").unwrap();
    w.add_scalar("x", 1.0f32, 0u32).unwrap();
    clone.close().unwrap();
    assert!(matches!(
        w.add_scalar("x", 1.0f32, 1u32),
        Err(Error::Closed)
    ));
    assert!(matches!(
        scoped.add_scalar("x", 1.0f32, 1u32),
        Err(Error::Closed)
    ));
    assert!(matches!(
        w.step(1u32).scalar("x", 1.0f32).write(),
        Err(Error::Closed)
    ));
    w.flush().unwrap(); // nothing pending: fine
    w.close().unwrap(); // idempotent
    assert_eq!(read_scalars(dir.path()).unwrap()["x"].len(), 1);
}

#[test]
fn dropping_the_last_clone_flushes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let w = SummaryWriter::new(dir.path()).unwrap();
        let c = w.clone();
        std::thread::spawn(move || c.add_scalar("from_thread", 1.0f32, 0u32).unwrap())
            .join()
            .unwrap();
        for i in 0..1000u32 {
            w.add_scalar("x", i as f32, i).unwrap();
        }
    }
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s["x"].len(), 1000);
    assert_eq!(s["from_thread"].len(), 1);
}

#[test]
fn a_panicking_thread_still_gets_its_data_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let result = std::thread::spawn(move || {
        let w = SummaryWriter::new(&path).unwrap();
        w.add_scalar("before_panic", 1.0f32, 0u32).unwrap();
        panic!("training crashed");
    })
    .join();
    assert!(result.is_err());
    assert_eq!(read_scalars(dir.path()).unwrap()["before_panic"].len(), 1);
}

#[test]
fn timer_makes_data_visible_without_flush() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .flush_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    w.add_scalar("x", 1.0f32, 0u32).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if read_scalars(dir.path()).unwrap().contains_key("x") {
            break;
        }
        assert!(Instant::now() < deadline, "data never reached the file");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(w);
}

#[test]
fn threads_through_clones_lose_nothing_and_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    // A small bound so the threads run into back-pressure all the time.
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(2048)
        .build()
        .unwrap();
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let w = w.clone();
            std::thread::spawn(move || {
                let tag = format!("t{t}");
                for i in 0..20_000u32 {
                    w.add_scalar(&tag, i as f32, i).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    w.close().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    for t in 0..4 {
        let steps: Vec<i64> = s[&format!("t{t}")].iter().map(|p| p.step).collect();
        assert_eq!(steps, (0..20_000).collect::<Vec<i64>>(), "thread {t}");
    }
}

#[test]
fn durable_flush_and_suffix() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .durable(true)
        .filename_suffix(".v2")
        .build()
        .unwrap();
    w.add_scalar("x", 1.0f32, 0u32).unwrap();
    w.flush().unwrap();
    assert!(w.path().to_str().unwrap().ends_with(".v2"));
    assert_eq!(read_scalars(dir.path()).unwrap()["x"].len(), 1);
}

#[test]
fn bad_options_fail_before_any_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        SummaryWriter::builder(dir.path()).max_pending_bytes(10),
        SummaryWriter::builder(dir.path()).flush_interval(Duration::ZERO),
        SummaryWriter::builder(dir.path()).filename_suffix("/x"),
        SummaryWriter::builder(dir.path()).filename_suffix("a\nb"),
    ];
    for b in cases {
        assert!(matches!(b.build(), Err(Error::InvalidOption(_))));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn unusable_logdir_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not_a_dir");
    std::fs::write(&file, b"").unwrap();
    match SummaryWriter::new(file.join("run")) {
        Err(Error::Io { action, path, .. }) => {
            assert_eq!(action, "creating directory");
            assert_eq!(path, file.join("run"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_writers_in_one_dir_get_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = SummaryWriter::new(dir.path()).unwrap();
    let b = SummaryWriter::new(dir.path()).unwrap();
    assert_ne!(a.path(), b.path());
    a.add_scalar("a", 1.0f32, 0u32).unwrap();
    b.add_scalar("b", 2.0f32, 0u32).unwrap();
    a.close().unwrap();
    b.close().unwrap();
    assert_eq!(
        tensorboard_writer::reader::event_files(dir.path())
            .unwrap()
            .len(),
        2
    );
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!((s["a"][0].value, s["b"][0].value), (1.0, 2.0));
}

#[test]
fn write_event_takes_raw_events_but_not_nan_wall_times() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let mut e = proto::Event {
        wall_time: 5.0,
        step: 3,
        what: Some(proto::event::What::SessionLog(proto::SessionLog {
            status: proto::session_log::SessionStatus::Start as i32,
            ..Default::default()
        })),
        ..Default::default()
    };
    w.write_event(&e).unwrap();
    e.wall_time = f64::NAN;
    assert!(matches!(w.write_event(&e), Err(Error::InvalidWallTime(_))));
    w.close().unwrap();
    let events: Vec<_> = EventReader::open(w.path())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].step, 3);
}

#[test]
fn a_scalar_event_takes_44_bytes_on_disk() {
    // 16 bytes of record framing + wall time (9) + step (4 for steps 16384..2^21) + summary
    // (2) + value (2) + tag "loss" (6) + simple_value (5). BENCHMARKS.md quotes this number.
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.flush().unwrap();
    let header = std::fs::metadata(w.path()).unwrap().len();
    for step in 100_000..110_000u32 {
        w.add_scalar("loss", 0.5f32, step).unwrap();
    }
    w.close().unwrap();
    let per_event = (std::fs::metadata(w.path()).unwrap().len() - header) as f64 / 10_000.0;
    assert_eq!(per_event, 44.0);
}

#[test]
fn add_scalar_bytes_are_canonical_for_short_and_long_tags() {
    // Short tags take the stack-encoded path, long ones the in-buffer path; both must give
    // prost's canonical encoding of the event they stand for.
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let long = "x".repeat(200);
    let scoped = w.scope("scope").unwrap();
    w.add_scalar("loss", 0.5f32, 3u32).unwrap();
    w.add_scalar(&long, -2.0f32, -7i64).unwrap();
    scoped.add_scalar(&long, f32::NAN, 0u32).unwrap();
    w.close().unwrap();
    let mut records =
        tensorboard_writer::record::RecordReader::new(std::fs::File::open(w.path()).unwrap());
    records.read_record().unwrap(); // file_version
    let mut tags = Vec::new();
    while let Some(raw) = records.read_record().unwrap() {
        let raw = raw.to_vec();
        let event = proto::Event::decode(&raw[..]).unwrap();
        assert_eq!(raw, event.encode_to_vec());
        let Some(proto::event::What::Summary(s)) = event.what else {
            panic!("not a summary")
        };
        tags.push(s.value[0].tag.clone());
    }
    assert_eq!(
        tags,
        ["loss".to_owned(), long.clone(), format!("scope/{long}")]
    );
}

/// Logs through its writer when dropped: as a thread's thread-local destructor, it runs
/// while the writer's own per-thread tag caches are being torn down.
struct LogOnDrop(Option<SummaryWriter>);

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        if let Some(w) = self.0.take() {
            for step in 0..3u32 {
                w.add_scalar("teardown/seen", 0.5f32, step).unwrap();
                w.add_scalar("teardown/new", 1.5f32, step).unwrap();
            }
        }
    }
}

std::thread_local! {
    static LOG_ON_DROP: std::cell::RefCell<LogOnDrop> =
        const { std::cell::RefCell::new(LogOnDrop(None)) };
}

#[test]
fn logging_from_a_thread_local_destructor_keeps_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // Both orders: the guard's destructor registered after the writer's caches (it runs
    // while they still exist) and before them (it runs after they are gone).
    for guard_first in [false, true] {
        let w2 = w.clone();
        std::thread::spawn(move || {
            if guard_first {
                LOG_ON_DROP.with(|g| g.borrow_mut().0 = Some(w2.clone()));
            }
            w2.add_scalar("teardown/seen", 0.0f32, 100u32).unwrap();
            if !guard_first {
                LOG_ON_DROP.with(|g| g.borrow_mut().0 = Some(w2));
            }
        })
        .join()
        .unwrap();
    }
    w.close().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s["teardown/seen"].len(), 8);
    assert_eq!(s["teardown/new"].len(), 6);
    let steps: Vec<i64> = s["teardown/new"].iter().map(|p| p.step).collect();
    assert_eq!(steps, [0, 1, 2, 0, 1, 2]);
}
