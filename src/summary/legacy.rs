//! The older summary forms, written with
//! [`legacy_summaries`](crate::SummaryWriterBuilder::legacy_summaries): a `HistogramProto`,
//! a `Summary.Image` or a `Summary.Audio` in the `histo`, `image` or `audio` field of a
//! `Summary.Value`, without metadata, as `torch.utils.tensorboard` and tensorboardX write
//! them (docs/FORMAT.md §3, "Older forms").
//!
//! Histograms are built in this form by the histogram calls ([`histo_value`]), since the
//! tensor form has no place for `num`, `sum` and `sum_squares`. Images and audio are built in
//! the tensor form by every call that writes them (pixels, encoded files, boxes, video,
//! tensors) and turned into the older form here ([`to_legacy`], applied by the step builder to
//! every value it is given), since everything the older form holds can be read back from the
//! tensor form: the width, height and bytes of an image, and the WAV header this crate writes.

use crate::proto::HistogramProto;
use crate::proto::summary::{self, value::Value};

/// The `histo` value for the histogram `rows` (`(left, right, count)`, contiguous, the first
/// and the last not empty: what `Histogram::rows` and `raw_rows` make) with its statistics.
///
/// `bucket_limit[i]` is row `i`'s right edge, `min` and `max` the outer edges: TensorBoard's
/// loaders turn it back into exactly `rows`, taking `min` as the first left edge and
/// `bucket_limit[i-1]` as the others. No rows: no buckets, `min` and `max` 0.
pub(crate) fn histo_value(
    tag: String,
    rows: &[[f64; 3]],
    num: f64,
    sum: f64,
    sum_squares: f64,
) -> summary::Value {
    let (min, max) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => (first[0], last[1]),
        _ => (0.0, 0.0),
    };
    summary::Value {
        tag,
        value: Some(Value::Histo(HistogramProto {
            min,
            max,
            num,
            sum,
            sum_squares,
            bucket_limit: rows.iter().map(|r| r[1]).collect(),
            bucket: rows.iter().map(|r| r[2]).collect(),
        })),
        ..Default::default()
    }
}

/// `v` in the older form if it is an image (plugin `images`, `[width, height, encoded]`) or
/// an audio clip (plugin `audio`, one WAV file) in the tensor form this crate writes;
/// otherwise `v` unchanged.
pub(crate) fn to_legacy(mut v: summary::Value) -> summary::Value {
    let plugin = v
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .map(|p| p.plugin_name.as_str());
    let Some(Value::Tensor(t)) = &mut v.value else {
        return v;
    };
    let legacy = match (plugin, t.string_val.as_mut_slice()) {
        (Some("images"), [w, h, encoded]) => {
            let number = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<i32>().ok();
            let (Some(width), Some(height)) = (number(w), number(h)) else {
                return v;
            };
            let encoded = std::mem::take(encoded);
            Value::Image(summary::Image {
                height,
                width,
                colorspace: png_colorspace(&encoded),
                encoded_image_string: encoded,
            })
        }
        (Some("audio"), [wav]) => {
            let Some((channels, rate, frames)) = wav_format(wav) else {
                return v;
            };
            Value::Audio(summary::Audio {
                sample_rate: rate as f32,
                num_channels: i64::from(channels),
                length_frames: frames as i64,
                encoded_audio_string: std::mem::take(wav),
                content_type: "audio/wav".into(),
            })
        }
        _ => return v,
    };
    summary::Value {
        tag: std::mem::take(&mut v.tag),
        value: Some(legacy),
        ..Default::default()
    }
}

/// `Summary.Image.colorspace` for PNG bytes: 1 grey, 2 grey and alpha, 3 RGB (palette
/// images too), 4 RGBA, from the `IHDR` colour type; 0 (unset) for JPEG and GIF. Neither
/// TensorBoard nor tbparse reads it.
fn png_colorspace(bytes: &[u8]) -> i32 {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16) != Some(b"IHDR") {
        return 0;
    }
    match bytes.get(25) {
        Some(0) => 1,
        Some(4) => 2,
        Some(2 | 3) => 3,
        Some(6) => 4,
        _ => 0,
    }
}

/// `(channels, sample rate, frames)` from the 44-byte header `encode_wav` writes.
fn wav_format(wav: &[u8]) -> Option<(u16, u32, u32)> {
    if wav.len() < 44 || &wav[..4] != b"RIFF" || &wav[36..40] != b"data" {
        return None;
    }
    let channels = u16::from_le_bytes([wav[22], wav[23]]);
    let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
    let data_len = u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]);
    (channels > 0).then(|| (channels, rate, data_len / (2 * u32::from(channels))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::audio::encode_wav;
    use crate::summary::image::{ImageLayout, encode_png};

    #[test]
    fn histo_limits_are_right_edges_and_outer_edges_min_max() {
        let rows = [[-1.5, 0.0, 2.0], [0.0, 1.0, 0.0], [1.0, 2.5, 1.0]];
        let v = histo_value("h".into(), &rows, 3.0, 1.0, 7.0);
        assert!(v.metadata.is_none());
        let Some(Value::Histo(h)) = v.value else {
            panic!("not a histo")
        };
        assert_eq!(
            (h.min, h.max, h.num, h.sum, h.sum_squares),
            (-1.5, 2.5, 3.0, 1.0, 7.0)
        );
        assert_eq!(h.bucket_limit, [0.0, 1.0, 2.5]);
        assert_eq!(h.bucket, [2.0, 0.0, 1.0]);
        // TensorBoard's reconstruction: lefts are [min] + limits[..k-1], rights the limits
        // with the last replaced by max.
        let lefts: Vec<f64> = std::iter::once(h.min)
            .chain(h.bucket_limit[..2].iter().copied())
            .collect();
        assert_eq!(lefts, rows.map(|r| r[0]));
    }

    #[test]
    fn images_and_audio_become_the_older_forms() {
        let png = encode_png(&[0u8; 2 * 3 * 4], ImageLayout::Hwc(2, 3, 4)).unwrap();
        let image = crate::summary::image::image_value("i".into(), 3, 2, png.clone());
        let Some(Value::Image(i)) = to_legacy(image).value else {
            panic!("not an image")
        };
        assert_eq!((i.width, i.height, i.colorspace), (3, 2, 4));
        assert_eq!(i.encoded_image_string, png);

        let wav = encode_wav(&[0.0; 10], 2, 22_050).unwrap();
        let audio = crate::summary::audio::audio_value("a".into(), &[0.0; 10], 2, 22_050).unwrap();
        let Some(Value::Audio(a)) = to_legacy(audio).value else {
            panic!("not audio")
        };
        assert_eq!(
            (a.num_channels, a.length_frames, a.sample_rate),
            (2, 5, 22_050.0)
        );
        assert_eq!(a.content_type, "audio/wav");
        assert_eq!(a.encoded_audio_string, wav);
    }
}
