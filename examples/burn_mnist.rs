//! MNIST with burn: burn-train's supervised training of a small convnet on the CPU (burn's
//! CPU backend, flex: burn 0.22 deprecates ndarray for it), with this crate as burn's metric
//! logger, plus what burn does not log: the parameters, the inputs, the graph and an
//! embedding.
//!
//! ```sh
//! cargo run --release --features burn --example burn_mnist                # 3 epochs
//! cargo run --release --features burn --example burn_mnist -- --epochs 1 --digits 2000 --valid 500
//! tensorboard --logdir runs/burn_mnist
//! ```
//!
//! **Data.** The 10,000 digits shipped in `data/mnist` (8,000 for training, 2,000 for
//! validation), read from their gzipped IDX files; `--digits N` trains on the first N and
//! `--valid N` validates on the first N.
//!
//! **Model.** `conv1` (5×5, 8 channels), ReLU, 2×2 max-pool, `conv2` (5×5, 16 channels),
//! ReLU, 2×2 max-pool, `fc1` (256 → 64), ReLU, `fc2` (64 → 10); cross-entropy, Adam.
//!
//! **Logs** (under `--logdir`, default `runs/burn_mnist`):
//!
//! | dashboard | what | run |
//! |---|---|---|
//! | Scalars | `epoch/Loss`, `epoch/Accuracy` (burn's epoch values) | `train`, `valid` |
//! | Scalars | `iteration/Loss`, `iteration/Accuracy` (each batch) | `train/iteration`, `valid/iteration` |
//! | Custom Scalars | each metric, the splits overlaid | `train` |
//! | Histograms, Distributions | every parameter (`conv1/weight`, …) before and after training | `model` |
//! | Images | `inputs`: 16 training digits | `model` |
//! | Graphs | the parameters by layer, and the layers' ops | `model` |
//! | Projector | `fc1`: the 64-wide penultimate layer for the first 500 test digits, with sprite and `label` | `model` |
//!
//! Running it again replaces the logs it wrote.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::burn::TensorBoardLogger;
use tensorboard_writer::projector::{Embedding, Metadata};
use tensorboard_writer::summary::graph::GraphBuilder;

type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;

/// One digit: its pixels (0–255) and label.
#[derive(Clone, Debug)]
struct Digit {
    pixels: Vec<u8>,
    label: u8,
}

/// Reads an IDX file of unsigned bytes in `rank` dimensions, gzipped.
fn read_idx(path: &Path, rank: u8) -> Result<(Vec<usize>, Vec<u8>)> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() < 4 || bytes[..2] != [0, 0] || bytes[2] != 8 || bytes[3] != rank {
        return Err(format!(
            "{}: not an IDX file of u8 in {rank} dimensions",
            path.display()
        )
        .into());
    }
    let header = 4 + 4 * rank as usize;
    let dims: Vec<usize> = bytes
        .get(4..header)
        .ok_or_else(|| format!("{}: truncated header", path.display()))?
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let data = bytes.split_off(header);
    if data.len() != dims.iter().product::<usize>() {
        return Err(format!("{}: {dims:?} does not match its data", path.display()).into());
    }
    Ok((dims, data))
}

fn load(dir: &Path, images: &str, labels: &str) -> Result<Vec<Digit>> {
    let (dims, pixels) = read_idx(&dir.join(images), 3)?;
    let (_, labels) = read_idx(&dir.join(labels), 1)?;
    if dims[1..] != [SIDE, SIDE] || labels.len() != dims[0] {
        return Err(format!("{images}: not N×28×28 digits with N labels").into());
    }
    Ok(pixels
        .chunks(PIXELS)
        .zip(labels)
        .map(|(p, label)| Digit {
            pixels: p.to_vec(),
            label,
        })
        .collect())
}

/// Digits as an `[N, 1, 28, 28]` tensor in `[0, 1]`.
fn images(digits: &[Digit], device: &Device) -> Tensor<4> {
    let v: Vec<f32> = digits
        .iter()
        .flat_map(|d| d.pixels.iter().map(|&p| f32::from(p) / 255.0))
        .collect();
    Tensor::<1>::from_data(TensorData::new(v, [digits.len() * PIXELS]), device).reshape([
        digits.len(),
        1,
        SIDE,
        SIDE,
    ])
}

#[derive(Clone, Debug)]
struct MnistBatch {
    images: Tensor<4>,
    targets: Tensor<1, Int>,
}

#[derive(Clone, Default)]
struct MnistBatcher;

impl Batcher<Digit, MnistBatch> for MnistBatcher {
    fn batch(&self, items: Vec<Digit>, device: &Device) -> MnistBatch {
        let labels: Vec<i64> = items.iter().map(|d| i64::from(d.label)).collect();
        MnistBatch {
            images: images(&items, device),
            targets: Tensor::<1, Int>::from_data(TensorData::new(labels, [items.len()]), device),
        }
    }
}

#[derive(Module, Debug)]
struct Net {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    relu: Relu,
}

