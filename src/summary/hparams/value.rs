//! [`HParamValue`]: a hyperparameter's value (a number, a string or a boolean), and its
//! conversions.

use crate::error::{Error, Result};
use crate::proto::hparams as pb;

/// A hyperparameter value: a number, a string or a boolean, the three kinds TensorBoard's
/// HParams dashboard knows.
///
/// TensorBoard stores numbers as `f64`. Integers convert exactly up to 2^53 in magnitude;
/// an `f32` converts through its shortest decimal form, so `0.01f32` is stored as `0.01`
/// rather than as `0.009999999776482582`.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamValue {
    /// A number (must be finite when logged).
    Number(f64),
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
}

impl HParamValue {
    pub(super) fn kind(&self) -> pb::DataType {
        match self {
            HParamValue::Number(_) => pb::DataType::Float64,
            HParamValue::String(_) => pb::DataType::String,
            HParamValue::Bool(_) => pb::DataType::Bool,
        }
    }

    pub(super) fn kind_name(&self) -> &'static str {
        match self {
            HParamValue::Number(_) => "number",
            HParamValue::String(_) => "string",
            HParamValue::Bool(_) => "boolean",
        }
    }

    /// The value as a `google.protobuf.Value`, refusing NaN and infinities (TensorBoard cannot
    /// show them: its JSON encoder rejects them and the value is dropped).
    pub(super) fn to_proto(&self, what: &'static str, name: &str) -> Result<prost_types::Value> {
        use prost_types::value::Kind;
        let kind = match self {
            HParamValue::Number(x) if !x.is_finite() => {
                return Err(Error::InvalidInput {
                    what,
                    reason: format!(
                        "hparam {name:?} is {x}: TensorBoard can only show finite numbers"
                    ),
                });
            }
            HParamValue::Number(x) => Kind::NumberValue(*x),
            HParamValue::String(s) => Kind::StringValue(s.clone()),
            HParamValue::Bool(b) => Kind::BoolValue(*b),
        };
        Ok(prost_types::Value { kind: Some(kind) })
    }
}

impl From<f64> for HParamValue {
    fn from(v: f64) -> Self {
        HParamValue::Number(v)
    }
}

impl From<f32> for HParamValue {
    /// Converts through the shortest decimal form that reads back as the same `f32`.
    fn from(v: f32) -> Self {
        HParamValue::Number(v.to_string().parse().unwrap_or_else(|_| f64::from(v)))
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for HParamValue {
            fn from(v: $t) -> Self {
                HParamValue::Number(v as f64)
            }
        }
    )*};
}
number_from!(i64, i32, u32, u64, usize);

impl From<bool> for HParamValue {
    fn from(v: bool) -> Self {
        HParamValue::Bool(v)
    }
}

impl From<&str> for HParamValue {
    fn from(v: &str) -> Self {
        HParamValue::String(v.to_owned())
    }
}

impl From<String> for HParamValue {
    fn from(v: String) -> Self {
        HParamValue::String(v)
    }
}

impl From<&String> for HParamValue {
    fn from(v: &String) -> Self {
        HParamValue::String(v.clone())
    }
}

impl From<&HParamValue> for HParamValue {
    fn from(v: &HParamValue) -> Self {
        v.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_values_keep_their_decimal_form() {
        assert_eq!(HParamValue::from(0.01f32), HParamValue::Number(0.01));
        assert_eq!(HParamValue::from(1e-4f32), HParamValue::Number(1e-4));
        assert_eq!(HParamValue::from(-3i32), HParamValue::Number(-3.0));
        assert_eq!(HParamValue::from(7usize), HParamValue::Number(7.0));
        assert!(matches!(HParamValue::from(f32::NAN), HParamValue::Number(x) if x.is_nan()));
        assert_eq!(
            HParamValue::from(f32::INFINITY),
            HParamValue::Number(f64::INFINITY)
        );
    }
}
