//! Image tensors: the layout read from a [`TensorInput`]'s shape, the pixels from its
//! elements.

use crate::error::Result;
use crate::tensor::{TensorData, TensorInput, bad};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use half::f16;

use super::boxes::ImageBox;
use super::grid::GridOptions;
use super::layout::{BatchLayout, ImageLayout};
use super::pixel::Pixel;

/// Pixels in one of the element types images take.
pub(crate) enum PixelData {
    U8(Vec<u8>),
    F16(Vec<f16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

pub(crate) fn pixel_data(what: &'static str, data: TensorData) -> Result<PixelData> {
    Ok(match data {
        TensorData::U8(v) => PixelData::U8(v),
        TensorData::F16(v) => PixelData::F16(v),
        TensorData::F32(v) => PixelData::F32(v),
        TensorData::F64(v) => PixelData::F64(v),
        // Exact: every bf16 is an f32.
        TensorData::BF16(v) => PixelData::F32(v.iter().map(|x| x.to_f32()).collect()),
        other => {
            return Err(bad(
                what,
                format!(
                    "{} elements; images are u8 (0–255) or floats (0–1): convert the tensor \
                     first",
                    other.dtype_name()
                ),
            ));
        }
    })
}

/// The layout of an image tensor of `shape`: `[C, H, W]` or `[H, W]`.
fn image_layout(shape: &[usize]) -> Result<ImageLayout> {
    match *shape {
        [h, w] => Ok(ImageLayout::Hw(h, w)),
        [c, h, w] => Ok(ImageLayout::Chw(c, h, w)),
        _ => Err(bad(
            "image tensor",
            format!(
                "shape {shape:?}: an image tensor is [C, H, W] (channels first) or [H, W] \
                 (grey); permute a channels-last tensor first"
            ),
        )),
    }
}

/// The layout of an image batch tensor of `shape`: `[N, C, H, W]`.
pub(crate) fn batch_layout(what: &'static str, shape: &[usize]) -> Result<BatchLayout> {
    match *shape {
        [n, c, h, w] => Ok(BatchLayout::Nchw(n, c, h, w)),
        _ => Err(bad(
            what,
            format!(
                "shape {shape:?}: an image batch tensor is [N, C, H, W] (channels first); \
                 unsqueeze a grey [N, H, W] batch to [N, 1, H, W]"
            ),
        )),
    }
}

impl SummaryWriter {
    /// Logs one image tensor: [`add_image`](Self::add_image) with the layout read from the
    /// shape, `[C, H, W]` (channels first, as tensorboardX's default `dataformats="CHW"`)
    /// or `[H, W]` (grey). `u8` elements are 0–255, float elements (`f16`, `bf16`, `f32`,
    /// `f64`) 0–1; see the [module documentation](crate::tensor).
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let rgb = HostTensor::new([3, 4, 4], vec![0.5f32; 3 * 16])?; // CHW
    /// writer.add_image_tensor("grey_square", &rgb, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image_tensor<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        image: &T,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).image_tensor(tag, image).write()
    }

    /// Logs one image tensor with bounding boxes drawn on it:
    /// [`add_image_with_boxes`](Self::add_image_with_boxes) with the layout read from the
    /// shape, as in [`add_image_tensor`](Self::add_image_tensor).
    ///
    /// ```
    /// use tensorboard_writer::summary::image::ImageBox;
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let frame = HostTensor::new([3, 32, 48], vec![0.2f32; 3 * 32 * 48])?; // CHW
    /// let boxes = [ImageBox::new(4.0, 12.0, 30.0, 28.0).label("car")];
    /// writer.add_image_tensor_with_boxes("detections", &frame, &boxes, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image_tensor_with_boxes<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        image: &T,
        boxes: &[ImageBox<'_>],
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .image_tensor_with_boxes(tag, image, boxes)
            .write()
    }

    /// Logs a batch of images, an `[N, C, H, W]` tensor, as one grid image:
    /// [`add_images`](Self::add_images) with the layout read from the shape (see the
    /// [module documentation](crate::tensor)).
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let digits = HostTensor::new([16, 1, 28, 28], vec![128u8; 16 * 28 * 28])?; // NCHW
    /// writer.add_images_tensor("digits", &digits, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_images_tensor<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        images: &T,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).images_tensor(tag, images).write()
    }

