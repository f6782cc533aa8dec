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
//! which both of TensorBoard's loaders serve as the run's graph (FORMAT.md §2).
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
//! # let events = tensorboard_writer::read_events(dir.path().join("run"))?;
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

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::{
    attr_value, event, tensor_shape_proto::Dim, AttrValue, DataType, Event, GraphDef, NodeDef,
    TensorShapeProto, VersionDef,
};
use crate::writer::{Step, SummaryWriter};

mod onnx;

/// The `versions.producer` written by [`GraphBuilder`], the value tensorboardX and PyTorch
/// write. TensorBoard's Graphs dashboard does not use it.
pub const GRAPH_DEF_PRODUCER: i32 = 22;

/// The attribute holding one shape per output, which the dashboard shows on edges.
pub const OUTPUT_SHAPES_ATTR: &str = "_output_shapes";

fn invalid(what: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        what,
        reason: reason.into(),
    }
}

// ------------------------------------------------------------------ shapes

/// The shape of a tensor: a list of dimensions (`-1` for an unknown one), or an unknown rank.
///
/// Converts from arrays, slices and `Vec`s of `i64`, `i32` or `usize`:
/// `[-1, 28, 28, 1].into()`. A scalar has no dimensions ([`TensorShape::scalar`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorShape {
    /// `None` for an unknown rank.
    dims: Option<Vec<i64>>,
}

impl TensorShape {
    /// A shape with these dimensions; `-1` marks a dimension whose size is not known. Other
    /// negative sizes are refused when the shape is added to a node.
    pub fn new(dims: impl IntoIterator<Item = i64>) -> Self {
        TensorShape {
            dims: Some(dims.into_iter().collect()),
        }
    }

    /// The shape of a scalar (rank 0).
    pub fn scalar() -> Self {
        TensorShape {
            dims: Some(Vec::new()),
        }
    }

    /// A shape whose rank is not known (`unknown_rank: true`).
    pub fn unknown_rank() -> Self {
        TensorShape { dims: None }
    }

    /// The dimensions, or `None` for an unknown rank.
    pub fn dims(&self) -> Option<&[i64]> {
        self.dims.as_deref()
    }

    /// The shape as a `TensorShapeProto`.
    pub fn to_proto(&self) -> TensorShapeProto {
        match &self.dims {
            None => TensorShapeProto {
                dim: Vec::new(),
                unknown_rank: true,
            },
            Some(dims) => TensorShapeProto {
                dim: dims
                    .iter()
                    .map(|&size| Dim {
                        size,
                        name: String::new(),
                    })
                    .collect(),
                unknown_rank: false,
            },
        }
    }
}

impl fmt::Display for TensorShape {
    /// `[?, 28, 28, 1]`, `[]` for a scalar, `<unknown>` for an unknown rank.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(dims) = &self.dims else {
            return f.write_str("<unknown>");
        };
        f.write_str("[")?;
        for (i, d) in dims.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if *d == -1 {
                f.write_str("?")?;
            } else {
                write!(f, "{d}")?;
            }
        }
        f.write_str("]")
    }
}

/// A `usize` dimension as TensorFlow's `int64`; sizes beyond `i64::MAX` become an invalid
/// size that validation reports.
fn usize_dim(d: usize) -> i64 {
    i64::try_from(d).unwrap_or(i64::MIN)
}

impl<const N: usize> From<[i64; N]> for TensorShape {
    fn from(dims: [i64; N]) -> Self {
        TensorShape::new(dims)
    }
}

impl<const N: usize> From<[i32; N]> for TensorShape {
    fn from(dims: [i32; N]) -> Self {
        TensorShape::new(dims.into_iter().map(i64::from))
    }
}

impl<const N: usize> From<[usize; N]> for TensorShape {
    fn from(dims: [usize; N]) -> Self {
        TensorShape::new(dims.into_iter().map(usize_dim))
    }
}

impl From<&[i64]> for TensorShape {
    fn from(dims: &[i64]) -> Self {
        TensorShape::new(dims.iter().copied())
    }
}

impl From<&[i32]> for TensorShape {
    fn from(dims: &[i32]) -> Self {
        TensorShape::new(dims.iter().map(|&d| i64::from(d)))
    }
}

impl From<&[usize]> for TensorShape {
    fn from(dims: &[usize]) -> Self {
        TensorShape::new(dims.iter().map(|&d| usize_dim(d)))
    }
}

