//! Images and audio: the blob-sequence tensor forms and the older `image` and `audio`
//! `Summary.Value` fields.

use super::tensor_values;
use crate::proto::{TensorProto, summary};

/// One encoded image (PNG, JPEG, GIF: the bytes as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels, as the summary states it.
    pub width: u32,
    /// Height in pixels, as the summary states it.
    pub height: u32,
    /// The encoded image.
    pub encoded: Vec<u8>,
}

/// One encoded audio clip (WAV for this crate, torch and tensorboardX).
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// The encoded clip.
    pub encoded: Vec<u8>,
    /// Samples per second: from the older form's message, `None` for the tensor form (which
    /// keeps it only inside the encoded clip).
    pub sample_rate: Option<f32>,
    /// The MIME type the older form states (`audio/wav`), empty otherwise.
    pub content_type: String,
    /// The clip's label, for the tensor form's `[k, 2]` layout (empty otherwise).
    pub label: String,
}

/// `b"28"` → 28: the tensor form stores sizes as ASCII decimal.
fn ascii_u32(bytes: &[u8], what: &str) -> Result<u32, String> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| {
            format!(
                "image {what} {:?} is not a decimal number",
                String::from_utf8_lossy(bytes)
            )
        })
}

/// `[width, height, image…]` strings: one or more images of one size.
pub(crate) fn images_from_tensor(t: &TensorProto) -> Result<Vec<Image>, String> {
    let s = tensor_values::strings(t).ok_or_else(|| "image tensor is not DT_STRING".to_string())?;
    let [w, h, images @ ..] = s else {
        return Err(format!(
            "image tensor with {} elements, not [width, height, image…]",
            s.len()
        ));
    };
    let (width, height) = (ascii_u32(w, "width")?, ascii_u32(h, "height")?);
    Ok(images
        .iter()
        .map(|encoded| Image {
            width,
            height,
            encoded: encoded.clone(),
        })
        .collect())
}

/// The older form: one image with its size.
pub(crate) fn image_from_legacy(i: &summary::Image) -> Result<Vec<Image>, String> {
    let size =
        |x: i32, what: &str| u32::try_from(x).map_err(|_| format!("image {what} {x} is negative"));
    Ok(vec![Image {
        width: size(i.width, "width")?,
        height: size(i.height, "height")?,
        encoded: i.encoded_image_string.clone(),
    }])
}

/// `[k]` clips, or `[k, 2]` (clip, label) pairs.
pub(crate) fn audio_from_tensor(t: &TensorProto) -> Result<Vec<Audio>, String> {
    let s = tensor_values::strings(t).ok_or_else(|| "audio tensor is not DT_STRING".to_string())?;
    let shape = tensor_values::shape(t);
    let clip = |encoded: &Vec<u8>, label: &[u8]| Audio {
        encoded: encoded.clone(),
        sample_rate: None,
        content_type: String::new(),
        label: String::from_utf8_lossy(label).into_owned(),
    };
    match shape.as_slice() {
        [k] if usize::try_from(*k).ok() == Some(s.len()) => {
            Ok(s.iter().map(|e| clip(e, b"")).collect())
        }
        [k, 2] if usize::try_from(*k).ok().and_then(|k| k.checked_mul(2)) == Some(s.len()) => Ok(s
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [e, label] => Some(clip(e, label)),
                _ => None,
            })
            .collect()),
        _ => Err(format!(
            "audio tensor of shape {shape:?} with {} elements, not [k] or [k, 2]",
            s.len()
        )),
    }
}

/// The older form: one clip.
pub(crate) fn audio_from_legacy(a: &summary::Audio) -> Vec<Audio> {
    vec![Audio {
        encoded: a.encoded_audio_string.clone(),
        sample_rate: Some(a.sample_rate),
        content_type: a.content_type.clone(),
        label: String::new(),
    }]
}
