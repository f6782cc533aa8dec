//! ONNX models in the Graphs dashboard: a `.onnx` file's graph converted to a `GraphDef`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::onnx::{
    AttributeProto, GraphProto, ModelProto, ValueInfoProto, attribute_proto::AttributeType,
    tensor_shape_proto::dimension, type_proto,
};
use crate::proto::{AttrValue, DataType};
use crate::writer::SummaryWriter;

use super::builder::{GraphBuilder, NodeBuilder};
use super::input::NodeInput;
use super::shape::TensorShape;

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
/// such; tensors as a one-line description (the dashboard shows attributes as text).
/// Subgraphs, which are drawn, are described by [`subgraph_description`] instead.
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
        // Only without a graph in it: one that holds a graph is drawn.
        AttributeType::Graph => "no subgraph".into(),
        AttributeType::Graphs => a
            .graphs
            .iter()
            .map(|g| format!("subgraph of {} nodes", g.node.len()))
            .collect::<Vec<_>>()
            .into(),
        other => format!("{} attribute (not shown)", other.as_str_name()).into(),
    }
}

/// The tensors a graph can read: its own, then those of the graphs enclosing it (a chain,
/// so that a subgraph does not copy the tensors of the graph around it).
struct Tensors<'a, 'm> {
    /// Tensor name -> the node input that reads it (`node`, or `node:k` for output k).
    own: HashMap<&'m str, NodeInput>,
    outer: Option<&'a Tensors<'a, 'm>>,
}

impl<'a, 'm> Tensors<'a, 'm> {
    fn get(&self, name: &str) -> Option<&NodeInput> {
        self.own
            .get(name)
            .or_else(|| self.outer.and_then(|o| o.get(name)))
    }
}

/// Converts a model's graphs into one `GraphBuilder`: the main graph, and the subgraphs of
/// `If`, `Loop` and `Scan` nodes in scopes under their node.
struct Converter<'m> {
    g: GraphBuilder,
    names: Names,
    /// Tensor name -> shape and element type, from the `value_info`, inputs and outputs of
    /// every graph converted so far.
    types: HashMap<&'m str, (TensorShape, i32)>,
}

impl<'m> Converter<'m> {
    /// A placeholder node `name` for `tensor`, with its shape and type when the model
    /// records them.
    fn placeholder(&self, name: &str, tensor: &str) -> Result<()> {
        let mut node = self.g.node(name, "Placeholder");
        if let Some((shape, elem)) = self.types.get(tensor) {
            node = node.output_shape(shape.clone());
            if let Some(d) = dtype(*elem) {
                node = node.dtype(d);
            }
        }
        add(node)
    }

