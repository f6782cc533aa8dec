//! Histograms: the `[k, 3]` tensor form (this crate, `tf.summary.histogram`) and the older
//! `HistogramProto` (`histo`) form (TensorFlow 1, torch, tensorboardX).

use super::tensor_values;
use crate::proto::{HistogramProto, TensorProto};

/// One bucket of a histogram: the values in `left..=right` (both edges finite for the
/// tensor form; the older form's last edge may be `f64::MAX`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// The bucket's left edge.
    pub left: f64,
    /// The bucket's right edge.
    pub right: f64,
    /// How many values fell in it.
    pub count: f64,
}

/// A histogram as TensorBoard's Rust loader sees it: buckets with both edges.
///
/// For the older `histo` form, [`legacy`](Self::legacy) keeps the message as written (its
/// `min`, `max`, `num`, `sum`, `sum_squares`, `bucket_limit` and `bucket`, which is what
/// tbparse returns), and the buckets are converted as the Rust loader converts them: bucket
/// `i` runs from `bucket_limit[i - 1]` (from `min` for the first) to `bucket_limit[i]`, every
/// bucket kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The buckets, in order.
    pub buckets: Vec<Bucket>,
    /// The `HistogramProto` of the older form, as written; `None` for the tensor form.
    pub legacy: Option<Box<HistogramProto>>,
}

impl Histogram {
    /// The total count over all buckets.
    pub fn total_count(&self) -> f64 {
        self.buckets.iter().map(|b| b.count).sum()
    }

    /// The tensor form: `[k, 3]` rows of (left, right, count), any numeric data type; a
    /// `[0]` or `[0, 3]` tensor is an empty histogram.
    pub(crate) fn from_tensor(t: &TensorProto) -> Result<Self, String> {
        let shape = tensor_values::shape(t);
        let values = tensor_values::numbers(t)
            .ok_or_else(|| "histogram tensor is not numeric".to_string())?;
        let rows_ok = match shape.as_slice() {
            [k, 3] => usize::try_from(*k).ok().and_then(|k| k.checked_mul(3)) == Some(values.len()),
            [0] => values.is_empty(),
            _ => false,
        };
        if !rows_ok {
            return Err(format!(
                "histogram tensor of shape {shape:?} with {} elements, not [k, 3]",
                values.len()
            ));
        }
        let buckets = values
            .chunks_exact(3)
            .filter_map(|r| match r {
                &[left, right, count] => Some(Bucket { left, right, count }),
                _ => None,
            })
            .collect();
        Ok(Histogram {
            buckets,
            legacy: None,
        })
    }

    /// The older form. Refused when `bucket` and `bucket_limit` differ in length.
    pub(crate) fn from_legacy(h: &HistogramProto) -> Result<Self, String> {
        if h.bucket.len() != h.bucket_limit.len() {
            return Err(format!(
                "histo with {} bucket counts and {} bucket limits",
                h.bucket.len(),
                h.bucket_limit.len()
            ));
        }
        let mut left = h.min;
        let buckets = h
            .bucket_limit
            .iter()
            .zip(&h.bucket)
            .map(|(&right, &count)| {
                let b = Bucket { left, right, count };
                left = right;
                b
            })
            .collect();
        Ok(Histogram {
            buckets,
            legacy: Some(Box::new(h.clone())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_buckets_run_from_min_through_the_limits() {
        let h = HistogramProto {
            min: -1.0,
            max: 2.0,
            num: 3.0,
            bucket_limit: vec![0.0, 1.0, 2.0],
            bucket: vec![1.0, 0.0, 2.0],
            ..Default::default()
        };
        let got = Histogram::from_legacy(&h).unwrap();
        let edges: Vec<_> = got
            .buckets
            .iter()
            .map(|b| (b.left, b.right, b.count))
            .collect();
        assert_eq!(edges, [(-1.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 2.0, 2.0)]);
        assert_eq!(got.total_count(), 3.0);
        let bad = HistogramProto {
            bucket: vec![1.0],
            ..Default::default()
        };
        assert!(Histogram::from_legacy(&bad).is_err());
    }
}
