//! Graphs: a convnet built with name scopes (conv1, conv2, fc1, fc2, xent, train), data edges
//! with output indices, control edges, devices and `_output_shapes`, in a run that also logs
//! scalars; and a run whose graph is replaced by one at a higher step (TensorBoard serves the
//! graph with the highest step); and an ONNX model's graph (`add_onnx_graph`).
//!
//! Manifest section "graphs": `{"__run_graph__": [{"step": s, "nodes": [{"name", "op",
//! "input": [...], "device", "output_shapes": [[dims] | null (unknown rank)] (only when the
//! node has `_output_shapes`), "attrs": [sorted attribute names]}], "screenshot": null |
//! {"same_structure_boxes": n, "unique_boxes": n}}]}`.
//! The check (`tests/compat/sections/graphs.py`) asks `/data/plugin/graphs/info` which runs
//! have a graph, parses the pbtxt `/data/plugin/graphs/graph?run=` serves, compares every
//! node, and, where "screenshot" is set, renders the Graphs dashboard in headless Chromium
//! and counts the scope boxes of each colour in the picture.

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::proto::{DataType, GraphDef, attr_value};
use tensorboard_writer::summary::graph::{GraphBuilder, GraphScope, NodeRef, TensorShape};

use crate::{Error, Manifest};

const TAG: &str = "__run_graph__";
const GPU: &str = "/device:GPU:0";
const CPU: &str = "/device:CPU:0";
const F32: DataType = DataType::DtFloat;

/// A variable inside `s`, of the given shape.
fn variable(s: &GraphScope<'_>, name: &str, shape: &[i64]) -> Result<NodeRef, Error> {
    Ok(s.node(name, "VariableV2")
        .dtype(F32)
        .attr("shape", TensorShape::from(shape))
        .output_shape(shape)
        .device(GPU)
        .add()?)
}

/// conv (5×5, VALID) + bias + relu + 2×2 max pool, inside scope `s`.
fn conv_layer(
    s: &GraphScope<'_>,
    x: &NodeRef,
    cin: i64,
    cout: i64,
    hw_in: i64,
) -> Result<NodeRef, Error> {
    let hw = hw_in - 4;
    let w = variable(s, "weight", &[5, 5, cin, cout])?;
    let b = variable(s, "bias", &[cout])?;
    let conv = s
        .node("Conv2D", "Conv2D")
        .input(x)
        .input(&w)
        .attr("T", F32)
        .attr("strides", [1, 1, 1, 1])
        .attr("padding", "VALID")
        .attr("data_format", "NHWC")
        .device(GPU)
        .output_shape([-1, hw, hw, cout])
        .add()?;
    let add = s
        .node("BiasAdd", "BiasAdd")
        .inputs([&conv, &b])
        .attr("T", F32)
        .device(GPU)
        .output_shape([-1, hw, hw, cout])
        .add()?;
    let relu = s
        .node("Relu", "Relu")
        .input(&add)
        .attr("T", F32)
        .device(GPU)
        .output_shape([-1, hw, hw, cout])
        .add()?;
    Ok(s.node("MaxPool", "MaxPool")
        .input(&relu)
        .attr("T", F32)
        .attr("ksize", [1, 2, 2, 1])
        .attr("strides", [1, 2, 2, 1])
        .attr("padding", "VALID")
        .device(GPU)
        .output_shape([-1, hw / 2, hw / 2, cout])
        .add()?)
}

/// matmul + bias (+ relu), inside scope `s`.
fn fc_layer(
    s: &GraphScope<'_>,
    x: &NodeRef,
    cin: i64,
    cout: i64,
    relu: bool,
) -> Result<NodeRef, Error> {
    let w = variable(s, "weight", &[cin, cout])?;
    let b = variable(s, "bias", &[cout])?;
    let mm = s
        .node("MatMul", "MatMul")
        .input(x)
        .input(&w)
        .attr("T", F32)
        .attr("transpose_a", false)
        .attr("transpose_b", false)
        .device(GPU)
        .output_shape([-1, cout])
        .add()?;
    let add = s
        .node("BiasAdd", "BiasAdd")
        .inputs([&mm, &b])
        .attr("T", F32)
        .device(GPU)
        .output_shape([-1, cout])
        .add()?;
    if !relu {
        return Ok(add);
    }
    Ok(s.node("Relu", "Relu")
        .input(&add)
        .attr("T", F32)
        .device(GPU)
        .output_shape([-1, cout])
        .add()?)
}