    /// Adds the nodes of `graph`, named under `scope` (empty for the main graph). `outer`
    /// holds the tensors of the enclosing graphs, which a subgraph may read. Returns the
    /// node inputs that produce the graph's outputs.
    fn graph(
        &mut self,
        graph: &'m GraphProto,
        scope: &str,
        outer: Option<&Tensors<'_, 'm>>,
    ) -> Result<Vec<NodeInput>> {
        let scoped = |name: &str| {
            if scope.is_empty() {
                name.to_owned()
            } else {
                format!("{scope}/{name}")
            }
        };
        for v in graph
            .value_info
            .iter()
            .chain(&graph.input)
            .chain(&graph.output)
        {
            if let Some(t) = value_type(v) {
                self.types.insert(&v.name, t);
            }
        }
        let mut producer = Tensors {
            own: HashMap::new(),
            outer,
        };

        // Initializers: the model's parameters and constants.
        for t in &graph.initializer {
            let name = self.names.claim(&scoped(&t.name), &scoped("initializer"));
            let mut node = self
                .g
                .node(&name, "Const")
                .output_shape(TensorShape::new(t.dims.iter().copied()));
            if let Some(d) = dtype(t.data_type) {
                node = node.dtype(d);
            }
            add(node)?;
            producer.own.insert(&t.name, NodeInput::from(name));
        }
        // Inputs: the main graph's are fed by the caller (before IR version 4, initializers
        // were listed there too); a subgraph's are bound by its node, new names each.
        // Only initializers are in `own` yet: an input named like one is that initializer.
        for v in &graph.input {
            if !producer.own.contains_key(v.name.as_str()) {
                let name = self.names.claim(&scoped(&v.name), &scoped("input"));
                self.placeholder(&name, &v.name)?;
                producer.own.insert(&v.name, NodeInput::from(name));
            }
        }
        // Names for every node first, so that inputs can be resolved in one pass.
        let mut node_names = Vec::with_capacity(graph.node.len());
        for (i, n) in graph.node.iter().enumerate() {
            let fallback = scoped(&format!("{}_{i}", n.op_type));
            let name = if n.name.is_empty() {
                self.names.claim(&fallback, "node")
            } else {
                self.names.claim(&scoped(&n.name), &fallback)
            };
            for (k, out) in n.output.iter().enumerate() {
                if !out.is_empty() {
                    let input = if k == 0 {
                        NodeInput::from(&name)
                    } else {
                        NodeInput::from(format!("{name}:{k}"))
                    };
                    producer.own.insert(out, input);
                }
            }
            node_names.push(name);
        }
        // Inputs that nothing produces: placeholders, so that every edge has a start.
        for n in &graph.node {
            for input in n.input.iter().filter(|i| !i.is_empty()) {
                if producer.get(input).is_none() {
                    let name = self.names.claim(&scoped(input), &scoped("input"));
                    self.placeholder(&name, input)?;
                    producer.own.insert(input, NodeInput::from(name));
                }
            }
        }

        for (n, name) in graph.node.iter().zip(&node_names) {
            // Subgraphs first, in scopes `<node>/<attribute>` (`_<i>` for lists of graphs):
            // what they read from this graph is drawn as edges into them, what they return
            // as control edges into the node.
            let mut returned = Vec::new();
            let mut attrs = Vec::with_capacity(n.attribute.len());
            for a in &n.attribute {
                let key = attr_key(&a.name);
                let subgraphs: Vec<(String, &'m GraphProto)> = match (&a.g, a.graphs.len()) {
                    (Some(sub), _) => vec![(format!("{name}/{key}"), sub)],
                    (None, 0) => Vec::new(),
                    (None, _) => a
                        .graphs
                        .iter()
                        .enumerate()
                        .map(|(i, sub)| (format!("{name}/{key}_{i}"), sub))
                        .collect(),
                };
                let value = if subgraphs.is_empty() {
                    attr_value(a)
                } else {
                    let mut scopes = Vec::with_capacity(subgraphs.len());
                    for (sub_scope, sub) in subgraphs {
                        returned.extend(self.graph(sub, &sub_scope, Some(&producer))?);
                        scopes.push(sub_scope);
                    }
                    subgraph_description(a, &scopes)
                };
                attrs.push((key, value));
            }

            let mut node = self.g.node(name, &op_name(&n.domain, &n.op_type));
            // Every input has a producer by now (a placeholder at least).
            for input in n
                .input
                .iter()
                .filter(|i| !i.is_empty())
                .filter_map(|i| producer.get(i))
            {
                node = node.input(input);
            }
            for (key, value) in attrs {
                node = node.attr(&key, value);
            }
            let mut controls: Vec<&str> = returned
                .iter()
                .map(|r| r.as_str().split(':').next().unwrap_or(""))
                .filter(|r| !r.is_empty() && r != name)
                .collect();
            controls.sort_unstable();
            controls.dedup();
            for c in controls {
                node = node.control_input(c);
            }
            // `_output_shapes` needs one shape per output: unknown ones have an unknown rank.
            if n.output.iter().any(|o| self.types.contains_key(o.as_str())) {
                for o in &n.output {
                    node = node.output_shape(
                        self.types
                            .get(o.as_str())
                            .map_or_else(TensorShape::unknown_rank, |(s, _)| s.clone()),
                    );
                }
            }
            add(node)?;
        }
        Ok(graph
            .output
            .iter()
            .filter_map(|o| producer.get(&o.name).cloned())
            .collect())
    }
}

