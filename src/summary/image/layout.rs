//! How an image's or a batch's pixels are laid out in a slice, and the shape checks.

use crate::error::{Error, Result};

/// The layout and sizes of one image's pixel slice (see the [module table](super)).
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
                ));
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
    pub(super) fn dims(&self) -> (usize, usize, usize, bool) {
        match *self {
            ImageLayout::Hw(h, w) => (h, w, 1, false),
            ImageLayout::Hwc(h, w, c) => (h, w, c, false),
            ImageLayout::Chw(c, h, w) => (h, w, c, true),
        }
    }
}

/// The layout and sizes of a batch of images (see the [module table](super)).
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
                ));
            }
        };
        Ok(layout)
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.dims().0
    }

    /// Whether the batch has no images (which [`add_images`](crate::SummaryWriter::add_images)
    /// refuses).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(batch, height, width, channels, planar)`.
    pub(super) fn dims(&self) -> (usize, usize, usize, usize, bool) {
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
/// `a × b × …`, or an error naming `what` when the product overflows.
pub(super) fn product(what: &'static str, dims: &[usize]) -> Result<usize> {
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
