//! The image logging calls on the writer and the step builder.

use crate::error::Result;
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::encode::{encoded_size, image_pixels, image_value, pixels_value};
use super::grid::{GridOptions, grid_pixels};
use super::layout::{BatchLayout, ImageLayout};
use super::pixel::Pixel;

impl SummaryWriter {
    /// Logs one image under `tag` at `step`, encoded as a PNG and shown in the Images
    /// dashboard.
    ///
    /// `data` holds the pixels row-major in the given `layout`: `u8` values 0–255, or `f32`,
    /// `f64` or `half::f16` values 0.0–1.0 (see the [module documentation](crate::summary::image)
    /// for layouts, channel counts and the value range). A shape that does not match the
    /// data, an unsupported channel count, a zero-sized dimension or a float outside
    /// `[0, 1]` is an [`Error::InvalidInput`](crate::Error::InvalidInput), and nothing is written.
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
    /// # let events = tensorboard_writer::reader::read_events(dir.path())?;
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
    /// [`Error::InvalidInput`](crate::Error::InvalidInput). The rest of the file is not checked.
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
