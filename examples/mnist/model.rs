//! The convnet: its layers, its seeded initialization, its forward pass, its graph for
//! TensorBoard's Graphs dashboard, and its evaluation on the test set.

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, Linear, VarBuilder, VarMap};
use tensorboard_writer::proto::DataType;
use tensorboard_writer::summary::graph::{GraphBuilder, NodeRef, TensorShape};

use crate::Result;
use crate::data::{Rng, SIDE, Split};

/// Output channels of `conv1` and `conv2`.
const CONV_CHANNELS: [usize; 2] = [16, 32];
/// Convolution kernel size. There is no padding, so each convolution trims 4 pixels.
const KERNEL: usize = 5;
/// Width of `fc1` when it is followed by `fc2`.
const HIDDEN: usize = 256;
const CLASSES: usize = 10;

/// The hyperparameters the sweep varies.
#[derive(Debug, Clone, Copy)]
pub struct HParams {
    pub lr: f64,
    pub conv_layers: usize,
    pub fc_layers: usize,
}

impl HParams {
    /// The run's name, as in TensorBoard's MNIST tutorial: `lr_1E-03,conv=2,fc=2`.
    pub fn run_name(&self) -> String {
        format!(
            "lr_{},conv={},fc={}",
            scientific(self.lr),
            self.conv_layers,
            self.fc_layers
        )
    }
}

/// `1E-03` for 0.001 (C's `%.0E`), `2.5E-04` when one digit is not enough.
fn scientific(x: f64) -> String {
    let s = format!("{x:E}"); // "1E-3", "2.5E-4"
    let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}E{sign}{:02}", exp.abs())
}

pub enum Op {
    /// Convolution, ReLU, 2×2 max-pool.
    Conv(Conv2d),
    /// Fully connected, then ReLU unless it is the last layer.
    Fc(Linear),
}

pub struct Layer {
    /// `conv1`, `conv2`, `fc1` or `fc2`: the `VarBuilder` prefix of its parameters, its
    /// logging scope and its name scope in the graph.
    pub name: String,
    pub op: Op,
    /// Its input's shape and its output's (after the ReLU, before pooling), without the
    /// batch dimension.
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
}

pub struct Net {
    pub layers: Vec<Layer>,
    pub varmap: VarMap,
}

pub struct Forward {
    pub logits: Tensor,
    /// `fc1`'s output (the logits when it is the only fully connected layer).
    pub fc1: Tensor,
    /// Each layer's output after its ReLU and before pooling (the logits for the last
    /// layer), if asked for.
    pub activations: Vec<Tensor>,
}

