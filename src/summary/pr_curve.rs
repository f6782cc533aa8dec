//! Precision–recall curves for binary classifiers, shown in the PR Curves dashboard.
//!
//! # Form
//!
//! A `DT_FLOAT` tensor of shape `[6, N]` whose rows are, in order, true positives, false
//! positives, true negatives, false negatives, precision and recall at `N` thresholds
//! evenly spaced in `[0, 1]` (threshold `i` is `i / (N − 1)`). Plugin `pr_curves`,
//! `PrCurvePluginData { version: 0, num_thresholds: N }`, data class `TENSOR`. The tag is
//! used as given (tensorboardX's convention; TensorFlow's own summary appends
//! `/pr_curves`).
//!
//! # How the curve is computed
//!
//! [`SummaryWriter::add_pr_curve`] computes the counts exactly as TensorBoard's
//! `pr_curve.summary.pb` (and tensorboardX's `add_pr_curve`) do, so the same inputs give
//! the same `f32` values:
//!
//! 1. Each prediction `p` (an `f32` in `[0, 1]`) falls in bucket
//!    `floor(p × (N − 1))`, the product computed in `f32`.
//! 2. Per bucket, the weights (1 without `weights`) of the positive examples are summed
//!    into `tp_bucket`, those of the negative examples into `fp_bucket`, in `f64`, in input
//!    order (in blocks of 65536 examples, as NumPy's `histogram` does).
//! 3. `TP[i]` and `FP[i]` are the sums of `tp_bucket[j]` and `fp_bucket[j]` over `j ≥ i`
//!    (a reversed cumulative sum from the last bucket), so an example counts as predicted
//!    positive at threshold `i` when its bucket is at least `i`.
//! 4. `TN[i] = FP[0] − FP[i]` and `FN[i] = TP[0] − TP[i]`.
//! 5. `precision[i] = TP[i] / max(1e-7, TP[i] + FP[i])` and
//!    `recall[i] = TP[i] / max(1e-7, TP[i] + FN[i])`, so both are 0 where their
//!    denominator is 0.
//! 6. Everything is computed in `f64` and rounded to `f32` when stored.
//!
//! TensorBoard's PR curve route truncates counts to integers when serving them and drops
//! trailing thresholds where `TP + FP` is 0.

use crate::error::{Error, Result};
use crate::proto::{DataClass, PrCurvePluginData, summary};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, f32_tensor, metadata, tensor_value};

/// The number of thresholds [`SummaryWriter::add_pr_curve`] uses (tensorboardX's default).
pub const DEFAULT_NUM_THRESHOLDS: usize = 127;

/// The smallest denominator of precision and recall, as in TensorBoard.
const MINIMUM_COUNT: f64 = 1e-7;

/// NumPy's `histogram` adds weights to its bins in blocks of this many values.
const NUMPY_BLOCK: usize = 65536;

/// Options for [`SummaryWriter::add_pr_curve_with_options`].
#[derive(Debug, Clone, Copy)]
pub struct PrCurveOptions<'a> {
    /// Number of thresholds, evenly spaced in `[0, 1]`; at least 2. Default
    /// [`DEFAULT_NUM_THRESHOLDS`].
    pub num_thresholds: usize,
    /// Per-example weights, one per label, finite and not negative; `None` weighs every
    /// example 1. A weight multiplies the example's contribution to the counts.
    pub weights: Option<&'a [f32]>,
}

impl Default for PrCurveOptions<'_> {
    fn default() -> Self {
        PrCurveOptions {
            num_thresholds: DEFAULT_NUM_THRESHOLDS,
            weights: None,
        }
    }
}

fn bad(reason: String) -> Error {
    Error::InvalidInput {
        what: "PR curve",
        reason,
    }
}

fn check_num_thresholds(n: usize) -> Result<u32> {
    if n < 2 {
        return Err(bad(format!("num_thresholds is {n}; it must be at least 2")));
    }
    // The metadata stores it as a u32; beyond 2^24 the f32 bucketing cannot tell
    // thresholds apart anyway.
    if n > 1 << 24 {
        return Err(bad(format!("num_thresholds {n} is above 2^24")));
    }
    Ok(n as u32)
}

