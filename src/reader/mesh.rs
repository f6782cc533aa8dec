//! Meshes: one value per component (vertices, faces, colours) of a mesh.

use super::tensor_values;
use crate::proto::TensorProto;
use crate::proto::mesh::{MeshPluginData, mesh_plugin_data::ContentType};
use prost::Message;

/// Which part of a mesh a value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeshComponent {
    /// Vertex positions, `[B, N, 3]` (x, y, z).
    Vertices,
    /// Faces, `[B, F, 3]` vertex indices.
    Faces,
    /// Vertex colours, `[B, N, 3]` (r, g, b).
    Colors,
}

/// One component of a mesh (tag `<name>_VERTEX`, `_FACE` or `_COLOR`).
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// The mesh's name as TensorBoard shows it (the tag without the component suffix).
    pub name: String,
    /// Which component this value holds.
    pub component: MeshComponent,
    /// The tensor's shape, `[B, N, 3]`.
    pub shape: Vec<i64>,
    /// The elements, row-major, widened to `f64`.
    pub values: Vec<f64>,
    /// The three.js scene configuration as JSON (camera, lights, material).
    pub json_config: String,
}

impl Mesh {
    pub(crate) fn from_tensor(content: &[u8], t: &TensorProto) -> Result<Self, String> {
        let md = MeshPluginData::decode(content)
            .map_err(|e| format!("mesh plugin content does not decode: {e}"))?;
        let component = match ContentType::try_from(md.content_type) {
            Ok(ContentType::Vertex) => MeshComponent::Vertices,
            Ok(ContentType::Face) => MeshComponent::Faces,
            Ok(ContentType::Color) => MeshComponent::Colors,
            _ => return Err(format!("mesh content type {} is unknown", md.content_type)),
        };
        let values =
            tensor_values::numbers(t).ok_or_else(|| "mesh tensor is not numeric".to_string())?;
        let shape = tensor_values::shape(t);
        if tensor_values::element_count(&shape) != Some(values.len()) {
            return Err(format!(
                "mesh tensor of shape {shape:?} holds {} elements",
                values.len()
            ));
        }
        Ok(Mesh {
            name: md.name,
            component,
            shape,
            values,
            json_config: md.json_config,
        })
    }
}