impl Net {
    pub fn new(hp: HParams, seed: u64, dev: &Device) -> Result<Net> {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, dev);
        let mut layers = Vec::new();
        let mut shape = vec![1, SIDE, SIDE];
        for (i, &channels) in CONV_CHANNELS.iter().enumerate().take(hp.conv_layers) {
            let name = format!("conv{}", i + 1);
            let cfg = Conv2dConfig::default();
            let conv = candle_nn::conv2d(shape[0], channels, KERNEL, cfg, vb.pp(&name))?;
            let side = shape[1] - KERNEL + 1;
            let out_shape = vec![channels, side, side];
            layers.push(Layer {
                name,
                op: Op::Conv(conv),
                in_shape: std::mem::replace(&mut shape, vec![channels, side / 2, side / 2]),
                out_shape,
            });
        }
        shape = vec![shape.iter().product()];
        for i in 0..hp.fc_layers {
            let name = format!("fc{}", i + 1);
            let width = if i + 1 == hp.fc_layers {
                CLASSES
            } else {
                HIDDEN
            };
            let fc = candle_nn::linear(shape[0], width, vb.pp(&name))?;
            layers.push(Layer {
                name,
                op: Op::Fc(fc),
                in_shape: std::mem::replace(&mut shape, vec![width]),
                out_shape: vec![width],
            });
        }
        let net = Net { layers, varmap };
        net.init(seed)?;
        Ok(net)
    }

    /// Sets every parameter from a seeded generator, with candle's default distributions:
    /// weights Kaiming-normal (standard deviation √(2 / fan-in)), biases uniform in
    /// ±1/√fan-in.
    fn init(&self, seed: u64) -> Result<()> {
        let mut rng = Rng::new(seed ^ 0x1417_5eed);
        let vars = self
            .varmap
            .data()
            .lock()
            .map_err(|_| "VarMap lock poisoned")?;
        let mut names: Vec<&String> = vars.keys().collect();
        names.sort(); // a fixed order, whatever the HashMap's
        for name in names {
            let var = &vars[name];
            let layer = name.rsplit_once('.').map_or(name.as_str(), |(l, _)| l);
            let weight = vars
                .get(&format!("{layer}.weight"))
                .ok_or_else(|| format!("{name} has no weight beside it"))?;
            let fan_in = weight.dims()[1..].iter().product::<usize>() as f64;
            let values: Vec<f32> = if name.ends_with(".weight") {
                let std = (2.0 / fan_in).sqrt();
                (0..var.elem_count())
                    .map(|_| (rng.normal() * std) as f32)
                    .collect()
            } else {
                let bound = 1.0 / fan_in.sqrt();
                (0..var.elem_count())
                    .map(|_| ((2.0 * rng.uniform() - 1.0) * bound) as f32)
                    .collect()
            };
            var.set(&Tensor::from_vec(values, var.shape(), var.device())?)?;
        }
        Ok(())
    }

    pub fn forward(&self, x: &Tensor, keep_activations: bool) -> Result<Forward> {
        let mut h = x.clone();
        let mut fc1 = None;
        let mut activations = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let last = i + 1 == self.layers.len();
            let a = match &layer.op {
                Op::Conv(conv) => conv.forward(&h)?.relu()?,
                Op::Fc(fc) => {
                    let z = fc.forward(&h.flatten_from(1)?)?;
                    if last { z } else { z.relu()? }
                }
            };
            h = match layer.op {
                Op::Conv(_) => a.max_pool2d(2)?,
                Op::Fc(_) => a.clone(),
            };
            if layer.name == "fc1" {
                fc1 = Some(h.clone());
            }
            if keep_activations {
                activations.push(a);
            }
        }
        Ok(Forward {
            fc1: fc1.ok_or("the model has no fc1")?,
            logits: h,
            activations,
        })
    }

    pub fn parameter_count(&self) -> usize {
        self.varmap.all_vars().iter().map(|v| v.elem_count()).sum()
    }

    /// Layer `i`'s weights and biases.
    pub fn parameters(&self, i: usize) -> (&Tensor, Option<&Tensor>) {
        match &self.layers[i].op {
            Op::Conv(c) => (c.weight(), c.bias()),
            Op::Fc(f) => (f.weight(), f.bias()),
        }
    }

    /// The model as a TensorFlow-style graph: one name scope per layer (`conv1/Conv2D`,
    /// `conv1/Relu`, `conv1/MaxPool`, …), then `xent`, `train` (Adam) and `accuracy`, every
    /// edge labelled with its tensor's shape (`-1`: the batch).
    pub fn graph(&self) -> Result<GraphBuilder> {
        let g = GraphBuilder::new();
        let batch = |shape: &[usize]| -> Vec<i64> {
            std::iter::once(-1)
                .chain(shape.iter().map(|&d| d as i64))
                .collect()
        };
        let float = DataType::DtFloat;
        let mut h = g
            .node("input", "Placeholder")
            .dtype(float)
            .output_shape(batch(&[1, SIDE, SIDE]))
            .add()?;
        let labels = g
            .node("labels", "Placeholder")
            .dtype(DataType::DtUint32)
            .output_shape([-1])
            .add()?;
        let mut variables: Vec<NodeRef> = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let s = g.scope(&layer.name)?;
            let (weight, bias) = self.parameters(i);
            let mut variable = |name: &str, t: &Tensor| -> Result<NodeRef> {
                let v = s
                    .node(name, "VariableV2")
                    .dtype(float)
                    .output_shape(t.dims())
                    .add()?;
                variables.push(v.clone());
                Ok(v)
            };
            let w = variable("weight", weight)?;
            let b = match bias {
                Some(b) => variable("bias", b)?,
                None => return Err(format!("{} has no bias", layer.name).into()),
            };
            let out = batch(&layer.out_shape);
            let op = |name: &str, op: &str, inputs: &[&NodeRef], shape: &[i64]| {
                s.node(name, op)
                    .inputs(inputs.iter().copied())
                    .attr("T", float)
                    .output_shape(shape)
                    .add()
            };
            h = match &layer.op {
                Op::Conv(_) => {
                    let conv = s
                        .node("Conv2D", "Conv2D")
                        .inputs([&h, &w])
                        .attr("T", float)
                        .attr("strides", [1, 1, 1, 1])
                        .attr("padding", "VALID")
                        .attr("data_format", "NCHW")
                        .output_shape(out.as_slice())
                        .add()?;
                    let z = op("BiasAdd", "BiasAdd", &[&conv, &b], &out)?;
                    let relu = op("Relu", "Relu", &[&z], &out)?;
                    let mut pooled = out.clone();
                    pooled[2] /= 2;
                    pooled[3] /= 2;
                    s.node("MaxPool", "MaxPool")
                        .input(&relu)
                        .attr("T", float)
                        .attr("ksize", [1, 1, 2, 2])
                        .attr("strides", [1, 1, 2, 2])
                        .attr("padding", "VALID")
                        .attr("data_format", "NCHW")
                        .output_shape(pooled)
                        .add()?
                }
                Op::Fc(_) => {
                    let input = if layer.name == "fc1" {
                        op("Flatten", "Reshape", &[&h], &batch(&layer.in_shape))?
                    } else {
                        h
                    };
                    let mm = s
                        .node("MatMul", "MatMul")
                        .inputs([&input, &w])
                        .attr("T", float)
                        .attr("transpose_b", true)
                        .output_shape(out.as_slice())
                        .add()?;
                    let z = op("BiasAdd", "BiasAdd", &[&mm, &b], &out)?;
                    if i + 1 == self.layers.len() {
                        z
                    } else {
                        op("Relu", "Relu", &[&z], &out)?
                    }
                }
            };
        }
        let logits = h;

        let xent = g.scope("xent")?;
        let per_digit = xent
            .node(
                "SparseSoftmaxCrossEntropyWithLogits",
                "SparseSoftmaxCrossEntropyWithLogits",
            )
            .inputs([&logits, &labels])
            .attr("T", float)
            .output_shape([-1])
            .output_shape([-1, CLASSES as i64])
            .add()?;
        let loss = xent
            .node("Mean", "Mean")
            .input(&per_digit)
            .attr("T", float)
            .output_shape(TensorShape::scalar())
            .add()?;

        let train = g.scope("train")?;
        let gradients = train
            .node("gradients", "SymbolicGradient")
            .input(&loss)
            .output_shape(TensorShape::scalar())
            .add()?;
        let mut updates = Vec::new();
        for v in &variables {
            let name = format!("Adam_{}", v.name().replace('/', "_"));
            updates.push(
                train
                    .node(&name, "ApplyAdam")
                    .inputs([v, &gradients])
                    .attr("T", float)
                    .no_outputs()
                    .add()?,
            );
        }
        train
            .node("step", "NoOp")
            .inputs(updates.iter().map(NodeRef::control))
            .no_outputs()
            .add()?;

        let accuracy = g.scope("accuracy")?;
        let argmax = accuracy
            .node("ArgMax", "ArgMax")
            .input(&logits)
            .attr("T", float)
            .output_shape([-1])
            .add()?;
        let equal = accuracy
            .node("Equal", "Equal")
            .inputs([&argmax, &labels])
            .output_shape([-1])
            .add()?;
        let cast = accuracy
            .node("Cast", "Cast")
            .input(&equal)
            .attr("DstT", float)
            .output_shape([-1])
            .add()?;
        accuracy
            .node("Mean", "Mean")
            .input(&cast)
            .attr("T", float)
            .output_shape(TensorShape::scalar())
            .add()?;
        Ok(g)
    }
}