/// The six rows `[TP, FP, TN, FN, precision, recall]` of the curve, in `f64`.
fn compute(
    labels: &[bool],
    predictions: &[f32],
    weights: Option<&[f32]>,
    num_thresholds: usize,
) -> Result<[Vec<f64>; 6]> {
    check_num_thresholds(num_thresholds)?;
    if labels.len() != predictions.len() {
        return Err(bad(format!(
            "{} labels but {} predictions",
            labels.len(),
            predictions.len()
        )));
    }
    if labels.is_empty() {
        return Err(bad("a PR curve needs at least one prediction".into()));
    }
    if let Some(i) = predictions.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(bad(format!(
            "prediction {i} is {}; predictions must be probabilities in [0, 1]",
            predictions[i]
        )));
    }
    if let Some(w) = weights {
        if w.len() != labels.len() {
            return Err(bad(format!(
                "{} weights for {} labels",
                w.len(),
                labels.len()
            )));
        }
        if let Some(i) = w.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(bad(format!(
                "weight {i} is {}; weights must be finite and not negative",
                w[i]
            )));
        }
    }

    let n = num_thresholds;
    let scale = (n - 1) as f32; // exact: n <= 2^24
    let mut tp_buckets = vec![0f64; n];
    let mut fp_buckets = vec![0f64; n];
    let mut tp_block = vec![0f64; n];
    let mut fp_block = vec![0f64; n];
    for start in (0..labels.len()).step_by(NUMPY_BLOCK) {
        let end = labels.len().min(start + NUMPY_BLOCK);
        tp_block.fill(0.0);
        fp_block.fill(0.0);
        for i in start..end {
            // p in [0, 1], so the bucket is in [0, n - 1].
            let bucket = (predictions[i] * scale).floor() as usize;
            let w = weights.map_or(1.0, |w| f64::from(w[i]));
            if labels[i] {
                tp_block[bucket] += w;
            } else {
                fp_block[bucket] += w;
            }
        }
        for b in 0..n {
            tp_buckets[b] += tp_block[b];
            fp_buckets[b] += fp_block[b];
        }
    }

    let mut tp = vec![0f64; n];
    let mut fp = vec![0f64; n];
    let (mut tp_sum, mut fp_sum) = (0f64, 0f64);
    for i in (0..n).rev() {
        tp_sum += tp_buckets[i];
        fp_sum += fp_buckets[i];
        tp[i] = tp_sum;
        fp[i] = fp_sum;
    }
    let tn: Vec<f64> = fp.iter().map(|f| fp[0] - f).collect();
    let fn_: Vec<f64> = tp.iter().map(|t| tp[0] - t).collect();
    let precision = (0..n)
        .map(|i| tp[i] / MINIMUM_COUNT.max(tp[i] + fp[i]))
        .collect();
    let recall = (0..n)
        .map(|i| tp[i] / MINIMUM_COUNT.max(tp[i] + fn_[i]))
        .collect();
    Ok([tp, fp, tn, fn_, precision, recall])
}

fn pr_value(tag: String, rows: [&[f32]; 6], num_thresholds: u32) -> summary::Value {
    let n = rows[0].len();
    let md = metadata(
        "pr_curves",
        content(&PrCurvePluginData {
            version: 0,
            num_thresholds,
        }),
        DataClass::Tensor,
    );
    let tensor = f32_tensor(&[6, n], rows.iter().flat_map(|r| r.iter().copied()));
    tensor_value(tag, md, tensor)
}

fn computed_value(
    tag: String,
    labels: &[bool],
    predictions: &[f32],
    options: &PrCurveOptions<'_>,
) -> Result<summary::Value> {
    let rows = compute(labels, predictions, options.weights, options.num_thresholds)?;
    let rows: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| r.iter().map(|&v| v as f32).collect())
        .collect();
    let refs = [
        &rows[0][..],
        &rows[1][..],
        &rows[2][..],
        &rows[3][..],
        &rows[4][..],
        &rows[5][..],
    ];
    // check_num_thresholds passed in compute.
    Ok(pr_value(tag, refs, options.num_thresholds as u32))
}

/// The rows of a PR curve given as raw data, in the order they are stored.
#[derive(Debug, Clone, Copy)]
pub struct PrCurveRaw<'a> {
    /// True positive counts, one per threshold.
    pub true_positive_counts: &'a [f32],
    /// False positive counts.
    pub false_positive_counts: &'a [f32],
    /// True negative counts.
    pub true_negative_counts: &'a [f32],
    /// False negative counts.
    pub false_negative_counts: &'a [f32],
    /// Precision at each threshold.
    pub precision: &'a [f32],
    /// Recall at each threshold.
    pub recall: &'a [f32],
}

