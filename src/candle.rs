//! [candle](https://github.com/huggingface/candle) support (crate feature `candle`).
//!
//! # Tensors
//!
//! A candle `Tensor` can be logged wherever the API takes numbers, with the shapes and
//! element types of the [`tensor`] module's table: as a scalar
//! (`add_scalar("loss", &loss, step)`, any one-element tensor), a histogram
//! (`add_histogram("w", &w, step)`), an image (`[C, H, W]` or `[H, W]`,
//! [`add_image_tensor`](SummaryWriter::add_image_tensor)), a grid of images (`[N, C, H, W]`,
//! [`add_images_tensor`](SummaryWriter::add_images_tensor)), audio (`[L]` or `[C, L]`,
//! [`add_audio_tensor`](SummaryWriter::add_audio_tensor)) and an embedding (`[N, D]`,
//! [`Embedding::from_tensor`](crate::projector::Embedding::from_tensor)). Every element type is taken
//! where it makes sense: integers and floats for scalars and histograms, `u8` (0–255) and
//! floats (0–1) for images, floats (`f16`, `bf16`, `f32`, `f64`) for audio and embeddings;
//! candle's `F8E4M3` is converted to `f32` first; its other 8-, 6- and 4-bit floats, which
//! candle 0.11 cannot convert, are an [`Error::InvalidInput`].
//! Tensors on a GPU are
//! copied to the CPU. [`add_varmap_histograms`](SummaryWriter::add_varmap_histograms) logs
//! every variable of a `VarMap` in one event.
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{VarBuilder, VarMap};
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! let varmap = VarMap::new();
//! let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
//! let fc1 = candle_nn::linear(4, 3, vb.pp("fc1"))?;
//!
//! let x = Tensor::rand(0f32, 1f32, (8, 1, 2, 2), &Device::Cpu)?; // 8 grey 2×2 images
//! let out = candle_nn::Module::forward(&fc1, &x.flatten_from(1)?)?;
//! let loss = out.sqr()?.mean_all()?; // rank 0
//! writer.add_scalar("loss", &loss, 0u32)?;
//! writer.add_histogram("fc1/out", &out, 0u32)?;
//! writer.add_images_tensor("inputs", &x, 0u32)?;
//! writer.add_varmap_histograms(&varmap, 0u32)?; // fc1/weight and fc1/bias
//! assert!(writer.add_scalar("not_a_scalar", &out, 0u32).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Graphs
//!
//! A model's variables as nodes of the [Graphs dashboard](crate::summary::graph):
//! [`GraphBuilder::from_varmap`] and [`GraphBuilder::add_varmap`] turn every variable of a
//! `candle_nn::VarMap` into a `VariableV2` node with its `dtype`, `shape` and
//! `_output_shapes` attributes and its device. candle's dotted paths become name scopes
//! (`conv1.weight` → `conv1/weight`), so each layer's variables land in the layer's box, and
//! the nodes that use them are added with the usual builder calls.
//!
//! The conversions this needs ([`data_type`], [`tensor_shape`], [`device_name`],
//! [`node_name`]) are public for code that describes candle tensors in other ways.
//!
//! ```
//! use candle_core::{DType, Device};
//! use candle_nn::{VarBuilder, VarMap};
//! use tensorboard_writer::summary::graph::GraphBuilder;
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let varmap = VarMap::new();
//! let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
//! let _fc1 = candle_nn::linear(784, 128, vb.pp("fc1"))?; // fc1.weight, fc1.bias
//!
//! let g = GraphBuilder::new();
//! let x = g.node("input", "Placeholder").output_shape([-1, 784]).add()?;
//! let vars = g.add_varmap(&varmap)?; // nodes fc1/weight and fc1/bias
//! let fc1 = g.scope("fc1")?;
//! let mm = fc1
//!     .node("MatMul", "MatMul")
//!     .input(&x)
//!     .input(&vars["fc1.weight"])
//!     .attr("transpose_b", true)
//!     .output_shape([-1, 128])
//!     .add()?;
//! fc1.node("BiasAdd", "BiasAdd")
//!     .input(&mm)
//!     .input(&vars["fc1.bias"])
//!     .output_shape([-1, 128])
//!     .add()?;
//!
//! let writer = SummaryWriter::new(dir.path())?;
//! writer.add_graph(&g)?;
//! # assert_eq!(g.len(), 5);
//! # assert_eq!(vars["fc1.weight"].name(), "fc1/weight");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use candle_core::{DType, Device, DeviceLocation, Tensor};
use candle_nn::VarMap;

use crate::error::{Error, Result};
use crate::proto::DataType;
use crate::summary::graph::{GraphBuilder, GraphScope, NodeRef, TensorShape};
use crate::tensor::{self, HostTensor, TensorData, TensorInput};
use crate::writer::{Step, StepBuilder, SummaryWriter};

