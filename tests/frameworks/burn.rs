//! burn tensors, modules and the metric logger (feature `burn`): every tensor call is read
//! back from disk and compared with what the slice call writes for the same numbers; the
//! logger's `read_numeric` is compared with burn's own `FileMetricLogger` fed the same
//! updates.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use burn::module::{Module, Param};
use burn::tensor::{Bool, DType, Device, Int, Tensor, TensorData};
use burn::train::logger::{FileMetricLogger, MetricLogger};
use burn::train::metric::store::{EpochSummary, MetricsUpdate, NumericMetricUpdate, Split};
use burn::train::metric::{
    MetricAttributes, MetricDefinition, MetricEntry, MetricId, NumericAttributes, NumericEntry,
    SerializedEntry,
};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::burn::TensorBoardLogger;
use tensorboard_writer::proto::event::What;
use tensorboard_writer::proto::summary::value::Value as V;
use tensorboard_writer::summary::graph::GraphBuilder;
use tensorboard_writer::summary::image::ImageLayout;

use crate::common::{invalid, same, unit, written};

fn dev() -> Device {
    Device::default()
}

#[test]
fn scalars_of_every_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let x = Tensor::<1>::from_floats([0.25], &dev());
    let cases: Vec<(&str, DType, f32)> = vec![
        ("f32", DType::F32, 0.25),
        ("f64", DType::F64, 0.25),
        ("f16", DType::F16, 0.25),
        ("bf16", DType::BF16, 0.25),
    ];
    for (name, dtype, want) in &cases {
        let t = x.clone().cast(*dtype);
        assert_eq!(t.dtype(), *dtype, "{name}: the tensor was not cast");
        w.add_scalar(&format!("tensor/{name}"), &t, 3u32).unwrap();
        w.add_scalar(&format!("slice/{name}"), *want, 3u32).unwrap();
    }
    let i = Tensor::<2, Int>::from_ints([[-7]], &dev());
    w.add_scalar("tensor/int", &i, 3u32).unwrap();
    w.add_scalar("slice/int", -7.0f32, 3u32).unwrap();
    let rank0 = Tensor::<1>::from_floats([1.0, 2.0], &dev()).mean(); // one element
    w.add_scalar("tensor/mean", &rank0, 3u32).unwrap();
    w.add_scalar("slice/mean", 1.5f32, 3u32).unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in ["f32", "f64", "f16", "bf16", "int", "mean"] {
        same(&got, name);
    }
}

#[test]
fn histograms_of_each_kind_and_rank() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let v = unit(24, 1);
    let f = Tensor::<1>::from_floats(v.as_slice(), &dev()).reshape([2, 3, 4]);
    for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16] {
        let t = f.clone().cast(dtype);
        let host: Vec<f64> = t.to_data().try_into_vec_as::<f64>().unwrap();
        let name = format!("{dtype:?}").to_lowercase();
        w.add_histogram(&format!("tensor/{name}"), &t, 1u32)
            .unwrap();
        w.add_histogram(&format!("slice/{name}"), host.as_slice(), 1u32)
            .unwrap();
    }
    let ints = Tensor::<2, Int>::from_ints([[1, 2, 3], [4, 5, 6]], &dev());
    w.add_histogram("tensor/int", &ints, 1u32).unwrap();
    w.add_histogram("slice/int", &[1i64, 2, 3, 4, 5, 6][..], 1u32)
        .unwrap();
    let mask: Tensor<1, Bool> = Tensor::<1>::from_floats([0.0, 2.0, 3.0], &dev()).greater_elem(1.0);
    w.add_histogram("tensor/bool", &mask, 1u32).unwrap();
    w.add_histogram("slice/bool", &[0u8, 1, 1][..], 1u32)
        .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in ["f32", "f64", "f16", "bf16", "int", "bool"] {
        same(&got, name);
    }
}

