//! Graphs: what `add_graph` writes, read back from disk and decoded.

use prost::Message;
use tensorboard_writer::proto::{self, AttrValue, DataType, GraphDef, NodeDef, attr_value};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::graph::{
    GRAPH_DEF_PRODUCER, GraphBuilder, GraphScope, NodeRef, TensorShape,
};
use tensorboard_writer::{Error, SummaryWriter};

use crate::common::node;

/// The graph events of a run, as (step, wall time, decoded GraphDef), in file order.
fn graphs(dir: &std::path::Path) -> Vec<(i64, f64, GraphDef)> {
    read_events(dir)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::GraphDef(bytes)) => {
                Some((e.step, e.wall_time, GraphDef::decode(&bytes[..]).unwrap()))
            }
            _ => None,
        })
        .collect()
}

/// `_output_shapes` as dims per output (`None` for an unknown rank).
fn output_shapes(n: &NodeDef) -> Vec<Option<Vec<i64>>> {
    match &n.attr["_output_shapes"].value {
        Some(attr_value::Value::List(l)) => l
            .shape
            .iter()
            .map(|s| (!s.unknown_rank).then(|| s.dim.iter().map(|d| d.size).collect()))
            .collect(),
        other => panic!("{}: _output_shapes is {other:?}", n.name),
    }
}

/// One convolution block, built the way model code would: inside the caller's scope.
fn conv_block(s: &GraphScope<'_>, x: &NodeRef, k: i64, cin: i64, cout: i64, hw: i64) -> NodeRef {
    let w = s
        .node("weight", "VariableV2")
        .dtype(DataType::DtFloat)
        .attr("shape", TensorShape::new([k, k, cin, cout]))
        .output_shape([k, k, cin, cout])
        .add()
        .unwrap();
    let conv = s
        .node("Conv2D", "Conv2D")
        .input(x)
        .input(&w)
        .attr("T", DataType::DtFloat)
        .attr("strides", [1, 1, 1, 1])
        .attr("padding", "VALID")
        .device("/device:GPU:0")
        .output_shape([-1, hw, hw, cout])
        .add()
        .unwrap();
    s.node("Relu", "Relu")
        .input(conv)
        .device("/device:GPU:0")
        .output_shape([-1, hw, hw, cout])
        .add()
        .unwrap()
}

