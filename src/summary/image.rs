//! Images: pixel arrays encoded as PNG, batches laid out as one grid, and already-encoded
//! PNG, JPEG or GIF files, shown in the Images dashboard.
//!
//! The caller passes the pixels as a flat, row-major slice together with the layout and the
//! sizes of its dimensions:
//!
//! | layout | call | dimensions of the slice | channels |
//! |---|---|---|---|
//! | [`ImageLayout::Hw`] | [`add_image`](SummaryWriter::add_image) | height × width | 1 (grey) |
//! | [`ImageLayout::Hwc`] | [`add_image`](SummaryWriter::add_image) | height × width × channels (interleaved, like most image libraries) | 1, 3 or 4 |
//! | [`ImageLayout::Chw`] | [`add_image`](SummaryWriter::add_image) | channels × height × width (planar, like PyTorch tensors) | 1, 3 or 4 |
//! | [`BatchLayout::Nchw`] | [`add_images`](SummaryWriter::add_images) | batch × channels × height × width | 1, 3 or 4 |
//! | [`BatchLayout::Nhwc`] | [`add_images`](SummaryWriter::add_images) | batch × height × width × channels | 1, 3 or 4 |
//!
//! One channel is grey, three are RGB and four are RGBA (alpha not premultiplied). Any other
//! channel count, a zero-sized dimension, or a slice whose length is not the product of the
//! dimensions is an [`Error::InvalidInput`] and nothing is written.
//!
//! The element type ([`Pixel`]) sets the value range:
//!
//! | type | range | stored as |
//! |---|---|---|
//! | `u8` | 0–255 | as is |
//! | `f32`, `f64`, [`half::f16`] | 0.0–1.0 | `round(v × 255)` |
//!
//! A float outside `[0, 1]`, NaN or infinite, is an [`Error::InvalidInput`] naming the
//! first such element and its value; nothing is written. Values are **not** clipped: a
//! silently clipped image hides a scaling bug (say, data in 0–255 passed as `f32`, or a
//! normalized tensor with negative values). Scale or clamp the data first if that is what
//! you mean. (tensorboardX and `torch.utils.tensorboard` clip, and truncate instead of
//! rounding, so a float image may differ from theirs by one level.)
//!
//! [`add_images`](SummaryWriter::add_images) lays a batch out as **one** image, a grid like
//! torchvision's `make_grid`: up to 8 images per row, 2 pixels of padding around and between
//! them, padding value 0 (see [`GridOptions`]). [`add_image_encoded`](SummaryWriter::add_image_encoded)
//! logs PNG, JPEG or GIF bytes as they are, [`add_image_with_boxes`](SummaryWriter::add_image_with_boxes)
//! draws labelled bounding boxes ([`ImageBox`]) onto an image, and [`add_video`](SummaryWriter::add_video)
//! (module [`video`](super::video)) logs frames as an animated GIF.
//!
//! # Form written
//!
//! Plugin `images` with `ImagePluginData { version: 0 }`, data class `BLOB_SEQUENCE`, and a
//! rank-1 `DT_STRING` tensor of 3 elements: the width and the height as ASCII decimal
//! strings, then the encoded image (FORMAT.md §3 "Images"). Both of TensorBoard's loaders
//! read it; the dashboard serves the bytes with the MIME type it detects from them.
//!
//! PNGs are 8-bit, non-interlaced, written with the `png` crate's `Fast` compression
//! (fdeflate, adaptive row filters): a 640×480 RGB image encodes in about 3 ms. On
//! photograph-like images the file is about 5 % larger than zlib's default level would make
//! it (which was 15 to 90 times slower here); flat or smoothly shaded synthetic images compress
//! less well than with zlib (still 6:1 on a plain gradient). To control the encoding, encode
//! the image yourself and log it with [`add_image_encoded`](SummaryWriter::add_image_encoded).
//!
//! # Example
//!
//! ```
//! use tensorboard_writer::summary::image::{BatchLayout, ImageLayout};
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! // A 2×3 RGB image (height 2, width 3), interleaved, as u8.
//! let rgb: Vec<u8> = (0..2 * 3 * 3).map(|i| (i * 14) as u8).collect();
//! writer.add_image("input", &rgb, ImageLayout::Hwc(2, 3, 3), 0u32)?;
//! // A batch of 16 grey 28×28 images in [0, 1], planar, shown as an 8×2 grid.
//! let batch = vec![0.5f32; 16 * 28 * 28];
//! writer.add_images("samples", &batch, BatchLayout::Nchw(16, 1, 28, 28), 0u32)?;
//! # writer.flush()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::proto::{summary, DataClass, ImagePluginData};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, metadata, string_tensor, tensor_value};