impl From<Vec<i64>> for TensorShape {
    fn from(dims: Vec<i64>) -> Self {
        TensorShape { dims: Some(dims) }
    }
}

impl From<Vec<i32>> for TensorShape {
    fn from(dims: Vec<i32>) -> Self {
        TensorShape::new(dims.into_iter().map(i64::from))
    }
}

impl From<Vec<usize>> for TensorShape {
    fn from(dims: Vec<usize>) -> Self {
        TensorShape::new(dims.into_iter().map(usize_dim))
    }
}

impl From<&TensorShape> for TensorShape {
    fn from(shape: &TensorShape) -> Self {
        shape.clone()
    }
}

// ------------------------------------------------------------------ attribute values

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

fn attr(value: attr_value::Value) -> AttrValue {
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

// ------------------------------------------------------------------ inputs

/// A node handle returned by [`NodeBuilder::add`]: pass it (or `&it`) to
/// [`NodeBuilder::input`] to connect its output 0, or use [`output`](Self::output) and
/// [`control`](Self::control) for the other kinds of edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    name: String,
}

impl NodeRef {
    /// The node's full name (`conv1/Relu`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Output `k` of this node as an input for another node (`"name:k"`; `"name"` for 0).
    pub fn output(&self, k: u32) -> NodeInput {
        if k == 0 {
            NodeInput::from(self)
        } else {
            NodeInput {
                text: format!("{}:{k}", self.name),
            }
        }
    }

    /// A control edge from this node (`"^name"`): the consumer runs after it.
    pub fn control(&self) -> NodeInput {
        NodeInput {
            text: format!("^{}", self.name),
        }
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// One input of a node as written in the `GraphDef`: `"name"`, `"name:k"` or `"^name"`.
///
/// Made from a [`NodeRef`] (output 0), [`NodeRef::output`], [`NodeRef::control`], or a
/// string holding a **full** node name in one of those forms (a string is not prefixed with
/// the scope of the node that takes it). Strings are checked when the node is added.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeInput {
    text: String,
}

impl NodeInput {
    /// The input as written (`"conv1/Relu"`, `"xent/Loss:1"`, `"^train/step"`).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for NodeInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&NodeRef> for NodeInput {
    fn from(node: &NodeRef) -> Self {
        NodeInput {
            text: node.name.clone(),
        }
    }
}

impl From<NodeRef> for NodeInput {
    fn from(node: NodeRef) -> Self {
        NodeInput { text: node.name }
    }
}

impl From<&str> for NodeInput {
    fn from(text: &str) -> Self {
        NodeInput {
            text: text.to_owned(),
        }
    }
}

impl From<String> for NodeInput {
    fn from(text: String) -> Self {
        NodeInput { text }
    }
}

impl From<&String> for NodeInput {
    fn from(text: &String) -> Self {
        NodeInput { text: text.clone() }
    }
}

impl From<&NodeInput> for NodeInput {
    fn from(input: &NodeInput) -> Self {
        input.clone()
    }
}

/// A parsed input: the node it names and whether it is a control edge.
struct ParsedInput<'a> {
    node: &'a str,
    control: bool,
}

/// Parses `"name"`, `"name:k"` or `"^name"`, checking the name and the output index.
fn parse_input(text: &str) -> Result<ParsedInput<'_>, String> {
    if let Some(node) = text.strip_prefix('^') {
        if node.contains(':') {
            return Err(format!(
                "input {text:?}: a control input names a node, not one of its outputs"
            ));
        }
        check_node_name(node).map_err(|r| format!("input {text:?}: {r}"))?;
        return Ok(ParsedInput {
            node,
            control: true,
        });
    }
    let node = match text.rsplit_once(':') {
        Some((node, k)) => {
            let digits = !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit());
            if !digits || k.parse::<i32>().is_err() {
                return Err(format!(
                    "input {text:?}: the output index after ':' must be a number from 0 to {}",
                    i32::MAX
                ));
            }
            node
        }
        None => text,
    };
    check_node_name(node).map_err(|r| format!("input {text:?}: {r}"))?;
    Ok(ParsedInput {
        node,
        control: false,
    })
}

// ------------------------------------------------------------------ name rules

