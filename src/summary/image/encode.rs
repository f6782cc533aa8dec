//! Interleaved 8-bit pixels, PNG encoding, the `images` plugin value, and the size of
//! encoded PNG, JPEG and GIF bytes.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::proto::{DataClass, ImagePluginData, summary};
use crate::summary::{content, metadata, string_tensor, tensor_value};

use super::layout::{ImageLayout, check_shape};
use super::pixel::{Pixel, convert};

/// The largest width or height a PNG can have (2³¹ − 1).
pub(super) const PNG_MAX_SIDE: usize = i32::MAX as usize;

/// Interleaved 8-bit pixels ready to encode.
pub(crate) struct Pixels<'a> {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) channels: usize,
    /// `height × width × channels` bytes, row-major.
    pub(crate) data: Cow<'a, [u8]>,
}

/// Writes the planar `src` (`channels` planes of `hw` pixels) interleaved into `dst`.
pub(crate) fn interleave(src: &[u8], channels: usize, dst: &mut [u8]) {
    let hw = src.len() / channels;
    match channels {
        1 => dst.copy_from_slice(src),
        3 => {
            let (r, rest) = src.split_at(hw);
            let (g, b) = rest.split_at(hw);
            for (((px, &r), &g), &b) in dst.chunks_exact_mut(3).zip(r).zip(g).zip(b) {
                px.copy_from_slice(&[r, g, b]);
            }
        }
        _ => {
            for (i, px) in dst.chunks_exact_mut(channels).enumerate() {
                for (c, v) in px.iter_mut().enumerate() {
                    *v = src[c * hw + i];
                }
            }
        }
    }
}

/// Checks and converts one image to interleaved 8-bit pixels.
pub(crate) fn image_pixels<'a, T: Pixel>(
    what: &'static str,
    data: &'a [T],
    layout: ImageLayout,
) -> Result<Pixels<'a>> {
    let (h, w, c, planar) = layout.dims();
    check_shape(what, &layout, &[h, w, c], c, data.len())?;
    let bytes = convert(what, data)?;
    let data = if planar && c > 1 {
        let mut out = vec![0u8; bytes.len()];
        interleave(&bytes, c, &mut out);
        Cow::Owned(out)
    } else {
        bytes
    };
    Ok(Pixels {
        width: w,
        height: h,
        channels: c,
        data,
    })
}

