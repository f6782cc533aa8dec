//! ONNX models in the Graphs dashboard: a `.onnx` file's graph converted to a `GraphDef`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::onnx::{
    attribute_proto::AttributeType, tensor_shape_proto::dimension, type_proto, AttributeProto,
    ModelProto, ValueInfoProto,
};
use crate::proto::DataType;
use crate::writer::SummaryWriter;

use super::{AttrValue, GraphBuilder, NodeBuilder, NodeInput, TensorShape};

const WHAT: &str = "ONNX model";

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        what: WHAT,
        reason: reason.into(),
    }
}

/// Adds a converted node. What the graph refuses (a node that reads its own output, an
/// initializer with a negative dimension) is a flaw of the model: reported as one.
fn add(node: NodeBuilder<'_>) -> Result<()> {
    match node.add() {
        Ok(_) => Ok(()),
        Err(Error::InvalidInput { reason, .. }) => Err(invalid(reason)),
        Err(e) => Err(e),
    }
}

/// An ONNX element type (`TensorProto.DataType`) as TensorFlow's `DataType`, where one exists.
fn dtype(elem_type: i32) -> Option<DataType> {
    Some(match elem_type {
        1 => DataType::DtFloat,
        2 => DataType::DtUint8,
        3 => DataType::DtInt8,
        4 => DataType::DtUint16,
        5 => DataType::DtInt16,
        6 => DataType::DtInt32,
        7 => DataType::DtInt64,
        8 => DataType::DtString,
        9 => DataType::DtBool,
        10 => DataType::DtHalf,
        11 => DataType::DtDouble,
        12 => DataType::DtUint32,
        13 => DataType::DtUint64,
        14 => DataType::DtComplex64,
        15 => DataType::DtComplex128,
        16 => DataType::DtBfloat16,
        _ => return None,
    })
}

/// ONNX's name for an element type, for attribute descriptions.
fn elem_name(elem_type: i32) -> String {
    const NAMES: [&str; 17] = [
        "undefined",
        "float32",
        "uint8",
        "int8",
        "uint16",
        "int16",
        "int32",
        "int64",
        "string",
        "bool",
        "float16",
        "float64",
        "uint32",
        "uint64",
        "complex64",
        "complex128",
        "bfloat16",
    ];
    usize::try_from(elem_type)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("type {elem_type}"), |s| (*s).to_owned())
}

/// The shape and element type of a tensor value, from its `ValueInfoProto`: dimensions known
/// by value keep it, symbolic ones (`"N"`, `"batch"`) and missing ones become -1 (unknown),
/// and a tensor without a shape has an unknown rank.
fn value_type(v: &ValueInfoProto) -> Option<(TensorShape, i32)> {
    // The only kind in our schema: sequences, maps and optionals decode as no value.
    let type_proto::Value::TensorType(t) = v.r#type.as_ref()?.value.as_ref()?;
    let shape = match &t.shape {
        None => TensorShape::unknown_rank(),
        Some(s) => TensorShape::new(s.dim.iter().map(|d| match d.value {
            Some(dimension::Value::DimValue(n)) if n >= 0 => n,
            _ => -1,
        })),
    };
    Some((shape, t.elem_type))
}

