//! The `Summary.Value` a histogram is written as, and the logging calls.

use crate::error::{Error, Result};
use crate::proto::{DataClass, HistogramPluginData, summary};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use crate::summary::{content, f64_tensor, metadata, tensor_value};

use super::input::HistogramInput;
use super::slots::MAX_BUCKETS;

/// The `Summary.Value` for `rows`: a `DT_DOUBLE` `[k, 3]` tensor, plugin `histograms`.
pub(super) fn rows_value(tag: String, rows: &[[f64; 3]]) -> summary::Value {
    let md = metadata(
        "histograms",
        content(&HistogramPluginData { version: 0 }),
        DataClass::Tensor,
    );
    let tensor = f64_tensor(&[rows.len(), 3], rows.iter().flatten().copied());
    tensor_value(tag, md, tensor)
}

pub(super) fn raw_error(reason: String) -> Error {
    Error::InvalidInput {
        what: "raw histogram",
        reason,
    }
}

/// The rows for a TensorFlow-style histogram (`HistogramProto`): bucket `i` holds
/// `bucket_counts[i]` values in `[bucket_limits[i-1], bucket_limits[i])`, bucket 0 starting
/// at −∞. Checks everything listed at [`SummaryWriter::add_histogram_raw`].
#[allow(clippy::too_many_arguments)]
pub(super) fn raw_rows(
    min: f64,
    max: f64,
    num: f64,
    sum: f64,
    sum_squares: f64,
    bucket_limits: &[f64],
    bucket_counts: &[f64],
) -> Result<Vec<[f64; 3]>> {
    if bucket_limits.len() != bucket_counts.len() {
        return Err(raw_error(format!(
            "{} bucket limits but {} bucket counts; they must have the same length",
            bucket_limits.len(),
            bucket_counts.len()
        )));
    }
    if bucket_limits.len() > MAX_BUCKETS {
        return Err(raw_error(format!(
            "{} buckets, more than the {MAX_BUCKETS} allowed",
            bucket_limits.len()
        )));
    }
    if let Some(i) = bucket_limits.iter().position(|l| l.is_nan()) {
        return Err(raw_error(format!("bucket limit {i} is NaN")));
    }
    if let Some(i) = bucket_limits.windows(2).position(|w| w[0] >= w[1]) {
        return Err(raw_error(format!(
            "bucket limits must be strictly increasing, but limit {} is {} and limit {} is {}",
            i,
            bucket_limits[i],
            i + 1,
            bucket_limits[i + 1]
        )));
    }
    if let Some(i) = bucket_counts
        .iter()
        .position(|c| !(c.is_finite() && *c >= 0.0))
    {
        return Err(raw_error(format!(
            "bucket count {i} is {}; counts must be finite and not negative",
            bucket_counts[i]
        )));
    }
    for (name, v) in [("num", num), ("sum", sum), ("sum_squares", sum_squares)] {
        if !v.is_finite() {
            return Err(raw_error(format!("{name} is {v}; it must be finite")));
        }
    }
    let total: f64 = bucket_counts.iter().sum();
    if (num - total).abs() > 1e-6 * total.max(1.0) {
        return Err(raw_error(format!(
            "num is {num} but the bucket counts add up to {total}"
        )));
    }
    let Some(first) = bucket_counts.iter().position(|&c| c > 0.0) else {
        return Ok(Vec::new());
    };
    let last = bucket_counts
        .iter()
        .rposition(|&c| c > 0.0)
        .unwrap_or(first);
    if !(min.is_finite() && max.is_finite() && min <= max) {
        return Err(raw_error(format!(
            "min and max must be finite with min <= max, got min {min}, max {max}"
        )));
    }
    let left_of = |i: usize| {
        if i == 0 {
            f64::NEG_INFINITY
        } else {
            bucket_limits[i - 1]
        }
    };
    if !(left_of(first) <= min && min <= bucket_limits[first]) {
        return Err(raw_error(format!(
            "min {min} is not in the first non-empty bucket, [{}, {}]",
            left_of(first),
            bucket_limits[first]
        )));
    }
    if !(left_of(last) <= max && max <= bucket_limits[last]) {
        return Err(raw_error(format!(
            "max {max} is not in the last non-empty bucket, [{}, {}]",
            left_of(last),
            bucket_limits[last]
        )));
    }
    let mut rows: Vec<[f64; 3]> = Vec::with_capacity(last - first + 1);
    for i in first..=last {
        let (left, right, count) = (left_of(i), bucket_limits[i], bucket_counts[i]);
        match rows.last_mut() {
            Some(prev) if count == 0.0 && prev[2] == 0.0 => prev[1] = right,
            _ => rows.push([left, right, count]),
        }
    }
    if let Some(r) = rows.first_mut() {
        r[0] = min;
    }
    if let Some(r) = rows.last_mut() {
        r[1] = max;
    }
    Ok(rows)
}

