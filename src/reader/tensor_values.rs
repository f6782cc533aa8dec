//! The elements of a `TensorProto` as the typed readers need them: shape, numbers widened to
//! `f64`, strings. A `TensorProto` holds its elements either in a typed repeated field
//! (`float_val`, …) or as little-endian bytes in `tensor_content`; both are read.

use half::f16;

use crate::proto::{DataType, TensorProto};

/// The tensor's dimensions (empty for a rank-0 tensor).
pub(crate) fn shape(t: &TensorProto) -> Vec<i64> {
    t.tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default()
}

/// The number of elements the shape calls for (1 for rank 0), or `None` when a dimension
/// is negative or the product overflows.
pub(crate) fn element_count(shape: &[i64]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| {
        let d = usize::try_from(d).ok()?;
        n.checked_mul(d)
    })
}

/// Reads little-endian elements of `N` bytes from `content`.
fn le<const N: usize, T>(content: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    content
        .chunks_exact(N)
        .filter_map(|c| c.try_into().ok().map(&f))
        .collect()
}

/// Every element of a numeric tensor widened to `f64`, or `None` for a tensor that holds no
/// numbers (strings, an unknown data type). A tensor whose typed field holds a single value
/// for a larger shape (TensorFlow's compact form for a tensor filled with one value) is
/// expanded to the shape's element count.
pub(crate) fn numbers(t: &TensorProto) -> Option<Vec<f64>> {
    let dtype = DataType::try_from(t.dtype).ok()?;
    let c = &t.tensor_content;
    let from_content = !c.is_empty();
    let v: Vec<f64> = match dtype {
        DataType::DtFloat if from_content => le(c, |b| f64::from(f32::from_le_bytes(b))),
        DataType::DtFloat => t.float_val.iter().map(|&x| f64::from(x)).collect(),
        DataType::DtDouble if from_content => le(c, f64::from_le_bytes),
        DataType::DtDouble => t.double_val.clone(),
        DataType::DtHalf if from_content => le(c, |b| f16::from_le_bytes(b).to_f64()),
        DataType::DtHalf => t
            .half_val
            .iter()
            // half_val holds each f16's bits in the low 16 bits of an int32.
            .map(|&x| f16::from_bits((x & 0xffff) as u16).to_f64())
            .collect(),
        DataType::DtBfloat16 if from_content => le(c, |b| half::bf16::from_le_bytes(b).to_f64()),
        DataType::DtBfloat16 => t
            .half_val
            .iter()
            .map(|&x| half::bf16::from_bits((x & 0xffff) as u16).to_f64())
            .collect(),
        DataType::DtInt8 if from_content => le(c, |b: [u8; 1]| f64::from(b[0] as i8)),
        DataType::DtUint8 if from_content => le(c, |b: [u8; 1]| f64::from(b[0])),
        DataType::DtInt16 if from_content => le(c, |b| f64::from(i16::from_le_bytes(b))),
        DataType::DtUint16 if from_content => le(c, |b| f64::from(u16::from_le_bytes(b))),
        DataType::DtInt32 if from_content => le(c, |b| f64::from(i32::from_le_bytes(b))),
        DataType::DtInt8 | DataType::DtUint8 | DataType::DtInt16 | DataType::DtUint16 => {
            t.int_val.iter().map(|&x| f64::from(x)).collect()
        }
        DataType::DtInt32 => t.int_val.iter().map(|&x| f64::from(x)).collect(),
        DataType::DtUint32 if from_content => le(c, |b| f64::from(u32::from_le_bytes(b))),
        DataType::DtUint32 => t.uint32_val.iter().map(|&x| f64::from(x)).collect(),
        DataType::DtInt64 if from_content => le(c, |b| i64::from_le_bytes(b) as f64),
        DataType::DtInt64 => t.int64_val.iter().map(|&x| x as f64).collect(),
        DataType::DtUint64 if from_content => le(c, |b| u64::from_le_bytes(b) as f64),
        DataType::DtUint64 => t.uint64_val.iter().map(|&x| x as f64).collect(),
        DataType::DtBool if from_content => le(c, |b: [u8; 1]| f64::from(u8::from(b[0] != 0))),
        DataType::DtBool => t.bool_val.iter().map(|&x| f64::from(u8::from(x))).collect(),
        _ => return None,
    };
    Some(expand(v, &shape(t)))
}

/// The most elements a one-value tensor is expanded to: a shape read from a damaged or hostile
/// file must not make the reader allocate without bound (a larger one is left as it is, and
/// its reader refuses it for its size).
const MAX_EXPANDED: usize = 1 << 20;

/// TensorFlow writes a tensor whose elements are all equal as one value for the whole shape.
fn expand<T: Clone>(v: Vec<T>, shape: &[i64]) -> Vec<T> {
    match (v.as_slice(), element_count(shape)) {
        ([one], Some(n)) if n > 1 && n <= MAX_EXPANDED => vec![one.clone(); n],
        _ => v,
    }
}

/// The elements of a string tensor, or `None` for another data type.
pub(crate) fn strings(t: &TensorProto) -> Option<&[Vec<u8>]> {
    (t.dtype == DataType::DtString as i32).then_some(t.string_val.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{TensorShapeProto, tensor_shape_proto::Dim};

    fn with_shape(mut t: TensorProto, dims: &[i64]) -> TensorProto {
        t.tensor_shape = Some(TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| Dim {
                    size,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
        t
    }

    #[test]
    fn numbers_from_fields_and_content() {
        let t = TensorProto {
            dtype: DataType::DtFloat as i32,
            float_val: vec![1.5, -2.0],
            ..Default::default()
        };
        assert_eq!(numbers(&t), Some(vec![1.5, -2.0]));
        let t = TensorProto {
            dtype: DataType::DtDouble as i32,
            tensor_content: [0.25f64, 3.0]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
            ..Default::default()
        };
        assert_eq!(numbers(&t), Some(vec![0.25, 3.0]));
        let t = TensorProto {
            dtype: DataType::DtHalf as i32,
            half_val: vec![i32::from(f16::from_f32(0.5).to_bits())],
            ..Default::default()
        };
        assert_eq!(numbers(&t), Some(vec![0.5]));
        let t = with_shape(
            TensorProto {
                dtype: DataType::DtInt32 as i32,
                int_val: vec![7],
                ..Default::default()
            },
            &[3],
        );
        assert_eq!(numbers(&t), Some(vec![7.0, 7.0, 7.0]));
        let t = TensorProto {
            dtype: DataType::DtString as i32,
            string_val: vec![b"a".to_vec()],
            ..Default::default()
        };
        assert_eq!(numbers(&t), None);
        assert_eq!(strings(&t).map(<[_]>::len), Some(1));
    }
}
