//! [`GraphBuilder`], its name scopes ([`GraphScope`]) and the nodes being described
//! ([`NodeBuilder`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::error::Result;
use crate::proto::{
    AttrValue, DataType, GraphDef, NodeDef, TensorShapeProto, VersionDef, attr_value,
};

use super::attr::{OUTPUT_SHAPES_ATTR, attr};
use super::input::{NodeInput, NodeRef};
use super::names::{check_graph_def, check_node, check_node_name, invalid};
use super::shape::TensorShape;

/// The `versions.producer` written by [`GraphBuilder`], the value tensorboardX and PyTorch
/// write. TensorBoard's Graphs dashboard does not use it.
pub const GRAPH_DEF_PRODUCER: i32 = 22;

#[derive(Default)]
struct State {
    nodes: Vec<NodeDef>,
    index: HashMap<String, usize>,
}

/// A `GraphDef` under construction. Nodes are added through [`node`](Self::node) and through
/// [`GraphScope`]s; [`build`](Self::build) checks the graph and returns the `GraphDef`, and
/// [`SummaryWriter::add_graph`] writes it. See the [module docs](crate::summary::graph).
///
/// The builder is used through shared references (`&self`), so that any number of scopes can
/// be alive at once and handed to the code that builds each part of a model.
///
/// [`SummaryWriter::add_graph`]: crate::SummaryWriter::add_graph
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
    /// (`"model/conv1"`) and follows the [name rules](crate::summary::graph#name-rules).
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
    /// [name rules], a negative dimension other than `-1`, or a name already
    /// in the graph. Inputs may name nodes that are added later; [`GraphBuilder::build`]
    /// checks that they all exist.
    ///
    /// [name rules]: crate::summary::graph#name-rules
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

#[cfg(test)]
mod tests {
    use super::super::names::tests::err_text;
    use super::*;

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
