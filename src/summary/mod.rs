//! Building `Summary.Value`s for each dashboard, in the forms both of TensorBoard's loaders
//! read (docs/FORMAT.md §3). One submodule per dashboard; each adds its `add_*` methods to
//! [`SummaryWriter`](crate::SummaryWriter) and, where it makes sense, to
//! [`StepBuilder`](crate::StepBuilder).
//!
//! Every tensor value carries its `SummaryMetadata` (plugin name, plugin content with
//! `version` 0, and the data class the plugin filters on). TensorBoard needs it on the first
//! value of each tag in each file; writing it on every value is harmless and keeps each
//! record self-describing, whatever the order in which threads log and however files are
//! split.

use crate::proto::{
    DataClass, DataType, SummaryMetadata, TensorProto, TensorShapeProto, summary,
    summary_metadata::PluginData, tensor_shape_proto::Dim,
};

pub mod audio;
pub mod custom_scalars;
pub mod graph;
pub mod histogram;
pub mod hparams;
pub mod image;
pub mod mesh;
pub mod pr_curve;
pub mod scalar;
pub mod text;
pub mod video;

/// Metadata naming `plugin`, with its serialized plugin message and data class.
pub(crate) fn metadata(plugin: &str, content: Vec<u8>, data_class: DataClass) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(PluginData {
            plugin_name: plugin.to_owned(),
            content,
        }),
        display_name: String::new(),
        summary_description: String::new(),
        data_class: data_class as i32,
    }
}

/// A tensor shape with the given dimensions (empty for a scalar).
pub(crate) fn shape(dims: &[usize]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|&d| Dim {
                size: d as i64,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

/// A `DT_STRING` tensor of the given shape holding `items` in row-major order.
pub(crate) fn string_tensor(dims: &[usize], items: Vec<Vec<u8>>) -> TensorProto {
    TensorProto {
        dtype: DataType::DtString as i32,
        tensor_shape: Some(shape(dims)),
        string_val: items,
        ..Default::default()
    }
}

/// A `DT_DOUBLE` tensor of the given shape, as little-endian `tensor_content`.
pub(crate) fn f64_tensor(dims: &[usize], values: impl IntoIterator<Item = f64>) -> TensorProto {
    let mut content = Vec::new();
    for v in values {
        content.extend_from_slice(&v.to_le_bytes());
    }
    TensorProto {
        dtype: DataType::DtDouble as i32,
        tensor_shape: Some(shape(dims)),
        tensor_content: content,
        ..Default::default()
    }
}

/// A `DT_FLOAT` tensor of the given shape, as little-endian `tensor_content`.
pub(crate) fn f32_tensor(dims: &[usize], values: impl IntoIterator<Item = f32>) -> TensorProto {
    let mut content = Vec::new();
    for v in values {
        content.extend_from_slice(&v.to_le_bytes());
    }
    TensorProto {
        dtype: DataType::DtFloat as i32,
        tensor_shape: Some(shape(dims)),
        tensor_content: content,
        ..Default::default()
    }
}

/// A `Summary.Value` holding `tensor` under `tag`, with `metadata`.
pub(crate) fn tensor_value(
    tag: String,
    metadata: SummaryMetadata,
    tensor: TensorProto,
) -> summary::Value {
    summary::Value {
        tag,
        metadata: Some(metadata),
        value: Some(summary::value::Value::Tensor(tensor)),
        ..Default::default()
    }
}

/// Serializes a plugin message for `PluginData.content`.
pub(crate) fn content(msg: &impl prost::Message) -> Vec<u8> {
    msg.encode_to_vec()
}