/// The MNIST convnet of TensorBoard's graph tutorial, built the way model code would.
fn convnet() -> Result<GraphBuilder, Error> {
    let g = GraphBuilder::new();
    let x = g
        .node("input", "Placeholder")
        .dtype(F32)
        .attr("shape", TensorShape::new([-1, 28, 28, 1]))
        .device(CPU)
        .output_shape([-1, 28, 28, 1])
        .add()?;
    let labels = g
        .node("labels", "Placeholder")
        .dtype(DataType::DtInt64)
        .attr("shape", TensorShape::unknown_rank())
        .device(CPU)
        .output_shape(TensorShape::unknown_rank())
        .add()?;
    let c1 = conv_layer(&g.scope("conv1")?, &x, 1, 32, 28)?; // -> 12×12×32
    let c2 = conv_layer(&g.scope("conv2")?, &c1, 32, 64, 12)?; // -> 4×4×64

    let fc1 = g.scope("fc1")?;
    let shape = fc1
        .node("flatten/shape", "Const")
        .attr("dtype", DataType::DtInt32)
        .output_shape([2])
        .add()?;
    let flat = fc1
        .node("flatten/Reshape", "Reshape")
        .inputs([&c2, &shape])
        .attr("T", F32)
        .output_shape([-1, 1024])
        .add()?;
    let h1 = fc_layer(&fc1, &flat, 1024, 128, true)?;
    let logits = fc_layer(&g.scope("fc2")?, &h1, 128, 10, false)?;

    let xent = g.scope("xent")?;
    let loss = xent
        .node(
            "SparseSoftmaxCrossEntropyWithLogits",
            "SparseSoftmaxCrossEntropyWithLogits",
        )
        .inputs([&logits, &labels])
        .attr("T", F32)
        .attr("Tlabels", DataType::DtInt64)
        .output_shape([-1])
        .output_shape([-1, 10])
        .add()?;
    let mean = xent
        .node("Mean", "Mean")
        .input(&loss)
        .attr("keep_dims", false)
        .output_shape(TensorShape::scalar())
        .add()?;
    xent.node("loss_summary", "ScalarSummary")
        .input(&mean)
        .device(CPU)
        .output_shape(TensorShape::scalar())
        .add()?;

    let train = g.scope("train")?;
    let lr = train
        .node("learning_rate", "Const")
        .dtype(F32)
        .attr("value_hint", 1e-3f32)
        .output_shape(TensorShape::scalar())
        .add()?;
    let grads = train.scope("gradients")?;
    // Output 1 of the loss op is its gradient with respect to the logits.
    let dlogits = grads
        .node("xent_grad", "Identity")
        .input(loss.output(1))
        .attr("T", F32)
        .device(GPU)
        .output_shape([-1, 10])
        .add()?;
    let mut updates = Vec::new();
    for layer in ["conv1", "conv2", "fc1", "fc2"] {
        for var in ["weight", "bias"] {
            let v = format!("{layer}/{var}");
            updates.push(
                train
                    .node(&format!("update_{layer}_{var}"), "ApplyGradientDescent")
                    .input(v.as_str())
                    .input(&lr)
                    .input(&dlogits)
                    .attr("T", F32)
                    .attr("use_locking", false)
                    .device(GPU)
                    .no_outputs()
                    .add()?,
            );
        }
    }
    // A control-only node: the train step runs after every update and the loss.
    let step = train
        .node("step", "NoOp")
        .control_input(&mean)
        .inputs(updates.iter().map(NodeRef::control))
        .no_outputs()
        .add()?;
    let global_step = train
        .node("global_step", "VariableV2")
        .dtype(DataType::DtInt64)
        .attr("shape", TensorShape::scalar())
        .device(CPU)
        .output_shape(TensorShape::scalar())
        .add()?;
    train
        .node("increment_global_step", "AssignAdd")
        .input(&global_step)
        .input("train/learning_rate") // by full name, as a string
        .control_input(&step)
        .device(CPU)
        .output_shape(TensorShape::scalar())
        .add()?;
    Ok(g)
}