/// `text` with every ASCII letter or digit, and every character of `also`, kept, and
/// anything else replaced by `_`.
fn keep_or_underscore(text: &str, also: &[char]) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || also.contains(&c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Makes an ONNX name (any string) a valid node name: characters outside TensorFlow's set
/// become `_`, and the empty scopes of leading, trailing or doubled `/` are dropped (the
/// `/conv1/Conv` of PyTorch's exporter becomes `conv1/Conv`, in scope `conv1`).
fn clean_name(raw: &str) -> String {
    let mapped = keep_or_underscore(raw, &['.', '_', '-', '/']);
    let parts: Vec<&str> = mapped.split('/').filter(|p| !p.is_empty()).collect();
    let mut name = parts.join("/");
    // The first character must be a letter, a digit or '.'.
    if name.starts_with(['_', '-']) {
        name.insert(0, 'x');
    }
    name
}

/// Node names, unique within the graph.
#[derive(Default)]
struct Names {
    used: HashSet<String>,
    /// Per base name, the suffix to try next: many clashes stay linear.
    next_suffix: HashMap<String, usize>,
}

impl Names {
    /// `raw` cleaned, or `fallback` when nothing is left of it, with `_1`, `_2`, … appended
    /// when the name is taken.
    fn claim(&mut self, raw: &str, fallback: &str) -> String {
        let mut base = clean_name(raw);
        if base.is_empty() {
            base = clean_name(fallback);
        }
        if self.used.insert(base.clone()) {
            return base;
        }
        let k = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let name = format!("{base}_{k}");
            *k += 1;
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

/// An ONNX op as a `GraphDef` op: `op_type`, prefixed by its domain unless that is the
/// default one (`com.microsoft.FusedConv`). Characters ops cannot hold become `_`.
fn op_name(domain: &str, op_type: &str) -> String {
    let full = if domain.is_empty() || domain == "ai.onnx" {
        op_type.to_owned()
    } else {
        format!("{domain}.{op_type}")
    };
    let op = keep_or_underscore(&full, &['_', '.', ':', '-']);
    if op.is_empty() {
        "Unknown".to_owned()
    } else {
        op
    }
}

/// An attribute name as a `GraphDef` attribute key (`[A-Za-z_][A-Za-z0-9_]*`).
fn attr_key(name: &str) -> String {
    let mut key = keep_or_underscore(name, &[]);
    if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        key.insert(0, '_');
    }
    key
}

/// An ONNX attribute as a `GraphDef` attribute value: numbers, strings and their lists as
/// such; tensors and subgraphs as a one-line description (the dashboard shows attributes as
/// text, and the subgraphs of `If`, `Loop` and `Scan` are not drawn).
fn attr_value(a: &AttributeProto) -> AttrValue {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let tensor = |t: &crate::proto::onnx::TensorProto| {
        format!("tensor {} {:?}", elem_name(t.data_type), t.dims)
    };
    // IR version 1 had no `type`: go by the field that is set.
    let kind = match a.r#type() {
        AttributeType::Undefined => {
            if a.t.is_some() {
                AttributeType::Tensor
            } else if a.g.is_some() {
                AttributeType::Graph
            } else if !a.ints.is_empty() {
                AttributeType::Ints
            } else if !a.floats.is_empty() {
                AttributeType::Floats
            } else if !a.strings.is_empty() {
                AttributeType::Strings
            } else if !a.s.is_empty() {
                AttributeType::String
            } else if a.f != 0.0 {
                AttributeType::Float
            } else {
                AttributeType::Int
            }
        }
        k => k,
    };
    match kind {
        AttributeType::Float => a.f.into(),
        AttributeType::Int => a.i.into(),
        AttributeType::String => text(&a.s).into(),
        AttributeType::Floats => a.floats.clone().into(),
        AttributeType::Ints => a.ints.clone().into(),
        AttributeType::Strings => a.strings.iter().map(|s| text(s)).collect::<Vec<_>>().into(),
        AttributeType::Tensor => a.t.as_ref().map_or_else(String::new, tensor).into(),
        AttributeType::Tensors => a.tensors.iter().map(tensor).collect::<Vec<_>>().into(),
        AttributeType::Graph => {
            let n = a.g.as_ref().map_or(0, |g| g.node.len());
            format!("subgraph of {n} nodes (not drawn)").into()
        }
        AttributeType::Graphs => a
            .graphs
            .iter()
            .map(|g| format!("subgraph of {} nodes (not drawn)", g.node.len()))
            .collect::<Vec<_>>()
            .into(),
        other => format!("{} attribute (not shown)", other.as_str_name()).into(),
    }
}

impl GraphBuilder {
    /// The graph of an ONNX model, from the bytes of its `.onnx` file (see
    /// [`SummaryWriter::add_onnx_graph`] for what becomes of each part of the model).
    pub fn from_onnx(bytes: &[u8]) -> Result<GraphBuilder> {
        let model =
            ModelProto::decode(bytes).map_err(|e| invalid(format!("not an ONNX model: {e}")))?;
        let graph = model
            .graph
            .as_ref()
            .filter(|g| !g.node.is_empty() || !g.input.is_empty())
            .ok_or_else(|| invalid("the model has no graph (no nodes and no inputs)"))?;

        let mut types: HashMap<&str, (TensorShape, i32)> = HashMap::new();
        for v in graph
            .value_info
            .iter()
            .chain(&graph.input)
            .chain(&graph.output)
        {
            if let Some(t) = value_type(v) {
                types.insert(&v.name, t);
            }
        }
        let mut names = Names::default();
        // Tensor name -> the node input that reads it (`node`, or `node:k` for output k).
        let mut producer: HashMap<&str, NodeInput> = HashMap::new();
        let g = GraphBuilder::new();
        // A placeholder for `tensor`, with its shape and type when the model records them.
        let placeholder = |name: &str, tensor: &str| {
            let mut node = g.node(name, "Placeholder");
            if let Some((shape, elem)) = types.get(tensor) {
                node = node.output_shape(shape.clone());
                if let Some(d) = dtype(*elem) {
                    node = node.dtype(d);
                }
            }
            node
        };

        // Initializers: the model's parameters and constants.
        for t in &graph.initializer {
            let name = names.claim(&t.name, "initializer");
            let mut node = g
                .node(&name, "Const")
                .output_shape(TensorShape::new(t.dims.iter().copied()));
            if let Some(d) = dtype(t.data_type) {
                node = node.dtype(d);
            }
            add(node)?;
            producer.insert(&t.name, NodeInput::from(name));
        }
        // Inputs the caller feeds (before IR version 4, initializers were listed here too).
        for v in &graph.input {
            if !producer.contains_key(v.name.as_str()) {
                let name = names.claim(&v.name, "input");
                add(placeholder(&name, &v.name))?;
                producer.insert(&v.name, NodeInput::from(name));
            }
        }
        // Names for every node first, so that inputs can be resolved in one pass.
        let node_names: Vec<String> = graph
            .node
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let fallback = format!("{}_{i}", n.op_type);
                let name = if n.name.is_empty() {
                    names.claim(&fallback, "node")
                } else {
                    names.claim(&n.name, &fallback)
                };
                for (k, out) in n.output.iter().enumerate() {
                    if !out.is_empty() {
                        let input = if k == 0 {
                            NodeInput::from(&name)
                        } else {
                            NodeInput::from(format!("{name}:{k}"))
                        };
                        producer.insert(out, input);
                    }
                }
                name
            })
            .collect();
        // Inputs that nothing produces: placeholders, so that every edge has a start.
        for n in &graph.node {
            for input in n.input.iter().filter(|i| !i.is_empty()) {
                if !producer.contains_key(input.as_str()) {
                    let name = names.claim(input, "input");
                    add(placeholder(&name, input))?;
                    producer.insert(input, NodeInput::from(name));
                }
            }
        }

        for (n, name) in graph.node.iter().zip(&node_names) {
            let mut node = g.node(name, &op_name(&n.domain, &n.op_type));
            for input in n.input.iter().filter(|i| !i.is_empty()) {
                node = node.input(&producer[input.as_str()]);
            }
            for a in &n.attribute {
                node = node.attr(&attr_key(&a.name), attr_value(a));
            }
            // `_output_shapes` needs one shape per output: unknown ones have an unknown rank.
            if n.output.iter().any(|o| types.contains_key(o.as_str())) {
                for o in &n.output {
                    node = node.output_shape(
                        types
                            .get(o.as_str())
                            .map_or_else(TensorShape::unknown_rank, |(s, _)| s.clone()),
                    );
                }
            }
            add(node)?;
        }
        Ok(g)
    }
}

