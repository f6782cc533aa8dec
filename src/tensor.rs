//! Tensors from any framework: [`TensorInput`] and [`HostTensor`].
//!
//! The calls that take numbers as slices (`add_image(tag, &data, layout, step)`) have
//! tensor-taking twins that read the layout from the tensor's shape. They take anything that
//! implements [`TensorInput`]: a candle `Tensor` (feature `candle`), a tch `Tensor` (feature
//! `tch`), a [`HostTensor`], or your own type. Scalars and histograms need no twin:
//! `add_scalar` takes a one-element tensor by reference and `add_histogram` takes any tensor.
//!
//! | call | shape | element types |
//! |---|---|---|
//! | [`add_scalar`](SummaryWriter::add_scalar) (`&tensor`) | one element: `[]`, `[1]`, `[1, 1]`, … | any number |
//! | [`add_histogram`](SummaryWriter::add_histogram) | any | any number |
//! | [`add_image_tensor`](SummaryWriter::add_image_tensor) | `[C, H, W]` (CHW), or `[H, W]` (grey) | `u8` 0–255, floats 0–1 |
//! | [`add_images_tensor`](SummaryWriter::add_images_tensor) | `[N, C, H, W]` (NCHW) | `u8` 0–255, floats 0–1 |
//! | [`add_audio_tensor`](SummaryWriter::add_audio_tensor) | `[L]` (mono), or `[C, L]` (C channels) | floats, clipped to `[-1, 1]` |
//! | [`Embedding::from_tensor`] | `[N, D]` | floats |
//! | [`Embedding::images_tensor`] | `[N, C, H, W]` (NCHW) | `u8` 0–255, floats 0–1 |
//!
//! These are tensorboardX's (and `torch.utils.tensorboard`'s) default layouts, channels
//! first. A channels-last tensor is permuted first (`t.permute((2, 0, 1))` for HWC in candle,
//! `t.permute([2, 0, 1])` in tch). "Floats" are `f16`, `bf16`, `f32` and `f64`; images and
//! audio take the values exactly as the slice calls do (images: 1, 3 or 4 channels, floats
//! in `[0, 1]` stored as `round(v × 255)`, a value outside that range is an error and not
//! clipped; see [`summary::image`](crate::summary::image) and
//! [`summary::audio`](crate::summary::audio)). The tensor path writes byte for byte what the
//! slice path writes for the same numbers.
//!
//! Tensors on another device (a GPU) are copied to the CPU, and non-contiguous tensors are
//! read in their logical order. A shape or element type the call cannot take, or a tensor
//! the framework fails to copy, is an [`Error::InvalidInput`] naming the call, and nothing is
//! written; these calls never panic on bad input.
//!
//! ```
//! use tensorboard_writer::tensor::HostTensor;
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! // A 2×3 grey image with values in [0, 1], as a framework-neutral tensor.
//! let img = HostTensor::new([2, 3], vec![0.0f32, 0.2, 0.4, 0.6, 0.8, 1.0])?;
//! writer.add_image_tensor("ramp", &img, 0u32)?;
//! writer.add_histogram("ramp_values", &img, 0u32)?;
//! let loss = HostTensor::new([], vec![0.25f64])?;
//! writer.add_scalar("loss", &loss, 0u32)?;
//! // A 3-D tensor is CHW: 2 channels is not an image.
//! assert!(writer.add_image_tensor("bad", &HostTensor::new([2, 1, 3], vec![0u8; 6])?, 0u32).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use half::{bf16, f16};

use crate::error::{Error, Result};
use crate::projector::{Embedding, EmbeddingValue};
use crate::summary::histogram::{Histogram, HistogramInput};
use crate::summary::image::{BatchLayout, GridOptions, ImageBox, ImageLayout, Pixel};
use crate::writer::{ScalarValue, Step, StepBuilder, SummaryWriter};

/// A tensor's elements in host memory, row-major, in their own element type.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum TensorData {
    /// 8-bit unsigned integers (images: 0–255).
    U8(Vec<u8>),
    /// 8-bit signed integers.
    I8(Vec<i8>),
    /// 16-bit signed integers.
    I16(Vec<i16>),
    /// 32-bit unsigned integers.
    U32(Vec<u32>),
    /// 32-bit signed integers.
    I32(Vec<i32>),
    /// 64-bit signed integers.
    I64(Vec<i64>),
    /// IEEE half precision.
    F16(Vec<f16>),
    /// bfloat16.
    BF16(Vec<bf16>),
    /// Single precision.
    F32(Vec<f32>),
    /// Double precision.
    F64(Vec<f64>),
}

