//! [burn](https://burn.dev) support (crate feature `burn`, burn 0.22): burn tensors and
//! modules wherever tensors go, and burn-train's metric logger.
//!
//! burn 0.22 needs Rust 1.95, so this feature does too (the rest of the crate builds with
//! 1.85). With `tch` on too, Cargo takes tch 0.22 for this crate's `tch` feature, the
//! version burn 0.22's own libtorch backend uses (a program links one tch).
//!
//! # Tensors
//!
//! A burn `Tensor` of any rank and kind (float, int, bool), on any device, can be logged
//! wherever the API takes numbers, with the shapes and element types of the
//! [`tensor`](crate::tensor) module's table: `add_scalar("loss", &loss, step)` (any
//! one-element tensor), histograms, images (`[C, H, W]`, `[H, W]`), image batches
//! (`[N, C, H, W]`), audio and embeddings. It is read with `try_to_data`, so a backend's
//! read failure is an [`Error::InvalidInput`] and nothing is written. Element types: `f32`, `f64`, `f16`, `bf16`, `i8`–`i64`, `u8` and
//! `u32` as they are; `u16` as `u32`; `u64` as `i64` (above `i64::MAX` is an error);
//! booleans as `u8` 0 and 1; `flex32` and quantized floats as `f32`.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! let device = Device::default();
//! let x = Tensor::<4>::ones([8, 1, 4, 4], &device).mul_scalar(0.5); // 8 grey 4×4 images
//! writer.add_images_tensor("inputs", &x, 0u32)?;
//! writer.add_histogram("inputs/values", &x, 0u32)?;
//! writer.add_scalar("loss", &x.clone().mean(), 0u32)?;
//! assert!(writer.add_scalar("not_a_scalar", &x, 0u32).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Modules
//!
//! A module's parameters are named by the path of fields that lead to them, joined by `/`
//! (`conv1/weight`, `blocks/0/linear/bias`):
//! [`add_module_histograms`](SummaryWriter::add_module_histograms) logs each as a histogram
//! in one event, and [`GraphBuilder::from_module`] / [`GraphBuilder::add_module`] make each
//! a `VariableV2` node of the [Graphs dashboard](crate::summary::graph), with its `dtype`,
//! `shape` and `_output_shapes`, so that each layer's parameters land in the layer's box.
//!
//! # The metric logger
//!
//! [`TensorBoardLogger`] implements burn-train's `MetricLogger`: give it to
//! `SupervisedTraining::with_metric_logger` (`TensorBoardLogger::new(logdir)`), or
//! [`TensorBoardLogger::resume`] when training restarts from a checkpoint. What it writes:
//!
//! | what | run | tag | step |
//! |---|---|---|---|
//! | each numeric metric's epoch value | `<split>` | `epoch/<metric>` | the epoch |
//! | its value at each iteration | `<split>/iteration` | `iteration/<metric>` | iterations so far |
//! | burn's entries, for `read_numeric` | `<split>` | `burn_train/entry/<metric>` | the epoch |
//! | a custom-scalars layout | the first split's | | 0 |
//!
//! The epoch value is the one burn's checkpointing and early stopping use; the iteration
//! value is burn's *current* entry (the batch's value, not the running mean: TensorBoard's
//! smoothing gives the running view), at a step that counts the split's iterations across
//! epochs. burn's entries are stored as its file logger stores them; no dashboard shows
//! them. The layout charts each metric with the splits overlaid, epoch and iteration.
//!
//! The splits are `train`, `valid`, `test`, and `test-<tag>` for a tagged test split: one
//! run each, so that TensorBoard overlays them on each chart. Metric names become tags with
//! [`sanitize_tag`](crate::tag::sanitize_tag). A metric's definition (its description, unit,
//! and whether higher is better) becomes the description of its tags. The epoch aggregate is
//! burn's: the metric's final entry when it has one, else the mean of the epoch's entries
//! weighted by their counts.
//!
//! `read_numeric` answers from the event files what burn's `FileMetricLogger` answers for
//! the same run (the same entries, with their aggregation counts), so burn's early stopping
//! and metric-based checkpointing work unchanged. Each epoch summary flushes the runs, and
//! dropping the logger (burn drops it at the end of training) writes out the rest.

mod logger;
mod module;
mod tensor;

#[cfg(doc)]
use crate::{Error, SummaryWriter, summary::graph::GraphBuilder};

pub use logger::{
    ENTRY_PLUGIN, EPOCH_PREFIX, ITERATION_PREFIX, ITERATION_RUN, TensorBoardLogger, split_run_name,
};
pub use module::{ParamNodes, VARIABLE_OP};
pub use tensor::data_type;