/// TensorFlow's node name rule (`IsValidNodeName`), plus non-empty scopes.
fn check_node_name(name: &str) -> Result<(), String> {
    let lead = |c: char| c.is_ascii_alphanumeric() || c == '.';
    let mut chars = name.chars().peekable();
    let Some(first) = chars.next() else {
        return Err("the name is empty".into());
    };
    if !lead(first) {
        return Err(format!(
            "name {name:?} must start with an ASCII letter, digit or '.', not {first:?}"
        ));
    }
    while let Some(c) = chars.next() {
        if c == '>' {
            if !chars.peek().is_some_and(|&n| lead(n)) {
                return Err(format!(
                    "name {name:?}: '>' must be followed by a letter, digit or '.'"
                ));
            }
        } else if !(lead(c) || matches!(c, '_' | '-' | '/')) {
            return Err(format!(
                "name {name:?} contains {c:?}; names use ASCII letters, digits, '.', '_', '-', \
                 '/' (between scopes) and '>'"
            ));
        }
    }
    if name.ends_with('/') || name.contains("//") {
        return Err(format!(
            "name {name:?} has an empty scope ('/' must separate non-empty parts)"
        ));
    }
    Ok(())
}

fn check_op(op: &str) -> Result<(), String> {
    if op.is_empty() {
        return Err("the op is empty".into());
    }
    match op
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '>' | '-')))
    {
        Some(c) => Err(format!(
            "op {op:?} contains {c:?}; ops use ASCII letters, digits, '_', '.', ':', '>' and '-'"
        )),
        None => Ok(()),
    }
}

fn check_device(device: &str) -> Result<(), String> {
    match device
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '*' | '-')))
    {
        Some(c) => Err(format!(
            "device {device:?} contains {c:?}; devices look like \"/device:GPU:0\""
        )),
        None => Ok(()),
    }
}

fn check_attr_name(key: &str) -> Result<(), String> {
    let mut chars = key.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "attribute name {key:?} must be an ASCII letter or '_' followed by letters, digits \
             and '_'"
        ))
    }
}

fn check_shape(key: &str, shape: &TensorShapeProto) -> Result<(), String> {
    if shape.unknown_rank && !shape.dim.is_empty() {
        return Err(format!(
            "attribute {key:?}: a shape of unknown rank has no dimensions"
        ));
    }
    if let Some(d) = shape.dim.iter().find(|d| d.size < -1) {
        return Err(format!(
            "attribute {key:?}: dimension size {} is invalid (sizes are >= 0, or -1 when \
             unknown)",
            d.size
        ));
    }
    Ok(())
}

fn check_attr(key: &str, value: &AttrValue) -> Result<(), String> {
    check_attr_name(key)?;
    match &value.value {
        Some(attr_value::Value::Shape(s)) => check_shape(key, s)?,
        Some(attr_value::Value::List(l)) => {
            for s in &l.shape {
                check_shape(key, s)?;
            }
        }
        _ => {}
    }
    if key == OUTPUT_SHAPES_ATTR && !matches!(value.value, Some(attr_value::Value::List(_))) {
        return Err(format!(
            "attribute {OUTPUT_SHAPES_ATTR:?} must be a list of shapes (one per output)"
        ));
    }
    Ok(())
}

/// Checks one node on its own: name, op, device, attributes and the syntax of its inputs
/// (control inputs after data inputs, as TensorFlow requires). Returns the nodes it reads.
fn check_node(node: &NodeDef) -> Result<Vec<&str>> {
    let what = "graph node";
    check_node_name(&node.name).map_err(|r| invalid(what, r))?;
    let at = |r: String| invalid(what, format!("{:?}: {r}", node.name));
    check_op(&node.op).map_err(at)?;
    check_device(&node.device).map_err(at)?;
    for (k, v) in &node.attr {
        check_attr(k, v).map_err(at)?;
    }
    let mut seen_control = false;
    let mut sources = Vec::with_capacity(node.input.len());
    for input in &node.input {
        let p = parse_input(input).map_err(at)?;
        if !p.control && seen_control {
            return Err(at(format!(
                "data input {input:?} comes after a control input"
            )));
        }
        seen_control |= p.control;
        if p.node == node.name {
            return Err(at("a node cannot be its own input".into()));
        }
        sources.push(p.node);
    }
    Ok(sources)
}