/// The attribute value of a subgraph attribute that was drawn: where to find it.
fn subgraph_description(a: &AttributeProto, scopes: &[String]) -> AttrValue {
    let describe = |g: &GraphProto, scope: &str| {
        format!("subgraph of {} nodes, drawn in {scope}", g.node.len())
    };
    match &a.g {
        Some(g) => describe(g, scopes.first().map_or("", String::as_str)).into(),
        None => a
            .graphs
            .iter()
            .zip(scopes)
            .map(|(g, scope)| describe(g, scope))
            .collect::<Vec<_>>()
            .into(),
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
        let mut converter = Converter {
            g: GraphBuilder::new(),
            names: Names::default(),
            types: HashMap::new(),
        };
        converter.graph(graph, "", None)?;
        Ok(converter.g)
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
    ///   their lists as they are, tensors as a description.
    /// - The subgraphs of `If`, `Loop`, `Scan` (and any op with graph attributes) are drawn
    ///   in scopes under their node, `<node>/<attribute>` (`<node>/<attribute>_<i>` for a
    ///   list of graphs), nested as deep as the model nests them: a subgraph's inputs are
    ///   `Placeholder` nodes in its scope, the tensors it reads from enclosing graphs are
    ///   edges from their producers, and what it returns are control edges (dashed) into the
    ///   node. The node's attribute says where its subgraph is drawn.
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
                super::super::names::check_node_name(&name).is_ok(),
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
        assert!(super::super::names::check_op(&op_name("x y", "Op!")).is_ok());
        assert_eq!(attr_key("kernel_shape"), "kernel_shape");
        assert_eq!(attr_key("2d"), "_2d");
        assert_eq!(attr_key("a.b"), "a_b");
        assert!(super::super::names::check_attr_name(&attr_key("9-x")).is_ok());
    }

    /// A node `name` of `op` reading `inputs`, writing `outputs`, with graph attributes.
    fn onnx_node(
        name: &str,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: Vec<AttributeProto>,
    ) -> crate::proto::onnx::NodeProto {
        crate::proto::onnx::NodeProto {
            name: name.into(),
            op_type: op.into(),
            input: inputs.iter().map(|s| (*s).into()).collect(),
            output: outputs.iter().map(|s| (*s).into()).collect(),
            attribute: attrs,
            ..Default::default()
        }
    }

    fn onnx_graph(nodes: Vec<crate::proto::onnx::NodeProto>, outputs: &[&str]) -> GraphProto {
        GraphProto {
            node: nodes,
            output: outputs
                .iter()
                .map(|o| ValueInfoProto {
                    name: (*o).into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn inputs_of(g: &crate::proto::GraphDef) -> Vec<(String, Vec<String>)> {
        g.node
            .iter()
            .map(|n| (n.name.clone(), n.input.clone()))
            .collect()
    }

    #[test]
    fn lists_of_subgraphs_and_nested_subgraphs_get_scopes_of_their_own() {
        // A `Scan`-like node with a list of two graphs; the second holds an `If` whose
        // branch reads the main graph's `x`.
        let inner_if = onnx_node(
            "if",
            "If",
            &["x"],
            &["picked"],
            vec![AttributeProto {
                name: "then_branch".into(),
                r#type: AttributeType::Graph as i32,
                g: Some(onnx_graph(
                    vec![onnx_node("neg", "Neg", &["x"], &["n"], vec![])],
                    &["n"],
                )),
                ..Default::default()
            }],
        );
        let model = ModelProto {
            graph: Some(GraphProto {
                input: vec![ValueInfoProto {
                    name: "x".into(),
                    ..Default::default()
                }],
                node: vec![onnx_node(
                    "multi",
                    "com.example.Multi",
                    &["x"],
                    &["y"],
                    vec![AttributeProto {
                        name: "steps".into(),
                        r#type: AttributeType::Graphs as i32,
                        graphs: vec![
                            onnx_graph(
                                vec![onnx_node("id", "Identity", &["x"], &["a"], vec![])],
                                &["a"],
                            ),
                            onnx_graph(vec![inner_if], &["picked"]),
                        ],
                        ..Default::default()
                    }],
                )],
                ..Default::default()
            }),
            ..Default::default()
        };
        let g = GraphBuilder::from_onnx(&model.encode_to_vec())
            .unwrap()
            .build()
            .unwrap();
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            inputs_of(&g),
            [
                ("x".to_owned(), vec![]),
                ("multi/steps_0/id".to_owned(), s(&["x"])),
                ("multi/steps_1/if/then_branch/neg".to_owned(), s(&["x"])),
                (
                    "multi/steps_1/if".to_owned(),
                    s(&["x", "^multi/steps_1/if/then_branch/neg"])
                ),
                (
                    "multi".to_owned(),
                    s(&["x", "^multi/steps_0/id", "^multi/steps_1/if"])
                ),
            ]
        );
        let multi = g.node.iter().find(|n| n.name == "multi").unwrap();
        match &multi.attr["steps"].value {
            Some(crate::proto::attr_value::Value::List(l)) => assert_eq!(
                l.s,
                [
                    b"subgraph of 1 nodes, drawn in multi/steps_0".to_vec(),
                    b"subgraph of 1 nodes, drawn in multi/steps_1".to_vec()
                ]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subgraphs_returning_or_reading_their_own_node_still_make_a_graph() {
        // A branch that returns the node's own output (no control edge from the node to
        // itself), and one that reads it (a cycle through the node, as TensorFlow's loops
        // have): drawn, not refused.
        let branch = |nodes, out: &str| AttributeProto {
            name: "then_branch".into(),
            r#type: AttributeType::Graph as i32,
            g: Some(onnx_graph(nodes, &[out])),
            ..Default::default()
        };
        for (nodes, out) in [
            (vec![], "y"),
            (vec![onnx_node("r", "Relu", &["y"], &["z"], vec![])], "z"),
        ] {
            let model = ModelProto {
                graph: Some(onnx_graph(
                    vec![onnx_node(
                        "if",
                        "If",
                        &["c"],
                        &["y"],
                        vec![branch(nodes, out)],
                    )],
                    &["y"],
                )),
                ..Default::default()
            };
            let g = GraphBuilder::from_onnx(&model.encode_to_vec())
                .unwrap()
                .build()
                .unwrap();
            let if_node = g.node.iter().find(|n| n.name == "if").unwrap();
            if out == "y" {
                assert_eq!(if_node.input, ["c"]);
            } else {
                assert_eq!(if_node.input, ["c", "^if/then_branch/r"]);
            }
        }
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