#[test]
fn images_batches_audio_and_embeddings() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // A 3×2×4 CHW float image in [0, 1], and the same as u8.
    let px = unit(24, 2);
    let img = Tensor::<1>::from_floats(px.as_slice(), &dev()).reshape([3, 2, 4]);
    w.add_image_tensor("tensor/chw", &img, 0u32).unwrap();
    w.add_image("slice/chw", &px, ImageLayout::Chw(3, 2, 4), 0u32)
        .unwrap();
    let bytes: Vec<u8> = (0..8u8).map(|b| b * 30).collect();
    let grey = Tensor::<1, Int>::from_data(TensorData::new(bytes.clone(), [8]), &dev())
        .reshape([2, 4])
        .cast(DType::U8);
    assert_eq!(grey.dtype(), DType::U8);
    w.add_image_tensor("tensor/u8", &grey, 0u32).unwrap();
    w.add_image("slice/u8", &bytes, ImageLayout::Hw(2, 4), 0u32)
        .unwrap();
    // A batch of 2 grey 2×4 images.
    let batch = Tensor::<1>::from_floats(&px[..16], &dev()).reshape([2, 1, 2, 4]);
    let host = tensorboard_writer::tensor::TensorInput::to_host(&batch).unwrap();
    w.add_images_tensor("tensor/batch", &batch, 0u32).unwrap();
    w.add_images_tensor("slice/batch", &host, 0u32).unwrap();
    // Mono audio.
    let wave: Vec<f32> = (0..64).map(|i| (i as f32 / 5.0).sin() * 0.5).collect();
    let a = Tensor::<1>::from_floats(wave.as_slice(), &dev());
    w.add_audio_tensor("tensor/audio", &a, 8000, 0u32).unwrap();
    w.add_audio("slice/audio", &wave, 8000, 0u32).unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in ["chw", "u8", "batch", "audio"] {
        same(&got, name);
    }
    // An embedding of 3 points in 2-D.
    let e = Tensor::<1>::from_floats([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &dev()).reshape([3, 2]);
    let emb = tensorboard_writer::projector::Embedding::from_tensor("points", &e);
    w.add_embedding(&emb, 0u32).unwrap();
    w.flush().unwrap();
    let tsv = std::fs::read_to_string(dir.path().join("00000/points/tensors.tsv")).unwrap();
    assert_eq!(tsv, "0\t1\n2\t3\n4\t5\n");
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let x = Tensor::<2>::from_floats([[0.1, 0.2], [0.3, 0.4]], &dev());
    let (what, reason) = invalid(w.add_scalar("two", &x, 0u32).map(|_| ()));
    assert!(!what.is_empty() && reason.contains('4'), "{what}: {reason}");
    // A rank-3 tensor of 2 channels is not an image.
    let two_ch = Tensor::<3>::zeros([2, 2, 2], &dev());
    invalid(w.add_image_tensor("img", &two_ch, 0u32));
    // Float pixels above 1.
    let bright = Tensor::<2>::ones([2, 2], &dev()).mul_scalar(2.0);
    invalid(w.add_image_tensor("bright", &bright, 0u32));
    // u64 above i64::MAX cannot be held.
    let big = Tensor::<1, Int>::from_data(
        TensorData::new(vec![1u64, u64::MAX], [2]),
        (&dev(), DType::U64),
    );
    assert_eq!(big.dtype(), DType::U64);
    let (_, reason) = invalid(w.add_histogram("big", &big, 0u32));
    assert!(reason.contains("i64::MAX"), "{reason}");
    w.flush().unwrap();
    assert!(
        written(dir.path()).is_empty(),
        "nothing is written for bad input"
    );
}

#[derive(Module, Debug)]
struct Block {
    linear: burn::nn::Linear,
}

#[derive(Module, Debug)]
struct Net {
    conv1: burn::nn::conv::Conv2d,
    blocks: Vec<Block>,
    scale: Param<Tensor<1>>,
}

fn net() -> Net {
    let d = dev();
    Net {
        conv1: burn::nn::conv::Conv2dConfig::new([1, 4], [3, 3]).init(&d),
        blocks: vec![
            Block {
                linear: burn::nn::LinearConfig::new(4, 3).init(&d),
            },
            Block {
                linear: burn::nn::LinearConfig::new(3, 2).with_bias(false).init(&d),
            },
        ],
        scale: Param::from_tensor(Tensor::<1>::ones([2], &d)),
    }
}