/// Checks a whole `GraphDef`: every node (see [`check_node`]), unique names, and inputs that
/// name nodes of the graph.
pub(crate) fn check_graph_def(graph: &GraphDef) -> Result<()> {
    if graph.node.is_empty() {
        return Err(invalid("graph", "the graph has no nodes"));
    }
    let mut names: HashSet<&str> = HashSet::with_capacity(graph.node.len());
    for node in &graph.node {
        if !names.insert(node.name.as_str()) {
            return Err(invalid(
                "graph node",
                format!("name {:?} is used by more than one node", node.name),
            ));
        }
    }
    for node in &graph.node {
        for source in check_node(node)? {
            if !names.contains(source) {
                return Err(invalid(
                    "graph node",
                    format!(
                        "{:?} has an input from {source:?}, which names no node of the graph",
                        node.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ builder

#[derive(Default)]
struct State {
    nodes: Vec<NodeDef>,
    index: HashMap<String, usize>,
}

/// A `GraphDef` under construction. Nodes are added through [`node`](Self::node) and through
/// [`GraphScope`]s; [`build`](Self::build) checks the graph and returns the `GraphDef`, and
/// [`SummaryWriter::add_graph`] writes it. See the [module docs](self).
///
/// The builder is used through shared references (`&self`), so that any number of scopes can
/// be alive at once and handed to the code that builds each part of a model.
pub struct GraphBuilder {
    state: RefCell<State>,
    producer: i32,
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GraphBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("nodes", &self.len())
            .field("producer", &self.producer)
            .finish()
    }
}

impl GraphBuilder {
    /// An empty graph whose `versions.producer` is [`GRAPH_DEF_PRODUCER`].
    pub fn new() -> Self {
        GraphBuilder {
            state: RefCell::new(State::default()),
            producer: GRAPH_DEF_PRODUCER,
        }
    }

    /// Sets `versions.producer` (the TensorFlow GraphDef version the graph claims to follow).
    pub fn producer(mut self, producer: i32) -> Self {
        self.producer = producer;
        self
    }

    /// A scope whose nodes are named `name/…`. `name` may itself hold several scopes
    /// (`"model/conv1"`) and follows the [name rules](self#name-rules).
    pub fn scope(&self, name: &str) -> Result<GraphScope<'_>> {
        self.root().scope(name)
    }

    /// The top-level scope, whose nodes keep their names as given: for code that takes a
    /// [`GraphScope`] and should add at the top level.
    pub fn root(&self) -> GraphScope<'_> {
        GraphScope {
            graph: self,
            prefix: String::new(),
        }
    }

    /// Starts a node at the top level, named `name`, of kind `op`; finish it with
    /// [`NodeBuilder::add`].
    pub fn node(&self, name: &str, op: &str) -> NodeBuilder<'_> {
        NodeBuilder::new(self, name.to_owned(), op)
    }

    /// The node with this full name, if it was added.
    pub fn get(&self, name: &str) -> Option<NodeRef> {
        let state = self.state.try_borrow().ok()?;
        state.index.contains_key(name).then(|| NodeRef {
            name: name.to_owned(),
        })
    }

    /// Number of nodes added so far.
    pub fn len(&self) -> usize {
        self.state.try_borrow().map_or(0, |s| s.nodes.len())
    }

    /// Whether no node was added yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the graph (it has nodes, and every input names one of them) and returns it as a
    /// `GraphDef`, nodes in the order they were added. The builder stays usable: add more
    /// nodes and build again.
    pub fn build(&self) -> Result<GraphDef> {
        let state = self.borrow()?;
        let graph = GraphDef {
            node: state.nodes.clone(),
            versions: Some(VersionDef {
                producer: self.producer,
                min_consumer: 0,
                bad_consumers: Vec::new(),
            }),
            version: 0,
        };
        check_graph_def(&graph)?;
        Ok(graph)
    }

    fn borrow(&self) -> Result<std::cell::Ref<'_, State>> {
        self.state
            .try_borrow()
            .map_err(|_| invalid("graph", "the graph is being modified"))
    }

    /// Adds a checked node; its name must be new.
    fn insert(&self, node: NodeDef) -> Result<NodeRef> {
        let mut refs = self.insert_all(vec![node])?;
        refs.pop()
            .ok_or_else(|| invalid("graph", "internal error: no node was added"))
    }

    /// Adds checked nodes, all or none: every name must be new to the graph and to the batch.
    pub(crate) fn insert_all(&self, nodes: Vec<NodeDef>) -> Result<Vec<NodeRef>> {
        let mut state = self
            .state
            .try_borrow_mut()
            .map_err(|_| invalid("graph", "the graph is being read"))?;
        let mut batch = HashSet::with_capacity(nodes.len());
        for node in &nodes {
            if state.index.contains_key(&node.name) || !batch.insert(node.name.as_str()) {
                return Err(invalid(
                    "graph node",
                    format!("name {:?} is already used by another node", node.name),
                ));
            }
        }
        let mut refs = Vec::with_capacity(nodes.len());
        for node in nodes {
            let name = node.name.clone();
            let i = state.nodes.len();
            state.index.insert(name.clone(), i);
            state.nodes.push(node);
            refs.push(NodeRef { name });
        }
        Ok(refs)
    }
}

/// A name scope of a [`GraphBuilder`]: nodes created through it are named `scope/name`.
/// Made by [`GraphBuilder::scope`]; nests with [`scope`](Self::scope). Cheap to clone.
#[derive(Clone)]
pub struct GraphScope<'g> {
    graph: &'g GraphBuilder,
    /// The full scope, without a trailing `/` (empty for the root scope).
    prefix: String,
}

impl fmt::Debug for GraphScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphScope")
            .field("name", &self.prefix)
            .finish()
    }
}

