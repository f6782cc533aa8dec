//! Every row of the bad-input table (`tensorboard_writer::bad_input`): each test feeds one
//! kind of bad input to the calls that can get it and checks the documented outcome — a
//! precise error, or data written exactly as documented — and that the writer stays usable.

use crate::common;

use tensorboard_writer::projector::{Embedding, Metadata};
use tensorboard_writer::reader::{read_events, read_scalars};
use tensorboard_writer::summary::image::{BatchLayout, ImageLayout};
use tensorboard_writer::summary::video::VideoLayout;
use tensorboard_writer::{Error, SummaryWriter};

fn writer() -> (tempfile::TempDir, SummaryWriter) {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    (dir, w)
}

/// After a refused call the writer still works, and nothing of the refused call was written.
fn still_usable(dir: &tempfile::TempDir, w: &SummaryWriter) {
    w.add_scalar("after", 1.0f32, 7u32).unwrap();
    w.flush().unwrap();
    let tags: Vec<String> = common::values(dir.path())
        .into_iter()
        .map(|(_, v)| v.tag)
        .collect();
    assert_eq!(tags, ["after"], "only the good call was written");
}

fn invalid_tag(r: tensorboard_writer::Result<()>) {
    assert!(matches!(r, Err(Error::InvalidTag { .. })), "{r:?}");
}

fn invalid_input(r: tensorboard_writer::Result<()>, needle: &str) {
    match r {
        Err(Error::InvalidInput { reason, what }) => assert!(
            reason.contains(needle) || what.contains(needle),
            "{what}: {reason} (expected to mention {needle:?})"
        ),
        other => panic!("expected InvalidInput mentioning {needle:?}, got {other:?}"),
    }
}

#[test]
fn tags_empty_or_malformed_are_refused_by_every_call() {
    let (dir, w) = writer();
    // Every regex metacharacter the tag rules refuse, each in a tag of its own.
    let regex: Vec<String> = r"\^$|?*+()[]{}".chars().map(|c| format!("a{c}b")).collect();
    let mut tags = vec![
        "",
        "/loss",
        "loss/",
        "a//b",
        "loss\n",
        "tab\there",
        "del\u{7f}",
    ];
    tags.extend(regex.iter().map(String::as_str));
    for tag in tags {
        invalid_tag(w.add_scalar(tag, 1.0f32, 0u32));
        invalid_tag(w.add_histogram(tag, &[1.0f32, 2.0], 0u32));
        invalid_tag(w.add_image(tag, &[0u8; 4], ImageLayout::Hw(2, 2), 0u32));
        invalid_tag(w.add_text(tag, "t", 0u32));
        invalid_tag(w.add_audio(tag, &[0.0; 8], 8000, 0u32));
        invalid_tag(w.step(0u32).scalar(tag, 1.0f32).write());
        assert!(
            matches!(w.scope(tag), Err(Error::InvalidTag { .. })),
            "{tag:?}"
        );
        let e = Embedding::new(tag, &[0.0f32; 4], [2, 2]);
        assert!(
            matches!(w.add_embedding(&e, 0u32), Err(Error::InvalidTag { .. })),
            "{tag:?}"
        );
    }
    still_usable(&dir, &w);
}

#[test]
fn tags_unusual_but_valid_are_kept_exactly() {
    let (dir, w) = writer();
    let long = "x".repeat(10_000);
    let tags = [
        "损失/训练",
        "loss @ train",
        "a.b-c_d:e@f=g,h",
        long.as_str(),
    ];
    for (i, tag) in tags.iter().enumerate() {
        w.add_scalar(tag, i as f32, 0u32).unwrap();
    }
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    for (i, tag) in tags.iter().enumerate() {
        assert_eq!(s[*tag][0].value, i as f64, "{tag}");
    }
    assert_eq!(
        tensorboard_writer::tag::sanitize_tag("/acc (top-1)//val/"),
        "acc _top-1_/val"
    );
}

