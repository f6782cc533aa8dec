//! The element types an image takes ([`Pixel`]) and their conversion to 8 bits.

use std::borrow::Cow;

use crate::error::{Error, Result};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
}

/// A pixel element type: `u8` (0–255), or `f32`, `f64` or [`half::f16`] (0.0–1.0).
///
/// See the [module documentation](super) for how values are mapped to 8 bits and why values
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