fn raw_value(tag: String, raw: &PrCurveRaw<'_>, num_thresholds: usize) -> Result<summary::Value> {
    let n = check_num_thresholds(num_thresholds)?;
    let rows = [
        ("true_positive_counts", raw.true_positive_counts),
        ("false_positive_counts", raw.false_positive_counts),
        ("true_negative_counts", raw.true_negative_counts),
        ("false_negative_counts", raw.false_negative_counts),
        ("precision", raw.precision),
        ("recall", raw.recall),
    ];
    for (i, (name, row)) in rows.iter().enumerate() {
        if row.len() != num_thresholds {
            return Err(bad(format!(
                "{name} has {} values; num_thresholds is {num_thresholds}",
                row.len()
            )));
        }
        let (ok, rule): (fn(f32) -> bool, &str) = if i < 4 {
            (|v| v.is_finite() && v >= 0.0, "finite and not negative")
        } else {
            (|v| (0.0..=1.0).contains(&v), "in [0, 1]")
        };
        if let Some(j) = row.iter().position(|&v| !ok(v)) {
            return Err(bad(format!("{name}[{j}] is {}; it must be {rule}", row[j])));
        }
    }
    Ok(pr_value(tag, rows.map(|(_, r)| r), n))
}

impl SummaryWriter {
    /// Logs the precision–recall curve of a binary classifier under `tag` at `step`, at
    /// [`DEFAULT_NUM_THRESHOLDS`] thresholds, computed from the true `labels` and the
    /// predicted probabilities `predictions` (in `[0, 1]`; NaN is an error) exactly as
    /// TensorBoard computes it (see the [module documentation](crate::summary::pr_curve)).
    ///
    /// Errors ([`Error::InvalidInput`]), with nothing written: no predictions, as many
    /// labels as predictions, a prediction outside `[0, 1]`.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let labels = [true, false, true, true, false];
    /// let predictions = [0.9, 0.2, 0.6, 0.4, 0.7];
    /// writer.add_pr_curve("eval/pr", &labels, &predictions, 10u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_pr_curve(
        &self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        step: impl Step,
    ) -> Result<()> {
        self.step(step).pr_curve(tag, labels, predictions).write()
    }

    /// Like [`add_pr_curve`](Self::add_pr_curve) with a chosen number of thresholds and
    /// optional per-example weights ([`PrCurveOptions`]).
    ///
    /// ```
    /// use tensorboard_writer::summary::pr_curve::PrCurveOptions;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let options = PrCurveOptions {
    ///     num_thresholds: 11,
    ///     weights: Some(&[1.0, 0.5, 2.0]),
    /// };
    /// writer.add_pr_curve_with_options("pr", &[true, false, true], &[0.8, 0.3, 0.55], options, 1u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_pr_curve_with_options(
        &self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        options: PrCurveOptions<'_>,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .pr_curve_with_options(tag, labels, predictions, options)
            .write()
    }

    /// Logs a PR curve from counts computed elsewhere (tensorboardX's `add_pr_curve_raw`):
    /// one value per threshold in each of the six slices, thresholds increasing from 0 to 1.
    /// They are stored as given, as `f32`.
    ///
    /// Errors ([`Error::InvalidInput`]), with nothing written: `num_thresholds` below 2, a
    /// slice whose length is not `num_thresholds`, a count that is negative or not finite,
    /// a precision or recall outside `[0, 1]` (or NaN).
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.add_pr_curve_raw(
    ///     "pr_raw",
    ///     &[3.0, 2.0, 0.0], // true positives at thresholds 0, 0.5, 1
    ///     &[2.0, 1.0, 0.0], // false positives
    ///     &[0.0, 1.0, 2.0], // true negatives
    ///     &[0.0, 1.0, 3.0], // false negatives
    ///     &[0.6, 2.0 / 3.0, 0.0],
    ///     &[1.0, 2.0 / 3.0, 0.0],
    ///     3,
    ///     5u32,
    /// )?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)] // tensorboardX's signature
    pub fn add_pr_curve_raw(
        &self,
        tag: &str,
        true_positive_counts: &[f32],
        false_positive_counts: &[f32],
        true_negative_counts: &[f32],
        false_negative_counts: &[f32],
        precision: &[f32],
        recall: &[f32],
        num_thresholds: usize,
        step: impl Step,
    ) -> Result<()> {
        let raw = PrCurveRaw {
            true_positive_counts,
            false_positive_counts,
            true_negative_counts,
            false_negative_counts,
            precision,
            recall,
        };
        self.step(step)
            .pr_curve_raw(tag, &raw, num_thresholds)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds a PR curve at the default thresholds (see [`SummaryWriter::add_pr_curve`]).
    pub fn pr_curve(self, tag: &str, labels: &[bool], predictions: &[f32]) -> Self {
        self.pr_curve_with_options(tag, labels, predictions, PrCurveOptions::default())
    }

    /// Adds a PR curve with options (see [`SummaryWriter::add_pr_curve_with_options`]).
    pub fn pr_curve_with_options(
        self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        options: PrCurveOptions<'_>,
    ) -> Self {
        self.tagged(tag, |tag| {
            computed_value(tag, labels, predictions, &options)
        })
    }

    /// Adds a PR curve from raw counts (see [`SummaryWriter::add_pr_curve_raw`]).
    pub fn pr_curve_raw(self, tag: &str, raw: &PrCurveRaw<'_>, num_thresholds: usize) -> Self {
        self.tagged(tag, |tag| raw_value(tag, raw, num_thresholds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_curve_by_hand() {
        // Thresholds 0, 0.25, 0.5, 0.75, 1. Buckets: 0.1->0, 0.3->1, 0.5->2, 0.8->3, 1.0->4.
        let labels = [false, true, false, true, true];
        let preds = [0.1, 0.3, 0.5, 0.8, 1.0];
        let [tp, fp, tn, fn_, p, r] = compute(&labels, &preds, None, 5).unwrap();
        assert_eq!(tp, [3.0, 3.0, 2.0, 2.0, 1.0]);
        assert_eq!(fp, [2.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(tn, [0.0, 1.0, 1.0, 2.0, 2.0]);
        assert_eq!(fn_, [0.0, 0.0, 1.0, 1.0, 2.0]);
        assert_eq!(p, [3.0 / 5.0, 3.0 / 4.0, 2.0 / 3.0, 1.0, 1.0]);
        assert_eq!(r, [1.0, 1.0, 2.0 / 3.0, 2.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn buckets_use_the_f32_product() {
        // The f32 nearest 65/126 is just below it: the exact product with 126 is 64.9999999,
        // which rounds to 65.0 in f32 (as NumPy computes float32 predictions × int), so the
        // prediction lands in bucket 65.
        let p = 65.0f32 / 126.0;
        assert!(f64::from(p) * 126.0 < 65.0);
        let [tp, ..] = compute(&[true], &[p], None, 127).unwrap();
        assert_eq!((tp[65], tp[66]), (1.0, 0.0));
    }

    #[test]
    fn no_positives_gives_zero_precision_and_recall() {
        let [tp, fp, _, _, p, r] = compute(&[false, false], &[0.2, 0.9], None, 3).unwrap();
        assert_eq!(tp, [0.0; 3]);
        assert_eq!(fp, [2.0, 1.0, 0.0]);
        assert_eq!(p, [0.0; 3]);
        assert_eq!(r, [0.0; 3]);
    }

    #[test]
    fn weights_scale_contributions() {
        let w = [2.0, 0.5, 0.0];
        let [tp, fp, tn, fn_, _, _] =
            compute(&[true, false, true], &[0.9, 0.9, 0.1], Some(&w), 2).unwrap();
        assert_eq!(tp, [2.0, 0.0]);
        assert_eq!(fp, [0.5, 0.0]);
        assert_eq!(tn, [0.0, 0.5]);
        assert_eq!(fn_, [0.0, 2.0]);
    }

    #[test]
    fn bad_input_is_refused() {
        let err = |r: Result<[Vec<f64>; 6]>| matches!(r, Err(Error::InvalidInput { .. }));
        assert!(err(compute(&[true], &[0.5], None, 1)));
        assert!(err(compute(&[true], &[0.5, 0.2], None, 5)));
        assert!(err(compute(&[], &[], None, 5)));
        assert!(err(compute(&[true], &[f32::NAN], None, 5)));
        assert!(err(compute(&[true], &[1.01], None, 5)));
        assert!(err(compute(&[true], &[-0.01], None, 5)));
        assert!(err(compute(&[true], &[0.5], Some(&[1.0, 1.0]), 5)));
        assert!(err(compute(&[true], &[0.5], Some(&[-1.0]), 5)));
        assert!(err(compute(&[true], &[0.5], Some(&[f32::INFINITY]), 5)));
        assert!(compute(&[true], &[0.5], Some(&[0.0]), 2).is_ok());
    }
}