#[test]
fn scoped_convnet_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let g = GraphBuilder::new();
    let x = g
        .node("input", "Placeholder")
        .dtype(DataType::DtFloat)
        .device("/device:CPU:0")
        .output_shape([-1, 28, 28, 1])
        .add()
        .unwrap();
    let labels = g
        .node("labels", "Placeholder")
        .dtype(DataType::DtInt64)
        .output_shape(TensorShape::unknown_rank())
        .add()
        .unwrap();
    let r1 = conv_block(&g.scope("conv1").unwrap(), &x, 5, 1, 32, 24);
    let r2 = conv_block(&g.scope("conv2").unwrap(), &r1, 5, 32, 64, 20);
    let xent = g.scope("xent").unwrap();
    let loss = xent
        .node("Loss", "SparseSoftmaxCrossEntropyWithLogits")
        .inputs([&r2, &labels])
        .output_shape([-1])
        .output_shape([-1, 10])
        .add()
        .unwrap();
    let mean = xent
        .node("Mean", "Mean")
        .input(&loss)
        .output_shape(TensorShape::scalar())
        .add()
        .unwrap();
    let train = g.scope("train").unwrap();
    let grads = train.scope("gradients").unwrap();
    let grad = grads
        .node("xent_grad", "Identity")
        .input(loss.output(1))
        .output_shape([-1, 10])
        .add()
        .unwrap();
    train
        .node("step", "NoOp")
        .control_input(&grad)
        .control_input("train/gradients/xent_grad") // the same edge, by name
        .input(mean.control())
        .no_outputs()
        .add()
        .unwrap();

    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_graph(&g).unwrap();
    w.close().unwrap();

    let got = graphs(dir.path());
    assert_eq!(got.len(), 1);
    let (step, wall_time, def) = &got[0];
    assert_eq!(*step, 0);
    assert!(*wall_time > 1.6e9, "{wall_time}");
    assert_eq!(def.versions.as_ref().unwrap().producer, GRAPH_DEF_PRODUCER);
    let names: Vec<&str> = def.node.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "input",
            "labels",
            "conv1/weight",
            "conv1/Conv2D",
            "conv1/Relu",
            "conv2/weight",
            "conv2/Conv2D",
            "conv2/Relu",
            "xent/Loss",
            "xent/Mean",
            "train/gradients/xent_grad",
            "train/step",
        ]
    );
    let c2 = node(def, "conv2/Conv2D");
    assert_eq!(c2.op, "Conv2D");
    assert_eq!(c2.input, ["conv1/Relu", "conv2/weight"]);
    assert_eq!(c2.device, "/device:GPU:0");
    assert_eq!(output_shapes(c2), [Some(vec![-1, 20, 20, 64])]);
    assert_eq!(
        c2.attr["padding"].value,
        Some(attr_value::Value::S(b"VALID".to_vec()))
    );
    assert_eq!(
        c2.attr["T"].value,
        Some(attr_value::Value::Type(DataType::DtFloat as i32))
    );
    let Some(attr_value::Value::List(strides)) = &c2.attr["strides"].value else {
        panic!("strides")
    };
    assert_eq!(strides.i, [1, 1, 1, 1]);
    let w2 = node(def, "conv2/weight");
    assert_eq!(
        w2.attr["dtype"].value,
        Some(attr_value::Value::Type(DataType::DtFloat as i32))
    );
    let Some(attr_value::Value::Shape(s)) = &w2.attr["shape"].value else {
        panic!("shape")
    };
    assert_eq!(
        s.dim.iter().map(|d| d.size).collect::<Vec<_>>(),
        [5, 5, 32, 64]
    );
    assert_eq!(output_shapes(node(def, "labels")), [None]);
    assert_eq!(
        output_shapes(node(def, "xent/Loss")),
        [Some(vec![-1]), Some(vec![-1, 10])]
    );
    assert_eq!(output_shapes(node(def, "xent/Mean")), [Some(vec![])]);
    assert_eq!(
        node(def, "train/gradients/xent_grad").input,
        ["xent/Loss:1"]
    );
    let step = node(def, "train/step");
    assert_eq!(
        step.input,
        [
            "^train/gradients/xent_grad",
            "^train/gradients/xent_grad",
            "^xent/Mean"
        ]
    );
    assert!(output_shapes(step).is_empty());
    assert!(node(def, "input").device == "/device:CPU:0");
    assert!(node(def, "labels").device.is_empty());
}

