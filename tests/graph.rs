//! Graphs: what `add_graph` writes, read back from disk and decoded.

use prost::Message;
use tensorboard_writer::proto::{self, attr_value, AttrValue, DataType, GraphDef, NodeDef};
use tensorboard_writer::summary::graph::{
    GraphBuilder, GraphScope, NodeRef, TensorShape, GRAPH_DEF_PRODUCER,
};
use tensorboard_writer::{read_events, Error, SummaryWriter};

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

fn node<'a>(g: &'a GraphDef, name: &str) -> &'a NodeDef {
    g.node
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
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
