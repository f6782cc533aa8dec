//! Graphs: a model's architecture in the Graphs dashboard, folded by name scopes.
//!
//! TensorBoard's Graphs dashboard draws a TensorFlow `GraphDef`: a list of nodes, each with a
//! name, an op (the kind of operation), the names of the nodes whose outputs it reads, an
//! optional device and attributes. Names are paths: `/` separates name scopes, and the
//! dashboard folds each scope (`conv1/…`) into one box that opens on double click. Boxes with
//! the same inner structure share a colour.
//!
//! [`GraphBuilder`] builds such a graph beside the code that builds the model:
//! [`GraphBuilder::scope`] gives a [`GraphScope`] that prefixes the names of the nodes created
//! through it, scopes nest, and [`NodeBuilder::add`] returns a [`NodeRef`] to pass as the
//! input of later nodes. [`SummaryWriter::add_graph`] writes the graph as a `graph_def` event,
//! which both of TensorBoard's loaders serve as the run's graph (docs/FORMAT.md §2).
//!
//! ```
//! use tensorboard_writer::proto::DataType;
//! use tensorboard_writer::summary::graph::GraphBuilder;
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let g = GraphBuilder::new();
//! let x = g
//!     .node("input", "Placeholder")
//!     .dtype(DataType::DtFloat)
//!     .output_shape([-1, 28, 28, 1]) // -1: any batch size
//!     .add()?;
//!
//! let conv1 = g.scope("conv1")?;
//! let w = conv1
//!     .node("weight", "VariableV2")
//!     .dtype(DataType::DtFloat)
//!     .output_shape([5, 5, 1, 32])
//!     .add()?;
//! let conv = conv1
//!     .node("Conv2D", "Conv2D")
//!     .input(&x)
//!     .input(&w)
//!     .attr("T", DataType::DtFloat)
//!     .attr("strides", [1, 1, 1, 1])
//!     .attr("padding", "VALID")
//!     .output_shape([-1, 24, 24, 32])
//!     .add()?;
//! let relu = conv1
//!     .node("Relu", "Relu")
//!     .input(&conv)
//!     .output_shape([-1, 24, 24, 32])
//!     .add()?;
//! assert_eq!(relu.name(), "conv1/Relu");
//!
//! let train = g.scope("train")?;
//! let step = train.node("step", "NoOp").control_input(&relu).add()?; // "^conv1/Relu"
//!
//! let writer = SummaryWriter::new(dir.path().join("run"))?;
//! writer.add_graph(&g)?; // checked here: every input names a node
//! writer.flush()?;
//! # let events = tensorboard_writer::reader::read_events(dir.path().join("run"))?;
//! # let bytes = events.iter().find_map(|e| match &e.what {
//! #     Some(tensorboard_writer::proto::event::What::GraphDef(b)) => Some(b.clone()),
//! #     _ => None,
//! # }).unwrap();
//! # let def = <tensorboard_writer::proto::GraphDef as prost::Message>::decode(&bytes[..])?;
//! # assert_eq!(def.node.len(), 5);
//! # assert_eq!(def.node[4].input, ["^conv1/Relu"]);
//! # assert_eq!(step.name(), "train/step");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the dashboard shows
//!
//! - **Edges.** An input is written `"name"` (output 0 of node `name`), `"name:k"` (output `k`)
//!   or `"^name"` (a control edge: "runs after", drawn dashed). [`NodeRef::output`] and
//!   [`NodeBuilder::control_input`] write these forms; plain strings in them are accepted too.
//!   Control inputs are always written after data inputs, as TensorFlow requires.
//! - **Shapes.** The attribute `_output_shapes` holds one shape per output; the dashboard
//!   labels each edge with the shape of the tensor it carries (`?×24×24×32`, `scalar`) and
//!   draws bigger tensors as thicker edges. Use `-1` for a dimension that is not known
//!   (typically the batch) and [`TensorShape::unknown_rank`] when even the rank is not known
//!   (TensorFlow's conventions). [`NodeBuilder::output_shape`] appends one shape per call.
//! - **Attributes** appear in the node's info card. [`NodeBuilder::attr`] takes strings,
//!   integers, floats, booleans, [`DataType`]s, [`TensorShape`]s, lists of any of these
//!   (arrays, slices or `Vec`s) and raw [`AttrValue`]s. TensorFlow names the element type
//!   `dtype` on variables and placeholders ([`NodeBuilder::dtype`]) and `T` on most other ops.
//!   The dashboard asks for attributes up to 1 KiB each and lists larger ones by name only.
//! - **Devices** (`/device:GPU:0`, `/job:worker/replica:0/task:1/device:CPU:0`) colour the
//!   nodes in the dashboard's "Device" colouring mode.
//!
//! # Name rules
//!
//! Node names follow TensorFlow's rules (`IsValidNodeName` in TensorFlow's
//! `graph_constructor.cc`): the first character is an ASCII letter, digit or `.`; the others
//! are ASCII letters, digits, `.`, `_`, `-` and `/`, and `>` followed by a letter, digit or `.`.
//! In addition no scope may be empty (no `//`, no trailing `/`), since the dashboard splits
//! names on `/`. Names must be unique in a graph; a name may also be a scope of other nodes
//! (the dashboard then shows it as `name/(name)` inside its box). Ops are non-empty and made of
//! ASCII letters, digits, `_`, `.`, `:`, `>` and `-` (TensorFlow's `Conv2D`, or another
//! framework's `aten::conv2d`). Devices use ASCII letters, digits, `_`, `.`, `:`, `/`, `*`
//! and `-`. Attribute names are an ASCII letter or `_` followed by letters, digits and `_`.
//! Breaking a rule, naming an input that is not in the graph, or writing an empty graph is an
//! [`Error::InvalidInput`], and nothing is written.
//!
//! A run shows one graph: the one with the highest step. [`SummaryWriter::add_graph`] writes
//! at step 0; to replace it, write the new graph with [`SummaryWriter::add_graph_at`] at a
//! higher step (at equal steps TensorBoard's two loaders pick different graphs).
//!
//! [`AttrValue`]: crate::proto::AttrValue
//! [`DataType`]: crate::proto::DataType
//! [`Error::InvalidInput`]: crate::Error::InvalidInput
//! [`SummaryWriter::add_graph`]: crate::SummaryWriter::add_graph
//! [`SummaryWriter::add_graph_at`]: crate::SummaryWriter::add_graph_at

// One idea a file: `shape` (TensorShape), `attr` (attribute values), `input` (node handles
// and inputs), `names` (the name rules and the checks of a node and a graph), `builder`
// (GraphBuilder, GraphScope, NodeBuilder), `writer` (SummaryWriter::add_graph*) and `onnx`
// (ONNX models).
mod attr;
mod builder;
mod input;
mod names;
mod onnx;
mod shape;
mod writer;

pub use attr::{AttrListItem, OUTPUT_SHAPES_ATTR};
pub use builder::{GRAPH_DEF_PRODUCER, GraphBuilder, GraphScope, NodeBuilder};
pub use input::{NodeInput, NodeRef};
pub use shape::TensorShape;
