//! MNIST: a small convnet trained with candle on the CPU, logged to TensorBoard as it trains.
//!
//! ```sh
//! cargo run --release --example mnist                # one run: ~2 minutes on 2 cores, ~98.8%
//! cargo run --release --example mnist -- --sweep     # 8 runs: lr × conv layers × fc layers
//! cargo run --release --example mnist -- --help      # all options
//! tensorboard --logdir runs/mnist                    # pip install tensorboard
//! ```
//!
//! **Data.** The standard MNIST IDX files, gzipped or not. By default the 10,000-digit subset
//! shipped in `data/mnist` (8,000 training and 2,000 test digits); `--data-dir DIR` reads the
//! full MNIST from a directory holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
//! `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (each may end in `.gz`).
//!
//! **Model** (`model.rs`). One or two convolution blocks (`conv1`, `conv2`: 5×5 convolution,
//! ReLU, 2×2 max-pool) and one or two fully connected layers (`fc1`, `fc2`); cross-entropy
//! (`xent`) minimized by Adam (`train`), its learning rate decayed to 0 over the run (cosine);
//! and the `accuracy`. A layer's name is its candle `VarBuilder` prefix (`conv1.weight`), its
//! logging scope (`conv1/weights`) and its name scope in the graph (`conv1/Conv2D`).
//! Training digits are shifted by up to 2 pixels (random translations), worth about half a
//! percentage point of test accuracy with 8,000 training digits.
//!
//! **Logs.** Each run writes to `<logdir>/mnist/<hparams>`, such as
//! `runs/mnist/lr_1E-03,conv=2,fc=2`:
//!
//! | dashboard | what | when |
//! |---|---|---|
//! | Scalars | `xent/train`, `accuracy/train` (the batch), `train/learning_rate` | every 10 steps |
//! | Scalars | `xent/test`, `accuracy/test` (every test digit) | every 100 steps and at the end |
//! | Histograms, Distributions | `conv1/weights`, `conv1/biases`, `conv1/activations`, … every layer | every 100 steps |
//! | Images | `input` (training digits as the model sees them), `test/misclassified` | every 100 steps |
//! | Graphs | the model, by name scope, edges labelled with shapes | at the start |
//! | Projector | `fc1`: `fc1`'s output for 1,024 test digits, with their sprite and `label`, `prediction`, `correct` | at the end |
//! | PR Curves | `pr/digit_0` … `pr/digit_9` on the test set | at the end |
//! | Text | `config`: the settings and the layers | at the start |
//! | Custom Scalars | train and test in one chart | at the start |
//! | HParams | the hyperparameters (from the start, so running and failed runs show) and the final metrics | start and end |
//!
//! The values logged at one step go out as one event (a merged summary: `writer.step(s)…`).
//! `--sweep` also writes the HParams experiment (the table's columns) once, in
//! `<logdir>/mnist`. Running the example again replaces the runs it trains.
//!
//! **Reproducibility.** candle's CPU random number generator cannot be seeded, so the example
//! initializes the weights itself (candle's default distributions) and draws the batches and
//! shifts from its own seeded generator (`--seed`): the same seed on the same machine and
//! thread count gives the same run.

mod data;
mod logging;
mod model;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use candle_core::Device;
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use indicatif::{ProgressBar, ProgressStyle};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::hparams::SessionStatus;
use tensorboard_writer::summary::image::BatchLayout;

use data::{Batches, Mnist, Rng, SIDE};
use logging::{
    config_text, custom_scalars, experiment, hparam_values, log_embedding, log_evaluation,
    log_histograms, log_pr_curves, remove_previous_run,
};
use model::{HParams, Net, batch_accuracy, evaluate};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds what was being done to an error ("reading data/x.gz: permission denied").
trait Context<T> {
    fn context(self, what: impl fmt::Display) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| format!("{what}: {e}").into())
    }
}

// ---- Settings ------------------------------------------------------------------------------

