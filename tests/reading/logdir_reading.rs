//! The typed readers on the crate's own logs: every kind read back, restarts (the data
//! server's preemption), a growing file, truncated and corrupted copies, filters.

use std::path::Path;

use tensorboard_writer::reader::{Data, HParamValue, HParamsRecord, Kind, Logdir, RunReader};
use tensorboard_writer::summary::hparams::{HParamValue as HParamIn, SessionStatus};
use tensorboard_writer::summary::image::ImageLayout;
use tensorboard_writer::{Error, SummaryWriter};

fn event_file(run: &Path) -> std::path::PathBuf {
    let files = tensorboard_writer::reader::event_files(run).unwrap();
    assert_eq!(files.len(), 1);
    files[0].clone()
}

#[test]
fn every_kind_the_crate_writes_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("run")).unwrap();
    for step in 0..3u32 {
        w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)
            .unwrap();
    }
    w.add_histogram("weights", &[1.0f32, 2.0, 2.0, 3.0], 1u32)
        .unwrap();
    let pixels: Vec<u8> = (0..2 * 3 * 3).map(|i| (i * 10) as u8).collect();
    w.add_image("img", &pixels, ImageLayout::Hwc(2, 3, 3), 2u32)
        .unwrap();
    w.add_audio("clip", &[0.0f32, 0.5, -0.5, 0.25], 8000, 3u32)
        .unwrap();
    w.add_text("note", "hello", 4u32).unwrap();
    w.add_pr_curve("pr", &[true, false, true], &[0.9, 0.2, 0.6], 5u32)
        .unwrap();
    w.add_hparams([("lr", HParamIn::from(0.5))], &[("acc", 0.75f32)], 6u32)
        .unwrap();
    w.close().unwrap();

    let runs = Logdir::new(dir.path()).runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].name, "run");
    let s = runs[0].reader().unwrap().read_all().unwrap();

    let loss: Vec<_> = s["loss"].iter().map(|p| (p.step, p.data.clone())).collect();
    let want: Vec<_> = (0..3)
        .map(|i| (i, Data::Scalar(f64::from(1.0 / (1.0 + i as f32)))))
        .collect();
    assert_eq!(loss, want);

    let Data::Histogram(h) = &s["weights"][0].data else {
        panic!("not a histogram: {:?}", s["weights"]);
    };
    assert_eq!(h.total_count(), 4.0);
    assert_eq!(h.buckets.first().unwrap().left, 1.0);
    assert_eq!(h.buckets.last().unwrap().right, 3.0);
    assert!(h.legacy.is_none());

    let Data::Images(images) = &s["img"][0].data else {
        panic!("not an image");
    };
    assert_eq!((images[0].width, images[0].height), (3, 2));
    assert_eq!(&images[0].encoded[1..4], b"PNG");

    let Data::Audio(clips) = &s["clip"][0].data else {
        panic!("not audio");
    };
    assert_eq!(&clips[0].encoded[..4], b"RIFF");
    assert_eq!(clips[0].encoded.len(), 44 + 4 * 2);

    let Data::Text(t) = &s["note"][0].data else {
        panic!("not text");
    };
    assert_eq!(t.strings, ["hello"]);
    assert!(t.shape.is_empty());

    let Data::PrCurve(pr) = &s["pr"][0].data else {
        panic!("not a PR curve");
    };
    assert_eq!(pr.true_positives[0], 2.0);
    assert_eq!(pr.false_positives[0], 1.0);

    let start = s["_hparams_/session_start_info"][0].data.clone();
    let Data::HParams(start) = start else {
        panic!("not hparams");
    };
    let HParamsRecord::SessionStart { hparams, .. } = *start else {
        panic!("not a session start");
    };
    assert_eq!(hparams["lr"], HParamValue::Number(0.5));
    let Data::HParams(end) = &s["_hparams_/session_end_info"][0].data else {
        panic!("not hparams");
    };
    assert!(matches!(
        **end,
        HParamsRecord::SessionEnd {
            status: SessionStatus::Success,
            ..
        }
    ));
    assert_eq!(s["acc"][0].data, Data::Scalar(0.75));
    assert_eq!(s["acc"][0].step, 6);
}