mod boxes;
pub use boxes::ImageBox;

/// The largest width or height a PNG can have (2³¹ − 1).
const PNG_MAX_SIDE: usize = i32::MAX as usize;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
}

/// A pixel element type: `u8` (0–255), or `f32`, `f64` or [`half::f16`] (0.0–1.0).
///
/// See the [module documentation](self) for how values are mapped to 8 bits and why values
/// outside the range are an error. This trait is sealed.
pub trait Pixel: Copy + sealed::Sealed {
    /// Converts `data` to 8-bit values, borrowing when it already is 8-bit. On a value
    /// outside the type's range, returns the index and the value of the first one.
    #[doc(hidden)]
    fn to_u8(data: &[Self]) -> std::result::Result<Cow<'_, [u8]>, (usize, f64)>;
}

impl Pixel for u8 {
    #[inline]
    fn to_u8(data: &[u8]) -> std::result::Result<Cow<'_, [u8]>, (usize, f64)> {
        Ok(Cow::Borrowed(data))
    }
}

/// `round(v * 255)` for `v` in `[0, 1]`; `None` for anything else (NaN included).
macro_rules! float_to_u8 {
    ($data:expr, $to_float:expr) => {{
        let data = $data;
        // Check everything first with a branch-free fold the compiler can vectorize; only a
        // bad slice pays for finding the first offender.
        let all_ok = data.iter().fold(true, |ok, &v| {
            let v = $to_float(v);
            ok & (0.0..=1.0).contains(&v)
        });
        if !all_ok {
            let bad = data
                .iter()
                .map(|&v| f64::from($to_float(v)))
                .enumerate()
                .find(|&(_, v)| !(0.0..=1.0).contains(&v));
            return Err(bad.unwrap_or((0, f64::NAN)));
        }
        // v * 255 + 0.5 lies in [0.5, 255.5]; truncation rounds half up, and the cast
        // saturates 255.5 to 255.
        Ok(Cow::Owned(
            data.iter()
                .map(|&v| ($to_float(v) * 255.0 + 0.5) as u8)
                .collect(),
        ))
    }};
}

impl Pixel for f32 {
    fn to_u8(data: &[f32]) -> std::result::Result<Cow<'_, [u8]>, (usize, f64)> {
        float_to_u8!(data, |v: f32| v)
    }
}

impl Pixel for f64 {
    fn to_u8(data: &[f64]) -> std::result::Result<Cow<'_, [u8]>, (usize, f64)> {
        float_to_u8!(data, |v: f64| v)
    }
}

impl Pixel for half::f16 {
    fn to_u8(data: &[half::f16]) -> std::result::Result<Cow<'_, [u8]>, (usize, f64)> {
        float_to_u8!(data, |v: half::f16| v.to_f32())
    }
}

/// The layout and sizes of one image's pixel slice (see the [module table](self)).
///
/// The sizes are listed in the order of the layout's name: `Hwc(480, 640, 3)` is 480 rows of
/// 640 RGB pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageLayout {
    /// `(height, width)`: one grey channel.
    Hw(usize, usize),
    /// `(height, width, channels)`: interleaved channels, as image libraries store pixels.
    Hwc(usize, usize, usize),
    /// `(channels, height, width)`: planar channels, as PyTorch tensors are laid out.
    Chw(usize, usize, usize),
}

