//! Everything the example writes to TensorBoard besides the training loop's own calls:
//! the hparams, the custom-scalars layout, the settings as text, the test results, the
//! histograms, the PR curves and the embedding.

use std::fs;
use std::path::Path;

use candle_core::Tensor;
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::projector::{Embedding, Metadata, TensorFormat};
use tensorboard_writer::summary::custom_scalars::{Category, Layout};
use tensorboard_writer::summary::hparams::{
    DatasetType, HParam, HParamValue, HParamsExperiment, Metric,
};
use tensorboard_writer::summary::image::BatchLayout;

use crate::data::{Mnist, PIXELS, SIDE, Split};
use crate::model::{Evaluation, HParams, Net, Op};
use crate::{Context, GRID, MAX_SHIFT, Options, Result, SWEEP_LAYERS, SWEEP_LRS};

/// The hyperparameters each run records for the HParams dashboard.
pub fn hparam_values(hp: HParams, o: &Options) -> [(&'static str, HParamValue); 5] {
    [
        ("lr", hp.lr.into()),
        ("conv_layers", hp.conv_layers.into()),
        ("fc_layers", hp.fc_layers.into()),
        ("batch_size", o.batch_size.into()),
        ("steps", o.steps.into()),
    ]
}

/// The HParams dashboard's columns for the sweep.
pub fn experiment(o: &Options) -> HParamsExperiment {
    HParamsExperiment::new()
        .description("MNIST convnet: learning rate × convolution blocks × dense layers")
        .hparam(
            HParam::new("lr")
                .display_name("learning rate")
                .discrete(SWEEP_LRS),
        )
        .hparam(HParam::new("conv_layers").discrete(SWEEP_LAYERS))
        .hparam(HParam::new("fc_layers").discrete(SWEEP_LAYERS))
        .hparam(HParam::new("batch_size").discrete([o.batch_size]))
        .hparam(HParam::new("steps").discrete([o.steps]))
        .metric(
            Metric::new("accuracy/test")
                .display_name("test accuracy")
                .dataset_type(DatasetType::Validation),
        )
        .metric(
            Metric::new("xent/test")
                .display_name("test cross-entropy")
                .dataset_type(DatasetType::Validation),
        )
        .metric(
            Metric::new("accuracy/train")
                .display_name("train accuracy (last batch)")
                .dataset_type(DatasetType::Training),
        )
}

/// Train and test overlaid, in the Custom Scalars dashboard.
pub fn custom_scalars() -> Layout {
    Layout::new().category(
        Category::new("train vs test")
            .multiline("accuracy", &["accuracy/"])
            .multiline("cross-entropy", &["xent/"]),
    )
}

/// The run's settings and layers as Markdown, for the Text dashboard.
pub fn config_text(hp: HParams, o: &Options, net: &Net, data: &Mnist) -> String {
    let mut s = format!(
        "| setting | value |\n|---|---|\n\
         | learning rate (Adam, cosine decay) | {} |\n| batch size | {} |\n| steps | {} |\n\
         | random shifts | ±{MAX_SHIFT} px |\n| seed | {} |\n\
         | training / test digits | {} / {} |\n| parameters | {} |\n\n\
         | layer | input | output |\n|---|---|---|\n",
        hp.lr,
        o.batch_size,
        o.steps,
        o.seed,
        data.train.len(),
        data.test.len(),
        net.parameter_count()
    );
    let dims = |d: &[usize]| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("×")
    };
    for layer in &net.layers {
        let mut out = dims(&layer.out_shape);
        if let (Op::Conv(_), &[c, h, w]) = (&layer.op, layer.out_shape.as_slice()) {
            out += &format!(", max-pooled to {}", dims(&[c, h / 2, w / 2]));
        }
        s += &format!("| {} | {} | {out} |\n", layer.name, dims(&layer.in_shape));
    }
    s
}

