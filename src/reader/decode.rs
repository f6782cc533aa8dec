//! From a `Summary.Value` to [`Data`]: which plugin a tag belongs to (the first metadata
//! seen for it in the run, as both TensorBoard loaders decide) and the conversion of each
//! form.

use std::collections::HashMap;

use prost::Message;

use super::blob;
use super::data::{Data, Kind};
use super::graph::{Graph, GraphKind};
use super::histogram::Histogram;
use super::hparams;
use super::mesh::Mesh;
use super::pr_curve::PrCurve;
use super::tensor_values;
use super::text::Text;
use crate::proto::summary::value::Value as V;
use crate::proto::{Layout, TensorProto, summary};

/// What a run has taught about its tags: the plugin of each, from its first metadata.
#[derive(Debug, Default)]
pub(crate) struct Tags {
    plugins: HashMap<String, Plugin>,
}

#[derive(Debug)]
struct Plugin {
    name: String,
    content: Vec<u8>,
}

impl Tags {
    /// The kind `v` decodes to (`None`: a value that holds nothing TensorBoard reads), noting
    /// its plugin if its tag is new to the run.
    pub(crate) fn kind_of(&mut self, v: &summary::Value) -> Option<Kind> {
        let Some(value) = v.value.as_ref() else {
            // tensorboardX and torch write hparams records with no value at all: the data is
            // in the plugin content.
            return (self.note(v) == "hparams").then_some(Kind::HParams);
        };
        match value {
            V::SimpleValue(_) => Some(Kind::Scalars),
            V::Histo(_) => Some(Kind::Histograms),
            V::Image(_) => Some(Kind::Images),
            V::Audio(_) => Some(Kind::Audio),
            V::ObsoleteOldStyleHistogram(_) => None,
            V::Tensor(_) => Some(match self.note(v) {
                "scalars" => Kind::Scalars,
                "histograms" => Kind::Histograms,
                "images" => Kind::Images,
                "audio" => Kind::Audio,
                "text" => Kind::Text,
                "pr_curves" => Kind::PrCurves,
                "hparams" => Kind::HParams,
                "custom_scalars" => Kind::CustomScalars,
                "mesh" => Kind::Meshes,
                "graph_keras_model" | "graph_run_metadata" | "graph_run_metadata_graph" => {
                    Kind::Graphs
                }
                _ => Kind::Tensors,
            }),
        }
    }

    /// Notes the plugin of `v`'s tag if the tag is new; returns the tag's plugin.
    fn note(&mut self, v: &summary::Value) -> &str {
        if !self.plugins.contains_key(&v.tag) {
            let pd = v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref());
            self.plugins.insert(
                v.tag.clone(),
                Plugin {
                    name: pd.map(|p| p.plugin_name.clone()).unwrap_or_default(),
                    content: pd.map(|p| p.content.clone()).unwrap_or_default(),
                },
            );
        }
        self.plugins.get(&v.tag).map_or("", |p| p.name.as_str())
    }

    /// Decodes `v`, whose kind [`kind_of`](Self::kind_of) said is `kind`.
    pub(crate) fn decode(&self, kind: Kind, v: &summary::Value) -> Result<Option<Data>, String> {
        let empty = TensorProto::default();
        let t = match v.value.as_ref() {
            None if kind == Kind::HParams => &empty,
            None => return Ok(None),
            Some(value) => match value {
                V::SimpleValue(x) => return Ok(Some(Data::Scalar(f64::from(*x)))),
                V::Histo(h) => {
                    return Histogram::from_legacy(h).map(|h| Some(Data::Histogram(Box::new(h))));
                }
                V::Image(i) => return blob::image_from_legacy(i).map(|i| Some(Data::Images(i))),
                V::Audio(a) => return Ok(Some(Data::Audio(blob::audio_from_legacy(a)))),
                V::ObsoleteOldStyleHistogram(_) => return Ok(None),
                V::Tensor(t) => t,
            },
        };
        let plugin = self.plugins.get(&v.tag);
        // Records whose data is in the plugin content (hparams, mesh) are read from their own
        // metadata when they carry it.
        let content = v
            .metadata
            .as_ref()
            .and_then(|m| m.plugin_data.as_ref())
            .filter(|p| plugin.is_none_or(|q| q.name == p.plugin_name))
            .map(|p| p.content.as_slice())
            .or(plugin.map(|p| p.content.as_slice()))
            .unwrap_or_default();
        let data = match kind {
            Kind::Scalars => Data::Scalar(scalar(t)?),
            Kind::Histograms => Data::Histogram(Box::new(Histogram::from_tensor(t)?)),
            Kind::Images => Data::Images(blob::images_from_tensor(t)?),
            Kind::Audio => Data::Audio(blob::audio_from_tensor(t)?),
            Kind::Text => Data::Text(Box::new(Text::from_tensor(t)?)),
            Kind::PrCurves => Data::PrCurve(Box::new(PrCurve::from_tensor(t)?)),
            Kind::HParams => Data::HParams(Box::new(hparams::from_content(content)?)),
            Kind::CustomScalars => Data::CustomScalars(Box::new(layout(t)?)),
            Kind::Meshes => Data::Mesh(Box::new(Mesh::from_tensor(content, t)?)),
            Kind::Graphs => {
                let keras = plugin.is_some_and(|p| p.name == "graph_keras_model");
                let (kind, what) = match keras {
                    true => (GraphKind::KerasModel, "Keras model"),
                    false => (GraphKind::RunMetadata, "run metadata"),
                };
                Data::Graph(Box::new(Graph {
                    kind,
                    bytes: single_string(t, what)?.to_vec(),
                }))
            }
            Kind::Tensors => Data::Tensor {
                plugin: plugin.map(|p| p.name.clone()).unwrap_or_default(),
                tensor: Box::new(t.clone()),
            },
        };
        Ok(Some(data))
    }
}

/// The one element of a numeric tensor.
fn scalar(t: &TensorProto) -> Result<f64, String> {
    match tensor_values::numbers(t).as_deref() {
        Some(&[x]) => Ok(x),
        Some(v) => Err(format!("scalar tensor with {} elements", v.len())),
        None => Err("scalar tensor is not numeric".into()),
    }
}

/// The one element of a string tensor.
fn single_string<'a>(t: &'a TensorProto, what: &str) -> Result<&'a [u8], String> {
    match tensor_values::strings(t) {
        Some([s]) => Ok(s),
        _ => Err(format!("{what} tensor is not a single string")),
    }
}

/// A custom-scalar layout: a serialized `Layout` in a string tensor.
fn layout(t: &TensorProto) -> Result<Layout, String> {
    Layout::decode(single_string(t, "custom scalar layout")?)
        .map_err(|e| format!("custom scalar layout does not decode: {e}"))
}