/// The op of the nodes made for variables (TensorFlow's variable op).
pub const VARIABLE_OP: &str = "VariableV2";

/// TensorFlow's `DataType` for a candle `DType`; `None` for the types TensorBoard's schema
/// has no name for (candle's 8-, 6- and 4-bit floats).
pub fn data_type(dtype: DType) -> Option<DataType> {
    Some(match dtype {
        DType::U8 => DataType::DtUint8,
        DType::U32 => DataType::DtUint32,
        DType::I16 => DataType::DtInt16,
        DType::I32 => DataType::DtInt32,
        DType::I64 => DataType::DtInt64,
        DType::BF16 => DataType::DtBfloat16,
        DType::F16 => DataType::DtHalf,
        DType::F32 => DataType::DtFloat,
        DType::F64 => DataType::DtDouble,
        _ => return None,
    })
}

/// The shape of a candle shape (all dimensions known).
pub fn tensor_shape(shape: &candle_core::Shape) -> TensorShape {
    TensorShape::from(shape.dims())
}

/// TensorFlow's name for a candle device: `/device:CPU:0`, or `/device:GPU:<id>` for CUDA and
/// Metal devices.
pub fn device_name(device: &Device) -> String {
    match device.location() {
        DeviceLocation::Cpu => "/device:CPU:0".to_owned(),
        DeviceLocation::Cuda { gpu_id } | DeviceLocation::Metal { gpu_id } => {
            format!("/device:GPU:{gpu_id}")
        }
    }
}

/// The node name for a candle variable path: `.` separates scopes in candle and `/` in
/// TensorBoard (`model.layers.0.weight` → `model/layers/0/weight`). The result is checked
/// when the node is added.
pub fn node_name(path: &str) -> String {
    path.replace('.', "/")
}

/// The nodes made for variables, keyed by their candle path (`"conv1.weight"`).
pub type VarNodes = BTreeMap<String, NodeRef>;

/// Adds a node for each `(path, tensor)` under `scope`, all or none.
fn add_vars<'a>(
    scope: &GraphScope<'_>,
    vars: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
) -> Result<VarNodes> {
    let mut paths = Vec::new();
    let mut defs = Vec::new();
    for (path, tensor) in vars {
        if path.is_empty() {
            return Err(Error::InvalidInput {
                what: "graph node",
                reason: "a variable has an empty path".into(),
            });
        }
        let shape = tensor_shape(tensor.shape());
        let mut node = scope
            .node(&node_name(path), VARIABLE_OP)
            .attr("shape", &shape)
            .output_shape(shape)
            .device(&device_name(tensor.device()));
        if let Some(t) = data_type(tensor.dtype()) {
            node = node.dtype(t);
        }
        let (_, def) = node.finish().map_err(|e| match e {
            Error::InvalidInput { what, reason } => Error::InvalidInput {
                what,
                reason: format!("variable {path:?}: {reason}"),
            },
            e => e,
        })?;
        paths.push(path.to_owned());
        defs.push(def);
    }
    let refs = scope.graph().insert_all(defs)?;
    Ok(paths.into_iter().zip(refs).collect())
}

/// The variables of `varmap`, sorted by path (a `VarMap` holds them in a hash map).
fn sorted_vars(varmap: &VarMap) -> Vec<(String, Tensor)> {
    // A poisoned lock only means another thread panicked while holding it; the map itself
    // is intact, and reading it is safe.
    let data = varmap.data().lock().unwrap_or_else(|e| e.into_inner());
    let mut vars: Vec<(String, Tensor)> = data
        .iter()
        .map(|(path, var)| (path.clone(), var.as_tensor().clone()))
        .collect();
    drop(data);
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

impl GraphBuilder {
    /// A graph holding one node per variable of `varmap` (see [`add_varmap`](Self::add_varmap)).
    pub fn from_varmap(varmap: &VarMap) -> Result<GraphBuilder> {
        let g = GraphBuilder::new();
        g.add_varmap(varmap)?;
        Ok(g)
    }

    /// Adds one `VariableV2` node per variable of `varmap`, named after its path
    /// (`conv1.weight` → `conv1/weight`), with attributes `dtype` (when TensorFlow has a name
    /// for the type), `shape` and `_output_shapes`, and the variable's device. Returns the
    /// nodes by candle path, to use as inputs of the nodes that read the variables.
    ///
    /// All or nothing: a path that makes an invalid node name (see the
    /// [name rules](crate::summary::graph#name-rules)) or a name already in the graph is an
    /// error naming the variable, and then no node is added.
    pub fn add_varmap(&self, varmap: &VarMap) -> Result<VarNodes> {
        self.root().add_varmap(varmap)
    }

    /// Adds one `VariableV2` node for `tensor` (a candle `Var` derefs to one), named after
    /// the candle `path`, as [`add_varmap`](Self::add_varmap) does for each variable.
    pub fn add_variable(&self, path: &str, tensor: &Tensor) -> Result<NodeRef> {
        self.root().add_variable(path, tensor)
    }
}

impl GraphScope<'_> {
    /// Like [`GraphBuilder::add_varmap`], with every node inside this scope
    /// (`model` + `conv1.weight` → `model/conv1/weight`).
    pub fn add_varmap(&self, varmap: &VarMap) -> Result<VarNodes> {
        let vars = sorted_vars(varmap);
        add_vars(self, vars.iter().map(|(p, t)| (p.as_str(), t)))
    }

    /// Like [`GraphBuilder::add_variable`], with the node inside this scope.
    pub fn add_variable(&self, path: &str, tensor: &Tensor) -> Result<NodeRef> {
        let mut nodes = add_vars(self, [(path, tensor)])?;
        nodes.remove(path).ok_or_else(|| Error::InvalidInput {
            what: "graph node",
            reason: format!("variable {path:?} was not added"),
        })
    }
}