impl<'g> GraphScope<'g> {
    /// The full name of this scope (`"conv1"`, `"model/conv1"`; `""` for
    /// [`GraphBuilder::root`]).
    pub fn name(&self) -> &str {
        &self.prefix
    }

    /// The graph this scope adds to.
    pub fn graph(&self) -> &'g GraphBuilder {
        self.graph
    }

    /// The full name of `name` in this scope (`"conv1/Relu"`).
    pub fn full_name(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    /// A nested scope: `g.scope("a")?.scope("b")?` names its nodes `a/b/…`.
    pub fn scope(&self, name: &str) -> Result<GraphScope<'g>> {
        if name.is_empty() {
            return Err(invalid("graph scope", "the scope name is empty"));
        }
        let prefix = self.full_name(name);
        check_node_name(&prefix).map_err(|r| invalid("graph scope", r))?;
        Ok(GraphScope {
            graph: self.graph,
            prefix,
        })
    }

    /// Starts a node named `scope/name`, of kind `op`; finish it with [`NodeBuilder::add`].
    pub fn node(&self, name: &str, op: &str) -> NodeBuilder<'g> {
        let full = if name.is_empty() {
            // Keep the empty name visible in the error rather than reporting "scope/".
            String::new()
        } else {
            self.full_name(name)
        };
        NodeBuilder::new(self.graph, full, op)
    }

    /// The node `scope/name`, if it was added.
    pub fn get(&self, name: &str) -> Option<NodeRef> {
        self.graph.get(&self.full_name(name))
    }
}

/// One node being described; [`add`](Self::add) checks it and adds it to the graph.
///
/// Methods chain. Problems are reported by `add`, which then adds nothing.
#[must_use = "a NodeBuilder adds nothing until .add() is called"]
pub struct NodeBuilder<'g> {
    graph: &'g GraphBuilder,
    node: NodeDef,
    controls: Vec<String>,
    output_shapes: Option<Vec<TensorShapeProto>>,
}

impl fmt::Debug for NodeBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeBuilder")
            .field("name", &self.node.name)
            .field("op", &self.node.op)
            .finish()
    }
}

impl<'g> NodeBuilder<'g> {
    fn new(graph: &'g GraphBuilder, name: String, op: &str) -> Self {
        NodeBuilder {
            graph,
            node: NodeDef {
                name,
                op: op.to_owned(),
                input: Vec::new(),
                device: String::new(),
                attr: BTreeMap::new(),
            },
            controls: Vec::new(),
            output_shapes: None,
        }
    }

    /// Adds an input: a data edge from a [`NodeRef`] (its output 0), from
    /// [`NodeRef::output`], or a control edge from [`NodeRef::control`]; strings hold full
    /// names (`"conv1/Relu"`, `"xent/Loss:1"`, `"^train/step"`). Data inputs keep their order
    /// (it is the op's argument order); control inputs are written after them.
    pub fn input(mut self, input: impl Into<NodeInput>) -> Self {
        let text = input.into().text;
        if text.starts_with('^') {
            self.controls.push(text);
        } else {
            self.node.input.push(text);
        }
        self
    }