/// The model's results on the whole test set.
pub struct Evaluation {
    pub xent: f32,
    pub accuracy: f32,
    /// The predicted digit of each test digit.
    pub predictions: Vec<u32>,
    /// Softmax probabilities, 10 per test digit.
    pub probabilities: Vec<f32>,
    /// `fc1`'s output for the first `keep_fc1` test digits, row by row, and its width.
    pub fc1: Vec<f32>,
    pub fc1_width: usize,
}

pub fn evaluate(net: &Net, test: &Split, keep_fc1: usize, dev: &Device) -> Result<Evaluation> {
    let n = test.len();
    let mut e = Evaluation {
        xent: 0.0,
        accuracy: 0.0,
        predictions: Vec::with_capacity(n),
        probabilities: Vec::with_capacity(n * 10),
        fc1: Vec::new(),
        fc1_width: 0,
    };
    let (mut xent_sum, mut correct) = (0.0f64, 0usize);
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(500) {
        let (x, y) = test.batch(chunk, None, 0, dev)?;
        let out = net.forward(&x, false)?;
        let xent = candle_nn::loss::cross_entropy(&out.logits, &y)?.to_scalar::<f32>()?;
        xent_sum += f64::from(xent) * chunk.len() as f64;
        let predictions = out.logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
        for (&p, &i) in predictions.iter().zip(chunk) {
            correct += usize::from(p == u32::from(test.labels[i]));
        }
        e.predictions.extend(predictions);
        let probabilities = candle_nn::ops::softmax_last_dim(&out.logits)?;
        e.probabilities
            .extend(probabilities.flatten_all()?.to_vec1::<f32>()?);
        let keep = keep_fc1.saturating_sub(chunk[0]).min(chunk.len());
        if keep > 0 {
            e.fc1_width = out.fc1.dim(1)?;
            let rows = out.fc1.narrow(0, 0, keep)?;
            e.fc1.extend(rows.flatten_all()?.to_vec1::<f32>()?);
        }
    }
    e.xent = (xent_sum / n as f64) as f32;
    e.accuracy = correct as f32 / n as f32;
    Ok(e)
}

/// The fraction of the batch classified right.
pub fn batch_accuracy(logits: &Tensor, labels: &Tensor) -> Result<f32> {
    let predictions = logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
    let labels = labels.to_vec1::<u32>()?;
    let correct = predictions
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    Ok(correct as f32 / labels.len() as f32)
}
