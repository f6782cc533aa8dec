//! [`TensorShape`]: a tensor's dimensions (or an unknown rank), from arrays, slices and
//! `Vec`s.

use std::fmt;

use crate::proto::{TensorShapeProto, tensor_shape_proto::Dim};

/// The shape of a tensor: a list of dimensions (`-1` for an unknown one), or an unknown rank.
///
/// Converts from arrays, slices and `Vec`s of `i64`, `i32` or `usize`:
/// `[-1, 28, 28, 1].into()`. A scalar has no dimensions ([`TensorShape::scalar`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorShape {
    /// `None` for an unknown rank.
    dims: Option<Vec<i64>>,
}

impl TensorShape {
    /// A shape with these dimensions; `-1` marks a dimension whose size is not known. Other
    /// negative sizes are refused when the shape is added to a node.
    pub fn new(dims: impl IntoIterator<Item = i64>) -> Self {
        TensorShape {
            dims: Some(dims.into_iter().collect()),
        }
    }

    /// The shape of a scalar (rank 0).
    pub fn scalar() -> Self {
        TensorShape {
            dims: Some(Vec::new()),
        }
    }

    /// A shape whose rank is not known (`unknown_rank: true`).
    pub fn unknown_rank() -> Self {
        TensorShape { dims: None }
    }

    /// The dimensions, or `None` for an unknown rank.
    pub fn dims(&self) -> Option<&[i64]> {
        self.dims.as_deref()
    }

    /// The shape as a `TensorShapeProto`.
    pub fn to_proto(&self) -> TensorShapeProto {
        match &self.dims {
            None => TensorShapeProto {
                dim: Vec::new(),
                unknown_rank: true,
            },
            Some(dims) => TensorShapeProto {
                dim: dims
                    .iter()
                    .map(|&size| Dim {
                        size,
                        name: String::new(),
                    })
                    .collect(),
                unknown_rank: false,
            },
        }
    }
}

impl fmt::Display for TensorShape {
    /// `[?, 28, 28, 1]`, `[]` for a scalar, `<unknown>` for an unknown rank.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(dims) = &self.dims else {
            return f.write_str("<unknown>");
        };
        f.write_str("[")?;
        for (i, d) in dims.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if *d == -1 {
                f.write_str("?")?;
            } else {
                write!(f, "{d}")?;
            }
        }
        f.write_str("]")
    }
}

/// A `usize` dimension as TensorFlow's `int64`; sizes beyond `i64::MAX` become an invalid
/// size that validation reports.
fn usize_dim(d: usize) -> i64 {
    i64::try_from(d).unwrap_or(i64::MIN)
}

impl<const N: usize> From<[i64; N]> for TensorShape {
    fn from(dims: [i64; N]) -> Self {
        TensorShape::new(dims)
    }
}

impl<const N: usize> From<[i32; N]> for TensorShape {
    fn from(dims: [i32; N]) -> Self {
        TensorShape::new(dims.into_iter().map(i64::from))
    }
}

impl<const N: usize> From<[usize; N]> for TensorShape {
    fn from(dims: [usize; N]) -> Self {
        TensorShape::new(dims.into_iter().map(usize_dim))
    }
}

impl From<&[i64]> for TensorShape {
    fn from(dims: &[i64]) -> Self {
        TensorShape::new(dims.iter().copied())
    }
}

impl From<&[i32]> for TensorShape {
    fn from(dims: &[i32]) -> Self {
        TensorShape::new(dims.iter().map(|&d| i64::from(d)))
    }
}

impl From<&[usize]> for TensorShape {
    fn from(dims: &[usize]) -> Self {
        TensorShape::new(dims.iter().map(|&d| usize_dim(d)))
    }
}

impl From<Vec<i64>> for TensorShape {
    fn from(dims: Vec<i64>) -> Self {
        TensorShape { dims: Some(dims) }
    }
}

impl From<Vec<i32>> for TensorShape {
    fn from(dims: Vec<i32>) -> Self {
        TensorShape::new(dims.into_iter().map(i64::from))
    }
}

impl From<Vec<usize>> for TensorShape {
    fn from(dims: Vec<usize>) -> Self {
        TensorShape::new(dims.into_iter().map(usize_dim))
    }
}

impl From<&TensorShape> for TensorShape {
    fn from(shape: &TensorShape) -> Self {
        shape.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::builder::GraphBuilder;
    use super::super::names::tests::err_text;
    use super::*;

    #[test]
    fn shapes() {
        let s: TensorShape = [-1, 28, 28, 1].into();
        assert_eq!(s.dims(), Some(&[-1, 28, 28, 1][..]));
        assert_eq!(s.to_string(), "[?, 28, 28, 1]");
        let s: TensorShape = vec![3usize, 4].into();
        assert_eq!(
            s.to_proto().dim.iter().map(|d| d.size).collect::<Vec<_>>(),
            [3, 4]
        );
        assert_eq!(TensorShape::unknown_rank().to_string(), "<unknown>");
        assert_eq!(TensorShape::scalar().to_string(), "[]");
        let g = GraphBuilder::new();
        let e = err_text(g.node("x", "Const").output_shape([-2]).add());
        assert!(e.contains("-2"), "{e}");
        let e = err_text(g.node("x", "Const").output_shape([usize::MAX]).add());
        assert!(e.contains("invalid"), "{e}");
        assert!(g.is_empty());
    }
}
