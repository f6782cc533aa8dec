//! A burn `Module`'s parameters by path: histograms, and nodes of the Graphs dashboard.

use std::collections::BTreeMap;

use ::burn::module::{Module, ModuleVisitor, Param};
use ::burn::tensor::{Bool, DType, Int, Tensor};

use super::tensor::data_type;
use crate::error::{Error, Result};
use crate::summary::graph::{GraphBuilder, GraphScope, NodeRef, TensorShape};
use crate::tensor::TensorInput;
use crate::writer::{Step, StepBuilder, SummaryWriter};

/// The op of the nodes made for parameters (TensorFlow's variable op), as for candle's and
/// tch's variables.
pub const VARIABLE_OP: &str = "VariableV2";

/// One parameter of a module: its path (`conv1/weight`), shape, dtype and tensor.
struct ParamEntry {
    path: String,
    dims: Vec<usize>,
    dtype: DType,
    tensor: Box<dyn TensorInput>,
}

/// Collects every parameter with the path of the fields that lead to it.
#[derive(Default)]
struct Collect {
    stack: Vec<String>,
    params: Vec<ParamEntry>,
}

impl Collect {
    fn push<const D: usize, K: ::burn::tensor::kind::Basic + 'static>(&mut self, t: Tensor<D, K>) {
        self.params.push(ParamEntry {
            path: self.stack.join("/"),
            dims: t.dims().to_vec(),
            dtype: t.dtype(),
            tensor: Box::new(t),
        });
    }
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.stack.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.push(param.val());
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<D, Int>>) {
        self.push(param.val());
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<D, Bool>>) {
        self.push(param.val());
    }
}

/// The parameters of `module` in the order the module visits them (its fields' order).
fn params<M: Module>(module: &M) -> Vec<ParamEntry> {
    let mut c = Collect::default();
    module.visit(&mut c);
    c.params
}

/// The nodes made for parameters, keyed by their path (`"conv1/weight"`).
pub type ParamNodes = BTreeMap<String, NodeRef>;

fn add_params(scope: &GraphScope<'_>, params: &[ParamEntry]) -> Result<ParamNodes> {
    let mut defs = Vec::with_capacity(params.len());
    for p in params {
        if p.path.is_empty() {
            return Err(Error::InvalidInput {
                what: "graph node",
                reason: "a parameter has an empty path (a bare Param is not a module)".into(),
            });
        }
        let shape = TensorShape::from(p.dims.as_slice());
        let mut node = scope
            .node(&p.path, VARIABLE_OP)
            .attr("shape", &shape)
            .output_shape(shape);
        if let Some(t) = data_type(p.dtype) {
            node = node.dtype(t);
        }
        let (_, def) = node.finish().map_err(|e| match e {
            Error::InvalidInput { what, reason } => Error::InvalidInput {
                what,
                reason: format!("parameter {:?}: {reason}", p.path),
            },
            e => e,
        })?;
        defs.push(def);
    }
    let refs = scope.graph().insert_all(defs)?;
    Ok(params.iter().map(|p| p.path.clone()).zip(refs).collect())
}

impl GraphBuilder {
    /// A graph holding one node per parameter of the burn `module` (see
    /// [`add_module`](Self::add_module)).
    pub fn from_module<M: Module>(module: &M) -> Result<GraphBuilder> {
        let g = GraphBuilder::new();
        g.add_module(module)?;
        Ok(g)
    }

    /// Adds one `VariableV2` node per parameter of the burn `module`, named after its path
    /// (the module's field names joined by `/`: `conv1/weight`, `blocks/0/linear/bias`), so
    /// each layer's parameters land in the layer's box, with attributes `dtype`, `shape` and
    /// `_output_shapes`. Returns the nodes by path, to use as inputs of the nodes that read
    /// the parameters.
    ///
    /// All or nothing: a path that makes an invalid node name (see the
    /// [name rules](crate::summary::graph#name-rules)) or a name already in the graph is an
    /// error naming the parameter, and then no node is added.
    pub fn add_module<M: Module>(&self, module: &M) -> Result<ParamNodes> {
        self.root().add_module(module)
    }
}

impl GraphScope<'_> {
    /// Like [`GraphBuilder::add_module`], with every node inside this scope
    /// (`model` + `conv1/weight` → `model/conv1/weight`).
    pub fn add_module<M: Module>(&self, module: &M) -> Result<ParamNodes> {
        add_params(self, &params(module))
    }
}

impl SummaryWriter {
    /// Logs the histogram of every parameter of the burn `module` at `step`, in one event,
    /// tagged by its path (`conv1/weight`, under this handle's scope). A path that makes an
    /// invalid tag, or a parameter burn fails to read, is an error, and then nothing is
    /// written. A module without parameters writes nothing.
    pub fn add_module_histograms<M: Module>(&self, module: &M, step: impl Step) -> Result<()> {
        self.step(step).module_histograms(module).write()
    }
}

impl StepBuilder<'_> {
    /// Adds the histogram of every parameter of the burn `module` (see
    /// [`SummaryWriter::add_module_histograms`]).
    pub fn module_histograms<M: Module>(self, module: &M) -> Self {
        params(module)
            .iter()
            .fold(self, |b, p| b.histogram(&p.path, p.tensor.as_ref()))
    }
}
