//! Graphs from candle `VarMap`s (feature `candle`), read back from disk and decoded.

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use prost::Message;
use tensorboard_writer::candle::{VARIABLE_OP, data_type, device_name, node_name, tensor_shape};
use tensorboard_writer::proto::{DataType, GraphDef, NodeDef, attr_value};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::graph::GraphBuilder;
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::node;

fn graph_of(dir: &std::path::Path) -> GraphDef {
    let mut defs: Vec<GraphDef> = read_events(dir)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::GraphDef(b)) => Some(GraphDef::decode(&b[..]).unwrap()),
            _ => None,
        })
        .collect();
    assert_eq!(defs.len(), 1);
    defs.remove(0)
}

fn dims(s: &proto::TensorShapeProto) -> Vec<i64> {
    s.dim.iter().map(|d| d.size).collect()
}

/// (dtype, shape attr, _output_shapes) of a variable node.
fn var_attrs(n: &NodeDef) -> (Option<i32>, Vec<i64>, Vec<Vec<i64>>) {
    let dtype = match n.attr.get("dtype").and_then(|a| a.value.clone()) {
        Some(attr_value::Value::Type(t)) => Some(t),
        None => None,
        other => panic!("dtype {other:?}"),
    };
    let Some(attr_value::Value::Shape(shape)) = &n.attr["shape"].value else {
        panic!("shape")
    };
    let Some(attr_value::Value::List(l)) = &n.attr["_output_shapes"].value else {
        panic!("_output_shapes")
    };
    (dtype, dims(shape), l.shape.iter().map(dims).collect())
}

/// A small convnet's variables, made by candle-nn's layer constructors.
fn convnet_varmap() -> VarMap {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    candle_nn::conv2d(1, 32, 5, Default::default(), vb.pp("conv1")).unwrap();
    candle_nn::conv2d(32, 64, 5, Default::default(), vb.pp("conv2")).unwrap();
    candle_nn::linear(1024, 128, vb.pp("fc1")).unwrap();
    candle_nn::linear_no_bias(128, 10, vb.pp("fc2")).unwrap();
    varmap
}

#[test]
fn varmap_variables_become_scoped_variable_nodes_and_connect() {
    let dir = tempfile::tempdir().unwrap();
    let varmap = convnet_varmap();
    let g = GraphBuilder::from_varmap(&varmap).unwrap();
    let names: Vec<String> = g
        .build()
        .unwrap()
        .node
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(
        names,
        [
            "conv1/bias",
            "conv1/weight",
            "conv2/bias",
            "conv2/weight",
            "fc1/bias",
            "fc1/weight",
            "fc2/weight"
        ],
        "sorted by path, one node per variable"
    );

    // Connect the variables with the ordinary builder calls.
    let x = g
        .node("input", "Placeholder")
        .output_shape([-1, 1, 28, 28])
        .add()
        .unwrap();
    let conv1 = g.scope("conv1").unwrap();
    let w = conv1.get("weight").expect("conv1/weight exists");
    let c = conv1
        .node("Conv2D", "Conv2D")
        .input(&x)
        .input(&w)
        .output_shape([-1, 32, 24, 24])
        .add()
        .unwrap();
    conv1
        .node("BiasAdd", "BiasAdd")
        .input(&c)
        .input("conv1/bias")
        .output_shape([-1, 32, 24, 24])
        .add()
        .unwrap();

    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer.add_graph(&g).unwrap();
    writer.close().unwrap();

    let def = graph_of(dir.path());
    assert_eq!(def.node.len(), 10);
    let w1 = node(&def, "conv1/weight");
    assert_eq!(w1.op, VARIABLE_OP);
    assert_eq!(w1.device, "/device:CPU:0");
    assert!(w1.input.is_empty());
    assert_eq!(
        var_attrs(w1),
        (
            Some(DataType::DtFloat as i32),
            vec![32, 1, 5, 5],
            vec![vec![32, 1, 5, 5]]
        )
    );
    assert_eq!(
        var_attrs(node(&def, "fc1/weight")),
        (
            Some(DataType::DtFloat as i32),
            vec![128, 1024],
            vec![vec![128, 1024]]
        )
    );
    assert_eq!(var_attrs(node(&def, "conv2/bias")).1, [64]);
    assert_eq!(node(&def, "conv1/Conv2D").input, ["input", "conv1/weight"]);
    assert_eq!(
        node(&def, "conv1/BiasAdd").input,
        ["conv1/Conv2D", "conv1/bias"]
    );
}

#[test]
fn add_varmap_in_a_scope_returns_nodes_by_path() {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F16, &Device::Cpu);
    candle_nn::embedding(100, 16, vb.pp("encoder").pp("layers").pp("0").pp("embed")).unwrap();
    let g = GraphBuilder::new();
    let vars = g.scope("model").unwrap().add_varmap(&varmap).unwrap();
    let n = &vars["encoder.layers.0.embed.weight"];
    assert_eq!(n.name(), "model/encoder/layers/0/embed/weight");
    let def = g.build().unwrap();
    assert_eq!(
        var_attrs(node(&def, n.name())),
        (
            Some(DataType::DtHalf as i32),
            vec![100, 16],
            vec![vec![100, 16]]
        )
    );

    // A single tensor, at the top level.
    let t = Tensor::zeros((2, 3), DType::U32, &Device::Cpu).unwrap();
    let v = g.add_variable("extra.counts", &t).unwrap();
    assert_eq!(v.name(), "extra/counts");
    let def = g.build().unwrap();
    assert_eq!(
        var_attrs(node(&def, "extra/counts")).0,
        Some(DataType::DtUint32 as i32)
    );
}

#[test]
fn bad_variable_paths_add_nothing() {
    let varmap = convnet_varmap();
    let t = Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap();
    varmap.data().lock().unwrap().insert(
        "head.out proj.weight".into(),
        candle_core::Var::from_tensor(&t).unwrap(),
    );
    let g = GraphBuilder::new();
    match g.add_varmap(&varmap) {
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(
                reason.contains("variable \"head.out proj.weight\""),
                "{reason}"
            );
            assert!(reason.contains("contains ' '"), "{reason}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(g.is_empty(), "all or nothing");

    // A name clash with a node already in the graph.
    let g = GraphBuilder::new();
    g.node("fc2/weight", "Const").add().unwrap();
    let good = convnet_varmap();
    match g.add_varmap(&good) {
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(
                reason.contains("\"fc2/weight\" is already used"),
                "{reason}"
            )
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(g.len(), 1);
    assert!(g.add_variable("a..b", &t).is_err(), "empty scope");
    assert!(g.add_variable("", &t).is_err());
    assert_eq!(g.len(), 1);
}

#[test]
fn conversions() {
    assert_eq!(data_type(DType::BF16), Some(DataType::DtBfloat16));
    assert_eq!(data_type(DType::I64), Some(DataType::DtInt64));
    assert_eq!(data_type(DType::F64), Some(DataType::DtDouble));
    assert_eq!(data_type(DType::F8E4M3), None);
    assert_eq!(device_name(&Device::Cpu), "/device:CPU:0");
    assert_eq!(node_name("a.b.0.c"), "a/b/0/c");
    let s = candle_core::Shape::from((2, 3, 4));
    assert_eq!(tensor_shape(&s).dims(), Some(&[2, 3, 4][..]));
}