impl SummaryWriter {
    /// Reads an ONNX model (a `.onnx` file, as `torch.onnx.export` or tf2onnx write them)
    /// and writes its graph as this run's graph, like tensorboardX's `add_onnx_graph`
    /// ([`add_graph`](Self::add_graph) of [`GraphBuilder::from_onnx`]).
    ///
    /// - Each ONNX node becomes a node named after it, with `/` separating name scopes (the
    ///   leading `/` of PyTorch's exporter is dropped, so `/conv1/Conv` is `Conv` in scope
    ///   `conv1`); a node without a name is named `<op_type>_<index>`. Characters node names
    ///   cannot hold become `_`, and clashing names get `_1`, `_2`, ….
    /// - Its op is the ONNX `op_type`, prefixed by the domain for ops outside the default
    ///   one (`com.microsoft.FusedConv`). Its attributes are kept: numbers, strings and
    ///   their lists as they are, tensors and subgraphs as a description (the subgraphs of
    ///   `If`, `Loop` and `Scan` are not drawn).
    /// - Edges follow the tensors: an input produced as output `k` of a node is `node:k`.
    ///   Initializers (weights, constants) are `Const` nodes, graph inputs `Placeholder`
    ///   nodes, and so is any input that nothing produces.
    /// - Shapes known to the model (graph inputs, outputs and `value_info`, which shape
    ///   inference fills) label the edges, symbolic dimensions such as the batch as `?`.
    ///
    /// A file that cannot be read is an [`Error::Io`]; bytes that are not an ONNX model, or
    /// a model without a graph, an [`Error::InvalidInput`]. Weights are not copied: reading
    /// a large model costs its file size in memory once.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_onnx_graph(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/onnx/small.onnx"))?;
    /// assert!(writer.add_onnx_graph("no/such/model.onnx").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_onnx_graph(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            action: "reading ONNX model",
            path: path.to_owned(),
            source: Arc::new(e),
        })?;
        self.add_graph(&GraphBuilder::from_onnx(&bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_valid_node_names() {
        assert_eq!(clean_name("/conv1/Conv"), "conv1/Conv");
        assert_eq!(clean_name("onnx::Conv_12"), "onnx__Conv_12");
        assert_eq!(clean_name("a//b/"), "a/b");
        assert_eq!(clean_name("_x"), "x_x");
        assert_eq!(clean_name("-"), "x-");
        assert_eq!(clean_name("é:1"), "x__1");
        assert_eq!(clean_name("///"), "");
        let mut n = Names::default();
        assert_eq!(n.claim("/a", "f"), "a");
        assert_eq!(n.claim("a", "f"), "a_1");
        assert_eq!(n.claim("/", "f"), "f");
        assert_eq!(n.claim("", "f"), "f_1");
        assert_eq!(n.claim("a_2", "f"), "a_2");
        assert_eq!(n.claim("a", "f"), "a_3", "a_2 is taken");
        // Many clashes: every name distinct.
        let mut m = Names::default();
        let all: HashSet<String> = (0..5000).map(|_| m.claim("x", "f")).collect();
        assert_eq!(all.len(), 5000);
        for raw in ["x>y", "1", ".a", "a b", "\u{0}", "a/./b"] {
            let name = Names::default().claim(raw, "f");
            assert!(
                super::super::check_node_name(&name).is_ok(),
                "{raw:?} -> {name:?}"
            );
        }
    }

    #[test]
    fn ops_and_attribute_keys() {
        assert_eq!(op_name("", "Conv"), "Conv");
        assert_eq!(op_name("ai.onnx", "Conv"), "Conv");
        assert_eq!(
            op_name("com.microsoft", "FusedConv"),
            "com.microsoft.FusedConv"
        );
        assert_eq!(op_name("", ""), "Unknown");
        assert_eq!(op_name("x y", "Op!"), "x_y.Op_");
        assert!(super::super::check_op(&op_name("x y", "Op!")).is_ok());
        assert_eq!(attr_key("kernel_shape"), "kernel_shape");
        assert_eq!(attr_key("2d"), "_2d");
        assert_eq!(attr_key("a.b"), "a_b");
        assert!(super::super::check_attr_name(&attr_key("9-x")).is_ok());
    }

    #[test]
    fn a_node_reading_its_own_output_is_a_model_error() {
        use crate::proto::onnx::{GraphProto, NodeProto};
        let model = ModelProto {
            graph: Some(GraphProto {
                node: vec![NodeProto {
                    name: "loop".into(),
                    op_type: "Relu".into(),
                    input: vec!["t".into()],
                    output: vec!["t".into()],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        match GraphBuilder::from_onnx(&model.encode_to_vec()) {
            Err(Error::InvalidInput { what, reason }) => {
                assert_eq!(what, WHAT);
                assert!(
                    reason.contains("\"loop\"") && reason.contains("own input"),
                    "{reason}"
                );
            }
            other => panic!("{:?}", other.map(|g| g.len())),
        }
    }

    #[test]
    fn bad_bytes_and_empty_models_are_errors() {
        for bytes in [&b"\xff\xff\xff"[..], b"not a model at all"] {
            assert!(matches!(
                GraphBuilder::from_onnx(bytes),
                Err(Error::InvalidInput { what: WHAT, .. })
            ));
        }
        let empty = ModelProto::default().encode_to_vec();
        match GraphBuilder::from_onnx(&empty) {
            Err(Error::InvalidInput { reason, .. }) => assert!(reason.contains("no graph")),
            other => panic!("{:?}", other.map(|g| g.len())),
        }
    }
}