/// A restarted run: the later file's points replace the earlier file's from their step on,
/// as TensorBoard's data server shows it; a tag the restart never logs again is kept.
#[test]
fn a_step_going_back_replaces_the_later_points() {
    let dir = tempfile::tempdir().unwrap();
    let first = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..6u32 {
        first.add_scalar("loss", step as f32, step).unwrap();
        first.add_scalar("other", 1.0f32, step).unwrap();
    }
    first.close().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a later file name
    let second = SummaryWriter::new(dir.path()).unwrap();
    for step in 3..5u32 {
        second
            .add_scalar("loss", 100.0 + step as f32, step)
            .unwrap();
    }
    second.close().unwrap();

    let s = RunReader::open(dir.path()).unwrap().read_all().unwrap();
    let loss: Vec<_> = s["loss"].iter().map(|p| (p.step, p.data.clone())).collect();
    let want: Vec<_> = [(0, 0.0), (1, 1.0), (2, 2.0), (3, 103.0), (4, 104.0)]
        .into_iter()
        .map(|(s, v)| (s, Data::Scalar(v)))
        .collect();
    assert_eq!(loss, want);
    assert_eq!(s["other"].len(), 6);
}

/// A file cut inside its last record reads up to it, and reads on once it has grown.
#[test]
fn a_truncated_tail_waits_and_a_growing_file_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("src")).unwrap();
    for step in 0..10u32 {
        w.add_scalar("loss", step as f32, step).unwrap();
    }
    w.close().unwrap();
    let bytes = std::fs::read(event_file(&dir.path().join("src"))).unwrap();
    let run = dir.path().join("live");
    std::fs::create_dir(&run).unwrap();
    let path = run.join("events.out.tfevents.1.host");
    let cut = bytes.len() - 7;
    std::fs::write(&path, &bytes[..cut]).unwrap();

    let mut reader = RunReader::open(&run).unwrap();
    let mut steps = Vec::new();
    reader.read_new(|_, s| steps.push(s.step)).unwrap();
    assert_eq!(steps, (0..9).collect::<Vec<_>>());
    reader.read_new(|_, s| steps.push(s.step)).unwrap();
    assert_eq!(steps.len(), 9, "nothing new while the record is incomplete");

    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(&bytes[cut..]).unwrap();
    reader.read_new(|_, s| steps.push(s.step)).unwrap();
    assert_eq!(steps, (0..10).collect::<Vec<_>>());
}

/// A damaged file is reported once, with its path and the record's offset; the run's other
/// files are still read.
#[test]
fn a_corrupted_file_is_reported_and_the_others_read_on() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("src")).unwrap();
    for step in 0..10u32 {
        w.add_scalar("loss", step as f32, step).unwrap();
    }
    w.close().unwrap();
    let mut bytes = std::fs::read(event_file(&dir.path().join("src"))).unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    // The last record's payload: flip a bit in its value.
    let n = bytes.len();
    bytes[n - 6] ^= 0x01;
    std::fs::write(run.join("events.out.tfevents.1.a"), &bytes).unwrap();
    let good = std::fs::read(event_file(&dir.path().join("src"))).unwrap();
    std::fs::write(run.join("events.out.tfevents.2.b"), &good).unwrap();

    let mut reader = RunReader::open(&run).unwrap();
    let mut count = 0;
    match reader.read_new(|_, _| count += 1) {
        Err(Error::CorruptRecord { path, offset, .. }) => {
            assert!(path.ends_with("events.out.tfevents.1.a"));
            assert!(offset > 0 && offset < n as u64);
        }
        other => panic!("expected CorruptRecord, got {other:?}"),
    }
    assert_eq!(count, 9, "the records before the damage");
    reader.read_new(|_, _| count += 1).unwrap();
    assert_eq!(count, 19, "the other file, read on by the next call");
    reader.read_new(|_, _| count += 1).unwrap();
    assert_eq!(count, 19, "the damage is reported once");
}

