//! [`Data`], the typed value of one point, and [`Kind`], which dashboard it belongs to.

use std::fmt;
use std::str::FromStr;

use super::blob::{Audio, Image};
use super::graph::Graph;
use super::histogram::Histogram;
use super::hparams::HParamsRecord;
use super::mesh::Mesh;
use super::pr_curve::PrCurve;
use super::text::Text;
use crate::proto::{Layout, TensorProto};

/// The typed value of one point of a series, whatever form it was written in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Data {
    /// A scalar (`simple_value`, or a one-element tensor of the `scalars` plugin), widened to
    /// `f64`.
    Scalar(f64),
    /// A histogram (the `[k, 3]` tensor form or the older `histo` form).
    Histogram(Box<Histogram>),
    /// One or more images of one size.
    Images(Vec<Image>),
    /// One or more audio clips.
    Audio(Vec<Audio>),
    /// Text: one string, a list or a table.
    Text(Box<Text>),
    /// A PR curve.
    PrCurve(Box<PrCurve>),
    /// An hparams record (experiment, session start or session end).
    HParams(Box<HParamsRecord>),
    /// A graph.
    Graph(Box<Graph>),
    /// A custom-scalar layout (tag `custom_scalars__config__`).
    CustomScalars(Box<Layout>),
    /// One component of a mesh.
    Mesh(Box<Mesh>),
    /// A tensor of another plugin, as written, with the plugin's name.
    Tensor {
        /// The plugin named in the tag's metadata (empty when none was).
        plugin: String,
        /// The tensor.
        tensor: Box<TensorProto>,
    },
}

impl Data {
    /// The dashboard this value belongs to.
    pub fn kind(&self) -> Kind {
        match self {
            Data::Scalar(_) => Kind::Scalars,
            Data::Histogram(_) => Kind::Histograms,
            Data::Images(_) => Kind::Images,
            Data::Audio(_) => Kind::Audio,
            Data::Text(_) => Kind::Text,
            Data::PrCurve(_) => Kind::PrCurves,
            Data::HParams(_) => Kind::HParams,
            Data::Graph(_) => Kind::Graphs,
            Data::CustomScalars(_) => Kind::CustomScalars,
            Data::Mesh(_) => Kind::Meshes,
            Data::Tensor { .. } => Kind::Tensors,
        }
    }
}

/// Which dashboard a series belongs to: what [`Data`] its points hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// [`Data::Scalar`].
    Scalars,
    /// [`Data::Histogram`].
    Histograms,
    /// [`Data::Images`].
    Images,
    /// [`Data::Audio`].
    Audio,
    /// [`Data::Text`].
    Text,
    /// [`Data::PrCurve`].
    PrCurves,
    /// [`Data::HParams`].
    HParams,
    /// [`Data::Graph`].
    Graphs,
    /// [`Data::CustomScalars`].
    CustomScalars,
    /// [`Data::Mesh`].
    Meshes,
    /// [`Data::Tensor`].
    Tensors,
}

impl Kind {
    /// Every kind, in the order of the enum.
    pub const ALL: [Kind; 11] = [
        Kind::Scalars,
        Kind::Histograms,
        Kind::Images,
        Kind::Audio,
        Kind::Text,
        Kind::PrCurves,
        Kind::HParams,
        Kind::Graphs,
        Kind::CustomScalars,
        Kind::Meshes,
        Kind::Tensors,
    ];

    /// The kind's name: `scalars`, `histograms`, `images`, `audio`, `text`, `pr_curves`,
    /// `hparams`, `graphs`, `custom_scalars`, `meshes`, `tensors`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Scalars => "scalars",
            Kind::Histograms => "histograms",
            Kind::Images => "images",
            Kind::Audio => "audio",
            Kind::Text => "text",
            Kind::PrCurves => "pr_curves",
            Kind::HParams => "hparams",
            Kind::Graphs => "graphs",
            Kind::CustomScalars => "custom_scalars",
            Kind::Meshes => "meshes",
            Kind::Tensors => "tensors",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of [`Kind::name`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        write!(
            f,
            "unknown kind {:?} (one of: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownKind {}

impl FromStr for Kind {
    type Err = UnknownKind;

    /// Parses [`Kind::name`]'s names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}
