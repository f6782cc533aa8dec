//! Text: a string tensor of rank 0 (one Markdown string), 1 (a list) or 2 (a table).

use super::tensor_values;
use crate::proto::TensorProto;

/// A text summary: its strings in row-major order and the tensor's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The tensor's shape: `[]` for one string, `[n]` for a list, `[rows, cols]` for a table.
    pub shape: Vec<i64>,
    /// The strings (invalid UTF-8 replaced by U+FFFD).
    pub strings: Vec<String>,
}

impl Text {
    pub(crate) fn from_tensor(t: &TensorProto) -> Result<Self, String> {
        let s =
            tensor_values::strings(t).ok_or_else(|| "text tensor is not DT_STRING".to_string())?;
        Ok(Text {
            shape: tensor_values::shape(t),
            strings: s
                .iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect(),
        })
    }
}