#[test]
fn module_parameters_as_histograms_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let n = net();
    w.scope("params")
        .unwrap()
        .add_module_histograms(&n, 5u32)
        .unwrap();
    w.add_histogram("slice/conv1/weight", &n.conv1.weight.val(), 5u32)
        .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    let tags: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        tags,
        [
            "params/blocks/0/linear/bias",
            "params/blocks/0/linear/weight",
            "params/blocks/1/linear/weight",
            "params/conv1/bias",
            "params/conv1/weight",
            "params/scale",
            "slice/conv1/weight",
        ]
    );
    assert_eq!(got["params/conv1/weight"], got["slice/conv1/weight"]);
}

#[test]
fn module_parameter_tree_as_graph_nodes() {
    let n = net();
    let g = GraphBuilder::from_module(&n).unwrap();
    let nodes = g.scope("model").unwrap().add_module(&n).unwrap();
    assert_eq!(nodes["conv1/weight"].name(), "model/conv1/weight");
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_graph(&g).unwrap();
    w.close().unwrap();
    let events = tensorboard_writer::reader::read_events(dir.path()).unwrap();
    let def = events
        .iter()
        .find_map(|e| match &e.what {
            Some(What::GraphDef(b)) => Some(b.clone()),
            _ => None,
        })
        .unwrap();
    let def: tensorboard_writer::proto::GraphDef = prost::Message::decode(&def[..]).unwrap();
    let names: Vec<&str> = def.node.iter().map(|n| n.name.as_str()).collect();
    assert!(names.contains(&"conv1/weight") && names.contains(&"blocks/1/linear/weight"));
    let node = crate::common::node(&def, "conv1/weight");
    assert_eq!(node.op, "VariableV2");
    assert_eq!(
        node.attr["dtype"].value,
        Some(tensorboard_writer::proto::attr_value::Value::Type(
            tensorboard_writer::proto::DataType::DtFloat as i32
        ))
    );
    // The same module twice in one scope: every name is taken, nothing is added.
    let before = g.len();
    assert!(g.add_module(&n).is_err());
    assert_eq!(g.len(), before);
}

// ---- the metric logger ----

fn def(name: &str, unit: Option<&str>) -> MetricDefinition {
    MetricDefinition {
        metric_id: MetricId::new(Arc::new(name.to_owned())),
        name: Arc::new(name.to_owned()),
        description: Some(format!("the {name}")),
        attributes: MetricAttributes::Numeric(NumericAttributes {
            unit: unit.map(str::to_owned),
            higher_is_better: false,
        }),
    }
}

/// An iteration's update: `Aggregated{value, count}` as burn's numeric metric state writes.
fn iteration(name: &str, value: f64, count: usize, running: f64) -> MetricsUpdate {
    let entry = NumericEntry::Aggregated {
        aggregated_value: value,
        count,
    };
    MetricsUpdate::new(
        vec![],
        vec![NumericMetricUpdate::new(
            MetricEntry::new(
                MetricId::new(Arc::new(name.to_owned())),
                SerializedEntry::new(format!("{value}"), entry.serialize()),
            ),
            Some(entry),
            Some(NumericEntry::Value(running)),
        )],
    )
}

/// The update at the end of a split: the final value.
fn end(name: &str, value: f64) -> MetricsUpdate {
    let entry = NumericEntry::Final(value);
    MetricsUpdate::new(
        vec![],
        vec![NumericMetricUpdate::new(
            MetricEntry::new(
                MetricId::new(Arc::new(name.to_owned())),
                SerializedEntry::new(format!("{value}"), entry.serialize()),
            ),
            Some(entry),
            None,
        )],
    )
}

/// Feeds both loggers one epoch of `split`: `n` iterations, then (for train and valid) the
/// final value and the epoch summary, as burn's event processor does.
fn epoch(loggers: &mut [&mut dyn MetricLogger], split: &Split, e: usize, n: usize, seed: u64) {
    let vals = unit(n, seed);
    let mut sum = 0.0;
    let mut count = 0;
    for (i, v) in vals.iter().enumerate() {
        let c = 4 + i % 3;
        sum += *v as f64 * c as f64;
        count += c;
        for l in loggers.iter_mut() {
            l.log(
                iteration("Loss", *v as f64, c, sum / count as f64),
                e,
                split,
            );
        }
    }
    if !matches!(split, Split::Test(_)) {
        for l in loggers.iter_mut() {
            l.log(end("Loss", sum / count as f64), e, split);
            l.log_epoch_summary(EpochSummary::new(e, split.clone()));
        }
    }
}

