//! `legacy_summaries(true)`: histograms, images, video and audio in the older summary forms
//! (`histo`, `image`, `audio`), read back from disk and compared with the same calls written
//! in the tensor forms by a default writer.

use std::collections::BTreeMap;
use std::path::Path;

use tensorboard_writer::SummaryWriter;
use tensorboard_writer::proto::summary::Value;
use tensorboard_writer::proto::summary::value::Value as V;
use tensorboard_writer::summary::image::{BatchLayout, ImageLayout, encode_png};
use tensorboard_writer::summary::video::VideoLayout;

use crate::common::{dims, tensor, values};

/// The same calls, through `w`: every path that writes a histogram, an image or a clip.
fn log_everything(w: &SummaryWriter) {
    let v: Vec<f32> = (0..1000)
        .map(|i| ((i * 37) % 101) as f32 / 10.0 - 5.0)
        .collect();
    w.add_histogram("h/f32", &v, 3u32).unwrap();
    w.add_histogram("h/one_value", &[2.5f64; 4], 3u32).unwrap();
    w.add_histogram("h/empty", &[f32::NAN], 3u32).unwrap();
    w.add_histogram_raw(
        "h/raw",
        0.5,
        2.0,
        4.0,
        5.7,
        9.39,
        &[0.0, 1.0, 2.0, 3.0, 4.0],
        &[0.0, 1.0, 2.0, 1.0, 0.0],
        4u32,
    )
    .unwrap();
    let rgb: Vec<u8> = (0..5 * 7 * 3).map(|i| (i * 3) as u8).collect();
    w.add_image("i/rgb", &rgb, ImageLayout::Hwc(5, 7, 3), 1u32)
        .unwrap();
    w.add_image("i/grey", &[0.25f32; 6], ImageLayout::Hw(2, 3), 1u32)
        .unwrap();
    w.add_images(
        "i/grid",
        &[9u8; 3 * 4 * 4 * 4],
        BatchLayout::Nhwc(3, 4, 4, 4),
        2u32,
    )
    .unwrap();
    let png = encode_png(&[1u8, 2, 3, 4], ImageLayout::Hw(2, 2)).unwrap();
    w.add_image_encoded("i/encoded", &png, 2u32).unwrap();
    w.add_video(
        "i/video",
        &[100u8; 2 * 3 * 4 * 3],
        VideoLayout::Thwc(2, 3, 4, 3),
        4.0,
        5u32,
    )
    .unwrap();
    let stereo: Vec<f32> = (0..200).map(|i| (i as f32 / 50.0).sin()).collect();
    w.add_audio_channels("a/stereo", &stereo, 2, 22_050, 6u32)
        .unwrap();
    // A merged step, scoped, with a scalar beside them.
    w.scope("eval")
        .unwrap()
        .step(7u32)
        .histogram("h", &[1.0f32, 2.0])
        .audio("a", &[0.5; 10], 8000)
        .scalar("loss", 0.5f32)
        .write()
        .unwrap();
}

fn by_tag(dir: &Path) -> BTreeMap<String, (i64, Value)> {
    values(dir)
        .into_iter()
        .map(|(step, v)| (v.tag.clone(), (step, v)))
        .collect()
}