impl Net {
    fn new(device: &Device) -> Self {
        Net {
            conv1: Conv2dConfig::new([1, 8], [5, 5]).init(device),
            conv2: Conv2dConfig::new([8, 16], [5, 5]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(16 * 4 * 4, 64).init(device),
            fc2: LinearConfig::new(64, 10).init(device),
            relu: Relu::new(),
        }
    }

    /// The penultimate layer's output (`fc1` after ReLU), `[N, 64]`.
    fn features(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(self.relu.forward(self.conv1.forward(x))); // [N, 8, 12, 12]
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x))); // [N, 16, 4, 4]
        let n = x.dims()[0];
        self.relu
            .forward(self.fc1.forward(x.reshape([n, 16 * 4 * 4])))
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.fc2.forward(self.features(x))
    }

    fn classify(&self, b: MnistBatch) -> ClassificationOutput {
        let output = self.forward(b.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&output.device())
            .forward(output.clone(), b.targets.clone());
        ClassificationOutput::new(loss, output, b.targets)
    }
}

impl TrainStep for Net {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.classify(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Net {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}

/// The graph: the parameters by layer (from the module), and each layer's ops reading them.
fn graph(net: &Net) -> Result<GraphBuilder> {
    let g = GraphBuilder::new();
    let params = g.add_module(net)?;
    let mut x = g
        .node("input", "Placeholder")
        .output_shape([-1, 1, 28, 28])
        .add()?;
    let layers: [(&str, &str, &[i64]); 4] = [
        ("conv1", "Conv2D", &[-1, 8, 12, 12]),
        ("conv2", "Conv2D", &[-1, 16, 4, 4]),
        ("fc1", "MatMul", &[-1, 64]),
        ("fc2", "MatMul", &[-1, 10]),
    ];
    for (layer, op, shape) in layers {
        let s = g.scope(layer)?;
        let mut y = s
            .node(op, op)
            .input(&x)
            .input(&params[&format!("{layer}/weight")]);
        if let Some(b) = params.get(&format!("{layer}/bias")) {
            y = y.input(b);
        }
        x = y.output_shape(shape).add()?;
        if layer != "fc2" {
            x = s.node("Relu", "Relu").input(&x).output_shape(shape).add()?;
        }
    }
    Ok(g)
}

struct Args {
    epochs: usize,
    digits: usize,
    valid: usize,
    logdir: PathBuf,
}

fn args() -> Result<Args> {
    let mut a = Args {
        epochs: 3,
        digits: 8000,
        valid: 2000,
        logdir: PathBuf::from("runs/burn_mnist"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--epochs" => a.epochs = value()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--digits" => a.digits = value()?.parse().map_err(|e| format!("--digits: {e}"))?,
            "--valid" => a.valid = value()?.parse().map_err(|e| format!("--valid: {e}"))?,
            "--logdir" => a.logdir = PathBuf::from(value()?),
            "--help" | "-h" => {
                println!(
                    "burn_mnist [--epochs N (3)] [--digits N (8000)] [--valid N (2000)] \
                     [--logdir DIR (runs/burn_mnist)]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (see --help)").into()),
        }
    }
    if a.epochs == 0 || a.digits == 0 || a.valid == 0 {
        return Err("--epochs, --digits and --valid must be at least 1".into());
    }
    Ok(a)
}

fn run() -> Result<()> {
    let args = args()?;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let mut train = load(
        &data,
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    )?;
    train.truncate(args.digits);
    let test = load(
        &data,
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )?;
    let valid: Vec<Digit> = test.iter().take(args.valid).cloned().collect();
    // Running again replaces the logs.
    if args.logdir.exists() {
        std::fs::remove_dir_all(&args.logdir)?;
    }
    let device = Device::flex();
    device.seed(42);
    let net = Net::new(&device.clone().autodiff());

    // What burn does not log: the parameters before training, the inputs, the graph.
    let model_run = SummaryWriter::new(args.logdir.join("model"))?;
    model_run.add_module_histograms(&net, 0u32)?;
    model_run.add_images_tensor("inputs", &images(&train[..16], &device), 0u32)?;
    model_run.add_graph(&graph(&net)?)?;

    let loader_train = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(64)
        .shuffle(42)
        .num_workers(1)
        .build(InMemDataset::new(train));
    let loader_valid = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(256)
        .num_workers(1)
        .build(InMemDataset::new(valid));

    let started = Instant::now();
    let training =
        SupervisedTraining::new(args.logdir.join("artifacts"), loader_train, loader_valid)
            .metrics((AccuracyMetric::new(), LossMetric::new()))
            .with_metric_logger(TensorBoardLogger::new(&args.logdir))
            .with_application_logger(None)
            .num_epochs(args.epochs);
    let result = training.launch(Learner::new(net, AdamConfig::new().init(), 1e-3));
    let net = result.model;
    println!(
        "trained {} epochs in {:.1?}",
        args.epochs,
        started.elapsed()
    );

    // After training: the parameters again, and the penultimate layer of the first 500 test
    // digits in the projector, with their images and labels.
    model_run.add_module_histograms(&net, args.epochs)?;
    let shown = &test[..500];
    let x = images(shown, &device);
    let features = net.valid().features(x.clone());
    let labels = Metadata::labels(shown.iter().map(|d| d.label));
    let embedding = Embedding::from_tensor("fc1", &features)
        .metadata(&labels)
        .images_tensor(&x);
    model_run.add_embedding(&embedding, args.epochs)?;
    model_run.close()?;
    println!("logs in {}", args.logdir.display());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("burn_mnist: {e}");
            ExitCode::FAILURE
        }
    }
}