/// Training scalars every `LOG_EVERY` steps; histograms and images every `HIST_EVERY`; the
/// test set every `TEST_EVERY`.
const LOG_EVERY: usize = 10;
const HIST_EVERY: usize = 100;
const TEST_EVERY: usize = 100;
/// Random translations of training digits: up to this many pixels each way.
const MAX_SHIFT: usize = 2;
/// Test digits in the Projector.
const EMBEDDING_POINTS: usize = 1024;
/// Digits per image grid.
const GRID: usize = 32;
/// The sweep's grid.
const SWEEP_LRS: [f64; 2] = [1e-3, 1e-4];
const SWEEP_LAYERS: [usize; 2] = [1, 2];

const USAGE: &str = "\
Trains a small convnet on MNIST with candle and logs it to TensorBoard.

Usage: cargo run --release --example mnist -- [OPTIONS]

Options:
  --steps N          training steps (default 1000)
  --batch-size N     digits per step (default 64)
  --lr X             Adam's learning rate at the start (default 1e-3)
  --conv-layers N    convolution blocks, 1 or 2 (default 2)
  --fc-layers N      fully connected layers, 1 or 2 (default 2)
  --sweep            one run for each of lr {1e-3, 1e-4} x conv layers {1, 2}
                     x fc layers {1, 2} (instead of --lr, --conv-layers, --fc-layers)
  --data-dir DIR     the MNIST IDX files, gzipped or not
                     (default: the 10,000-digit subset in data/mnist)
  --logdir DIR       runs go to DIR/mnist/<run> (default runs)
  --seed N           seed of the initial weights and of the data order (default 0)
  -h, --help         this text
";

#[derive(Debug, Clone)]
struct Options {
    steps: usize,
    batch_size: usize,
    lr: f64,
    conv_layers: usize,
    fc_layers: usize,
    sweep: bool,
    data_dir: PathBuf,
    logdir: PathBuf,
    seed: u64,
}

impl Options {
    /// Parses the arguments after the program name; `None` for `--help`.
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>> {
        let mut o = Options {
            steps: 1000,
            batch_size: 64,
            lr: 1e-3,
            conv_layers: 2,
            fc_layers: 2,
            sweep: false,
            data_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
            logdir: PathBuf::from("runs"),
            seed: 0,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // "--steps 50" or "--steps=50".
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value (see --help)"))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--sweep" => o.sweep = true,
                "--steps" => o.steps = parse(&flag, &value()?)?,
                "--batch-size" => o.batch_size = parse(&flag, &value()?)?,
                "--lr" => o.lr = parse(&flag, &value()?)?,
                "--conv-layers" => o.conv_layers = parse(&flag, &value()?)?,
                "--fc-layers" => o.fc_layers = parse(&flag, &value()?)?,
                "--data-dir" => o.data_dir = value()?.into(),
                "--logdir" => o.logdir = value()?.into(),
                "--seed" => o.seed = parse(&flag, &value()?)?,
                _ => return Err(format!("unknown option {arg:?} (see --help)").into()),
            }
        }
        if o.steps == 0 || o.batch_size == 0 {
            return Err("--steps and --batch-size must be at least 1".into());
        }
        if !(o.lr.is_finite() && o.lr > 0.0) {
            return Err(format!("--lr must be a positive number, not {}", o.lr).into());
        }
        if !(1..=2).contains(&o.conv_layers) || !(1..=2).contains(&o.fc_layers) {
            return Err("--conv-layers and --fc-layers must be 1 or 2".into());
        }
        Ok(Some(o))
    }

    /// The runs to train.
    fn trials(&self) -> Vec<HParams> {
        if !self.sweep {
            return vec![HParams {
                lr: self.lr,
                conv_layers: self.conv_layers,
                fc_layers: self.fc_layers,
            }];
        }
        let mut trials = Vec::new();
        for lr in SWEEP_LRS {
            for conv_layers in SWEEP_LAYERS {
                for fc_layers in SWEEP_LAYERS {
                    trials.push(HParams {
                        lr,
                        conv_layers,
                        fc_layers,
                    });
                }
            }
        }
        trials
    }
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T>
where
    T::Err: fmt::Display,
{
    value.parse().context(format_args!("{flag} {value:?}"))
}