impl ImageLayout {
    /// The layout named by tensorboardX's `dataformats` string (`"HW"`, `"HWC"` or `"CHW"`,
    /// in any case) with the sizes of a tensor's `shape`, in that order.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::ImageLayout;
    /// assert_eq!(ImageLayout::from_dataformats("CHW", &[3, 480, 640])?, ImageLayout::Chw(3, 480, 640));
    /// # Ok::<(), tensorboard_writer::Error>(())
    /// ```
    pub fn from_dataformats(dataformats: &str, shape: &[usize]) -> Result<Self> {
        let layout = match (dataformats.to_ascii_uppercase().as_str(), shape) {
            ("HW", &[h, w]) => ImageLayout::Hw(h, w),
            ("HWC", &[h, w, c]) => ImageLayout::Hwc(h, w, c),
            ("CHW", &[c, h, w]) => ImageLayout::Chw(c, h, w),
            _ => {
                return Err(bad_dataformats(
                    "image",
                    dataformats,
                    shape,
                    "HW, HWC or CHW",
                ))
            }
        };
        Ok(layout)
    }

    /// The height in pixels.
    pub fn height(&self) -> usize {
        self.dims().0
    }

    /// The width in pixels.
    pub fn width(&self) -> usize {
        self.dims().1
    }

    /// The number of channels (1 for [`ImageLayout::Hw`]).
    pub fn channels(&self) -> usize {
        self.dims().2
    }

    /// `(height, width, channels, planar)`.
    fn dims(&self) -> (usize, usize, usize, bool) {
        match *self {
            ImageLayout::Hw(h, w) => (h, w, 1, false),
            ImageLayout::Hwc(h, w, c) => (h, w, c, false),
            ImageLayout::Chw(c, h, w) => (h, w, c, true),
        }
    }
}

/// The layout and sizes of a batch of images (see the [module table](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchLayout {
    /// `(batch, channels, height, width)`: planar, as PyTorch batches are laid out.
    Nchw(usize, usize, usize, usize),
    /// `(batch, height, width, channels)`: interleaved, as TensorFlow batches are laid out.
    Nhwc(usize, usize, usize, usize),
}

impl BatchLayout {
    /// The layout named by tensorboardX's `dataformats` string (`"NCHW"` or `"NHWC"`, in
    /// any case) with the sizes of a tensor's `shape`, in that order.
    pub fn from_dataformats(dataformats: &str, shape: &[usize]) -> Result<Self> {
        let layout = match (dataformats.to_ascii_uppercase().as_str(), shape) {
            ("NCHW", &[n, c, h, w]) => BatchLayout::Nchw(n, c, h, w),
            ("NHWC", &[n, h, w, c]) => BatchLayout::Nhwc(n, h, w, c),
            _ => {
                return Err(bad_dataformats(
                    "image batch",
                    dataformats,
                    shape,
                    "NCHW or NHWC",
                ))
            }
        };
        Ok(layout)
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.dims().0
    }

    /// Whether the batch has no images (which [`add_images`](SummaryWriter::add_images)
    /// refuses).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(batch, height, width, channels, planar)`.
    fn dims(&self) -> (usize, usize, usize, usize, bool) {
        match *self {
            BatchLayout::Nchw(n, c, h, w) => (n, h, w, c, true),
            BatchLayout::Nhwc(n, h, w, c) => (n, h, w, c, false),
        }
    }
}

pub(crate) fn bad_dataformats(
    what: &'static str,
    dataformats: &str,
    shape: &[usize],
    accepted: &str,
) -> Error {
    Error::InvalidInput {
        what,
        reason: format!(
            "dataformats {dataformats:?} with shape {shape:?}: expected one of {accepted}, \
             with one size per letter"
        ),
    }
}