#[test]
fn every_attribute_kind_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let g = GraphBuilder::new().producer(1234);
    let tensor = proto::TensorProto {
        dtype: DataType::DtFloat as i32,
        float_val: vec![0.5],
        ..Default::default()
    };
    g.node("c", "Const")
        .attr("s", "text")
        .attr("s2", String::from("owned"))
        .attr("i", -7i64)
        .attr("i32", 7)
        .attr("f", 0.25f32)
        .attr("f64", 0.5)
        .attr("b", true)
        .attr("type", DataType::DtBfloat16)
        .attr("shape", TensorShape::new([2, -1]))
        .attr("li", vec![1i64, 2])
        .attr("lf", [0.5f32, 1.5])
        .attr("lb", &[true, false][..])
        .attr("ls", ["a", "b"])
        .attr("lt", [DataType::DtHalf, DataType::DtInt32])
        .attr(
            "lshape",
            vec![TensorShape::scalar(), TensorShape::unknown_rank()],
        )
        .attr(
            "value",
            AttrValue {
                value: Some(attr_value::Value::Tensor(tensor.clone())),
            },
        )
        .add()
        .unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_graph(&g).unwrap();
    w.close().unwrap();
    let (_, _, def) = graphs(dir.path()).remove(0);
    assert_eq!(def.versions.unwrap().producer, 1234);
    use attr_value::Value as V;
    let a = &def.node[0].attr;
    assert_eq!(a["s"].value, Some(V::S(b"text".to_vec())));
    assert_eq!(a["s2"].value, Some(V::S(b"owned".to_vec())));
    assert_eq!(a["i"].value, Some(V::I(-7)));
    assert_eq!(a["i32"].value, Some(V::I(7)));
    assert_eq!(a["f"].value, Some(V::F(0.25)));
    assert_eq!(a["f64"].value, Some(V::F(0.5)));
    assert_eq!(a["b"].value, Some(V::B(true)));
    assert_eq!(a["type"].value, Some(V::Type(DataType::DtBfloat16 as i32)));
    assert_eq!(
        a["shape"].value,
        Some(V::Shape(TensorShape::new([2, -1]).to_proto()))
    );
    let list = |k: &str| match &a[k].value {
        Some(V::List(l)) => l.clone(),
        other => panic!("{k}: {other:?}"),
    };
    assert_eq!(list("li").i, [1, 2]);
    assert_eq!(list("lf").f, [0.5, 1.5]);
    assert_eq!(list("lb").b, [true, false]);
    assert_eq!(list("ls").s, [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(
        list("lt").r#type,
        [DataType::DtHalf as i32, DataType::DtInt32 as i32]
    );
    let shapes = list("lshape").shape;
    assert!(shapes[0].dim.is_empty() && !shapes[0].unknown_rank);
    assert!(shapes[1].unknown_rank);
    assert_eq!(a["value"].value, Some(V::Tensor(tensor)));
    assert!(!a.contains_key("_output_shapes"), "only written when given");
}

fn assert_invalid<T: std::fmt::Debug>(r: Result<T, Error>, needle: &str) {
    match r {
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(reason.contains(needle), "{reason:?} lacks {needle:?}")
        }
        other => panic!("expected InvalidInput containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn bad_graphs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();

    let g = GraphBuilder::new();
    assert_invalid(w.add_graph(&g), "no nodes");
    let x = g.node("x", "Placeholder").add().unwrap();
    assert_invalid(g.node("x", "Identity").add(), "already used");
    assert_invalid(g.node("a b", "Identity").add(), "contains ' '");
    assert_invalid(g.node("_x", "Identity").add(), "must start with");
    assert_invalid(g.node("a/", "Identity").add(), "empty scope");
    assert_invalid(g.node("y", "Identity").input("x:one").add(), "output index");
    assert_invalid(g.node("y", "Identity").input("^x:1").add(), "control input");
    assert_invalid(g.node("y", "Identity").input("y").add(), "own input");
    assert_invalid(g.node("y", "Bad Op").add(), "op \"Bad Op\"");
    assert_invalid(g.node("y", "Identity").device("GPU 0").add(), "device");
    assert_invalid(g.node("y", "Identity").output_shape([-1, -3]).add(), "-3");
    assert_invalid(g.scope("conv 1"), "contains ' '");
    assert_invalid(g.scope(""), "empty");
    assert_eq!(g.len(), 1, "failed adds add nothing");

    // An input may be added before its source; the check is at build/add_graph time.
    g.node("y", "Identity")
        .input(&x)
        .input("missing/node:2")
        .add()
        .unwrap();
    assert_invalid(w.add_graph(&g), "\"missing/node\", which names no node");

    // Raw GraphDefs get the same checks.
    let raw = |nodes: Vec<NodeDef>| GraphDef {
        node: nodes,
        ..Default::default()
    };
    let n = |name: &str, input: &[&str]| NodeDef {
        name: name.into(),
        op: "Op".into(),
        input: input.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_invalid(w.add_graph_def(&raw(vec![]), 0u32), "no nodes");
    assert_invalid(
        w.add_graph_def(&raw(vec![n("a", &[]), n("a", &[])]), 0u32),
        "more than one node",
    );
    assert_invalid(
        w.add_graph_def(&raw(vec![n("a", &[]), n("b", &["^a", "a"])]), 0u32),
        "after a control input",
    );
    assert_invalid(
        w.add_graph_def(&raw(vec![n("a", &["b"])]), 0u32),
        "names no node",
    );
    assert_invalid(
        w.add_graph_def(&raw(vec![n("a b", &[])]), 0u32),
        "contains ' '",
    );

    w.close().unwrap();
    assert!(graphs(dir.path()).is_empty(), "nothing was written");
}

#[test]
fn each_add_graph_writes_one_event_and_the_builder_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let g = GraphBuilder::new();
    let fc = g.scope("model").unwrap().scope("fc1").unwrap();
    let x = fc.node("MatMul", "MatMul").add().unwrap();
    w.add_graph(&g).unwrap();
    fc.node("Relu", "Relu").input(&x).add().unwrap();
    // The writer's scope does not rename nodes.
    w.scope("ignored").unwrap().add_graph_at(&g, 7u8).unwrap();
    assert!(matches!(
        w.add_graph_at(&g, u64::MAX),
        Err(Error::StepOutOfRange { .. })
    ));
    w.close().unwrap();
    let got = graphs(dir.path());
    let names = |d: &GraphDef| d.node.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].0, got[1].0), (0, 7), "steps");
    assert_eq!(names(&got[0].2), ["model/fc1/MatMul"]);
    assert_eq!(names(&got[1].2), ["model/fc1/MatMul", "model/fc1/Relu"]);
    assert_eq!(got[1].2.node[1].input, ["model/fc1/MatMul"]);
}