// ---- Training ------------------------------------------------------------------------------

/// What a run reports at the end.
struct Outcome {
    test_accuracy: f32,
    /// Time spent in the whole run, in evaluating the test set, and in logging.
    total: Duration,
    eval: Duration,
    logging: Duration,
}

/// Trains one model, logging into `<root>/<run name>`; records the run's end (success or
/// failure) in the HParams dashboard whatever happens.
fn run(o: &Options, hp: HParams, data: &Mnist, root: &Path, bar: &ProgressBar) -> Result<Outcome> {
    let run_dir = root.join(hp.run_name());
    remove_previous_run(&run_dir)?;
    let writer = SummaryWriter::new(&run_dir).context(format_args!("{}", run_dir.display()))?;
    writer.hparams_session_start(hparam_values(hp, o))?;
    let result = train(o, hp, data, &writer, bar);
    let status = match result {
        Ok(_) => SessionStatus::Success,
        Err(_) => SessionStatus::Failure,
    };
    let closed = writer
        .hparams_session_end(status)
        .and_then(|()| writer.close());
    let outcome = result?;
    closed.context(format_args!("writing {}", run_dir.display()))?;
    Ok(outcome)
}

fn train(
    o: &Options,
    hp: HParams,
    data: &Mnist,
    writer: &SummaryWriter,
    bar: &ProgressBar,
) -> Result<Outcome> {
    let start = Instant::now();
    let (mut eval_time, mut log_time) = (Duration::ZERO, Duration::ZERO);
    let dev = Device::Cpu;
    let net = Net::new(hp, o.seed, &dev)?;
    let mut optimizer = AdamW::new(
        net.varmap.all_vars(),
        ParamsAdamW {
            lr: hp.lr,
            weight_decay: 0.0, // plain Adam
            ..ParamsAdamW::default()
        },
    )?;

    // Once per run: the graph, the settings, the custom-scalars layout.
    let t = Instant::now();
    let scopes = net
        .layers
        .iter()
        .map(|layer| writer.scope(&layer.name))
        .collect::<Result<Vec<_>, _>>()?;
    writer.add_graph(&net.graph()?)?;
    writer.add_text("config", &config_text(hp, o, &net, data), 0u32)?;
    writer.add_custom_scalars(&custom_scalars())?;
    log_time += t.elapsed();

    let mut rng = Rng::new(o.seed);
    let mut batches = Batches::new(data.train.len());
    let mut test_accuracy = f32::NAN;
    for step in 0..o.steps {
        let indices = batches.next(o.batch_size, &mut rng);
        let (x, y) = data.train.batch(indices, Some(&mut rng), MAX_SHIFT, &dev)?;
        let histograms_now = step % HIST_EVERY == 0;
        let out = net.forward(&x, histograms_now)?;
        let loss = candle_nn::loss::cross_entropy(&out.logits, &y)?;
        // Cosine decay from `lr` to 0.
        let lr = hp.lr * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / o.steps as f64).cos());
        optimizer.set_learning_rate(lr);

        if step % TEST_EVERY == 0 {
            let t = Instant::now();
            let e = evaluate(&net, &data.test, 0, &dev)?;
            eval_time += t.elapsed();
            let t = Instant::now();
            log_evaluation(writer, &data.test, &e, step)?;
            log_time += t.elapsed();
            test_accuracy = e.accuracy;
        }
        if step % LOG_EVERY == 0 {
            let t = Instant::now();
            let (xent, accuracy) = (loss.to_scalar::<f32>()?, batch_accuracy(&out.logits, &y)?);
            let mut event = writer
                .step(step)
                .scalar("xent/train", xent)
                .scalar("accuracy/train", accuracy)
                .scalar("train/learning_rate", lr);
            if histograms_now {
                let n = indices.len().min(GRID);
                let digits = x.narrow(0, 0, n)?.flatten_all()?.to_vec1::<f32>()?;
                event = event.images("input", &digits, BatchLayout::Nchw(n, 1, SIDE, SIDE));
                log_histograms(&scopes, &net, &out.activations, step)?;
            }
            event.write()?;
            log_time += t.elapsed();
            bar.set_message(format!(
                "xent {xent:.3}  train {:.1}%  test {:.1}%",
                accuracy * 100.0,
                test_accuracy * 100.0
            ));
        }

        optimizer.backward_step(&loss)?;
        bar.inc(1);
    }

    // The trained model, at step `steps`.
    let t = Instant::now();
    let e = evaluate(&net, &data.test, EMBEDDING_POINTS, &dev)?;
    eval_time += t.elapsed();
    let t = Instant::now();
    log_evaluation(writer, &data.test, &e, o.steps)?;
    log_histograms(&scopes, &net, &[], o.steps)?;
    log_pr_curves(writer, &data.test, &e, o.steps)?;
    log_embedding(writer, &data.test, &e, o.steps)?;
    writer.flush()?;
    log_time += t.elapsed();
    Ok(Outcome {
        test_accuracy: e.accuracy,
        total: start.elapsed(),
        eval: eval_time,
        logging: log_time,
    })
}

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<()> {
    let Some(o) = Options::parse(std::env::args().skip(1))? else {
        print!("{USAGE}");
        return Ok(());
    };
    let data = data::load(&o.data_dir).context(format_args!(
        "reading MNIST from {} (--data-dir)",
        o.data_dir.display()
    ))?;
    println!(
        "MNIST: {} training and {} test digits from {}",
        data.train.len(),
        data.test.len(),
        o.data_dir.display()
    );

    let root = o.logdir.join("mnist");
    if o.sweep {
        // The sweep's definition, once, in the sweep's own directory.
        remove_previous_run(&root)?;
        let sweep = SummaryWriter::new(&root).context(format_args!("{}", root.display()))?;
        sweep.add_hparams_experiment(&experiment(&o))?;
        sweep.close()?;
    }

    let trials = o.trials();
    let mut accuracies = Vec::new();
    for (i, &hp) in trials.iter().enumerate() {
        let mut template = "{wide_bar} step {pos}/{len} ({eta} left)  {msg}".to_owned();
        if trials.len() > 1 {
            println!("[{}/{}] {}", i + 1, trials.len(), hp.run_name());
            template.insert_str(0, "{prefix} ");
        }
        let style = ProgressStyle::with_template(&template)?.progress_chars("=> ");
        let bar = ProgressBar::new(o.steps as u64).with_style(style);
        bar.set_prefix(format!("[{}/{}]", i + 1, trials.len()));
        let outcome = run(&o, hp, &data, &root, &bar);
        bar.finish_and_clear();
        let outcome = outcome?;
        println!(
            "{}: test accuracy {:.2}% after {} steps in {:.1} s \
             (test set {:.1} s, logging {:.2} s)",
            hp.run_name(),
            outcome.test_accuracy * 100.0,
            o.steps,
            outcome.total.as_secs_f64(),
            outcome.eval.as_secs_f64(),
            outcome.logging.as_secs_f64()
        );
        accuracies.push(outcome.test_accuracy);
    }

    if let [accuracy] = accuracies.as_slice() {
        println!("Final test accuracy: {:.2}%", accuracy * 100.0);
        println!("Logs: {}", root.join(trials[0].run_name()).display());
    } else {
        println!("Logs: {} runs in {}", accuracies.len(), root.display());
    }
    println!("See them with: tensorboard --logdir {}", root.display());
    Ok(())
}
