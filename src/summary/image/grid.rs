//! A batch of images laid out as one grid image.

use std::borrow::Cow;

use crate::error::{Error, Result};

use super::encode::{PNG_MAX_SIDE, Pixels, image_pixels, interleave};
use super::layout::{BatchLayout, ImageLayout, check_shape, product};
use super::pixel::{Pixel, convert};

/// How [`add_images`](crate::SummaryWriter::add_images_with) lays a batch out as one grid, like
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

/// Checks and converts a batch, laid out as one grid image.
pub(super) fn grid_pixels<'a, T: Pixel>(
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