    /// Adds several inputs, as [`input`](Self::input) does.
    pub fn inputs<I: Into<NodeInput>>(mut self, inputs: impl IntoIterator<Item = I>) -> Self {
        for i in inputs {
            self = self.input(i);
        }
        self
    }

    /// Adds a control edge from `node`: this node runs after it (drawn as a dashed edge).
    /// `node` is a [`NodeRef`] or a full node name, with or without the leading `^`.
    pub fn control_input(mut self, node: impl Into<NodeInput>) -> Self {
        let text = node.into().text;
        self.controls.push(if text.starts_with('^') {
            text
        } else {
            format!("^{text}")
        });
        self
    }

    /// Sets the device the node runs on (`"/device:GPU:0"`).
    pub fn device(mut self, device: &str) -> Self {
        self.node.device = device.to_owned();
        self
    }

    /// Sets attribute `key` to `value`: a string, integer, float, bool, [`DataType`],
    /// [`TensorShape`], a list of one of these, or a raw [`AttrValue`]. Setting a key twice
    /// keeps the last value.
    pub fn attr(mut self, key: &str, value: impl Into<AttrValue>) -> Self {
        self.node.attr.insert(key.to_owned(), value.into());
        self
    }

    /// Sets the `dtype` attribute (the element type of variables, placeholders and
    /// constants; most other TensorFlow ops call it `T`: `.attr("T", DataType::DtFloat)`).
    pub fn dtype(self, dtype: DataType) -> Self {
        self.attr("dtype", dtype)
    }

    /// Appends the shape of the node's next output to `_output_shapes`: the first call gives
    /// output 0's shape, the second output 1's, and so on. The dashboard labels edges with
    /// these shapes. Replaces an `_output_shapes` set through [`attr`](Self::attr).
    pub fn output_shape(mut self, shape: impl Into<TensorShape>) -> Self {
        self.output_shapes
            .get_or_insert_with(Vec::new)
            .push(shape.into().to_proto());
        self
    }

    /// Declares that the node has no outputs (an empty `_output_shapes`, as TensorFlow writes
    /// for `NoOp`).
    pub fn no_outputs(mut self) -> Self {
        self.output_shapes = Some(Vec::new());
        self
    }

    /// Checks the node and adds it to the graph, returning its handle.
    ///
    /// Errors: a name, op, device, attribute or input that breaks the
    /// [name rules](self#name-rules), a negative dimension other than `-1`, or a name already
    /// in the graph. Inputs may name nodes that are added later; [`GraphBuilder::build`]
    /// checks that they all exist.
    pub fn add(self) -> Result<NodeRef> {
        let (graph, node) = self.finish()?;
        graph.insert(node)
    }

    /// The checked node and its graph, without adding it (for all-or-nothing batches).
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    pub(crate) fn finish(self) -> Result<(&'g GraphBuilder, NodeDef)> {
        let NodeBuilder {
            graph,
            mut node,
            controls,
            output_shapes,
        } = self;
        node.input.extend(controls);
        if let Some(shapes) = output_shapes {
            node.attr.insert(
                OUTPUT_SHAPES_ATTR.to_owned(),
                attr(attr_value::Value::List(attr_value::ListValue {
                    shape: shapes,
                    ..Default::default()
                })),
            );
        }
        check_node(&node)?;
        Ok((graph, node))
    }
}

// ------------------------------------------------------------------ writer

impl SummaryWriter {
    /// Writes `graph` as this run's graph, shown in the Graphs dashboard (a `graph_def`
    /// event at step 0, like TensorFlow's and PyTorch's writers). Checks it first
    /// ([`GraphBuilder::build`]); on error nothing is written. The writer's scope does not
    /// apply: node names are written as built. To replace a graph already written to the
    /// run, use [`add_graph_at`](Self::add_graph_at) with a higher step.
    pub fn add_graph(&self, graph: &GraphBuilder) -> Result<()> {
        self.add_graph_at(graph, 0i64)
    }