/// How [`add_images`](SummaryWriter::add_images_with) lays a batch out as one grid, like
/// torchvision's `make_grid`.
///
/// Images fill rows of `columns` from the top left. Every image cell is surrounded by
/// `padding` pixels of `pad_value`, so a grid of `r` rows and `k` columns of `h`×`w` images
/// is `r·(h + padding) + padding` pixels high and `k·(w + padding) + padding` wide, with
/// `k = min(columns, batch)`. As in `make_grid`, a batch of one image is logged as that
/// image, without padding. Grey batches stay grey.
///
/// ```
/// use tensorboard_writer::summary::image::GridOptions;
/// let grid = GridOptions::new().columns(4).padding(1).pad_value(255); // white lines
/// # let _ = grid;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GridOptions {
    columns: usize,
    padding: usize,
    pad_value: u8,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            columns: 8,
            padding: 2,
            pad_value: 0,
        }
    }
}

impl GridOptions {
    /// The defaults: 8 columns, 2 pixels of padding, padding value 0 (black, and
    /// transparent for RGBA images).
    pub fn new() -> Self {
        Self::default()
    }

    /// Images per row (torchvision's `nrow`); at least 1. Default 8.
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns;
        self
    }

    /// Pixels of padding around and between images. Default 2.
    pub fn padding(mut self, padding: usize) -> Self {
        self.padding = padding;
        self
    }

    /// The 8-bit value of every channel of the padding (0 black, 255 white; for RGBA images
    /// also the alpha, so 0 is transparent). Default 0.
    pub fn pad_value(mut self, pad_value: u8) -> Self {
        self.pad_value = pad_value;
        self
    }
}

/// Interleaved 8-bit pixels ready to encode.
pub(crate) struct Pixels<'a> {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) channels: usize,
    /// `height × width × channels` bytes, row-major.
    pub(crate) data: Cow<'a, [u8]>,
}

/// `a × b × …`, or an error naming `what` when the product overflows.
fn product(what: &'static str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::InvalidInput {
            what,
            reason: format!("dimensions {dims:?} overflow usize"),
        })
}

/// Checks sizes, channel count and data length for a slice with `dims` (in layout order).
pub(crate) fn check_shape(
    what: &'static str,
    layout: &dyn std::fmt::Debug,
    dims: &[usize],
    channels: usize,
    len: usize,
) -> Result<()> {
    if dims.contains(&0) {
        return Err(Error::InvalidInput {
            what,
            reason: format!("layout {layout:?} has a zero-sized dimension"),
        });
    }
    if !matches!(channels, 1 | 3 | 4) {
        return Err(Error::InvalidInput {
            what,
            reason: format!(
                "layout {layout:?} has {channels} channels; expected 1 (grey), 3 (RGB) or 4 (RGBA)"
            ),
        });
    }
    let need = product(what, dims)?;
    if need != len {
        return Err(Error::InvalidInput {
            what,
            reason: format!("layout {layout:?} needs {need} values, the data has {len}"),
        });
    }
    Ok(())
}