#[test]
fn a_filter_decodes_only_what_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalar("loss", 1.0f32, 0u32).unwrap();
    w.add_scalar("lr", 0.1f32, 0u32).unwrap();
    w.add_text("note", "x", 0u32).unwrap();
    w.close().unwrap();
    let mut asked = Vec::new();
    let s = RunReader::open(dir.path())
        .unwrap()
        .with_filter(|tag, kind| tag != "lr" && kind == Kind::Scalars)
        .read_all()
        .unwrap();
    asked.extend(s.keys().cloned());
    assert_eq!(asked, ["loss"]);
}

#[test]
fn nested_runs_and_the_root_are_runs() {
    let dir = tempfile::tempdir().unwrap();
    for run in ["", "a", "a/b"] {
        let w = SummaryWriter::new(dir.path().join(run)).unwrap();
        w.add_scalar("x", 1.0f32, 0u32).unwrap();
        w.close().unwrap();
    }
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let names: Vec<_> = Logdir::new(dir.path())
        .runs()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, [".", "a", "a/b"]);
    assert!(matches!(
        Logdir::new(dir.path().join("missing")).runs(),
        Err(Error::ReadFailed { .. })
    ));
}

/// `scan_new` sees the same points as `read_new`, without decoding them.
#[test]
fn scan_new_sees_what_read_new_reads() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..5u32 {
        w.add_scalar("loss", 1.0f32, step).unwrap();
        w.add_histogram("w", &[1.0f32, 2.0], step).unwrap();
        w.add_text("note", "x", step).unwrap();
    }
    w.close().unwrap();
    let mut read = Vec::new();
    RunReader::open(dir.path())
        .unwrap()
        .read_new(|tag, s| read.push((tag.to_string(), s.data.kind(), s.step)))
        .unwrap();
    let mut scanned = Vec::new();
    RunReader::open(dir.path())
        .unwrap()
        .scan_new(|tag, kind, step| scanned.push((tag.to_string(), kind, step)))
        .unwrap();
    assert_eq!(read.len(), 15);
    assert_eq!(scanned, read);
}

/// A value whose tensor does not have its plugin's form is an error naming the file, the
/// record and the tag, and the event's other values are still read. A huge shape with one
/// value (TensorFlow's compact form) is not expanded without bound.
#[test]
fn a_malformed_value_is_an_error_and_its_neighbours_are_read() {
    use tensorboard_writer::proto::{
        self, summary::value::Value as V, summary_metadata::PluginData, tensor_shape_proto::Dim,
    };
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let bad = proto::summary::Value {
        tag: "bad".into(),
        metadata: Some(proto::SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "histograms".into(),
                content: Vec::new(),
            }),
            data_class: proto::DataClass::Tensor as i32,
            ..Default::default()
        }),
        value: Some(V::Tensor(proto::TensorProto {
            dtype: proto::DataType::DtDouble as i32,
            tensor_shape: Some(proto::TensorShapeProto {
                dim: [1i64 << 40, 3]
                    .iter()
                    .map(|&size| Dim {
                        size,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            double_val: vec![1.0],
            ..Default::default()
        })),
        ..Default::default()
    };
    w.step(3u32)
        .value(&bad)
        .scalar("good", 0.5f32)
        .write()
        .unwrap();
    w.add_scalar("after", 1.0f32, 4u32).unwrap();
    w.close().unwrap();

    let mut reader = RunReader::open(dir.path()).unwrap();
    let mut tags = Vec::new();
    match reader.read_new(|tag, _| tags.push(tag.to_string())) {
        Err(Error::InvalidSummary { tag, offset, .. }) => {
            assert_eq!(tag, "bad");
            assert!(offset > 0);
        }
        other => panic!("expected InvalidSummary, got {other:?}"),
    }
    assert_eq!(tags, ["good"], "the event's other value");
    reader
        .read_new(|tag, _| tags.push(tag.to_string()))
        .unwrap();
    assert_eq!(tags, ["good", "after"], "reading goes on after the record");
}
