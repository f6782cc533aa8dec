//! Attribute values: what [`NodeBuilder::attr`](super::builder::NodeBuilder::attr) converts
//! into an [`AttrValue`] (strings, numbers, booleans, data types, shapes and lists of them).

use crate::proto::{AttrValue, DataType, attr_value};

use super::shape::TensorShape;

/// The attribute holding one shape per output, which the dashboard shows on edges.
pub const OUTPUT_SHAPES_ATTR: &str = "_output_shapes";

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        attr(attr_value::Value::S(s.as_bytes().to_vec()))
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        attr(attr_value::Value::S(s.into_bytes()))
    }
}

impl From<&String> for AttrValue {
    fn from(s: &String) -> Self {
        AttrValue::from(s.as_str())
    }
}

impl From<i64> for AttrValue {
    fn from(i: i64) -> Self {
        attr(attr_value::Value::I(i))
    }
}

impl From<i32> for AttrValue {
    fn from(i: i32) -> Self {
        attr(attr_value::Value::I(i64::from(i)))
    }
}

impl From<f32> for AttrValue {
    fn from(f: f32) -> Self {
        attr(attr_value::Value::F(f))
    }
}

impl From<f64> for AttrValue {
    /// Stored as `f32`, the type of TensorFlow's float attributes.
    fn from(f: f64) -> Self {
        attr(attr_value::Value::F(f as f32))
    }
}

impl From<bool> for AttrValue {
    fn from(b: bool) -> Self {
        attr(attr_value::Value::B(b))
    }
}

impl From<DataType> for AttrValue {
    fn from(t: DataType) -> Self {
        attr(attr_value::Value::Type(t as i32))
    }
}

impl From<TensorShape> for AttrValue {
    fn from(s: TensorShape) -> Self {
        attr(attr_value::Value::Shape(s.to_proto()))
    }
}

impl From<&TensorShape> for AttrValue {
    fn from(s: &TensorShape) -> Self {
        attr(attr_value::Value::Shape(s.to_proto()))
    }
}

impl<T: AttrListItem> From<Vec<T>> for AttrValue {
    fn from(items: Vec<T>) -> Self {
        list(items)
    }
}

impl<T: AttrListItem, const N: usize> From<[T; N]> for AttrValue {
    fn from(items: [T; N]) -> Self {
        list(items)
    }
}

impl<T: AttrListItem + Clone> From<&[T]> for AttrValue {
    fn from(items: &[T]) -> Self {
        list(items.iter().cloned())
    }
}

pub(super) fn attr(value: attr_value::Value) -> AttrValue {
    AttrValue { value: Some(value) }
}

fn list<T: AttrListItem>(items: impl IntoIterator<Item = T>) -> AttrValue {
    let mut l = attr_value::ListValue::default();
    for item in items {
        item.push_to(&mut l);
    }
    attr(attr_value::Value::List(l))
}

mod sealed {
    pub trait Sealed {}
}

/// An element of a list attribute: `i64`, `i32`, `f32`, `f64`, `bool`, [`DataType`],
/// [`TensorShape`], `&str` or `String`. Lists convert into [`AttrValue`] from arrays, slices
/// and `Vec`s of these (`.attr("strides", [1, 2, 2, 1])`). Sealed.
pub trait AttrListItem: sealed::Sealed {
    /// Appends this element to the matching field of `list`.
    fn push_to(self, list: &mut attr_value::ListValue);
}

macro_rules! list_item {
    ($($t:ty => |$v:ident, $l:ident| $body:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl AttrListItem for $t {
            fn push_to(self, $l: &mut attr_value::ListValue) {
                let $v = self;
                $body
            }
        }
    )*};
}

list_item! {
    i64 => |v, l| l.i.push(v);
    i32 => |v, l| l.i.push(i64::from(v));
    f32 => |v, l| l.f.push(v);
    f64 => |v, l| l.f.push(v as f32);
    bool => |v, l| l.b.push(v);
    DataType => |v, l| l.r#type.push(v as i32);
    TensorShape => |v, l| l.shape.push(v.to_proto());
    &str => |v, l| l.s.push(v.as_bytes().to_vec());
    String => |v, l| l.s.push(v.into_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_conversions() {
        use attr_value::Value;
        assert_eq!(
            AttrValue::from("VALID").value,
            Some(Value::S(b"VALID".to_vec()))
        );
        assert_eq!(AttrValue::from(3).value, Some(Value::I(3)));
        assert_eq!(AttrValue::from(0.5).value, Some(Value::F(0.5)));
        assert_eq!(AttrValue::from(true).value, Some(Value::B(true)));
        assert_eq!(
            AttrValue::from(DataType::DtHalf).value,
            Some(Value::Type(DataType::DtHalf as i32))
        );
        let Some(Value::List(l)) = AttrValue::from([1, 2, 2, 1]).value else {
            panic!()
        };
        assert_eq!(l.i, [1, 2, 2, 1]);
        let Some(Value::List(l)) = AttrValue::from(vec!["a", "b"]).value else {
            panic!()
        };
        assert_eq!(l.s, [b"a".to_vec(), b"b".to_vec()]);
        let Some(Value::List(l)) =
            AttrValue::from(&[TensorShape::scalar(), TensorShape::unknown_rank()][..]).value
        else {
            panic!()
        };
        assert_eq!(l.shape.len(), 2);
        assert!(l.shape[0].dim.is_empty() && !l.shape[0].unknown_rank);
        assert!(l.shape[1].unknown_rank);
    }
}
