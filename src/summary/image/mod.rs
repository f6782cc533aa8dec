//! Images: pixel arrays encoded as PNG, batches laid out as one grid, and already-encoded
//! PNG, JPEG or GIF files, shown in the Images dashboard.
//!
//! The caller passes the pixels as a flat, row-major slice together with the layout and the
//! sizes of its dimensions:
//!
//! | layout | call | dimensions of the slice | channels |
//! |---|---|---|---|
//! | [`ImageLayout::Hw`] | [`add_image`](crate::SummaryWriter::add_image) | height × width | 1 (grey) |
//! | [`ImageLayout::Hwc`] | [`add_image`](crate::SummaryWriter::add_image) | height × width × channels (interleaved, like most image libraries) | 1, 3 or 4 |
//! | [`ImageLayout::Chw`] | [`add_image`](crate::SummaryWriter::add_image) | channels × height × width (planar, like PyTorch tensors) | 1, 3 or 4 |
//! | [`BatchLayout::Nchw`] | [`add_images`](crate::SummaryWriter::add_images) | batch × channels × height × width | 1, 3 or 4 |
//! | [`BatchLayout::Nhwc`] | [`add_images`](crate::SummaryWriter::add_images) | batch × height × width × channels | 1, 3 or 4 |
//!
//! One channel is grey, three are RGB and four are RGBA (alpha not premultiplied). Any other
//! channel count, a zero-sized dimension, or a slice whose length is not the product of the
//! dimensions is an [`Error::InvalidInput`](crate::Error::InvalidInput) and nothing is written.
//!
//! The element type ([`Pixel`]) sets the value range:
//!
//! | type | range | stored as |
//! |---|---|---|
//! | `u8` | 0–255 | as is |
//! | `f32`, `f64`, [`half::f16`] | 0.0–1.0 | `round(v × 255)` |
//!
//! A float outside `[0, 1]`, NaN or infinite, is an [`Error::InvalidInput`](crate::Error::InvalidInput) naming the
//! first such element and its value; nothing is written. Values are **not** clipped: a
//! silently clipped image hides a scaling bug (say, data in 0–255 passed as `f32`, or a
//! normalized tensor with negative values). Scale or clamp the data first if that is what
//! you mean. (tensorboardX and `torch.utils.tensorboard` clip, and truncate instead of
//! rounding, so a float image may differ from theirs by one level.)
//!
//! [`add_images`](crate::SummaryWriter::add_images) lays a batch out as **one** image, a grid like
//! torchvision's `make_grid`: up to 8 images per row, 2 pixels of padding around and between
//! them, padding value 0 (see [`GridOptions`]). [`add_image_encoded`](crate::SummaryWriter::add_image_encoded)
//! logs PNG, JPEG or GIF bytes as they are, [`add_image_with_boxes`](crate::SummaryWriter::add_image_with_boxes)
//! draws labelled bounding boxes ([`ImageBox`]) onto an image, and [`add_video`](crate::SummaryWriter::add_video)
//! (module [`video`](super::video)) logs frames as an animated GIF.
//!
//! # Form written
//!
//! Plugin `images` with `ImagePluginData { version: 0 }`, data class `BLOB_SEQUENCE`, and a
//! rank-1 `DT_STRING` tensor of 3 elements: the width and the height as ASCII decimal
//! strings, then the encoded image (docs/FORMAT.md §3 "Images"). Both of TensorBoard's loaders
//! read it; the dashboard serves the bytes with the MIME type it detects from them.
//!
//! PNGs are 8-bit, non-interlaced, written with the `png` crate's `Fast` compression
//! (fdeflate, adaptive row filters): a 640×480 RGB image encodes in about 3 ms. On
//! photograph-like images the file is about 5 % larger than zlib's default level would make
//! it (which was 15 to 90 times slower here); flat or smoothly shaded synthetic images compress
//! less well than with zlib (still 6:1 on a plain gradient). To control the encoding, encode
//! the image yourself and log it with [`add_image_encoded`](crate::SummaryWriter::add_image_encoded).
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

mod boxes;
mod encode;
mod grid;
mod layout;
mod pixel;
mod tensor;
mod write;

pub use boxes::ImageBox;
pub use encode::encode_png;
pub(crate) use encode::{Pixels, image_value, interleave, png_bytes};
pub use grid::GridOptions;
pub use layout::{BatchLayout, ImageLayout};
pub(crate) use layout::{bad_dataformats, check_shape};
pub use pixel::Pixel;
pub(crate) use pixel::convert;
pub(crate) use tensor::{PixelData, batch_layout, pixel_data};

#[cfg(test)]
mod tests;