fn key(e: &NumericEntry) -> String {
    e.serialize()
}

fn read_all(l: &mut dyn MetricLogger, split: &Split, epochs: usize) -> Vec<Vec<String>> {
    (1..=epochs + 1)
        .map(|e| {
            l.read_numeric("Loss", e, split)
                .unwrap()
                .iter()
                .map(key)
                .collect()
        })
        .collect()
}

/// Every scalar of `run`, by tag, as (step, value), from the event files.
fn scalars(run: &Path) -> BTreeMap<String, Vec<(i64, f32)>> {
    let mut out: BTreeMap<String, Vec<(i64, f32)>> = BTreeMap::new();
    for (step, v) in crate::common::values(run) {
        let x = match &v.value {
            Some(V::SimpleValue(x)) => *x,
            Some(V::Tensor(t)) if !t.float_val.is_empty() => t.float_val[0],
            Some(V::Tensor(t)) if t.tensor_content.len() == 4 => {
                f32::from_le_bytes(t.tensor_content[..4].try_into().unwrap())
            }
            _ => continue,
        };
        out.entry(v.tag.clone()).or_default().push((step, x));
    }
    out
}

#[test]
fn read_numeric_matches_burns_file_logger() {
    let tb_dir = tempfile::tempdir().unwrap();
    let file_dir = tempfile::tempdir().unwrap();
    let mut tb = TensorBoardLogger::new(tb_dir.path());
    let mut file = FileMetricLogger::new(file_dir.path());
    for l in [&mut tb as &mut dyn MetricLogger, &mut file] {
        l.log_metric_definition(def("Loss", None));
    }
    let test = Split::Test(Some(Arc::new("Hold Out".into())));
    for e in 1..=3 {
        epoch(&mut [&mut tb, &mut file], &Split::Train, e, 5, e as u64);
        epoch(
            &mut [&mut tb, &mut file],
            &Split::Valid,
            e,
            2,
            10 + e as u64,
        );
    }
    epoch(&mut [&mut tb, &mut file], &test, 1, 3, 99);
    for split in [Split::Train, Split::Valid] {
        let ours = read_all(&mut tb, &split, 3);
        let burns = read_all(&mut file, &split, 3);
        assert_eq!(ours, burns, "{split}");
        assert_eq!(ours[0].len(), if split == Split::Train { 6 } else { 3 });
        assert!(ours[3].is_empty(), "no epoch 4");
    }
    tb.close().unwrap();
    // The runs: epoch aggregates at step = epoch, iterations with growing steps.
    let train = scalars(&tb_dir.path().join("train"));
    let steps: Vec<i64> = train["epoch/Loss"].iter().map(|p| p.0).collect();
    assert_eq!(steps, [1, 2, 3]);
    let valid = scalars(&tb_dir.path().join("valid"));
    assert_eq!(valid["epoch/Loss"].len(), 3);
    let it = scalars(&tb_dir.path().join("train/iteration"));
    let steps: Vec<i64> = it["iteration/Loss"].iter().map(|p| p.0).collect();
    assert_eq!(
        steps,
        (1..=15).collect::<Vec<_>>(),
        "5 iterations × 3 epochs, no final values"
    );
    let test_run = scalars(&tb_dir.path().join("test-hold-out"));
    assert_eq!(
        test_run["epoch/Loss"].len(),
        1,
        "the test split's aggregate, at the end"
    );
    let test_it = scalars(&tb_dir.path().join("test-hold-out/iteration"));
    assert_eq!(test_it["iteration/Loss"].len(), 3);
}

#[test]
fn epoch_aggregate_is_burns() {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = TensorBoardLogger::new(dir.path());
    tb.log_metric_definition(def("Loss", Some("nats")));
    // Two iterations without a final value: the count-weighted mean.
    tb.log(iteration("Loss", 1.0, 1, 1.0), 1, &Split::Train);
    tb.log(iteration("Loss", 4.0, 3, 3.25), 1, &Split::Train);
    tb.log_epoch_summary(EpochSummary::new(1, Split::Train));
    // A final value wins.
    tb.log(iteration("Loss", 1.0, 1, 1.0), 2, &Split::Train);
    tb.log(end("Loss", 0.5), 2, &Split::Train);
    tb.log_epoch_summary(EpochSummary::new(2, Split::Train));
    tb.flush().unwrap();
    let run = dir.path().join("train");
    assert_eq!(scalars(&run)["epoch/Loss"], [(1, 3.25), (2, 0.5)]);
    // The definition is the tag's description.
    let first = crate::common::values(&run)
        .into_iter()
        .find(|(_, v)| v.tag == "epoch/Loss")
        .unwrap()
        .1;
    let d = &first.metadata.unwrap().summary_description;
    assert!(d.contains("the Loss") && d.contains("nats"), "{d}");
    drop(tb);
}

