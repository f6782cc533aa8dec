//! Bucket edges: TensorFlow's defaults, linear bins or explicit edges.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

use super::slots::*;
use super::tf_edges::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    TensorFlow,
    Linear { min: f64, inv_width: f64 },
    Explicit,
}

/// The bucket edges of a [`Histogram`](crate::summary::histogram::Histogram): TensorFlow's default edges, equal-width buckets, or
/// explicit edges. Cheap to clone (the edges are shared).
///
/// Edges `e[0] < … < e[n]` make `n` buckets `[e[i], e[i+1])`, the last one closed.
///
/// ```
/// use tensorboard_writer::summary::histogram::Bins;
///
/// let tf = Bins::tensorflow();
/// assert_eq!(tf.len(), 1550);
/// assert_eq!(tf.bucket(0.0), Some(775)); // [0, 1e-12)
/// let i = tf.bucket(1.0).unwrap();
/// assert!(tf.edges()[i] <= 1.0 && 1.0 < tf.edges()[i + 1]); // [0.9155…, 1.0071…)
/// assert_eq!(tf.bucket(f64::NAN), None);
///
/// let lin = Bins::linear(-1.0, 1.0, 4)?;
/// assert_eq!(lin.edges(), &[-1.0, -0.5, 0.0, 0.5, 1.0]);
/// assert_eq!(lin.bucket(1.0), Some(3)); // the last bucket is closed
/// assert_eq!(lin.bucket(1.5), None); // overflow
///
/// let explicit = Bins::from_edges(&[0.0, 1.0, 10.0, 100.0])?;
/// assert_eq!(explicit.bucket(10.0), Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Bins {
    pub(super) edges: Arc<[f64]>,
    pub(super) kind: Kind,
}

impl fmt::Debug for Bins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::TensorFlow => "tensorflow",
            Kind::Linear { .. } => "linear",
            Kind::Explicit => "explicit",
        };
        f.debug_struct("Bins")
            .field("kind", &kind)
            .field("buckets", &self.len())
            .field("first_edge", &self.edges[0])
            .field("last_edge", &self.edges[self.len()])
            .finish()
    }
}

impl PartialEq for Bins {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.edges, &other.edges) || self.edges == other.edges
    }
}

impl Default for Bins {
    /// [`Bins::tensorflow`].
    fn default() -> Self {
        Bins::tensorflow()
    }
}

pub(super) fn bins_error(reason: String) -> Error {
    Error::InvalidInput {
        what: "histogram bins",
        reason,
    }
}

impl Bins {
    /// TensorFlow's default edges (see the [module documentation](super#bucketing)):
    /// `±1e-12·1.1^k` below `1e20` (computed by repeated multiplication, as TensorFlow does),
    /// `0`, and `±f64::MAX`. Every finite value falls in one of its 1550 buckets.
    pub fn tensorflow() -> Bins {
        Bins {
            edges: tf_table().edges.clone(),
            kind: Kind::TensorFlow,
        }
    }

    /// `n` equal-width buckets over `[min, max]`: edges `min + i·(max − min)/n`, the last
    /// one exactly `max`. `min < max` must be finite and `1 <= n <=` [`MAX_BUCKETS`].
    pub fn linear(min: f64, max: f64, n: usize) -> Result<Bins> {
        if !(min.is_finite() && max.is_finite() && min < max) {
            return Err(bins_error(format!(
                "linear bins need finite min < max, got [{min}, {max}]"
            )));
        }
        if n == 0 || n > MAX_BUCKETS {
            return Err(bins_error(format!(
                "linear bins need 1 to {MAX_BUCKETS} buckets, got {n}"
            )));
        }
        let width = (max - min) / n as f64;
        if !width.is_finite() {
            return Err(bins_error(format!(
                "the range [{min}, {max}] is too wide for an f64"
            )));
        }
        let mut edges: Vec<f64> = (0..n).map(|i| min + i as f64 * width).collect();
        edges.push(max);
        check_edges(&edges)?;
        Ok(Bins {
            edges: edges.into(),
            kind: Kind::Linear {
                min,
                inv_width: 1.0 / width,
            },
        })
    }

    /// Buckets with the given edges: at least 2, finite, strictly increasing, at most
    /// [`MAX_BUCKETS`]` + 1`.
    pub fn from_edges(edges: &[f64]) -> Result<Bins> {
        if edges.len() < 2 || edges.len() > MAX_BUCKETS + 1 {
            return Err(bins_error(format!(
                "need 2 to {} edges, got {}",
                MAX_BUCKETS + 1,
                edges.len()
            )));
        }
        check_edges(edges)?;
        Ok(Bins {
            edges: edges.into(),
            kind: Kind::Explicit,
        })
    }

    /// The edges, `len() + 1` of them.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// The number of buckets.
    pub fn len(&self) -> usize {
        self.edges.len() - 1
    }

    /// Always `false`: there is at least one bucket.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The index of the bucket holding `x`, or `None` when `x` is below the first edge, above
    /// the last one, or not finite.
    #[inline]
    pub fn bucket(&self, x: f64) -> Option<usize> {
        if !x.is_finite() {
            return None;
        }
        let slot = self.slot(x);
        (1..=self.len()).contains(&slot).then(|| slot - 1)
    }

    /// The slot of the finite value `x`: 0 for underflow, `1..=n` for the buckets, `n + 1`
    /// for overflow.
    #[inline(always)]
    pub(super) fn slot(&self, x: f64) -> usize {
        match self.kind {
            Kind::TensorFlow => tf_table().lookup().slot64(x),
            Kind::Linear { min, inv_width } => linear_slot(&self.edges, min, inv_width, x),
            Kind::Explicit => explicit_slot(&self.edges, x),
        }
    }
}

pub(super) fn check_edges(edges: &[f64]) -> Result<()> {
    if let Some(i) = edges.iter().position(|e| !e.is_finite()) {
        return Err(bins_error(format!("edge {i} is {}", edges[i])));
    }
    if let Some(i) = edges.windows(2).position(|w| w[0] >= w[1]) {
        return Err(bins_error(format!(
            "edges must be strictly increasing, but edge {} is {} and edge {} is {}",
            i,
            edges[i],
            i + 1,
            edges[i + 1]
        )));
    }
    Ok(())
}