    /// Like [`add_graph`](Self::add_graph), at `step`. TensorBoard shows the graph with the
    /// highest step. Two graphs at the same step make the loaders disagree (the Python
    /// loader keeps the first, the Rust one the last), and so does a graph at a lower step
    /// than an earlier one: give each new graph a higher step.
    ///
    /// ```
    /// # use tensorboard_writer::summary::graph::GraphBuilder;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let g = GraphBuilder::new();
    /// let x = g.node("x", "Placeholder").add()?;
    /// writer.add_graph(&g)?; // step 0
    /// g.scope("head")?.node("Softmax", "Softmax").input(&x).add()?;
    /// writer.add_graph_at(&g, 1000u32)?; // shown instead of the first
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph_at(&self, graph: &GraphBuilder, step: impl Step) -> Result<()> {
        self.add_graph_def(&graph.build()?, step)
    }

    /// Writes a `GraphDef` made elsewhere as this run's graph at `step` (0 unless it replaces
    /// an earlier graph, see [`add_graph_at`](Self::add_graph_at)), after checking it as
    /// [`add_graph`](Self::add_graph) does: nodes present, the [name rules](self#name-rules),
    /// unique names, control inputs last and inputs that name nodes of the graph. The graph
    /// is written as given (set `versions` yourself).
    ///
    /// ```
    /// use tensorboard_writer::proto::{GraphDef, NodeDef};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let node = |name: &str, op: &str, input: &[&str]| NodeDef {
    ///     name: name.into(),
    ///     op: op.into(),
    ///     input: input.iter().map(|s| s.to_string()).collect(),
    ///     ..Default::default()
    /// };
    /// let mut graph = GraphDef {
    ///     node: vec![node("x", "Placeholder", &[]), node("y/Relu", "Relu", &["x"])],
    ///     ..Default::default()
    /// };
    /// writer.add_graph_def(&graph, 0u32)?;
    /// graph.node[1].input = vec!["z".into()];
    /// assert!(writer.add_graph_def(&graph, 1u32).is_err()); // "z" names no node
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph_def(&self, graph: &GraphDef, step: impl Step) -> Result<()> {
        let step = step.to_step()?;
        check_graph_def(graph)?;
        self.write_event(&Event {
            wall_time: crate::clock::precise(),
            step,
            source_metadata: None,
            what: Some(event::What::GraphDef(graph.encode_to_vec())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_text(r: Result<impl fmt::Debug>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn node_name_rules() {
        for ok in [
            "a",
            "conv1/Conv2D",
            ".x",
            "9lives",
            "a-b_c.d/e",
            "while/x>y",
            "a/_internal",
            "layers/0/weight",
        ] {
            assert!(check_node_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "_a", "-a", "/a", "a/", "a//b", "a b", "a:b", "a^", "é", "a>", "a>_b", "a\"b",
        ] {
            assert!(check_node_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn inputs_parse() {
        let p = parse_input("a/b").unwrap();
        assert_eq!((p.node, p.control), ("a/b", false));
        let p = parse_input("a/b:12").unwrap();
        assert_eq!((p.node, p.control), ("a/b", false));
        let p = parse_input("^a/b").unwrap();
        assert_eq!((p.node, p.control), ("a/b", true));
        for bad in [
            "",
            "^",
            "a:",
            "a:x",
            "a:+1",
            "a:-1",
            "^a:1",
            "a:99999999999",
            "^^a",
            ":1",
        ] {
            assert!(parse_input(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ops_devices_attr_names() {
        assert!(check_op("Conv2D").is_ok());
        assert!(check_op("aten::conv2d").is_ok());
        assert!(check_op("").is_err());
        assert!(check_op("a b").is_err());
        assert!(check_device("").is_ok());
        assert!(check_device("/job:worker/replica:0/task:1/device:GPU:0").is_ok());
        assert!(check_device("/device:GPU 0").is_err());
        assert!(check_attr_name("T").is_ok());
        assert!(check_attr_name("_output_shapes").is_ok());
        assert!(check_attr_name("").is_err());
        assert!(check_attr_name("1x").is_err());
        assert!(check_attr_name("a-b").is_err());
    }

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

    #[test]
    fn shapes() {
        let s: TensorShape = [-1, 28, 28, 1].into();
        assert_eq!(s.dims(), Some(&[-1, 28, 28, 1][..]));
        assert_eq!(s.to_string(), "[?, 28, 28, 1]");
        let s: TensorShape = vec![3usize, 4].into();
        assert_eq!(
            s.to_proto().dim.iter().map(|d| d.size).collect::<Vec<_>>(),
            [3, 4]
        );
        assert_eq!(TensorShape::unknown_rank().to_string(), "<unknown>");
        assert_eq!(TensorShape::scalar().to_string(), "[]");
        let g = GraphBuilder::new();
        let e = err_text(g.node("x", "Const").output_shape([-2]).add());
        assert!(e.contains("-2"), "{e}");
        let e = err_text(g.node("x", "Const").output_shape([usize::MAX]).add());
        assert!(e.contains("invalid"), "{e}");
        assert!(g.is_empty());
    }

    #[test]
    fn control_inputs_go_last_and_output_indices() {
        let g = GraphBuilder::new();
        let a = g.node("a", "Split").add().unwrap();
        let b = g.node("b", "NoOp").add().unwrap();
        let c = g
            .node("c", "Add")
            .control_input(&b)
            .input(a.output(1))
            .input("^a")
            .input(&a)
            .add()
            .unwrap();
        let def = g.build().unwrap();
        assert_eq!(def.node[2].name, c.name());
        assert_eq!(def.node[2].input, ["a:1", "a", "^b", "^a"]);
        assert_eq!(def.versions.unwrap().producer, GRAPH_DEF_PRODUCER);
    }

    #[test]
    fn errors_are_clear_and_add_nothing() {
        let g = GraphBuilder::new();
        g.node("x", "Placeholder").add().unwrap();
        let e = err_text(g.node("x", "Relu").add());
        assert!(e.contains("already used"), "{e}");
        let e = err_text(g.node("y", "Relu").input("x:a").add());
        assert!(e.contains("output index"), "{e}");
        let e = err_text(g.node("y", "Relu").input("y").add());
        assert!(e.contains("own input"), "{e}");
        let e = err_text(g.node("y", "").add());
        assert!(e.contains("op is empty"), "{e}");
        let e = err_text(g.node("y", "Relu").device("gpu 0").add());
        assert!(e.contains("device"), "{e}");
        let e = err_text(g.node("y", "Relu").attr("bad key", 1).add());
        assert!(e.contains("attribute name"), "{e}");
        let e = err_text(g.node("y", "Relu").attr(OUTPUT_SHAPES_ATTR, 1).add());
        assert!(e.contains("list of shapes"), "{e}");
        let s = g.scope("s").unwrap();
        let e = err_text(s.node("", "Relu").add());
        assert!(e.contains("empty"), "{e}");
        assert!(g.scope("").is_err());
        assert!(g.scope("a//b").is_err());
        assert!(s.scope("x y").is_err());
        assert_eq!(g.len(), 1);
        // Forward references are fine until build.
        g.node("y", "Relu").input("z").add().unwrap();
        let e = err_text(g.build());
        assert!(e.contains("\"z\", which names no node"), "{e}");
        g.node("z", "Const").add().unwrap();
        assert_eq!(g.build().unwrap().node.len(), 3);
        assert!(err_text(GraphBuilder::new().build()).contains("no nodes"));
    }

    #[test]
    fn raw_graph_def_checks() {
        let node = |name: &str, input: &[&str]| NodeDef {
            name: name.into(),
            op: "Op".into(),
            input: input.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let mut g = GraphDef {
            node: vec![node("a", &[]), node("b", &["a", "^a"])],
            ..Default::default()
        };
        assert!(check_graph_def(&g).is_ok());
        g.node[1].input = vec!["^a".into(), "a".into()];
        assert!(err_text(check_graph_def(&g).map(|_| 0)).contains("after a control input"));
        g.node[1] = node("a", &[]);
        assert!(err_text(check_graph_def(&g).map(|_| 0)).contains("more than one node"));
    }

    #[test]
    fn scopes_nest() {
        let g = GraphBuilder::new();
        let m = g.scope("model").unwrap();
        let c = m.scope("conv1/inner").unwrap();
        assert_eq!(c.name(), "model/conv1/inner");
        let n = c.node("Relu", "Relu").add().unwrap();
        assert_eq!(n.name(), "model/conv1/inner/Relu");
        assert_eq!(c.get("Relu"), Some(n.clone()));
        assert_eq!(g.get("model/conv1/inner/Relu"), Some(n));
        assert_eq!(g.get("Relu"), None);
        assert!(
            m.scope("_private").is_ok(),
            "only a name's first character excludes '_'"
        );
        assert!(g.scope("_private").is_err());
    }
}