#[test]
fn resume_purges_and_continues() {
    let tb_dir = tempfile::tempdir().unwrap();
    let file_dir = tempfile::tempdir().unwrap();
    {
        let mut tb = TensorBoardLogger::new(tb_dir.path());
        let mut file = FileMetricLogger::new(file_dir.path());
        for l in [&mut tb as &mut dyn MetricLogger, &mut file] {
            l.log_metric_definition(def("Loss", None));
        }
        for e in 1..=3 {
            epoch(&mut [&mut tb, &mut file], &Split::Train, e, 4, e as u64);
        }
        // Epoch 4 starts, then the process dies (the logger is dropped).
        tb.log(iteration("Loss", 9.0, 1, 9.0), 4, &Split::Train);
        file.log(iteration("Loss", 9.0, 1, 9.0), 4, &Split::Train);
    }
    // Restart from the checkpoint of epoch 2.
    let mut tb = TensorBoardLogger::resume(tb_dir.path(), 2);
    let mut file = FileMetricLogger::new(file_dir.path());
    for l in [&mut tb as &mut dyn MetricLogger, &mut file] {
        l.log_metric_definition(def("Loss", None));
    }
    for e in 3..=4 {
        epoch(
            &mut [&mut tb, &mut file],
            &Split::Train,
            e,
            4,
            50 + e as u64,
        );
    }
    assert_eq!(
        read_all(&mut tb, &Split::Train, 4),
        read_all(&mut file, &Split::Train, 4)
    );
    tb.close().unwrap();
    // What TensorBoard's Python loader keeps: epochs 1-2 old, 3-4 new, once each.
    let run = tb_dir.path().join("train");
    let purged = purge(&run);
    let epochs: Vec<i64> = purged["epoch/Loss"].iter().map(|p| p.0).collect();
    assert_eq!(epochs, [1, 2, 3, 4]);
    let it = purge(&run.join("iteration"));
    let steps: Vec<i64> = it["iteration/Loss"].iter().map(|p| p.0).collect();
    assert_eq!(steps, (1..=16).collect::<Vec<_>>(), "no overlap, no gap");
}

