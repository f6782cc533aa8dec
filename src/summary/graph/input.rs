//! Node handles ([`NodeRef`]) and the inputs made from them or from names ([`NodeInput`]).

use std::fmt;

/// A node handle returned by [`NodeBuilder::add`]: pass it (or `&it`) to
/// [`NodeBuilder::input`] to connect its output 0, or use [`output`](Self::output) and
/// [`control`](Self::control) for the other kinds of edge.
///
/// [`NodeBuilder::add`]: crate::summary::graph::NodeBuilder::add
/// [`NodeBuilder::input`]: crate::summary::graph::NodeBuilder::input
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub(super) name: String,
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
    pub(super) text: String,
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
