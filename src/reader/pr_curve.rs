//! PR curves: a `[6, N]` tensor of counts and rates at `N` thresholds.

use super::tensor_values;
use crate::proto::TensorProto;

/// A precision-recall curve at `N` thresholds (threshold `i` is `i / (N − 1)`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurve {
    /// True positives at each threshold.
    pub true_positives: Vec<f64>,
    /// False positives at each threshold.
    pub false_positives: Vec<f64>,
    /// True negatives at each threshold.
    pub true_negatives: Vec<f64>,
    /// False negatives at each threshold.
    pub false_negatives: Vec<f64>,
    /// Precision at each threshold.
    pub precision: Vec<f64>,
    /// Recall at each threshold.
    pub recall: Vec<f64>,
}

impl PrCurve {
    pub(crate) fn from_tensor(t: &TensorProto) -> Result<Self, String> {
        let shape = tensor_values::shape(t);
        let v = tensor_values::numbers(t)
            .ok_or_else(|| "PR curve tensor is not numeric".to_string())?;
        let n = match shape.as_slice() {
            [6, n] => usize::try_from(*n)
                .ok()
                .filter(|n| n.checked_mul(6) == Some(v.len())),
            _ => None,
        }
        .ok_or_else(|| format!("PR curve tensor of shape {shape:?}, not [6, N]"))?;
        let row = |i: usize| {
            v.get(i * n..(i + 1) * n)
                .map(<[f64]>::to_vec)
                .unwrap_or_default()
        };
        Ok(PrCurve {
            true_positives: row(0),
            false_positives: row(1),
            true_negatives: row(2),
            false_negatives: row(3),
            precision: row(4),
            recall: row(5),
        })
    }

    /// The thresholds: `i / (N − 1)` for `i` in `0..N`.
    pub fn thresholds(&self) -> Vec<f64> {
        let n = self.precision.len();
        let d = n.saturating_sub(1).max(1) as f64;
        (0..n).map(|i| i as f64 / d).collect()
    }
}