/// Encodes interleaved 8-bit pixels as a PNG.
pub(crate) fn png_bytes(what: &'static str, px: &Pixels<'_>) -> Result<Vec<u8>> {
    let too_large = || Error::InvalidInput {
        what,
        reason: format!(
            "{}×{} pixels: a PNG side is at most {PNG_MAX_SIDE}",
            px.width, px.height
        ),
    };
    if px.width > PNG_MAX_SIDE || px.height > PNG_MAX_SIDE {
        return Err(too_large());
    }
    let (w, h) = (px.width as u32, px.height as u32);
    let color = match px.channels {
        1 => png::ColorType::Grayscale,
        3 => png::ColorType::Rgb,
        _ => png::ColorType::Rgba,
    };
    let png_err = |e: png::EncodingError| Error::InvalidInput {
        what,
        reason: format!("PNG encoding failed: {e}"),
    };
    // Raw data plus a little: fdeflate rarely beats ~2:1 on photos, so this avoids most
    // regrowth without over-allocating much on compressible images.
    let mut out = Vec::with_capacity(px.data.len() / 2 + 1024);
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(&px.data).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Encodes an image as an 8-bit PNG (grey, RGB or RGBA after the channel count), with the
/// same checks and value mapping as [`add_image`](crate::SummaryWriter::add_image).
///
/// ```
/// use tensorboard_writer::summary::image::{encode_png, ImageLayout};
/// let png = encode_png(&[0u8, 128, 255, 64, 32, 16], ImageLayout::Hw(2, 3))?;
/// assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
/// # Ok::<(), tensorboard_writer::Error>(())
/// ```
pub fn encode_png<T: Pixel>(data: &[T], layout: ImageLayout) -> Result<Vec<u8>> {
    png_bytes("image", &image_pixels("image", data, layout)?)
}

/// The `images` plugin value: `[width, height, encoded]` as a rank-1 string tensor.
pub(crate) fn image_value(
    tag: String,
    width: u64,
    height: u64,
    encoded: Vec<u8>,
) -> summary::Value {
    let md = metadata(
        "images",
        content(&ImagePluginData {
            version: 0,
            converted_to_tensor: false,
        }),
        DataClass::BlobSequence,
    );
    let items = vec![
        width.to_string().into_bytes(),
        height.to_string().into_bytes(),
        encoded,
    ];
    tensor_value(tag, md, string_tensor(&[3], items))
}

pub(super) fn pixels_value(
    tag: String,
    what: &'static str,
    px: &Pixels<'_>,
) -> Result<summary::Value> {
    let png = png_bytes(what, px)?;
    Ok(image_value(tag, px.width as u64, px.height as u64, png))
}

/// The image format and `(width, height)` read from the header of PNG, JPEG or GIF bytes.
pub(crate) fn encoded_size(bytes: &[u8]) -> Result<(&'static str, u64, u64)> {
    let bad = |reason: String| Error::InvalidInput {
        what: "encoded image",
        reason,
    };
    let be16 = |b: &[u8], i: usize| u64::from(u16::from_be_bytes([b[i], b[i + 1]]));
    let (format, w, h) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // Signature, then the IHDR chunk: length (4), "IHDR", width and height (u32 BE).
        if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
            return Err(bad("PNG without an IHDR chunk after the signature".into()));
        }
        let be32 = |i: usize| {
            u64::from(u32::from_be_bytes([
                bytes[i],
                bytes[i + 1],
                bytes[i + 2],
                bytes[i + 3],
            ]))
        };
        ("PNG", be32(16), be32(20))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        if bytes.len() < 10 {
            return Err(bad("GIF shorter than its logical screen descriptor".into()));
        }
        let le16 = |i: usize| u64::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
        ("GIF", le16(6), le16(8))
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        let (w, h) = jpeg_size(bytes, be16).map_err(|r| bad(r.into()))?;
        ("JPEG", w, h)
    } else {
        return Err(bad(format!(
            "not a PNG, JPEG or GIF file (starts with {:02x?})",
            &bytes[..bytes.len().min(8)]
        )));
    };
    if w == 0 || h == 0 {
        return Err(bad(format!("{format} header gives a size of {w}×{h}")));
    }
    Ok((format, w, h))
}

/// `(width, height)` from a JPEG's first start-of-frame segment.
pub(super) fn jpeg_size(
    b: &[u8],
    be16: impl Fn(&[u8], usize) -> u64,
) -> std::result::Result<(u64, u64), &'static str> {
    let mut i = 2; // after SOI
    loop {
        // A marker is 0xFF (possibly repeated as fill) and a code.
        if b.get(i) != Some(&0xFF) {
            return Err("JPEG marker expected before a start-of-frame segment");
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&code) = b.get(i) else {
            return Err("JPEG ends before a start-of-frame segment");
        };
        i += 1;
        match code {
            // Standalone markers: TEM and RSTn.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err("JPEG has no start-of-frame segment before its scan"),
            _ => {}
        }
        if i + 2 > b.len() {
            return Err("JPEG ends inside a segment header");
        }
        let len = be16(b, i) as usize;
        if len < 2 {
            return Err("JPEG segment with a length below 2");
        }
        // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC) {
            // Length (2), precision (1), height (2), width (2).
            if i + 7 > b.len() {
                return Err("JPEG ends inside its start-of-frame segment");
            }
            return Ok((be16(b, i + 5), be16(b, i + 3)));
        }
        i += len;
    }
}