/// The scalars of a run as TensorBoard's Python loader keeps them: a file's SessionLog
/// START at step `s` (after the run's first START) drops earlier points at steps ≥ `s`.
fn purge(run: &Path) -> BTreeMap<String, Vec<(i64, f32)>> {
    let mut out: BTreeMap<String, Vec<(i64, f32)>> = BTreeMap::new();
    let mut starts = 0;
    for file in tensorboard_writer::reader::event_files(run).unwrap() {
        for ev in tensorboard_writer::reader::EventReader::open(&file).unwrap() {
            let ev = ev.unwrap();
            match &ev.what {
                Some(What::SessionLog(_)) => {
                    starts += 1;
                    if starts > 1 {
                        for pts in out.values_mut() {
                            pts.retain(|p| p.0 < ev.step);
                        }
                    }
                }
                Some(What::Summary(s)) => {
                    for v in &s.value {
                        let x = match &v.value {
                            Some(V::SimpleValue(x)) => *x,
                            Some(V::Tensor(t)) if t.tensor_content.len() == 4 => {
                                f32::from_le_bytes(t.tensor_content[..4].try_into().unwrap())
                            }
                            _ => continue,
                        };
                        out.entry(v.tag.clone()).or_default().push((ev.step, x));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

// ---- burn's own training loop, with both loggers ----

mod training {
    use super::*;
    use burn::data::dataloader::DataLoaderBuilder;
    use burn::data::dataloader::batcher::Batcher;
    use burn::data::dataset::InMemDataset;
    use burn::nn::loss::CrossEntropyLossConfig;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::AdamConfig;
    use burn::train::metric::{AccuracyMetric, CpuMemory, CpuUse, LearningRateMetric, LossMetric};
    use burn::train::{
        ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
    };

    #[derive(Clone, Debug)]
    struct Item {
        x: [f32; 4],
        label: i64,
    }

    #[derive(Clone, Debug)]
    struct Batch {
        x: Tensor<2>,
        y: Tensor<1, Int>,
    }

    #[derive(Clone)]
    struct Batches;

    impl Batcher<Item, Batch> for Batches {
        fn batch(&self, items: Vec<Item>, device: &Device) -> Batch {
            let n = items.len();
            let x: Vec<f32> = items.iter().flat_map(|i| i.x).collect();
            let y: Vec<i64> = items.iter().map(|i| i.label).collect();
            Batch {
                x: Tensor::<1>::from_data(TensorData::new(x, [n * 4]), device).reshape([n, 4]),
                y: Tensor::<1, Int>::from_data(TensorData::new(y, [n]), device),
            }
        }
    }

    #[derive(Module, Debug)]
    struct Tiny {
        fc: Linear,
    }

    impl Tiny {
        fn classify(&self, b: Batch) -> ClassificationOutput {
            let out = self.fc.forward(b.x);
            let loss = CrossEntropyLossConfig::new()
                .init(&out.device())
                .forward(out.clone(), b.y.clone());
            ClassificationOutput::new(loss, out, b.y)
        }
    }

    impl TrainStep for Tiny {
        type Input = Batch;
        type Output = ClassificationOutput;
        fn step(&self, b: Batch) -> TrainOutput<ClassificationOutput> {
            let item = self.classify(b);
            TrainOutput::new(self, item.loss.backward(), item)
        }
    }

    impl InferenceStep for Tiny {
        type Input = Batch;
        type Output = ClassificationOutput;
        fn step(&self, b: Batch) -> ClassificationOutput {
            self.classify(b)
        }
    }

    fn items(n: usize, seed: u64) -> Vec<Item> {
        let u = unit(n * 4, seed);
        u.chunks(4)
            .map(|c| Item {
                x: [c[0], c[1], c[2], c[3]],
                label: i64::from(c[0] + c[1] > c[2] + c[3]) + i64::from(c[0] > 0.8),
            })
            .collect()
    }

    /// Trains `epochs` epochs (from the checkpoint of `resume`, when given) with this
    /// crate's logger and burn's file logger side by side.
    fn train(root: &Path, epochs: usize, resume: Option<usize>) {
        let train = DataLoaderBuilder::new(Batches)
            .batch_size(16)
            .build(InMemDataset::new(items(64, 1)));
        let valid = DataLoaderBuilder::new(Batches)
            .batch_size(16)
            .build(InMemDataset::new(items(40, 2)));
        let tb = match resume {
            None => TensorBoardLogger::new(root.join("tb")),
            Some(e) => TensorBoardLogger::resume(root.join("tb"), e),
        };
        let mut t = SupervisedTraining::new(root.join("artifacts"), train, valid)
            .metrics((
                AccuracyMetric::new(),
                LossMetric::new(),
                LearningRateMetric::new(),
                // burn-train's system metrics (its `sys-metrics` feature, tests/burn-deps).
                CpuUse::new(),
                CpuMemory::new(),
            ))
            .with_metric_logger(tb)
            .with_metric_logger(FileMetricLogger::new(root.join("file")))
            .with_default_checkpointers()
            .with_application_logger(None)
            .num_epochs(epochs);
        if let Some(e) = resume {
            t = t.checkpoint(e);
        }
        let device = Device::default().autodiff();
        device.seed(7);
        let model = Tiny {
            fc: LinearConfig::new(4, 3).init(&device),
        };
        t.launch(Learner::new(model, AdamConfig::new().init(), 1e-2));
    }

    #[test]
    fn training_restarted_from_a_checkpoint_reads_like_burns_file_logger() {
        let dir = tempfile::tempdir().unwrap();
        train(dir.path(), 3, None);
        // The process "dies" after epoch 3; training restarts from the checkpoint of epoch 2.
        train(dir.path(), 4, Some(2));
        let mut tb = TensorBoardLogger::new(dir.path().join("tb"));
        let mut file = FileMetricLogger::new(dir.path().join("file"));
        for split in [Split::Train, Split::Valid] {
            for name in [
                "Loss",
                "Accuracy",
                "Learning Rate",
                "CPU Usage",
                "CPU Memory",
            ] {
                for e in 1..=5 {
                    let ours = tb.read_numeric(name, e, &split).unwrap();
                    let burns = file.read_numeric(name, e, &split).unwrap();
                    let (ours, burns): (Vec<_>, Vec<_>) = (
                        ours.iter().map(NumericEntry::serialize).collect(),
                        burns.iter().map(NumericEntry::serialize).collect(),
                    );
                    assert_eq!(ours, burns, "{name} {split} epoch {e}");
                    let want = match (e, &split) {
                        (5, _) => 0,
                        (_, Split::Train) => 5, // 4 batches and the epoch's final value
                        _ => 4,                 // 3 batches (16, 16, 8) and the final value
                    };
                    assert_eq!(ours.len(), want, "{name} {split} epoch {e}: {ours:?}");
                }
            }
        }
        // What TensorBoard shows: each epoch once, the iterations without overlap.
        let run = dir.path().join("tb/train");
        let epochs: Vec<i64> = purge(&run)["epoch/Loss"].iter().map(|p| p.0).collect();
        assert_eq!(epochs, [1, 2, 3, 4]);
        let it: Vec<i64> = purge(&run.join("iteration"))["iteration/Accuracy"]
            .iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(it, (1..=16).collect::<Vec<_>>());
    }
}

#[test]
fn a_text_metric_is_read_like_burn_reads_it_and_not_charted() {
    let tb_dir = tempfile::tempdir().unwrap();
    let file_dir = tempfile::tempdir().unwrap();
    let mut tb = TensorBoardLogger::new(tb_dir.path());
    let mut file = FileMetricLogger::new(file_dir.path());
    let note = MetricDefinition {
        metric_id: MetricId::new(Arc::new("Note".into())),
        name: Arc::new("Note".into()),
        description: None,
        attributes: MetricAttributes::None,
    };
    for l in [&mut tb as &mut dyn MetricLogger, &mut file] {
        l.log_metric_definition(def("Loss", None));
        l.log_metric_definition(note.clone());
        let mut u = iteration("Loss", 0.5, 2, 0.5);
        u.entries.push(MetricEntry::new(
            note.metric_id.clone(),
            SerializedEntry::new("7".into(), "7".into()),
        ));
        l.log(u, 1, &Split::Train);
        let mut u = end("Loss", 0.5);
        u.entries.push(MetricEntry::new(
            note.metric_id.clone(),
            SerializedEntry::new("seven".into(), "seven".into()),
        ));
        l.log(u, 1, &Split::Train);
        l.log_epoch_summary(EpochSummary::new(1, Split::Train));
    }
    // Both keep the text metric's lines, and fail to parse "seven" alike.
    assert_eq!(
        tb.read_numeric("Note", 1, &Split::Train)
            .map(|v| v.iter().map(key).collect::<Vec<_>>()),
        file.read_numeric("Note", 1, &Split::Train)
            .map(|v| v.iter().map(key).collect::<Vec<_>>())
    );
    tb.close().unwrap();
    let tags: Vec<String> = scalars(&tb_dir.path().join("train")).into_keys().collect();
    assert_eq!(
        tags,
        ["epoch/Loss"],
        "no chart for a metric that is not numeric"
    );
}

#[test]
fn a_value_beyond_f32_does_not_cost_the_other_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = TensorBoardLogger::new(dir.path());
    tb.log_metric_definition(def("Loss", None));
    tb.log_metric_definition(def("Big", None));
    for big in [2.0, 1e300, 3.0] {
        let mut u = iteration("Loss", 0.5, 1, 0.5);
        u.entries_numeric
            .extend(iteration("Big", big, 1, big).entries_numeric);
        tb.log(u, 1, &Split::Train);
    }
    tb.close().unwrap();
    let it = scalars(&dir.path().join("train/iteration"));
    assert_eq!(it["iteration/Loss"].len(), 3);
    assert_eq!(it["iteration/Big"].len(), 3);
    assert!(
        it["iteration/Big"][1].1.is_infinite(),
        "{:?}",
        it["iteration/Big"]
    );
}
