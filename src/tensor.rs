//! Tensors from any framework: [`TensorInput`], the crate's one extension point for
//! tensors, and [`HostTensor`].
//!
//! Every call that takes a tensor takes anything that implements [`TensorInput`]: a candle
//! `Tensor` (feature `candle`), a tch `Tensor` (feature `tch`), a [`HostTensor`], or your
//! own type (see `examples/custom_tensor.rs`). A type implements one method, `to_host`,
//! which copies the shape and the elements to host memory; nothing else is needed for any
//! row of this table:
//!
//! | call | shape | element types |
//! |---|---|---|
//! | [`add_scalar`](crate::SummaryWriter::add_scalar) (`&tensor`) | one element: `[]`, `[1]`, `[1, 1]`, … | any number |
//! | [`add_histogram`](crate::SummaryWriter::add_histogram) | any | any number |
//! | [`add_image_tensor`](crate::SummaryWriter::add_image_tensor), [`add_image_tensor_with_boxes`](crate::SummaryWriter::add_image_tensor_with_boxes) | `[C, H, W]` (CHW), or `[H, W]` (grey) | `u8` 0–255, floats 0–1 |
//! | [`add_images_tensor`](crate::SummaryWriter::add_images_tensor) | `[N, C, H, W]` (NCHW) | `u8` 0–255, floats 0–1 |
//! | [`add_video_tensor`](crate::SummaryWriter::add_video_tensor) | `[T, C, H, W]` (TCHW) | `u8` 0–255, floats 0–1 |
//! | [`add_audio_tensor`](crate::SummaryWriter::add_audio_tensor) | `[L]` (mono), or `[C, L]` (C channels) | floats, clipped to `[-1, 1]` |
//! | [`Embedding::from_tensor`](crate::projector::Embedding::from_tensor) | `[N, D]` | floats |
//! | [`Embedding::images_tensor`](crate::projector::Embedding::images_tensor) | `[N, C, H, W]` (NCHW) | `u8` 0–255, floats 0–1 |
//!
//! The step builder has the same calls ([`StepBuilder::scalar`](crate::StepBuilder::scalar),
//! `histogram`, `image_tensor`, `images_tensor`, `video_tensor`, `audio_tensor`), so a merged
//! event takes tensors too. Each dashboard's tensor calls live with that dashboard; this
//! module holds only the trait and the host-side tensor.
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

use std::fmt;

use half::{bf16, f16};

use crate::error::{Error, Result};

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
            $crate::tensor::TensorData::U8($v) => $body,
            $crate::tensor::TensorData::I8($v) => $body,
            $crate::tensor::TensorData::I16($v) => $body,
            $crate::tensor::TensorData::U32($v) => $body,
            $crate::tensor::TensorData::I32($v) => $body,
            $crate::tensor::TensorData::I64($v) => $body,
            $crate::tensor::TensorData::F16($v) => $body,
            $crate::tensor::TensorData::BF16($v) => $body,
            $crate::tensor::TensorData::F32($v) => $body,
            $crate::tensor::TensorData::F64($v) => $body,
        }
    };
}
pub(crate) use each_variant;

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
/// The one extension point for tensors: a type that implements it can be passed to every
/// tensor-taking call (see the [module table](self)), including `add_scalar` (by reference)
/// and `add_histogram`, whose input traits are implemented for every `TensorInput`.
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

pub(crate) fn bad(what: &'static str, reason: String) -> Error {
    Error::InvalidInput { what, reason }
}

/// Floats as `f32` (audio and embeddings); `None` for integer elements.
pub(crate) fn floats(data: TensorData) -> std::result::Result<FloatData, &'static str> {
    Ok(match data {
        TensorData::F32(v) => FloatData::F32(v),
        TensorData::F64(v) => FloatData::F64(v),
        TensorData::F16(v) => FloatData::F32(v.iter().map(|x| x.to_f32()).collect()),
        TensorData::BF16(v) => FloatData::F32(v.iter().map(|x| x.to_f32()).collect()),
        other => return Err(other.dtype_name()),
    })
}

pub(crate) enum FloatData {
    F32(Vec<f32>),
    F64(Vec<f64>),
}