/// The error for a tensor candle fails to read.
fn candle_error(e: candle_core::Error) -> Error {
    tensor::bad(
        "candle tensor",
        format!("reading the tensor into host memory failed: {e}"),
    )
}

/// The elements of `t`, row-major, copied to host memory in their own type (`F8E4M3` as
/// `f32`; candle refuses to convert its other small floats, which is an error here).
fn host_data(t: &Tensor) -> Result<TensorData> {
    let flat = t.flatten_all().map_err(candle_error)?;
    let data = match flat.dtype() {
        DType::U8 => TensorData::U8(flat.to_vec1().map_err(candle_error)?),
        DType::U32 => TensorData::U32(flat.to_vec1().map_err(candle_error)?),
        DType::I16 => TensorData::I16(flat.to_vec1().map_err(candle_error)?),
        DType::I32 => TensorData::I32(flat.to_vec1().map_err(candle_error)?),
        DType::I64 => TensorData::I64(flat.to_vec1().map_err(candle_error)?),
        DType::F16 => TensorData::F16(flat.to_vec1().map_err(candle_error)?),
        DType::BF16 => TensorData::BF16(flat.to_vec1().map_err(candle_error)?),
        DType::F32 => TensorData::F32(flat.to_vec1().map_err(candle_error)?),
        DType::F64 => TensorData::F64(flat.to_vec1().map_err(candle_error)?),
        _ => TensorData::F32(
            flat.to_dtype(DType::F32)
                .and_then(|f| f.to_vec1())
                .map_err(candle_error)?,
        ),
    };
    Ok(data)
}

/// The shape, the elements and the dtype conversions are described in the
/// [`tensor`] module.
impl TensorInput for Tensor {
    fn to_host(&self) -> Result<HostTensor> {
        HostTensor::new(self.dims(), host_data(self)?)
    }
}

impl SummaryWriter {
    /// Logs the histogram of every variable of `varmap` at `step`, in one event, tagged by
    /// its path with `.` turned into `/` (`conv1.weight` → `conv1/weight`, under this
    /// handle's scope). A path that makes an invalid tag is an error, and then nothing is
    /// written. An empty `VarMap` writes nothing.
    ///
    /// ```
    /// use candle_core::{DType, Device};
    /// use candle_nn::{VarBuilder, VarMap};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let varmap = VarMap::new();
    /// let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    /// let _conv1 = candle_nn::conv2d(1, 8, 5, Default::default(), vb.pp("conv1"))?;
    /// let _fc1 = candle_nn::linear(128, 10, vb.pp("fc1"))?;
    /// // weights/conv1/bias, weights/conv1/weight, weights/fc1/bias, weights/fc1/weight
    /// writer.scope("weights")?.add_varmap_histograms(&varmap, 100u32)?;
    /// # writer.flush()?;
    /// # use tensorboard_writer::proto::event::What;
    /// # let events = tensorboard_writer::reader::read_events(dir.path())?;
    /// # let Some(What::Summary(s)) = &events[1].what else { panic!() };
    /// # let tags: Vec<_> = s.value.iter().map(|v| v.tag.as_str()).collect();
    /// # assert_eq!(tags, ["weights/conv1/bias", "weights/conv1/weight", "weights/fc1/bias", "weights/fc1/weight"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_varmap_histograms(&self, varmap: &VarMap, step: impl Step) -> Result<()> {
        self.step(step).varmap_histograms(varmap).write()
    }
}

impl StepBuilder<'_> {
    /// Adds the histogram of every variable of `varmap`, sorted by path (see
    /// [`SummaryWriter::add_varmap_histograms`]).
    pub fn varmap_histograms(self, varmap: &VarMap) -> Self {
        sorted_vars(varmap)
            .iter()
            .fold(self, |b, (path, t)| b.histogram(&node_name(path), t))
    }
}
