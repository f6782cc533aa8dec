//! [`Step`]: the integer types a step can be given in.

use crate::error::{Error, Result};

/// A training step, as any of the integer types training loops count with.
///
/// TensorBoard stores steps as `i64`; a `u64` or `usize` beyond `i64::MAX` is an
/// [`Error::StepOutOfRange`]. Negative steps are allowed and shown as such.
pub trait Step: Copy {
    /// The step as TensorBoard stores it.
    fn to_step(self) -> Result<i64>;
}

macro_rules! lossless_step {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline]
            fn to_step(self) -> Result<i64> {
                Ok(i64::from(self))
            }
        }
    )*};
}
lossless_step!(i64, i32, u32, i16, u16, i8, u8);

macro_rules! checked_step {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline]
            fn to_step(self) -> Result<i64> {
                i64::try_from(self).map_err(|_| Error::StepOutOfRange { step: self as u128 })
            }
        }
    )*};
}
checked_step!(u64, usize);
