//! The name rules (TensorFlow's, plus non-empty scopes) for node names, ops, devices and
//! attributes, and the checks of one node and of a whole `GraphDef`.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::proto::{AttrValue, GraphDef, NodeDef, TensorShapeProto, attr_value};

use super::attr::OUTPUT_SHAPES_ATTR;

pub(super) fn invalid(what: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        what,
        reason: reason.into(),
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

/// TensorFlow's node name rule (`IsValidNodeName`), plus non-empty scopes.
pub(super) fn check_node_name(name: &str) -> Result<(), String> {
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

pub(super) fn check_op(op: &str) -> Result<(), String> {
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

pub(super) fn check_device(device: &str) -> Result<(), String> {
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

pub(super) fn check_attr_name(key: &str) -> Result<(), String> {
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
pub(super) fn check_node(node: &NodeDef) -> Result<Vec<&str>> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::fmt;

    pub(crate) fn err_text(r: Result<impl fmt::Debug>) -> String {
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
}