fn shape_json(s: &tensorboard_writer::proto::TensorShapeProto) -> Value {
    if s.unknown_rank {
        Value::Null
    } else {
        json!(s.dim.iter().map(|d| d.size).collect::<Vec<_>>())
    }
}

/// The manifest's view of a graph: every node with what the checker compares.
fn expect(m: &mut Manifest, run: &str, graph: &GraphDef, step: i64, screenshot: Value) {
    let nodes: Vec<Value> = graph
        .node
        .iter()
        .map(|n| {
            let mut v = json!({
                "name": n.name,
                "op": n.op,
                "input": n.input,
                "device": n.device,
                "attrs": n.attr.keys().collect::<Vec<_>>(),
            });
            if let Some(a) = n.attr.get("_output_shapes") {
                if let Some(attr_value::Value::List(l)) = &a.value {
                    v["output_shapes"] = json!(l.shape.iter().map(shape_json).collect::<Vec<_>>());
                }
            }
            v
        })
        .collect();
    m.point(
        run,
        "graphs",
        TAG,
        json!({"step": step, "nodes": nodes, "screenshot": screenshot}),
    );
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    // A training run: the graph, then the loss as it trains.
    let run = "graphs";
    let w = SummaryWriter::new(logdir.join(run))?;
    let g = convnet()?;
    w.add_graph(&g)?;
    // Collapsed, conv1 and conv2 share one structure (one palette colour); fc1 (with its
    // flatten scope), fc2, xent and train are each unique (grey).
    let boxes = json!({"same_structure_boxes": 2, "unique_boxes": 4});
    expect(m, run, &g.build()?, 0, boxes);
    for step in 0..5u32 {
        let loss = 2.3f32 / (1.0 + step as f32);
        w.add_scalar("xent/loss", loss, step)?;
        m.expect(run, "xent/loss", i64::from(step), loss, None);
    }
    w.close()?;

    // Two graphs in one run: TensorBoard serves the one with the higher step.
    let run = "graphs_replaced";
    let w = SummaryWriter::new(logdir.join(run))?;
    let first = GraphBuilder::new();
    first.node("old", "Placeholder").add()?;
    w.add_graph(&first)?;
    let second = GraphBuilder::new();
    let x = second
        .node("x", "Placeholder")
        .output_shape([-1, 3])
        .add()?;
    let net = second.scope("net")?;
    let h = net
        .scope("dense")?
        .node("MatMul", "MatMul")
        .input(&x)
        .output_shape([-1, 4])
        .add()?;
    net.node("Softmax", "Softmax")
        .input(&h)
        .device("/job:worker/replica:0/task:1/device:CPU:0")
        .output_shape([-1, 4])
        .add()?;
    w.add_graph_at(&second, 1u32)?;
    expect(m, run, &second.build()?, 1, Value::Null);
    w.close()?;

    // ONNX models written by the `onnx` package (scripts/make-onnx-fixture.py). small.onnx:
    // scopes from the exporter's node names, an output index edge, a custom-domain op,
    // symbolic shapes. control_flow.onnx: an If's branches and a Loop's body drawn in scopes
    // under their nodes, with edges from the main graph and control edges back into them.
    for (run, file) in [
        ("graphs_onnx", "small.onnx"),
        ("graphs_onnx_control_flow", "control_flow.onnx"),
    ] {
        let model = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/onnx")
            .join(file);
        let w = SummaryWriter::new(logdir.join(run))?;
        w.add_onnx_graph(&model)?;
        let onnx = GraphBuilder::from_onnx(&std::fs::read(&model)?)?;
        expect(m, run, &onnx.build()?, 0, Value::Null);
        w.close()?;
    }
    Ok(())
}