impl SummaryWriter {
    /// Logs the histogram of `values` under `tag` at `step`, shown in the Histograms and
    /// Distributions dashboards.
    ///
    /// `values` is a slice, `Vec` or array of `f32`, `f64`, [`half::f16`], [`half::bf16`] or
    /// any integer type, bucketed over TensorFlow's default edges, or a [`Histogram`](crate::summary::histogram::Histogram)
    /// accumulated beforehand (see [`HistogramInput`]). NaN and infinities are left out (see
    /// [Non-finite values](crate::summary::histogram#non-finite-values)). One million `f32`
    /// values are bucketed and logged in about 2 ms (`f64`: about 3.7 ms).
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let weights: Vec<f32> = (0..10_000).map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0).collect();
    /// writer.add_histogram("fc1/weights", &weights, 100u32)?;
    /// writer.add_histogram("labels", &[0u8, 1, 1, 2, 9], 100u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_histogram<V: HistogramInput + ?Sized>(
        &self,
        tag: &str,
        values: &V,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).histogram(tag, values).write()
    }

    /// Logs a histogram computed elsewhere, given the way TensorFlow's `HistogramProto` (and
    /// tensorboardX's `add_histogram_raw`) holds it: bucket `i` holds `bucket_counts[i]`
    /// values in `[bucket_limits[i-1], bucket_limits[i])`, the first bucket starting at −∞.
    ///
    /// It is written in the same form as [`add_histogram`](Self::add_histogram): empty
    /// buckets at either end are dropped, and the outer edges become `min` and `max`.
    /// Checked, with an [`Error::InvalidInput`] and nothing written when it fails:
    /// `bucket_limits` and `bucket_counts` have the same length, limits are strictly
    /// increasing and not NaN, counts are finite and not negative, `num`, `sum` and
    /// `sum_squares` are finite and `num` equals the total count (within a relative 10⁻⁶),
    /// and, when some count is positive, `min` and `max` are finite and lie in the first and
    /// the last non-empty bucket. TensorBoard's histogram form has no place for `num`, `sum`
    /// and `sum_squares`: they are only checked.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // Values 0.5, 1.5, 1.7 and 2.0 counted in [0, 1), [1, 2) and [2, 3).
    /// writer.add_histogram_raw(
    ///     "precomputed", 0.5, 2.0, 4.0, 5.7, 9.39,
    ///     &[0.0, 1.0, 2.0, 3.0], &[0.0, 1.0, 2.0, 1.0], 0u32,
    /// )?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn add_histogram_raw(
        &self,
        tag: &str,
        min: f64,
        max: f64,
        num: f64,
        sum: f64,
        sum_squares: f64,
        bucket_limits: &[f64],
        bucket_counts: &[f64],
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .histogram_raw(
                tag,
                min,
                max,
                num,
                sum,
                sum_squares,
                bucket_limits,
                bucket_counts,
            )
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds a histogram (see [`SummaryWriter::add_histogram`]).
    pub fn histogram<V: HistogramInput + ?Sized>(self, tag: &str, values: &V) -> Self {
        self.tagged(tag, |tag| {
            Ok(rows_value(tag, &values.to_histogram()?.rows()))
        })
    }

    /// Adds a precomputed histogram (see [`SummaryWriter::add_histogram_raw`]).
    #[allow(clippy::too_many_arguments)]
    pub fn histogram_raw(
        self,
        tag: &str,
        min: f64,
        max: f64,
        num: f64,
        sum: f64,
        sum_squares: f64,
        bucket_limits: &[f64],
        bucket_counts: &[f64],
    ) -> Self {
        self.tagged(tag, |tag| {
            let rows = raw_rows(
                min,
                max,
                num,
                sum,
                sum_squares,
                bucket_limits,
                bucket_counts,
            )?;
            Ok(rows_value(tag, &rows))
        })
    }
}