/// Converts checked data to 8 bits, or an error naming the first value out of range.
pub(crate) fn convert<'a, T: Pixel>(what: &'static str, data: &'a [T]) -> Result<Cow<'a, [u8]>> {
    T::to_u8(data).map_err(|(i, v)| Error::InvalidInput {
        what,
        reason: format!(
            "element {i} is {v}: float pixel values must lie in [0, 1] (NaN is not allowed); \
             scale or clamp the data first"
        ),
    })
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

/// Checks and converts a batch, laid out as one grid image.
fn grid_pixels<'a, T: Pixel>(
    data: &'a [T],
    layout: BatchLayout,
    grid: &GridOptions,
) -> Result<Pixels<'a>> {
    const WHAT: &str = "image batch";
    let (n, h, w, c, planar) = layout.dims();
    let dims = match layout {
        BatchLayout::Nchw(..) => [n, c, h, w],
        BatchLayout::Nhwc(..) => [n, h, w, c],
    };
    check_shape(WHAT, &layout, &dims, c, data.len())?;
    if grid.columns == 0 {
        return Err(Error::InvalidInput {
            what: WHAT,
            reason: "GridOptions::columns must be at least 1".into(),
        });
    }
    if n == 1 {
        // Like make_grid: one image is shown as it is.
        let one = if planar {
            ImageLayout::Chw(c, h, w)
        } else {
            ImageLayout::Hwc(h, w, c)
        };
        return image_pixels(WHAT, data, one);
    }
    let bytes = convert(WHAT, data)?;
    let cols = grid.columns.min(n);
    let rows = n.div_ceil(cols);
    let p = grid.padding;
    let side = |count: usize, size: usize| {
        size.checked_add(p)
            .and_then(|s| s.checked_mul(count))
            .and_then(|s| s.checked_add(p))
            .filter(|&s| s <= PNG_MAX_SIDE)
    };
    let (Some(gh), Some(gw)) = (side(rows, h), side(cols, w)) else {
        return Err(Error::InvalidInput {
            what: WHAT,
            reason: format!(
                "a grid of {rows}×{cols} images of {h}×{w} with padding {p} is too large"
            ),
        });
    };
    let total = product(WHAT, &[gh, gw, c])?;
    let row_bytes = gw * c;
    // The padding is the caller's choice and can make the grid far larger than the batch:
    // report a failed allocation instead of aborting.
    let mut out = Vec::new();
    out.try_reserve_exact(total)
        .map_err(|_| Error::InvalidInput {
            what: WHAT,
            reason: format!("cannot allocate a {gw}×{gh} grid ({total} bytes)"),
        })?;
    out.resize(total, grid.pad_value);
    let img_len = h * w * c;
    let mut tmp = if planar && c > 1 {
        vec![0u8; img_len]
    } else {
        Vec::new()
    };
    for (k, img) in bytes.chunks_exact(img_len).enumerate() {
        let img: &[u8] = if planar && c > 1 {
            interleave(img, c, &mut tmp);
            &tmp
        } else {
            img
        };
        let (y0, x0) = ((k / cols) * (h + p) + p, (k % cols) * (w + p) + p);
        for (y, src) in img.chunks_exact(w * c).enumerate() {
            let start = (y0 + y) * row_bytes + x0 * c;
            out[start..start + w * c].copy_from_slice(src);
        }
    }
    Ok(Pixels {
        width: gw,
        height: gh,
        channels: c,
        data: Cow::Owned(out),
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
/// same checks and value mapping as [`add_image`](SummaryWriter::add_image).
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

fn pixels_value(tag: String, what: &'static str, px: &Pixels<'_>) -> Result<summary::Value> {
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
fn jpeg_size(
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

impl SummaryWriter {
    /// Logs one image under `tag` at `step`, encoded as a PNG and shown in the Images
    /// dashboard.
    ///
    /// `data` holds the pixels row-major in the given `layout`: `u8` values 0–255, or `f32`,
    /// `f64` or `half::f16` values 0.0–1.0 (see the [module documentation](super::image)
    /// for layouts, channel counts and the value range). A shape that does not match the
    /// data, an unsupported channel count, a zero-sized dimension or a float outside
    /// `[0, 1]` is an [`Error::InvalidInput`], and nothing is written.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::ImageLayout;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // A 480×640 RGB image, planar as a PyTorch tensor, with values in [0, 1].
    /// let (h, w) = (480, 640);
    /// let mut chw = vec![0.0f32; 3 * h * w];
    /// for y in 0..h {
    ///     for x in 0..w {
    ///         chw[y * w + x] = x as f32 / (w - 1) as f32; // red: left to right
    ///         chw[2 * h * w + y * w + x] = y as f32 / (h - 1) as f32; // blue: top to bottom
    ///     }
    /// }
    /// writer.add_image("gradient", &chw, ImageLayout::Chw(3, h, w), 0u32)?;
    ///
    /// let bad = [0.0f32, 1.5, 0.2, 0.3];
    /// assert!(writer.add_image("bad", &bad, ImageLayout::Hw(2, 2), 0u32).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image<T: Pixel>(
        &self,
        tag: &str,
        data: &[T],
        layout: ImageLayout,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).image(tag, data, layout).write()
    }

    /// Logs a batch of images as one grid image (like torchvision's `make_grid`, with the
    /// default [`GridOptions`]: 8 per row, 2 pixels of black padding).
    ///
    /// Same element types, value ranges and errors as [`add_image`](Self::add_image); a batch
    /// of 0 images is an error.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::BatchLayout;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // 10 RGB images of 32×32 (NHWC): a grid of 8 + 2 images, 274×70 pixels.
    /// let batch = vec![200u8; 10 * 32 * 32 * 3];
    /// writer.add_images("batch", &batch, BatchLayout::Nhwc(10, 32, 32, 3), 7u32)?;
    /// # writer.flush()?;
    /// # use tensorboard_writer::proto::{event::What, summary::value::Value};
    /// # let events = tensorboard_writer::read_events(dir.path())?;
    /// # let Some(What::Summary(s)) = &events[1].what else { panic!() };
    /// # let Some(Value::Tensor(t)) = &s.value[0].value else { panic!() };
    /// # assert_eq!(t.string_val[..2], [b"274".to_vec(), b"70".to_vec()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_images<T: Pixel>(
        &self,
        tag: &str,
        data: &[T],
        layout: BatchLayout,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).images(tag, data, layout).write()
    }

    /// Like [`add_images`](Self::add_images), with the grid's columns, padding and padding
    /// value given.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::{BatchLayout, GridOptions};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let batch = vec![0.25f32; 6 * 28 * 28];
    /// let grid = GridOptions::new().columns(3).pad_value(255);
    /// writer.add_images_with("digits", &batch, BatchLayout::Nchw(6, 1, 28, 28), &grid, 1u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_images_with<T: Pixel>(
        &self,
        tag: &str,
        data: &[T],
        layout: BatchLayout,
        grid: &GridOptions,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).images_with(tag, data, layout, grid).write()
    }

    /// Logs an already-encoded PNG, JPEG or GIF file as it is. The width and height
    /// TensorBoard records are read from the PNG `IHDR` chunk, the JPEG start-of-frame
    /// segment or the GIF logical screen; bytes that are none of these are an
    /// [`Error::InvalidInput`]. The rest of the file is not checked.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::{encode_png, ImageLayout};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let png = encode_png(&[255u8; 4 * 6 * 3], ImageLayout::Hwc(4, 6, 3))?;
    /// writer.add_image_encoded("white", &png, 0u32)?;
    /// assert!(writer.add_image_encoded("junk", b"not an image", 0u32).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image_encoded(&self, tag: &str, bytes: &[u8], step: impl Step) -> Result<()> {
        self.step(step).image_encoded(tag, bytes).write()
    }
}

