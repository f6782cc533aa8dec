//! Scalars: what [`add_scalar`](crate::SummaryWriter::add_scalar) and the step builder's
//! [`scalar`](crate::StepBuilder::scalar) take. The calls themselves live with the writer
//! (`add_scalar` is the hot path); a scalar is written as `simple_value`, which both of
//! TensorBoard's loaders read as a rank-0 `float32` (docs/FORMAT.md §3, Scalars).

use crate::error::{Error, Result};
use crate::tensor::{TensorData, TensorInput, bad};

/// A scalar value: `f32`, `f64`, or a one-element tensor by reference.
///
/// TensorBoard keeps scalars as `f32`, so `f64` values are rounded to the nearest `f32`.
/// NaN and ±infinity are logged as they are and show as such. A finite `f64` too large for an
/// `f32` is an [`Error::ValueOutOfRange`] rather than a silent infinity.
///
/// A tensor with exactly one element (shape `[]`, `[1]`, `[1, 1]`, …) of any numeric type is
/// a scalar too: a reference to anything that implements [`TensorInput`] (candle's and tch's
/// `Tensor` with their features, a [`HostTensor`](crate::tensor::HostTensor), or a tensor type
/// of your own), so `writer.add_scalar("loss", &loss, step)` logs a loss tensor. Any other
/// element count is an [`Error::InvalidInput`]. The trait is sealed: [`TensorInput`] is the
/// way in for other types.
pub trait ScalarValue: Copy + sealed::Sealed {
    /// The value as TensorBoard stores it, or why it cannot be stored: an
    /// [`Error::ValueOutOfRange`] (whose `tag` the caller fills in when it is empty) or an
    /// [`Error::InvalidInput`].
    fn to_f32(self) -> Result<f32>;
}

mod sealed {
    /// Keeps [`ScalarValue`](super::ScalarValue) closed: tensors come in through
    /// [`TensorInput`](crate::tensor::TensorInput), the crate's one extension point.
    pub trait Sealed {}
}

impl sealed::Sealed for f32 {}
impl ScalarValue for f32 {
    #[inline]
    fn to_f32(self) -> Result<f32> {
        Ok(self)
    }
}

impl sealed::Sealed for f64 {}
impl ScalarValue for f64 {
    #[inline]
    fn to_f32(self) -> Result<f32> {
        let v = self as f32;
        if v.is_infinite() && self.is_finite() {
            Err(Error::ValueOutOfRange {
                tag: String::new(),
                value: self,
                reason: "finite value beyond the f32 range TensorBoard stores scalars in",
            })
        } else {
            Ok(v)
        }
    }
}

impl<T: TensorInput + ?Sized> sealed::Sealed for &T {}
/// A tensor of one element (any shape of one element, usually rank 0), such as a loss.
impl<T: TensorInput + ?Sized> ScalarValue for &T {
    fn to_f32(self) -> Result<f32> {
        let host = self.to_host()?;
        scalar_of(host.shape(), host.data())
    }
}

/// The one element of a tensor of `shape`, as TensorBoard stores scalars (see
/// [`ScalarValue`]).
fn scalar_of(shape: &[usize], data: &TensorData) -> Result<f32> {
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
fn not_one_element(shape: &[usize]) -> Error {
    bad(
        "scalar tensor",
        format!(
            "a scalar is a tensor of one element (shape [] or [1]), got shape {shape:?} of {} \
             elements",
            shape.iter().product::<usize>()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::HostTensor;

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