#[test]
fn scalars_nan_and_infinities_are_logged_as_they_are() {
    let (dir, w) = writer();
    w.add_scalar("nan", f32::NAN, 0u32).unwrap();
    w.add_scalar("inf", f64::INFINITY, 0u32).unwrap();
    w.add_scalar("ninf", f32::NEG_INFINITY, 0u32).unwrap();
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    assert!(s["nan"][0].value.is_nan());
    assert_eq!(s["inf"][0].value, f64::INFINITY);
    assert_eq!(s["ninf"][0].value, f64::NEG_INFINITY);
}

#[test]
fn scalars_finite_f64_beyond_f32_is_refused() {
    let (dir, w) = writer();
    for v in [1e300, -1e39] {
        let r = w.add_scalar("big", v, 0u32);
        assert!(
            matches!(r, Err(Error::ValueOutOfRange { value, .. }) if value == v),
            "{r:?}"
        );
    }
    still_usable(&dir, &w);
}

#[test]
fn histogram_of_an_empty_slice_is_an_empty_histogram() {
    let (dir, w) = writer();
    w.add_histogram("empty", &[] as &[f32], 0u32).unwrap();
    w.flush().unwrap();
    let vals = common::values(dir.path());
    let t = common::tensor(&vals[0].1);
    assert_eq!(common::dims(t), [0, 3], "no buckets");
}