#[test]
fn legacy_summaries_write_the_older_forms_of_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let (t_dir, l_dir) = (dir.path().join("tensor"), dir.path().join("legacy"));
    let t = SummaryWriter::new(&t_dir).unwrap();
    let l = SummaryWriter::builder(&l_dir)
        .legacy_summaries(true)
        .build()
        .unwrap();
    log_everything(&t);
    log_everything(&l);
    t.close().unwrap();
    l.close().unwrap();

    let (tensor_form, legacy_form) = (by_tag(&t_dir), by_tag(&l_dir));
    assert_eq!(
        tensor_form.keys().collect::<Vec<_>>(),
        legacy_form.keys().collect::<Vec<_>>()
    );
    for (tag, (step, lv)) in &legacy_form {
        let (t_step, tv) = &tensor_form[tag];
        assert_eq!(step, t_step, "{tag}");
        if tag == "eval/loss" {
            assert_eq!(lv, tv);
            continue;
        }
        // No metadata, as torch and tensorboardX write them: TensorBoard infers the plugin.
        assert!(lv.metadata.is_none(), "{tag}");
        let t = tensor(tv);
        match lv.value.as_ref().unwrap() {
            V::Histo(h) => {
                // The tensor form's rows, `(left, right, count)`.
                let doubles: Vec<f64> = t
                    .tensor_content
                    .chunks(8)
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                let rows: Vec<&[f64]> = doubles.chunks(3).collect();
                assert_eq!(dims(t), [rows.len() as i64, 3], "{tag}");
                assert_eq!(
                    h.bucket_limit,
                    rows.iter().map(|r| r[1]).collect::<Vec<_>>()
                );
                assert_eq!(h.bucket, rows.iter().map(|r| r[2]).collect::<Vec<_>>());
                if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
                    assert_eq!((h.min, h.max), (first[0], last[1]), "{tag}");
                    // TensorBoard takes the left edges from min and the previous limit.
                    for (i, r) in rows.iter().enumerate().skip(1) {
                        assert_eq!(r[0], h.bucket_limit[i - 1], "{tag} row {i}");
                    }
                } else {
                    assert_eq!((h.min, h.max, h.num), (0.0, 0.0, 0.0), "{tag}");
                }
                assert_eq!(h.num, rows.iter().map(|r| r[2]).sum::<f64>(), "{tag}");
            }
            V::Image(i) => {
                let [w, h, bytes] = &t.string_val[..] else {
                    panic!("{tag}: {t:?}")
                };
                assert_eq!(i.width.to_string().as_bytes(), w.as_slice(), "{tag}");
                assert_eq!(i.height.to_string().as_bytes(), h.as_slice(), "{tag}");
                assert_eq!(&i.encoded_image_string, bytes, "{tag}");
            }
            V::Audio(a) => {
                assert_eq!(
                    t.string_val,
                    std::slice::from_ref(&a.encoded_audio_string),
                    "{tag}"
                );
                assert_eq!(a.content_type, "audio/wav");
            }
            other => panic!("{tag}: {other:?}"),
        }
    }

    // The statistics the tensor form has no place for, and the image and clip formats.
    let histo = |tag: &str| match legacy_form[tag].1.value.clone() {
        Some(V::Histo(h)) => h,
        other => panic!("{tag}: {other:?}"),
    };
    let raw = histo("h/raw");
    assert_eq!(
        (raw.min, raw.max, raw.num, raw.sum, raw.sum_squares),
        (0.5, 2.0, 4.0, 5.7, 9.39)
    );
    // Rows (0.5, 1, 1), (1, 2, 2), (2, 2, 1): the empty outer buckets dropped, the outer
    // edges min and max.
    assert_eq!(raw.bucket_limit, [1.0, 2.0, 2.0]);
    assert_eq!(raw.bucket, [1.0, 2.0, 1.0]);
    let one = histo("h/one_value");
    assert_eq!((one.min, one.max, one.num, one.sum), (2.5, 2.5, 4.0, 10.0));
    assert_eq!(one.sum_squares, 25.0);
    let two = histo("eval/h");
    assert_eq!((two.num, two.sum, two.sum_squares), (2.0, 3.0, 5.0));
    assert!(histo("h/empty").bucket.is_empty());
    let f32s = histo("h/f32");
    assert_eq!((f32s.min, f32s.max, f32s.num), (-5.0, 5.0, 1000.0));

    let image = |tag: &str| match legacy_form[tag].1.value.clone() {
        Some(V::Image(i)) => (i.width, i.height, i.colorspace),
        other => panic!("{tag}: {other:?}"),
    };
    assert_eq!(image("i/rgb"), (7, 5, 3));
    assert_eq!(image("i/grey"), (3, 2, 1));
    // One grid image for the batch (3 images of 4 × 4, 2 px padding), RGBA.
    assert_eq!(image("i/grid"), (20, 8, 4));
    assert_eq!(image("i/encoded"), (2, 2, 1));
    // A GIF: no colour space.
    assert_eq!(image("i/video"), (4, 3, 0));

    let audio = |tag: &str| match legacy_form[tag].1.value.clone() {
        Some(V::Audio(a)) => (a.sample_rate, a.num_channels, a.length_frames),
        other => panic!("{tag}: {other:?}"),
    };
    assert_eq!(audio("a/stereo"), (22_050.0, 2, 100));
    assert_eq!(audio("eval/a"), (8000.0, 1, 10));
}

#[test]
fn the_default_is_the_tensor_forms() {
    let dir = tempfile::tempdir().unwrap();
    let d = SummaryWriter::new(dir.path()).unwrap();
    d.add_histogram("h", &[1.0f32], 0u32).unwrap();
    d.add_audio("a", &[0.0; 4], 8000, 0u32).unwrap();
    d.add_image("i", &[0u8; 4], ImageLayout::Hw(2, 2), 0u32)
        .unwrap();
    d.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 3);
    for (_, v) in vals {
        assert!(matches!(v.value, Some(V::Tensor(_))), "{v:?}");
    }
}