/// `$f!(v)` for the vector of any variant, as one expression per variant.
macro_rules! each_variant {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            TensorData::U8($v) => $body,
            TensorData::I8($v) => $body,
            TensorData::I16($v) => $body,
            TensorData::U32($v) => $body,
            TensorData::I32($v) => $body,
            TensorData::I64($v) => $body,
            TensorData::F16($v) => $body,
            TensorData::BF16($v) => $body,
            TensorData::F32($v) => $body,
            TensorData::F64($v) => $body,
        }
    };
}

impl TensorData {
    /// The number of elements.
    pub fn len(&self) -> usize {
        each_variant!(self, v => v.len())
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type's name: `"u8"`, `"f32"`, `"bf16"`, ….
    pub fn dtype_name(&self) -> &'static str {
        match self {
            TensorData::U8(_) => "u8",
            TensorData::I8(_) => "i8",
            TensorData::I16(_) => "i16",
            TensorData::U32(_) => "u32",
            TensorData::I32(_) => "i32",
            TensorData::I64(_) => "i64",
            TensorData::F16(_) => "f16",
            TensorData::BF16(_) => "bf16",
            TensorData::F32(_) => "f32",
            TensorData::F64(_) => "f64",
        }
    }
}

impl fmt::Debug for TensorData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.dtype_name(), self.len())
    }
}

macro_rules! from_vec {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<Vec<$t>> for TensorData {
            fn from(v: Vec<$t>) -> Self {
                TensorData::$variant(v)
            }
        }
    )*};
}
from_vec!(u8 => U8, i8 => I8, i16 => I16, u32 => U32, i32 => I32, i64 => I64,
          f16 => F16, bf16 => BF16, f32 => F32, f64 => F64);

/// A tensor copied to host memory: its shape and its elements, row-major. What
/// [`TensorInput::to_host`] returns, and a [`TensorInput`] itself, so it can be logged
/// directly (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    shape: Vec<usize>,
    data: TensorData,
}

impl HostTensor {
    /// A tensor of `shape` (`[]` for a scalar) holding `data`, row-major. The number of
    /// elements must be the product of the dimensions, or it is an [`Error::InvalidInput`].
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// let t = HostTensor::new([2, 2], vec![1u8, 2, 3, 4])?;
    /// assert_eq!(t.shape(), &[2, 2]);
    /// assert!(HostTensor::new([3], vec![1.0f32]).is_err());
    /// # Ok::<(), tensorboard_writer::Error>(())
    /// ```
    pub fn new(shape: impl Into<Vec<usize>>, data: impl Into<TensorData>) -> Result<Self> {
        let shape = shape.into();
        let data = data.into();
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| bad("tensor", format!("shape {shape:?} overflows usize")))?;
        if n != data.len() {
            return Err(bad(
                "tensor",
                format!(
                    "shape {shape:?} holds {n} elements but {} were given",
                    data.len()
                ),
            ));
        }
        Ok(HostTensor { shape, data })
    }

    /// The dimensions, outermost first (empty for a scalar).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements.
    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// The shape and the elements.
    pub fn into_parts(self) -> (Vec<usize>, TensorData) {
        (self.shape, self.data)
    }
}

/// A tensor the tensor-taking calls can log: anything that can copy its elements, with its
/// shape, to host memory.
///
/// Implemented for candle's `Tensor` (feature `candle`), tch's `Tensor` (feature `tch`) and
/// [`HostTensor`]. To log another framework's tensors, implement it by copying the data
/// into a `HostTensor`:
///
/// ```
/// use tensorboard_writer::tensor::{HostTensor, TensorInput};
///
/// struct Matrix { rows: usize, cols: usize, data: Vec<f32> }
///
/// impl TensorInput for Matrix {
///     fn to_host(&self) -> tensorboard_writer::Result<HostTensor> {
///         HostTensor::new([self.rows, self.cols], self.data.clone())
///     }
/// }
/// # let dir = tempfile::tempdir()?;
/// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
/// let m = Matrix { rows: 28, cols: 28, data: vec![0.5; 784] };
/// writer.add_image_tensor("digit", &m, 0u32)?; // a 28×28 grey image
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TensorInput {
    /// The tensor's shape and elements in host memory, copied from its device if needed.
    fn to_host(&self) -> Result<HostTensor>;
}

impl TensorInput for HostTensor {
    fn to_host(&self) -> Result<HostTensor> {
        Ok(self.clone())
    }
}