    /// Like [`add_images_tensor`](Self::add_images_tensor), with the grid's options (see
    /// [`add_images_with`](Self::add_images_with)).
    pub fn add_images_tensor_with<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        images: &T,
        grid: &GridOptions,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .images_tensor_with(tag, images, grid)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds one image tensor (see [`SummaryWriter::add_image_tensor`]).
    pub fn image_tensor<T: TensorInput + ?Sized>(self, tag: &str, image: &T) -> Self {
        self.image_tensor_boxes(tag, image, None)
    }

    /// Adds one image tensor with boxes drawn on it (see
    /// [`SummaryWriter::add_image_tensor_with_boxes`]).
    pub fn image_tensor_with_boxes<T: TensorInput + ?Sized>(
        self,
        tag: &str,
        image: &T,
        boxes: &[ImageBox<'_>],
    ) -> Self {
        self.image_tensor_boxes(tag, image, Some(boxes))
    }

    fn image_tensor_boxes<T: TensorInput + ?Sized>(
        self,
        tag: &str,
        image: &T,
        boxes: Option<&[ImageBox<'_>]>,
    ) -> Self {
        const WHAT: &str = "image tensor";
        let host = match image.to_host() {
            Ok(h) => h,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        let layout = match image_layout(host.shape()) {
            Ok(l) => l,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        fn log<'w, P: Pixel>(
            b: StepBuilder<'w>,
            tag: &str,
            v: &[P],
            layout: ImageLayout,
            boxes: Option<&[ImageBox<'_>]>,
        ) -> StepBuilder<'w> {
            match boxes {
                Some(boxes) => b.image_with_boxes(tag, v, layout, boxes),
                None => b.image(tag, v, layout),
            }
        }
        match pixel_data(WHAT, host.into_parts().1) {
            Ok(PixelData::U8(v)) => log(self, tag, &v, layout, boxes),
            Ok(PixelData::F16(v)) => log(self, tag, &v, layout, boxes),
            Ok(PixelData::F32(v)) => log(self, tag, &v, layout, boxes),
            Ok(PixelData::F64(v)) => log(self, tag, &v, layout, boxes),
            Err(e) => self.tagged(tag, |_| Err(e)),
        }
    }

    /// Adds a batch of images as one grid image (see [`SummaryWriter::add_images_tensor`]).
    pub fn images_tensor<T: TensorInput + ?Sized>(self, tag: &str, images: &T) -> Self {
        self.images_tensor_with(tag, images, &GridOptions::default())
    }

    /// Adds a batch of images as one grid image with the given grid options (see
    /// [`SummaryWriter::add_images_tensor_with`]).
    pub fn images_tensor_with<T: TensorInput + ?Sized>(
        self,
        tag: &str,
        images: &T,
        grid: &GridOptions,
    ) -> Self {
        const WHAT: &str = "image batch tensor";
        let host = match images.to_host() {
            Ok(h) => h,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        let layout = match batch_layout(WHAT, host.shape()) {
            Ok(l) => l,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        match pixel_data(WHAT, host.into_parts().1) {
            Ok(PixelData::U8(v)) => self.images_with(tag, &v, layout, grid),
            Ok(PixelData::F16(v)) => self.images_with(tag, &v, layout, grid),
            Ok(PixelData::F32(v)) => self.images_with(tag, &v, layout, grid),
            Ok(PixelData::F64(v)) => self.images_with(tag, &v, layout, grid),
            Err(e) => self.tagged(tag, |_| Err(e)),
        }
    }
}