const ONNX_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/onnx/small.onnx"
);

fn attr<'a>(n: &'a NodeDef, key: &str) -> &'a attr_value::Value {
    n.attr
        .get(key)
        .and_then(|a| a.value.as_ref())
        .unwrap_or_else(|| panic!("{}: no attribute {key}", n.name))
}

fn ints(v: &attr_value::Value) -> Vec<i64> {
    match v {
        attr_value::Value::List(l) => l.i.clone(),
        other => panic!("not a list: {other:?}"),
    }
}

/// The graph that `add_onnx_graph(path)` logs, read back from the event file; checked to
/// be the graph `GraphBuilder::from_onnx` builds from the same file.
fn logged_onnx_graph(path: &str) -> GraphDef {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_onnx_graph(path).unwrap();
    w.flush().unwrap();
    let mut written = graphs(dir.path());
    assert_eq!(written.len(), 1);
    let g = written.remove(0).2;
    let from_builder = GraphBuilder::from_onnx(&std::fs::read(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(g, from_builder);
    g
}

/// Each node's name, op and inputs, in order.
fn nodes_ops_inputs(g: &GraphDef) -> Vec<(&str, &str, Vec<&str>)> {
    g.node
        .iter()
        .map(|n| {
            let inputs = n.input.iter().map(String::as_str).collect();
            (n.name.as_str(), n.op.as_str(), inputs)
        })
        .collect()
}

const ONNX_CONTROL_FLOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/onnx/control_flow.onnx"
);

/// `tests/fixtures/onnx/control_flow.onnx` (`scripts/make-onnx-fixture.py`, checked by onnx's
/// checker): the branches of an `If` and the body of a `Loop` are drawn in scopes under their
/// node, with edges from the main graph's tensors they read and control edges from what
/// they return into the node.
#[test]
fn onnx_subgraphs_are_drawn_in_scopes_under_their_node() {
    let g = &logged_onnx_graph(ONNX_CONTROL_FLOW);
    assert_eq!(
        nodes_ops_inputs(g),
        [
            ("w", "Const", vec![]),
            ("trip", "Const", vec![]),
            ("keep_going", "Const", vec![]),
            ("x", "Placeholder", vec![]),
            ("flag", "Placeholder", vec![]),
            ("pre/MatMul", "MatMul", vec!["x", "w"]),
            // The branches read `h` of the main graph: edges from its producer.
            ("branch/If/else_branch/Neg_0", "Neg", vec!["pre/MatMul"]),
            (
                "branch/If/then_branch/then/Relu",
                "Relu",
                vec!["pre/MatMul"]
            ),
            // What the branches return: control edges into the node, after its inputs.
            (
                "branch/If",
                "If",
                vec![
                    "flag",
                    "^branch/If/else_branch/Neg_0",
                    "^branch/If/then_branch/then/Relu"
                ]
            ),
            // The body's inputs are bound by the Loop: placeholders in its scope.
            ("loop/Loop/body/i", "Placeholder", vec![]),
            ("loop/Loop/body/cond_in", "Placeholder", vec![]),
            ("loop/Loop/body/acc_in", "Placeholder", vec![]),
            (
                "loop/Loop/body/body/Add",
                "Add",
                vec!["loop/Loop/body/acc_in", "pre/MatMul"]
            ),
            (
                "loop/Loop/body/body/Identity",
                "Identity",
                vec!["loop/Loop/body/cond_in"]
            ),
            (
                "loop/Loop",
                "Loop",
                vec![
                    "trip",
                    "keep_going",
                    "branch/If",
                    "^loop/Loop/body/body/Add",
                    "^loop/Loop/body/body/Identity"
                ]
            ),
        ]
    );
    // The attributes say where each subgraph is drawn.
    let s = |text: &str| attr_value::Value::S(text.as_bytes().to_vec());
    let if_node = node(g, "branch/If");
    assert_eq!(
        attr(if_node, "then_branch"),
        &s("subgraph of 1 nodes, drawn in branch/If/then_branch")
    );
    assert_eq!(
        attr(if_node, "else_branch"),
        &s("subgraph of 1 nodes, drawn in branch/If/else_branch")
    );
    assert_eq!(
        attr(node(g, "loop/Loop"), "body"),
        &s("subgraph of 2 nodes, drawn in loop/Loop/body")
    );
    // Shapes and types inside the subgraphs, from their own value infos.
    assert_eq!(
        output_shapes(node(g, "loop/Loop/body/acc_in")),
        [Some(vec![-1, 4])]
    );
    assert_eq!(
        attr(node(g, "loop/Loop/body/cond_in"), "dtype"),
        &attr_value::Value::Type(DataType::DtBool as i32)
    );
    assert_eq!(
        output_shapes(node(g, "branch/If/then_branch/then/Relu")),
        [Some(vec![-1, 4])]
    );
}

/// `tests/fixtures/onnx/small.onnx`, written by the `onnx` package itself
/// (`scripts/make-onnx-fixture.py`): decoding it checks our schema's field numbers too.
#[test]
fn onnx_model_becomes_a_scoped_graph() {
    let g = &logged_onnx_graph(ONNX_FIXTURE);
    assert_eq!(
        nodes_ops_inputs(g),
        [
            ("conv1.weight", "Const", vec![]),
            ("conv1.bias", "Const", vec![]),
            ("fc.weight", "Const", vec![]),
            ("fc.bias", "Const", vec![]),
            ("split_sizes", "Const", vec![]),
            ("input", "Placeholder", vec![]),
            // Used by a node, produced by nothing.
            ("clip_max", "Placeholder", vec![]),
            (
                "conv1/Conv",
                "Conv",
                vec!["input", "conv1.weight", "conv1.bias"]
            ),
            ("conv1/Relu", "Relu", vec!["conv1/Conv"]),
            ("pool/MaxPool", "MaxPool", vec!["conv1/Relu"]),
            ("Flatten_3", "Flatten", vec!["pool/MaxPool"]),
            ("split/Split", "Split", vec!["Flatten_3", "split_sizes"]),
            (
                "split/Concat",
                "Concat",
                vec!["split/Split:1", "split/Split"]
            ),
            (
                "fc/Gemm",
                "Gemm",
                vec!["split/Concat", "fc.weight", "fc.bias"]
            ),
            // Clip's empty optional input (min) is left out.
            ("fc/Clip", "Clip", vec!["fc/Gemm", "clip_max"]),
            ("head/Scale", "com.example.Scale", vec!["fc/Clip"]),
        ]
    );

    // Types and shapes: initializers' dims, the symbolic batch as -1, one shape per output.
    let w1 = node(g, "conv1.weight");
    assert_eq!(output_shapes(w1), [Some(vec![4, 1, 3, 3])]);
    assert_eq!(
        attr(w1, "dtype"),
        &attr_value::Value::Type(DataType::DtFloat as i32)
    );
    assert_eq!(
        attr(node(g, "split_sizes"), "dtype"),
        &attr_value::Value::Type(DataType::DtInt64 as i32)
    );
    assert_eq!(output_shapes(node(g, "input")), [Some(vec![-1, 1, 8, 8])]);
    assert_eq!(
        output_shapes(node(g, "pool/MaxPool")),
        [Some(vec![-1, 4, 2, 2])]
    );
    assert_eq!(
        output_shapes(node(g, "split/Split")),
        [Some(vec![-1, 8]), Some(vec![-1, 8])]
    );
    assert_eq!(output_shapes(node(g, "head/Scale")), [Some(vec![-1, 10])]);
    assert!(!node(g, "clip_max").attr.contains_key("_output_shapes"));

    // Attributes of each kind.
    let conv = node(g, "conv1/Conv");
    assert_eq!(ints(attr(conv, "kernel_shape")), [3, 3]);
    assert_eq!(ints(attr(conv, "pads")), [1, 1, 1, 1]);
    assert_eq!(
        attr(node(g, "pool/MaxPool"), "auto_pad"),
        &attr_value::Value::S(b"VALID".to_vec())
    );
    let gemm = node(g, "fc/Gemm");
    assert_eq!(attr(gemm, "transB"), &attr_value::Value::I(1));
    assert_eq!(attr(gemm, "alpha"), &attr_value::Value::F(1.0));
    let scale = node(g, "head/Scale");
    assert_eq!(attr(scale, "factor"), &attr_value::Value::F(0.5));
    match attr(scale, "tags") {
        attr_value::Value::List(l) => assert_eq!(l.s, [b"a".to_vec(), b"b".to_vec()]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unreadable_and_non_onnx_files_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("run")).unwrap();
    let missing = dir.path().join("missing.onnx");
    match w.add_onnx_graph(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    let not_onnx = dir.path().join("not.onnx");
    std::fs::write(&not_onnx, b"\x08\x07\x12\xff\xff\xff\xff").unwrap();
    assert_invalid(w.add_onnx_graph(&not_onnx), "not an ONNX model");
    // A truncated model: the fixture cut in the middle.
    let bytes = std::fs::read(ONNX_FIXTURE).unwrap();
    let cut = dir.path().join("cut.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_invalid(w.add_onnx_graph(&cut), "ONNX");
    w.flush().unwrap();
    assert!(graphs(&dir.path().join("run")).is_empty());
}

/// Every single-bit corruption of the fixture gives a graph or an `InvalidInput`, never a
/// panic (names, shapes and attributes then hold whatever the flipped bytes say).
#[test]
fn corrupt_onnx_models_never_panic() {
    let bytes = std::fs::read(ONNX_FIXTURE).unwrap();
    let (mut ok, mut refused) = (0, 0);
    for i in 0..bytes.len() {
        for bit in [0, 3, 7] {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            match GraphBuilder::from_onnx(&b) {
                Ok(g) => {
                    g.build().unwrap();
                    ok += 1;
                }
                Err(Error::InvalidInput { .. }) => refused += 1,
                Err(e) => panic!("byte {i} bit {bit}: {e}"),
            }
        }
    }
    assert!(ok > 0 && refused > 0, "{ok} graphs, {refused} refused");
}