impl HistogramInput for HostTensor {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(histogram_of(&self.data)))
    }
}

impl ScalarValue for &HostTensor {
    fn to_f32(self) -> Result<f32> {
        scalar_of(&self.shape, &self.data)
    }
}

pub(crate) fn bad(what: &'static str, reason: String) -> Error {
    Error::InvalidInput { what, reason }
}

/// The histogram of every element.
pub(crate) fn histogram_of(data: &TensorData) -> Histogram {
    each_variant!(data, v => Histogram::from_values(v))
}

/// The one element of a tensor of `shape`, as TensorBoard stores scalars (see
/// [`ScalarValue`]).
pub(crate) fn scalar_of(shape: &[usize], data: &TensorData) -> Result<f32> {
    if data.len() != 1 {
        return Err(not_one_element(shape));
    }
    match data {
        TensorData::F32(v) => Ok(v[0]),
        TensorData::F64(v) => v[0].to_f32(),
        TensorData::F16(v) => Ok(v[0].to_f32()),
        TensorData::BF16(v) => Ok(v[0].to_f32()),
        // Integers are within the f32 range; wide ones are rounded.
        TensorData::U8(v) => Ok(f32::from(v[0])),
        TensorData::I8(v) => Ok(f32::from(v[0])),
        TensorData::I16(v) => Ok(f32::from(v[0])),
        TensorData::U32(v) => Ok(v[0] as f32),
        TensorData::I32(v) => Ok(v[0] as f32),
        TensorData::I64(v) => Ok(v[0] as f32),
    }
}

/// The error for a scalar tensor that does not hold exactly one element.
pub(crate) fn not_one_element(shape: &[usize]) -> Error {
    bad(
        "scalar tensor",
        format!(
            "a scalar is a tensor of one element (shape [] or [1]), got shape {shape:?} of {} \
             elements",
            shape.iter().product::<usize>()
        ),
    )
}