#[test]
fn histogram_nan_and_infinities_are_left_out_of_the_buckets() {
    let (dir, w) = writer();
    let values = [1.0f32, f32::NAN, 2.0, f32::INFINITY, f32::NEG_INFINITY];
    w.add_histogram("h", &values, 0u32).unwrap();
    let h = tensorboard_writer::summary::histogram::Histogram::from_values(&values);
    assert_eq!((h.num(), h.nan_count()), (2, 1));
    assert_eq!((h.pos_inf_count(), h.neg_inf_count()), (1, 1));
    w.flush().unwrap();
    let vals = common::values(dir.path());
    let t = common::tensor(&vals[0].1);
    let rows: Vec<f64> = t
        .tensor_content
        .chunks(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let counted: f64 = rows.chunks(3).map(|r| r[2]).sum();
    assert_eq!(counted, 2.0, "only the finite values are in the buckets");
    assert!(rows.iter().all(|x| x.is_finite()), "{rows:?}");
}

#[test]
fn images_shape_that_does_not_match_the_data_is_refused() {
    let (dir, w) = writer();
    invalid_input(
        w.add_image("img", &[0u8; 5], ImageLayout::Hw(2, 2), 0u32),
        "",
    );
    invalid_input(
        w.add_image("img", &[0u8; 12], ImageLayout::Hwc(2, 2, 4), 0u32),
        "",
    );
    invalid_input(
        w.add_images("imgs", &[0u8; 10], BatchLayout::Nhwc(2, 2, 2, 1), 0u32),
        "",
    );
    still_usable(&dir, &w);
}

#[test]
fn images_channel_counts_other_than_1_3_4_are_refused() {
    let (dir, w) = writer();
    for c in [0usize, 2, 5] {
        let data = vec![0u8; 4 * c];
        let needle = if c == 0 { "zero-sized" } else { "channel" };
        invalid_input(
            w.add_image("img", &data, ImageLayout::Hwc(2, 2, c), 0u32),
            needle,
        );
        invalid_input(
            w.add_image("img", &data, ImageLayout::Chw(c, 2, 2), 0u32),
            needle,
        );
    }
    still_usable(&dir, &w);
}

#[test]
fn images_empty_or_beyond_png_limits_are_refused_without_allocating() {
    let (dir, w) = writer();
    invalid_input(
        w.add_image("img", &[] as &[u8], ImageLayout::Hw(0, 0), 0u32),
        "",
    );
    invalid_input(
        w.add_images("imgs", &[] as &[u8], BatchLayout::Nchw(0, 1, 2, 2), 0u32),
        "",
    );
    // Sides whose product overflows, and sides beyond a PNG's 2^31-1: errors, not aborts.
    invalid_input(
        w.add_image("img", &[0u8; 4], ImageLayout::Hw(usize::MAX, 2), 0u32),
        "",
    );
    invalid_input(
        w.add_image("img", &[0u8; 4], ImageLayout::Hw(1, 1 << 31), 0u32),
        "",
    );
    still_usable(&dir, &w);
}

#[test]
fn images_float_values_outside_0_1_or_nan_are_refused() {
    let (dir, w) = writer();
    for bad in [-0.5f32, 1.5, f32::NAN, f32::INFINITY] {
        invalid_input(
            w.add_image("img", &[0.0, 0.5, bad, 1.0], ImageLayout::Hw(2, 2), 0u32),
            "[0, 1]",
        );
    }
    still_usable(&dir, &w);
}

#[test]
fn audio_bad_shapes_rates_and_nan_are_refused_samples_are_clipped() {
    let (dir, w) = writer();
    invalid_input(w.add_audio_channels("a", &[0.0; 5], 2, 8000, 0u32), "");
    invalid_input(
        w.add_audio_channels("a", &[0.0; 4], 0, 8000, 0u32),
        "channel",
    );
    invalid_input(w.add_audio("a", &[0.0; 4], 0, 0u32), "rate");
    invalid_input(w.add_audio("a", &[], 8000, 0u32), "");
    invalid_input(w.add_audio("a", &[0.0, f32::NAN], 8000, 0u32), "NaN");
    still_usable(&dir, &w);

    let (dir, w) = writer();
    w.add_audio("a", &[2.0, -2.0, f32::INFINITY], 8000, 0u32)
        .unwrap();
    w.flush().unwrap();
    let vals = common::values(dir.path());
    let wav = &common::tensor(&vals[0].1).string_val[0];
    let pcm: Vec<i16> = wav[44..]
        .chunks(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(pcm, [i16::MAX, i16::MIN, i16::MAX], "clipped to [-1, 1]");
}

#[test]
fn pr_curves_mismatched_lengths_and_bad_predictions_are_refused() {
    let (dir, w) = writer();
    invalid_input(w.add_pr_curve("pr", &[true, false], &[0.5], 0u32), "");
    invalid_input(w.add_pr_curve("pr", &[true], &[1.5], 0u32), "");
    invalid_input(w.add_pr_curve("pr", &[true], &[f32::NAN], 0u32), "");
    still_usable(&dir, &w);
}

#[test]
fn video_bad_fps_and_shapes_are_refused() {
    let (dir, w) = writer();
    let frames = [0u8; 2 * 2 * 2 * 3];
    for fps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        invalid_input(
            w.add_video("v", &frames, VideoLayout::Thwc(2, 2, 2, 3), fps, 0u32),
            "",
        );
    }
    invalid_input(
        w.add_video("v", &frames[1..], VideoLayout::Thwc(2, 2, 2, 3), 4.0, 0u32),
        "",
    );
    still_usable(&dir, &w);
}

#[test]
fn mesh_mismatched_colors_and_out_of_range_faces_are_refused() {
    let (dir, w) = writer();
    let v = [[0.0f32; 3]; 3];
    invalid_input(
        w.add_mesh("m", &v, Some(&[[0, 1, 3]]), None, None, 0u32),
        "",
    );
    invalid_input(
        w.add_mesh("m", &v, None, Some(&[[0u8; 3]; 2]), None, 0u32),
        "",
    );
    invalid_input(w.add_mesh("m", &[], None, None, None, 0u32), "");
    still_usable(&dir, &w);
}

#[test]
fn embeddings_mismatched_n_and_shapes_are_refused_before_any_file_is_written() {
    let (dir, w) = writer();
    let m = [0.5f32; 6];
    let check = |e: Embedding<'_>, needle: &str| {
        invalid_input(w.add_embedding(&e, 0u32).map(|_| ()), needle);
    };
    check(Embedding::new("e", &m, [4, 2]), "");
    check(Embedding::new("e", &m, [0, 6]), "");
    check(Embedding::new("e", &m, [6, 0]), "");
    check(Embedding::new("e", &m, [usize::MAX, 2]), "");
    let labels = Metadata::labels(["a", "b"]);
    check(Embedding::new("e", &m, [3, 2]).metadata(&labels), "");
    let thumbs = [0u8; 2 * 4];
    check(
        Embedding::new("e", &m, [3, 2]).images(&thumbs, BatchLayout::Nhwc(2, 2, 2, 1)),
        "",
    );
    still_usable(&dir, &w);
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains("tfevents"))
        .collect();
    assert!(entries.is_empty(), "no projector files: {entries:?}");
}