/// Logs the test metrics and up to `GRID` of the digits the model gets wrong.
pub fn log_evaluation(w: &SummaryWriter, test: &Split, e: &Evaluation, step: usize) -> Result<()> {
    let mut wrong = Vec::new();
    for i in (0..test.len()).filter(|&i| e.predictions[i] != u32::from(test.labels[i])) {
        if wrong.len() == GRID * PIXELS {
            break;
        }
        wrong.extend_from_slice(test.image(i));
    }
    let mut event = w
        .step(step)
        .scalar("xent/test", e.xent)
        .scalar("accuracy/test", e.accuracy);
    if !wrong.is_empty() {
        let n = wrong.len() / PIXELS;
        let layout = BatchLayout::Nchw(n, 1, SIDE, SIDE);
        event = event.images("test/misclassified", &wrong, layout);
    }
    Ok(event.write()?)
}

/// Logs each layer's weights, biases and (when given) activations, in the layer's scope.
pub fn log_histograms(
    scopes: &[SummaryWriter],
    net: &Net,
    activations: &[Tensor],
    step: usize,
) -> Result<()> {
    for (i, scope) in scopes.iter().enumerate() {
        let (weights, biases) = net.parameters(i);
        let mut event = scope
            .step(step)
            .histogram("weights", &weights.flatten_all()?.to_vec1::<f32>()?);
        if let Some(b) = biases {
            event = event.histogram("biases", &b.to_vec1::<f32>()?);
        }
        if let Some(a) = activations.get(i) {
            event = event.histogram("activations", &a.flatten_all()?.to_vec1::<f32>()?);
        }
        event.write()?;
    }
    Ok(())
}

/// Logs one precision–recall curve per digit ("is it a 3?") over the test set.
pub fn log_pr_curves(w: &SummaryWriter, test: &Split, e: &Evaluation, step: usize) -> Result<()> {
    let tags: Vec<String> = (0..10).map(|d| format!("pr/digit_{d}")).collect();
    let mut event = w.step(step);
    for (digit, tag) in tags.iter().enumerate() {
        let labels: Vec<bool> = test
            .labels
            .iter()
            .map(|&l| usize::from(l) == digit)
            .collect();
        let p: Vec<f32> = e
            .probabilities
            .iter()
            .skip(digit)
            .step_by(10)
            .copied()
            .collect();
        event = event.pr_curve(tag, &labels, &p);
    }
    Ok(event.write()?)
}

/// Logs `fc1`'s output for the first test digits to the Projector, with their images and
/// their label, the prediction and whether it is right.
pub fn log_embedding(w: &SummaryWriter, test: &Split, e: &Evaluation, step: usize) -> Result<()> {
    let n = e.fc1.len() / e.fc1_width.max(1);
    let labels = &test.labels[..n];
    let predictions = &e.predictions[..n];
    let mut metadata = Metadata::new();
    metadata
        .add_column("label", labels)?
        .add_column("prediction", predictions)?
        .add_column(
            "correct",
            labels
                .iter()
                .zip(predictions)
                .map(|(&l, &p)| u32::from(l) == p),
        )?;
    let embedding = Embedding::new("fc1", &e.fc1, [n, e.fc1_width])
        .metadata(&metadata)
        .images(
            &test.images[..n * PIXELS],
            BatchLayout::Nchw(n, 1, SIDE, SIDE),
        )
        .format(TensorFormat::Binary);
    w.add_embedding(&embedding, step)?;
    Ok(())
}

/// Removes what an earlier run left in `dir` (event files, projector config and step
/// directories), so that a run started again does not mix its data with the old.
pub fn remove_previous_run(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(()); // not there yet
    };
    for entry in entries {
        let entry = entry.context(format_args!("listing {}", dir.display()))?;
        let (path, name) = (entry.path(), entry.file_name());
        let name = name.to_string_lossy();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let removed = if is_dir && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            fs::remove_dir_all(&path) // an embedding's step directory, "01000"
        } else if !is_dir
            && (name.starts_with("events.out.tfevents.") || name == "projector_config.pbtxt")
        {
            fs::remove_file(&path)
        } else {
            continue;
        };
        removed.context(format_args!("removing {}", path.display()))?;
    }
    Ok(())
}