/// Pixels in one of the element types images take.
enum PixelData {
    U8(Vec<u8>),
    F16(Vec<f16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

fn pixel_data(what: &'static str, data: TensorData) -> Result<PixelData> {
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
            ))
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
fn batch_layout(what: &'static str, shape: &[usize]) -> Result<BatchLayout> {
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

/// Floats as `f32` (audio and embeddings); `None` for integer elements.
fn floats(data: TensorData) -> std::result::Result<FloatData, &'static str> {
    Ok(match data {
        TensorData::F32(v) => FloatData::F32(v),
        TensorData::F64(v) => FloatData::F64(v),
        TensorData::F16(v) => FloatData::F32(v.iter().map(|x| x.to_f32()).collect()),
        TensorData::BF16(v) => FloatData::F32(v.iter().map(|x| x.to_f32()).collect()),
        other => return Err(other.dtype_name()),
    })
}

enum FloatData {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Audio samples as interleaved `f32` frames and the channel count.
fn audio_samples(host: HostTensor) -> Result<(Vec<f32>, usize)> {
    const WHAT: &str = "audio tensor";
    let (shape, data) = host.into_parts();
    let samples: Vec<f32> = match floats(data) {
        Ok(FloatData::F32(v)) => v,
        // Clipped to [-1, 1] afterwards, so rounding to f32 loses nothing that is kept.
        Ok(FloatData::F64(v)) => v.iter().map(|&x| x as f32).collect(),
        Err(dtype) => {
            return Err(bad(
                WHAT,
                format!("{dtype} elements; audio samples are floats in [-1, 1]"),
            ))
        }
    };
    match *shape {
        [_] => Ok((samples, 1)),
        [channels, len] => {
            // Planar [C, L] → interleaved frames.
            let mut out = Vec::with_capacity(samples.len());
            for i in 0..len {
                out.extend((0..channels).map(|c| samples[c * len + i]));
            }
            Ok((out, channels))
        }
        _ => Err(bad(
            WHAT,
            format!("shape {shape:?}: an audio tensor is [L] (mono) or [C, L] (C channels)"),
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
    /// use tensorboard_writer::{tensor::HostTensor, ImageBox};
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

    /// Logs an audio clip tensor: `[L]` samples (mono) or `[C, L]` (C channels, one row
    /// each), float elements in `[-1, 1]` (clipped), at `sample_rate` samples per second.
    /// [`add_audio`](Self::add_audio) / [`add_audio_channels`](Self::add_audio_channels) with
    /// the channels read from the shape.
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let stereo = HostTensor::new([2, 4], vec![0.0f32, 0.1, 0.2, 0.3, 0.0, -0.1, -0.2, -0.3])?;
    /// writer.add_audio_tensor("stereo", &stereo, 8000, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_audio_tensor<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        samples: &T,
        sample_rate: u32,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .audio_tensor(tag, samples, sample_rate)
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

    /// Adds an audio clip tensor (see [`SummaryWriter::add_audio_tensor`]).
    pub fn audio_tensor<T: TensorInput + ?Sized>(
        self,
        tag: &str,
        samples: &T,
        sample_rate: u32,
    ) -> Self {
        match samples.to_host().and_then(audio_samples) {
            Ok((v, channels)) => self.audio_channels(tag, &v, channels, sample_rate),
            Err(e) => self.tagged(tag, |_| Err(e)),
        }
    }
}

impl<'a> Embedding<'a> {
    /// An embedding of the `[N, D]` tensor `matrix`: N points of D float values (`f16`,
    /// `bf16`, `f32` or `f64`), as [`Embedding::new`] takes them. Problems with the tensor
    /// are reported by [`add_embedding`](SummaryWriter::add_embedding), which then writes
    /// nothing.
    ///
    /// ```
    /// use tensorboard_writer::projector::Embedding;
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let features = HostTensor::new([4, 2], vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 3.0, 1.0])?;
    /// let e = Embedding::from_tensor("features", &features);
    /// assert_eq!(e.shape(), [4, 2]);
    /// writer.add_embedding(&e, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_tensor<T: TensorInput + ?Sized>(tag: &'a str, matrix: &T) -> Self {
        const WHAT: &str = "embedding tensor";
        let host = match matrix.to_host() {
            Ok(h) => h,
            Err(e) => return Embedding::owned(tag, Err(e), [0, 0]),
        };
        let (shape, data) = host.into_parts();
        let [n, d] = shape[..] else {
            let e = bad(
                WHAT,
                format!("shape {shape:?}: an embedding tensor is [N, D] (N points of D values)"),
            );
            return Embedding::owned(tag, Err(e), [0, 0]);
        };
        let values = match floats(data) {
            Ok(FloatData::F32(v)) => Ok(v),
            Ok(FloatData::F64(v)) => f64::to_f32s(&v).map(Cow::into_owned).map_err(|(i, v)| {
                bad(
                    WHAT,
                    format!(
                        "row {}, column {} is {v:?}, beyond the f32 range TensorBoard \
                             stores embeddings in",
                        i / d.max(1),
                        i % d.max(1)
                    ),
                )
            }),
            Err(dtype) => Err(bad(
                WHAT,
                format!("{dtype} elements; embeddings are floats: convert the tensor first"),
            )),
        };
        Embedding::owned(tag, values, [n, d])
    }

    /// One thumbnail per point from an `[N, C, H, W]` tensor (`u8` 0–255 or floats 0–1), as
    /// [`images`](Self::images) takes them.
    pub fn images_tensor<T: TensorInput + ?Sized>(self, images: &T) -> Self {
        const WHAT: &str = "embedding images tensor";
        let pixels = images.to_host().and_then(|host| {
            let layout = batch_layout(WHAT, host.shape())?;
            let px = match pixel_data(WHAT, host.into_parts().1)? {
                PixelData::U8(v) => v,
                PixelData::F16(v) => crate::summary::image::convert(WHAT, &v)?.into_owned(),
                PixelData::F32(v) => crate::summary::image::convert(WHAT, &v)?.into_owned(),
                PixelData::F64(v) => crate::summary::image::convert(WHAT, &v)?.into_owned(),
            };
            Ok((px, layout))
        });
        self.owned_images(pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_rows_become_interleaved_frames() {
        let t = HostTensor::new([2, 3], vec![1.0f32, 2.0, 3.0, -1.0, -2.0, -3.0]).unwrap();
        let (v, c) = audio_samples(t).unwrap();
        assert_eq!(c, 2);
        assert_eq!(v, [1.0, -1.0, 2.0, -2.0, 3.0, -3.0]);
    }

    #[test]
    fn scalar_needs_one_element() {
        let t = HostTensor::new([1, 1], vec![7i64]).unwrap();
        assert_eq!((&t).to_f32().unwrap(), 7.0);
        let t = HostTensor::new([2], vec![1.0f32, 2.0]).unwrap();
        assert!(matches!(
            (&t).to_f32(),
            Err(Error::InvalidInput {
                what: "scalar tensor",
                ..
            })
        ));
        let t = HostTensor::new([0], Vec::<f32>::new()).unwrap();
        assert!((&t).to_f32().is_err());
    }
}
