//! Histograms: the distribution of a tensor's values at each step, shown in both the
//! Histograms and the Distributions dashboards.
//!
//! ```
//! use tensorboard_writer::summary::histogram::{Bins, Histogram};
//! # let dir = tempfile::tempdir()?;
//! # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
//!
//! // One call per step: bucket a slice and log it.
//! let weights: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
//! writer.add_histogram("fc1/weights", &weights, 0u32)?;
//!
//! // Or accumulate many batches, merge across workers, and log once.
//! let mut acts = Histogram::new();
//! for batch in [[0.5f64, 1.5, 2.5], [3.0, f64::NAN, 0.25]] {
//!     acts.add(&batch);
//! }
//! let mut other = Histogram::new();
//! other.add(&[7i32, -2, 0]);
//! acts.merge(&other)?;
//! assert_eq!((acts.num(), acts.nan_count()), (8, 1));
//! writer.add_histogram("fc1/activations", &acts, 0u32)?;
//!
//! // Custom edges: ten equal-width buckets over [0, 1].
//! let mut probs = Histogram::with_bins(Bins::linear(0.0, 1.0, 10)?);
//! probs.add(&[0.05f32, 0.12, 0.97, 1.0]);
//! assert_eq!(probs.counts()[9], 2);
//! writer.add_histogram("probs", &probs, 0u32)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Bucketing
//!
//! A [`Histogram`] counts values into the buckets of its [`Bins`]: edges
//! `e[0] < e[1] < … < e[n]` make `n` buckets `[e[i], e[i+1])`, the last one closed
//! (`[e[n-1], e[n]]`). Values below `e[0]` or above `e[n]` are counted apart, as
//! [underflow](Histogram::underflow) and [overflow](Histogram::overflow), and still shown
//! (see below).
//!
//! - [`Bins::tensorflow`] (the default) are the edges TensorFlow's C++ `Histogram` uses,
//!   built the same way: `v = 1e-12`, then `v *= 1.1` while `v < 1e20`, mirrored to the
//!   negatives, with `0` in the middle and `±f64::MAX` at the ends (1551 edges, 1550
//!   buckets). Bucket widths grow by 10%, so relative resolution is the same at every
//!   magnitude, and every finite value has a bucket. A value's bucket is not searched for:
//!   its sign, exponent and 4 leading mantissa bits index a table (a range of magnitudes
//!   that narrow holds at most one edge), and one comparison with the exact edge finishes
//!   the job. The result is exactly that of a binary search over the edges, at a fraction
//!   of the cost: 1,000,000 `f32` values are bucketed and logged in about 2 ms, where a
//!   binary search over the edges alone takes 13 ms on the same machine.
//! - [`Bins::linear`] makes `n` equal-width buckets over `[min, max]`.
//! - [`Bins::from_edges`] takes any strictly increasing finite edges.
//!
//! Besides the bucket counts, a histogram keeps the exact minimum and maximum, the number of
//! values, and their sum and sum of squares (accumulated in `f64`).
//!
//! # Non-finite values
//!
//! NaN, `+∞` and `−∞` are counted apart ([`nan_count`](Histogram::nan_count),
//! [`pos_inf_count`](Histogram::pos_inf_count), [`neg_inf_count`](Histogram::neg_inf_count))
//! and take no part in anything else: not in the buckets, not in [`num`](Histogram::num), the
//! minimum, the maximum, the sum or the sum of squares. They are not shown in TensorBoard,
//! whose histogram form has no place for them: log the counts as scalars if you want to
//! watch them. A NaN in the weights can therefore never turn a whole histogram into NaN.
//!
//! # What is written
//!
//! The form both of TensorBoard's loaders read the same way (the v2 histogram form, as
//! `tf.summary.histogram` writes it): a `DT_DOUBLE` tensor of shape `[k, 3]` whose rows are
//! `(left edge, right edge, count)`, with plugin `histograms` (`HistogramPluginData`,
//! version 0) and data class `TENSOR`. The rows are the buckets from the first non-empty one
//! to the last non-empty one (empty buckets at either end are dropped); the first row's left
//! edge is the minimum of the data and the last row's right edge is the maximum, as
//! TensorBoard itself does when it reads TensorFlow's histograms. A run of empty buckets
//! between non-empty ones is written as one row with count 0 spanning them (as TensorFlow's
//! `Histogram::EncodeToProto` does), which changes neither dashboard. Underflow and overflow
//! become a first row `(min, e[0], underflow)` and a last row `(e[n], max, overflow)`. So every
//! edge written is finite and every row has `left <= right`.
//!
//! - All values equal to `v`: one row `(v, v, count)`. TensorBoard draws it as a single bar.
//! - No finite value at all (an empty slice, or only NaN and infinities): a `[0, 3]` tensor.
//!   Both dashboards show an empty histogram for that step, and the other steps of the series
//!   keep their own range (rows of zeros, as `tf.summary.histogram` writes for empty data,
//!   would stretch the shared x axis to 0).
//!
//! The Histograms dashboard re-bins the rows into 30 equal-width bins over the range of all
//! the steps it shows (at most 51 steps, sampled evenly); the Distributions dashboard
//! interpolates the cumulative counts at 9 percentiles (0, 6.68, 15.87, 30.85, 50, 69.15,
//! 84.13, 93.32, 100) for up to 501 steps. TensorBoard retains up to 500 (Python loader) or
//! 100 (Rust loader) histograms per tag, sampled evenly, unless started with
//! `--samples_per_plugin=histograms=N`.
//!
//! A writer built with [`legacy_summaries(true)`](crate::SummaryWriterBuilder::legacy_summaries)
//! writes the same rows as a `HistogramProto` instead (the older form torch writes: each row's
//! right edge as a bucket limit, the minimum and maximum as the outer edges), with the
//! histogram's `num`, `sum` and `sum_squares` (docs/FORMAT.md §3, "Older forms").

mod accumulator;
mod bins;
mod input;
mod slots;
mod tf_edges;
mod write;

pub use accumulator::Histogram;
pub use accumulator::HistogramValue;
pub use bins::Bins;
pub use input::HistogramInput;
pub use slots::MAX_BUCKETS;

#[cfg(test)]
mod tests;