#[test]
fn embeddings_sprites_too_large_are_scaled_to_the_projector_limit() {
    let (dir, w) = writer();
    // 4 thumbnails of 2x4100 in a 2x2 grid would make an 8200-pixel-wide sprite: the
    // thumbnails are scaled down so that it fits in 8192.
    let (n, h, w_) = (4usize, 2usize, 4100usize);
    let m = vec![0.25f32; n * 2];
    let thumbs = vec![7u8; n * h * w_];
    let e = Embedding::new("e", &m, [n, 2]).images(&thumbs, BatchLayout::Nhwc(n, h, w_, 1));
    let files = w.add_embedding(&e, 0u32).unwrap();
    let sprite = files.sprite.expect("a sprite");
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(sprite).unwrap(),
    ));
    let info = decoder.read_info().unwrap();
    let (sw, sh) = (info.info().width, info.info().height);
    assert!(sw <= 8192 && sh <= 8192, "{sw}x{sh}");
    assert!(
        sw >= 8100,
        "scaled to nearly the limit, not further: {sw}x{sh}"
    );
    drop(dir);
}

#[test]
fn steps_negative_are_logged_beyond_i64_refused() {
    let (dir, w) = writer();
    w.add_scalar("s", 1.0f32, -5i64).unwrap();
    let r = w.add_scalar("s", 1.0f32, u64::MAX);
    assert!(matches!(r, Err(Error::StepOutOfRange { step }) if step == u64::MAX as u128));
    let r = w.add_scalar("s", 1.0f32, i64::MAX as u64 + 1);
    assert!(matches!(r, Err(Error::StepOutOfRange { .. })), "{r:?}");
    w.flush().unwrap();
    let s = read_scalars(dir.path()).unwrap();
    assert_eq!(s["s"].len(), 1);
    assert_eq!(s["s"][0].step, -5);
}

#[test]
fn steps_decreasing_are_written_in_call_order() {
    let (dir, w) = writer();
    for step in [10u32, 20, 5, 20] {
        w.add_scalar("s", step as f32, step).unwrap();
    }
    w.flush().unwrap();
    let steps: Vec<i64> = read_scalars(dir.path()).unwrap()["s"]
        .iter()
        .map(|p| p.step)
        .collect();
    assert_eq!(steps, [10, 20, 5, 20]);
}

#[test]
fn wall_times_nan_infinite_or_negative_are_refused() {
    let (dir, w) = writer();
    for t in [f64::NAN, f64::INFINITY, -1.0] {
        let r = w.add_scalar_with_wall_time("s", 1.0f32, 0u32, t);
        assert!(matches!(r, Err(Error::InvalidWallTime(_))), "{t}: {r:?}");
        let r = w.step(0u32).scalar("s", 1.0f32).wall_time(t).write();
        assert!(matches!(r, Err(Error::InvalidWallTime(_))), "{t}: {r:?}");
    }
    still_usable(&dir, &w);
}

#[test]
fn text_empty_is_logged_and_ragged_tables_are_refused() {
    let (dir, w) = writer();
    let r = w.add_text_table("t", &[vec!["a", "b"], vec!["c"]], 0u32);
    invalid_input(r, "");
    w.add_text("empty", "", 0u32).unwrap();
    w.flush().unwrap();
    let vals = common::values(dir.path());
    assert_eq!(vals.len(), 1);
    assert_eq!(vals[0].1.tag, "empty");
}

#[test]
fn huge_values_larger_than_max_pending_are_written_not_deadlocked() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(1 << 20)
        .build()
        .unwrap();
    // A 4 MiB text value: four times the pending bound, in one record.
    let big = "x".repeat(4 << 20);
    w.add_text("big", &big, 0u32).unwrap();
    w.add_scalar("after", 1.0f32, 1u32).unwrap();
    w.close().unwrap();
    let events = read_events(dir.path()).unwrap();
    assert_eq!(events.len(), 3, "file version, big text, scalar");
}