impl StepBuilder<'_> {
    /// Adds one image (see [`SummaryWriter::add_image`]).
    pub fn image<T: Pixel>(self, tag: &str, data: &[T], layout: ImageLayout) -> Self {
        self.tagged(tag, |tag| {
            pixels_value(tag, "image", &image_pixels("image", data, layout)?)
        })
    }

    /// Adds a batch of images as one grid image (see [`SummaryWriter::add_images`]).
    pub fn images<T: Pixel>(self, tag: &str, data: &[T], layout: BatchLayout) -> Self {
        self.images_with(tag, data, layout, &GridOptions::default())
    }

    /// Adds a batch of images as one grid image with the given grid options (see
    /// [`SummaryWriter::add_images_with`]).
    pub fn images_with<T: Pixel>(
        self,
        tag: &str,
        data: &[T],
        layout: BatchLayout,
        grid: &GridOptions,
    ) -> Self {
        self.tagged(tag, |tag| {
            pixels_value(tag, "image batch", &grid_pixels(data, layout, grid)?)
        })
    }

    /// Adds an already-encoded PNG, JPEG or GIF (see [`SummaryWriter::add_image_encoded`]).
    pub fn image_encoded(self, tag: &str, bytes: &[u8]) -> Self {
        self.tagged(tag, |tag| {
            let (_, w, h) = encoded_size(bytes)?;
            Ok(image_value(tag, w, h, bytes.to_vec()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(r: Result<impl Sized>) -> String {
        match r {
            Err(Error::InvalidInput { reason, .. }) => reason,
            Err(e) => panic!("expected InvalidInput, got {e}"),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn float_mapping_rounds_and_rejects_out_of_range() {
        let got = f32::to_u8(&[0.0, 1.0, 0.5, 0.25, 0.999, 0.001]).unwrap();
        // round(v * 255) computed by hand: 0, 255, 127.5 -> 128, 63.75 -> 64, 254.7 -> 255, 0.255 -> 0
        assert_eq!(&*got, &[0, 255, 128, 64, 255, 0]);
        assert_eq!(f64::to_u8(&[0.2, 0.8]).unwrap().as_ref(), &[51, 204]);
        let h = [half::f16::from_f32(0.0), half::f16::from_f32(1.0)];
        assert_eq!(half::f16::to_u8(&h).unwrap().as_ref(), &[0, 255]);
        assert_eq!(
            f32::to_u8(&[0.1, -0.0, 1.0001]).unwrap_err(),
            (2, 1.0001f32 as f64)
        );
        let (i, v) = f64::to_u8(&[0.1, f64::NAN, 2.0]).unwrap_err();
        assert_eq!(i, 1);
        assert!(v.is_nan());
        assert_eq!(f32::to_u8(&[f32::INFINITY]).unwrap_err().0, 0);
        assert_eq!(f32::to_u8(&[-1e-9]).unwrap_err().0, 0);
        let h = [half::f16::from_f32(0.5), half::f16::NEG_INFINITY];
        assert_eq!(half::f16::to_u8(&h).unwrap_err(), (1, f64::NEG_INFINITY));
    }

    #[test]
    fn error_names_the_offending_value() {
        let r = invalid(image_pixels(
            "image",
            &[0.5f32, 255.0],
            ImageLayout::Hw(1, 2),
        ));
        assert!(r.contains("element 1 is 255"), "{r}");
        let r = invalid(image_pixels("image", &[f64::NAN], ImageLayout::Hw(1, 1)));
        assert!(r.contains("element 0 is NaN"), "{r}");
    }

    #[test]
    fn shape_errors() {
        let d = [0u8; 12];
        assert!(
            invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 2, 2))).contains("2 channels")
        );
        assert!(
            invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 2, 5))).contains("5 channels")
        );
        assert!(
            invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 3, 3)))
                .contains("needs 18 values")
        );
        assert!(
            invalid(image_pixels("image", &d[..0], ImageLayout::Hw(0, 3))).contains("zero-sized")
        );
        let r = invalid(image_pixels(
            "image",
            &d,
            ImageLayout::Hwc(usize::MAX, 2, 3),
        ));
        assert!(r.contains("overflow"), "{r}");
        assert!(invalid(grid_pixels(
            &d,
            BatchLayout::Nhwc(0, 2, 2, 3),
            &GridOptions::new()
        ))
        .contains("zero"));
        let r = invalid(grid_pixels(
            &d,
            BatchLayout::Nhwc(4, 1, 1, 3),
            &GridOptions::new().columns(0),
        ));
        assert!(r.contains("columns"), "{r}");
        // Padding that makes the grid too large for a PNG, or for memory: errors, not aborts.
        let four = BatchLayout::Nhwc(4, 1, 1, 3);
        let r = invalid(grid_pixels(&d, four, &GridOptions::new().padding(1 << 30)));
        assert!(r.contains("too large"), "{r}");
        let r = invalid(grid_pixels(&d, four, &GridOptions::new().padding(1 << 22)));
        assert!(r.contains("cannot allocate"), "{r}");
    }

    #[test]
    fn chw_is_interleaved() {
        // 2 × 2 RGB planar: R plane 1..4, G plane 11..14, B plane 21..24.
        let chw: Vec<u8> = [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24].to_vec();
        let px = image_pixels("image", &chw, ImageLayout::Chw(3, 2, 2)).unwrap();
        assert_eq!(&*px.data, &[1, 11, 21, 2, 12, 22, 3, 13, 23, 4, 14, 24]);
        let chw4: Vec<u8> = (0..8).collect();
        let px = image_pixels("image", &chw4, ImageLayout::Chw(4, 1, 2)).unwrap();
        assert_eq!(&*px.data, &[0, 2, 4, 6, 1, 3, 5, 7]);
    }

    #[test]
    fn grid_layout_matches_make_grid() {
        // 3 grey 1×2 images in 2 columns, padding 1, pad 9:
        // height 2·(1+1)+1 = 5, width 2·(2+1)+1 = 7.
        let data = [1u8, 2, 3, 4, 5, 6];
        let grid = GridOptions::new().columns(2).padding(1).pad_value(9);
        let px = grid_pixels(&data, BatchLayout::Nchw(3, 1, 1, 2), &grid).unwrap();
        assert_eq!((px.width, px.height, px.channels), (7, 5, 1));
        #[rustfmt::skip]
        let want = [
            9, 9, 9, 9, 9, 9, 9,
            9, 1, 2, 9, 3, 4, 9,
            9, 9, 9, 9, 9, 9, 9,
            9, 5, 6, 9, 9, 9, 9,
            9, 9, 9, 9, 9, 9, 9,
        ];
        assert_eq!(&*px.data, &want);
        // One image: as it is, no padding.
        let px = grid_pixels(&data, BatchLayout::Nhwc(1, 1, 2, 3), &GridOptions::new()).unwrap();
        assert_eq!((px.width, px.height, &*px.data), (2, 1, &data[..]));
    }

    #[test]
    fn encoded_sizes() {
        let png = encode_png(&[0u8; 5 * 7], ImageLayout::Hw(5, 7)).unwrap();
        assert_eq!(encoded_size(&png).unwrap(), ("PNG", 7, 5));
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0x03, 0x01, 0x02, 0x00, 0, 0, 0]);
        assert_eq!(encoded_size(&gif).unwrap(), ("GIF", 259, 2));
        // SOI, APP0 (length 4), fill byte, SOF2 (progressive): height 0x0102, width 0x0304.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF, 0xC2, 0x00, 0x11, 0x08,
            0x01, 0x02, 0x03, 0x04, 0x03,
        ];
        assert_eq!(encoded_size(&jpeg).unwrap(), ("JPEG", 0x0304, 0x0102));
        // DHT (C4) is not a frame header.
        let dht = [0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xDA, 0x00, 0x02];
        assert!(invalid(encoded_size(&dht)).contains("no start-of-frame"));
        assert!(invalid(encoded_size(&[0xFF, 0xD8, 0xFF, 0xC0, 0x00])).contains("ends"));
        assert!(invalid(encoded_size(b"hello")).contains("not a PNG"));
        assert!(invalid(encoded_size(&png[..20])).contains("IHDR"));
        assert!(invalid(encoded_size(b"")).contains("not a PNG"));
        // Every truncation of every header is an error or a size, never a panic.
        for full in [&png[..], &gif[..], &jpeg[..], &dht[..]] {
            for end in 0..full.len() {
                let _ = encoded_size(&full[..end]);
            }
        }
        let zero = [b"GIF87a".as_slice(), &[0, 0, 5, 0]].concat();
        assert!(invalid(encoded_size(&zero)).contains("0×5"));
    }
}
