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

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::proto::{summary, DataClass, HistogramPluginData};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, f64_tensor, metadata, tensor_value};

/// The most buckets [`Bins::linear`] and [`Bins::from_edges`] accept.
pub const MAX_BUCKETS: usize = 1 << 20;

const SIGN: u64 = 1 << 63;
const INF_BITS: u64 = 0x7FF0_0000_0000_0000;
/// Bits of an `f64` dropped to form its lookup key: the key keeps the exponent and the 4
/// leading mantissa bits, so the magnitudes with one key span a ratio of at most
/// 1 + 1/16 < 1.1 and hold at most one TensorFlow edge.
const KEY_SHIFT: u32 = 48;
/// The same for an `f32`: `bits >> 19` is sign, exponent and 4 mantissa bits, 8192 keys
/// that cover every `f32`, NaN and infinities included.
const KEY_SHIFT_32: u32 = 19;
const KEYS_32: usize = 1 << (32 - KEY_SHIFT_32);

/// Values are counted in slots: underflow, one per bucket, overflow, then the non-finite
/// values. NaN has two slots so that each sign of infinity sits right after a NaN slot (the
/// `f32` table maps a key to a base slot plus one comparison).
const fn nan_neg_slot(n: usize) -> usize {
    n + 2
}
const fn neg_inf_slot(n: usize) -> usize {
    n + 3
}
const fn nan_pos_slot(n: usize) -> usize {
    n + 4
}
const fn pos_inf_slot(n: usize) -> usize {
    n + 5
}
const EXTRA_SLOTS: usize = 6;

/// The slot of a non-finite value.
#[cold]
fn non_finite_slot(n: usize, x: f64) -> usize {
    if x.is_nan() {
        nan_neg_slot(n)
    } else if x > 0.0 {
        pos_inf_slot(n)
    } else {
        neg_inf_slot(n)
    }
}

// ------------------------------------------------------------------------------------------
// TensorFlow's default edges and their lookup tables.

/// Every key range holds at most one edge, so a key gives the slot of the smallest value
/// with that key (`base`) and the edge inside the range, if any (`thr`, else +∞): the slot of
/// `x` is `base + (x >= thr)`. Edges are left-closed, so `x == thr` moves up, as it must.
struct TfTable {
    /// All edges: `-MAX, -p[P-1], …, -p[0], 0, p[0], …, p[P-1], MAX`.
    edges: Arc<[f64]>,
    /// For `f32`, indexed by `bits >> 19` (every `f32`, so no clamping and no sign logic).
    base32: Box<[u16; KEYS_32]>,
    thr32: Box<[f32; KEYS_32]>,
    /// For finite `f64`, indexed by `(key.clamp(key_lo, key_hi) - key_lo) * 2 + sign`.
    table64: Box<[Entry64]>,
    key_lo: u64,
    key_hi: u64,
}

impl TfTable {
    fn build() -> TfTable {
        let mut pos = Vec::new();
        let mut v = 1.0e-12f64;
        while v < 1.0e20 {
            pos.push(v);
            v *= 1.1;
        }
        let p = pos.len();
        let mut edges = Vec::with_capacity(2 * p + 3);
        edges.push(-f64::MAX);
        edges.extend(pos.iter().rev().map(|v| -v));
        edges.push(0.0);
        edges.extend_from_slice(&pos);
        edges.push(f64::MAX);
        let n = edges.len() - 1;

        // (base, threshold) for the finite values in [lo, hi]: the threshold is the edge
        // that ends the bucket of `lo`, when `hi` is past it.
        let entry = |lo: f64, hi: f64| -> (u16, f64) {
            let (s0, s1) = (explicit_slot(&edges, lo), explicit_slot(&edges, hi));
            // n < 65536 - EXTRA_SLOTS: the slot fits.
            let thr = if s1 > s0 { edges[s0] } else { f64::INFINITY };
            (s0 as u16, thr)
        };

        let mut base32 = Box::new([0u16; KEYS_32]);
        let mut thr32 = Box::new([0f32; KEYS_32]);
        for k in 0..KEYS_32 {
            let first = (k as u32) << KEY_SHIFT_32;
            let last = first | ((1 << KEY_SHIFT_32) - 1);
            let negative = first >> 31 == 1;
            let (a, b) = (f32::from_bits(first), f32::from_bits(last));
            if !a.is_finite() {
                // Exponent all ones: ±∞ (mantissa 0, so only in the first key of each sign)
                // or NaN. NaN compares false and stays in the base slot.
                (base32[k], thr32[k]) = if negative {
                    (nan_neg_slot(n) as u16, f32::NEG_INFINITY)
                } else {
                    (nan_pos_slot(n) as u16, f32::INFINITY)
                };
                continue;
            }
            let (lo, hi) = if negative { (b, a) } else { (a, b) };
            let (base, thr) = entry(f64::from(lo), f64::from(hi));
            base32[k] = base;
            // For an f32 x, x >= e exactly when x >= the smallest f32 not below e.
            thr32[k] = f32_at_or_above(thr);
        }

        let key_lo = (pos[0].to_bits() >> KEY_SHIFT) - 1;
        let key_hi = (pos[p - 1].to_bits() >> KEY_SHIFT) + 1;
        let mut table64 = Vec::new();
        for k in key_lo..=key_hi {
            // The magnitudes that map to key k once clamped.
            let a = if k == key_lo {
                0.0
            } else {
                f64::from_bits(k << KEY_SHIFT)
            };
            let b = if k == key_hi {
                f64::MAX
            } else {
                f64::from_bits(((k + 1) << KEY_SHIFT) - 1)
            };
            for (lo, hi) in [(a, b), (-b, -a)] {
                let (base, thr) = entry(lo, hi);
                table64.push(Entry64 { thr, base });
            }
        }
        TfTable {
            edges: edges.into(),
            base32,
            thr32,
            table64: table64.into(),
            key_lo,
            key_hi,
        }
    }

    /// A by-value view for the hot loops: its fields stay in registers.
    #[inline(always)]
    fn lookup(&self) -> TfLookup<'_> {
        TfLookup {
            base32: &self.base32,
            thr32: &self.thr32,
            table64: &self.table64,
            key_lo: self.key_lo,
            key_hi: self.key_hi,
            n: self.edges.len() - 1,
        }
    }
}

/// The smallest `f32` that is not below `x` (+∞ for `x` above `f32::MAX`).
fn f32_at_or_above(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) >= x {
        r
    } else if r == 0.0 {
        // -0.0 or +0.0 rounded from a tiny positive x: the smallest positive subnormal.
        f32::from_bits(1)
    } else if r > 0.0 {
        f32::from_bits(r.to_bits() + 1)
    } else {
        f32::from_bits(r.to_bits() - 1)
    }
}

/// One key of the `f64` table (see [`TfTable`]).
#[derive(Clone, Copy)]
struct Entry64 {
    thr: f64,
    base: u16,
}

#[derive(Clone, Copy)]
struct TfLookup<'a> {
    base32: &'a [u16; KEYS_32],
    thr32: &'a [f32; KEYS_32],
    table64: &'a [Entry64],
    key_lo: u64,
    key_hi: u64,
    n: usize,
}

impl TfLookup<'_> {
    /// The slot of any `f32`: no branch (NaN and infinities have their own keys).
    #[inline(always)]
    fn slot32(self, x: f32) -> usize {
        let k = (x.to_bits() >> KEY_SHIFT_32) as usize;
        usize::from(self.base32[k]) + usize::from(x >= self.thr32[k])
    }

    /// The slot of a finite `f64`.
    #[inline(always)]
    fn slot64(self, x: f64) -> usize {
        let bits = x.to_bits();
        let key = ((bits & !SIGN) >> KEY_SHIFT)
            .max(self.key_lo)
            .min(self.key_hi);
        let i = (((key - self.key_lo) << 1) | (bits >> 63)) as usize;
        let e = self.table64[i];
        usize::from(e.base) + usize::from(x >= e.thr)
    }

    /// The slot of any `f64`.
    #[inline(always)]
    fn slot64_any(self, x: f64) -> usize {
        if x.to_bits() & !SIGN >= INF_BITS {
            non_finite_slot(self.n, x)
        } else {
            self.slot64(x)
        }
    }
}

fn tf_table() -> &'static TfTable {
    static TABLE: OnceLock<TfTable> = OnceLock::new();
    TABLE.get_or_init(TfTable::build)
}

// ------------------------------------------------------------------------------------------
// Bins.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    TensorFlow,
    Linear { min: f64, inv_width: f64 },
    Explicit,
}

/// The bucket edges of a [`Histogram`]: TensorFlow's default edges, equal-width buckets, or
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
    edges: Arc<[f64]>,
    kind: Kind,
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

fn bins_error(reason: String) -> Error {
    Error::InvalidInput {
        what: "histogram bins",
        reason,
    }
}

impl Bins {
    /// TensorFlow's default edges (see the [module documentation](self#bucketing)):
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
    fn slot(&self, x: f64) -> usize {
        match self.kind {
            Kind::TensorFlow => tf_table().lookup().slot64(x),
            Kind::Linear { min, inv_width } => linear_slot(&self.edges, min, inv_width, x),
            Kind::Explicit => explicit_slot(&self.edges, x),
        }
    }
}

fn check_edges(edges: &[f64]) -> Result<()> {
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

#[inline(always)]
fn linear_slot(edges: &[f64], min: f64, inv_width: f64, x: f64) -> usize {
    let n = edges.len() - 1;
    if x < edges[0] {
        return 0;
    }
    if x > edges[n] {
        return n + 1;
    }
    // An estimate from the arithmetic, then exact against the edges (rounding can put it
    // one bucket off).
    let mut i = (((x - min) * inv_width) as usize).min(n - 1);
    while i > 0 && x < edges[i] {
        i -= 1;
    }
    while i + 1 < n && x >= edges[i + 1] {
        i += 1;
    }
    i + 1
}

#[inline(always)]
fn explicit_slot(edges: &[f64], x: f64) -> usize {
    let n = edges.len() - 1;
    // Edges <= x: 0 means underflow, k in 1..=n means bucket k - 1, n + 1 means x >= e[n].
    let k = edges.partition_point(|&e| e <= x);
    if k == n + 1 && x == edges[n] {
        n
    } else {
        k
    }
}

// ------------------------------------------------------------------------------------------
// Input element types.

mod sealed {
    use super::Histogram;

    pub trait Sealed: Copy + Sync {
        /// Adds every value of `values` to `hist`.
        fn add_all(values: &[Self], hist: &mut Histogram);
    }
}

/// An element type a [`Histogram`] can count: `f32`, `f64`, [`half::f16`], [`half::bf16`],
/// and every primitive integer type. Integers wider than 53 bits are rounded to the nearest
/// `f64`. This trait is sealed.
pub trait HistogramValue: sealed::Sealed {}

// Types whose values are all exact `f32`s take the branch-free `f32` path.
macro_rules! f32_value {
    ($($t:ty),*) => {$(
        impl HistogramValue for $t {}
        impl sealed::Sealed for $t {
            #[inline]
            fn add_all(values: &[Self], hist: &mut Histogram) {
                hist.add_f32(values, |v| f32::from(v));
            }
        }
    )*};
}
f32_value!(f32, half::f16, half::bf16, i16, u16);

macro_rules! f64_value {
    ($($t:ty),*) => {$(
        impl HistogramValue for $t {}
        impl sealed::Sealed for $t {
            #[inline]
            fn add_all(values: &[Self], hist: &mut Histogram) {
                hist.add_f64(values, |v| f64::from(v));
            }
        }
    )*};
}
f64_value!(f64, i32, u32);

// Wider integers: rounded to the nearest f64.
macro_rules! wide_int_value {
    ($($t:ty),*) => {$(
        impl HistogramValue for $t {}
        impl sealed::Sealed for $t {
            #[inline]
            fn add_all(values: &[Self], hist: &mut Histogram) {
                hist.add_f64(values, |v| v as f64);
            }
        }
    )*};
}
wide_int_value!(i64, i128, isize, u64, u128, usize);

macro_rules! byte_value {
    ($($t:ty),*) => {$(
        impl HistogramValue for $t {}
        impl sealed::Sealed for $t {
            /// 256 possible values: count them first, then add each distinct value once.
            fn add_all(values: &[Self], hist: &mut Histogram) {
                if values.len() < 1024 {
                    hist.add_f32(values, |v| f32::from(v));
                    return;
                }
                let mut tally = [0u64; 256];
                for &v in values {
                    tally[usize::from(v as u8)] += 1;
                }
                for (byte, &count) in tally.iter().enumerate() {
                    if count > 0 {
                        hist.add_repeated(f64::from(byte as u8 as $t), count);
                    }
                }
            }
        }
    )*};
}
byte_value!(u8, i8);

// ------------------------------------------------------------------------------------------
// Histogram.

/// A histogram of values: bucket counts over its [`Bins`], exact minimum and maximum, number
/// of values, sum and sum of squares, and separate counts of NaN and infinite values.
///
/// It is also a streaming accumulator: [`add`](Self::add) any number of batches,
/// [`merge`](Self::merge) histograms built elsewhere (same bins), then log it with
/// [`SummaryWriter::add_histogram`]. The values are not kept: memory is one `u64` per
/// bucket (12 KiB with the default bins).
///
/// See the [module documentation](self) for the bucketing, the non-finite rule and what is
/// written.
#[derive(Clone, PartialEq)]
pub struct Histogram {
    bins: Bins,
    /// Counts per slot: underflow, one per bucket, overflow, then the non-finite slots
    /// (see [`nan_neg_slot`] and the ones after it).
    slots: Vec<u64>,
    num: u64,
    min: f64,
    max: f64,
    sum: f64,
    sum_squares: f64,
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("bins", &self.bins)
            .field("num", &self.num)
            .field("min", &self.min())
            .field("max", &self.max())
            .field("sum", &self.sum)
            .field("sum_squares", &self.sum_squares)
            .field(
                "non_empty_buckets",
                &self.counts().iter().filter(|&&c| c > 0).count(),
            )
            .field("underflow", &self.underflow())
            .field("overflow", &self.overflow())
            .field("nan", &self.nan_count())
            .field("pos_inf", &self.pos_inf_count())
            .field("neg_inf", &self.neg_inf_count())
            .finish()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// Values are bucketed, then their moments computed, a block at a time: the block is still
/// in the L1 cache for the second pass, and the first pass tells whether the second may
/// skip the finiteness test.
const BLOCK: usize = 2048;

/// Values per part of a large input (see [`Histogram::add`]): enough that starting a thread
/// (tens of microseconds) is small next to counting a part (about half a millisecond).
const PART: usize = 1 << 18;

/// The cores this process may use, asked once (the answer can take a few system calls).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

impl Histogram {
    /// An empty histogram over TensorFlow's default edges ([`Bins::tensorflow`]).
    pub fn new() -> Histogram {
        Histogram::with_bins(Bins::tensorflow())
    }

    /// An empty histogram over `bins`.
    pub fn with_bins(bins: Bins) -> Histogram {
        let slots = vec![0; bins.len() + EXTRA_SLOTS];
        Histogram {
            bins,
            slots,
            num: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            sum_squares: 0.0,
        }
    }

    /// The histogram of `values` over TensorFlow's default edges.
    pub fn from_values<T: HistogramValue>(values: &[T]) -> Histogram {
        let mut h = Histogram::new();
        h.add(values);
        h
    }

    /// Adds `values` (any [`HistogramValue`] type). NaN and infinities are only counted
    /// apart (see [Non-finite values](self#non-finite-values)).
    ///
    /// Large inputs (from 262,144 values on) are counted in parts of that many values, which
    /// are spread over the machine's cores: a million `f32` took 1.4 ms on two cores against
    /// 2.5 ms on one in this crate's benchmark. The result does not depend on the number of
    /// cores: each part is counted apart and the parts are added in order, so the sums are
    /// the same to the last bit on any machine.
    #[inline]
    pub fn add<T: HistogramValue>(&mut self, values: &[T]) {
        if values.len() < PART {
            T::add_all(values, self);
        } else {
            self.add_parts(values);
        }
    }

    /// [`add`](Self::add) for inputs of `PART` values or more.
    fn add_parts<T: HistogramValue>(&mut self, values: &[T]) {
        let parts: Vec<&[T]> = values.chunks(PART).collect();
        let count = |part: &[T]| {
            let mut h = Histogram::with_bins(self.bins.clone());
            T::add_all(part, &mut h);
            h
        };
        let threads = cores().min(parts.len());
        // Contiguous runs of parts, one per thread; this thread takes the first.
        let per = parts.len().div_ceil(threads);
        let mut counted: Vec<Histogram> = Vec::with_capacity(parts.len());
        std::thread::scope(|scope| {
            let mut runs = parts.chunks(per);
            let mine = runs.next().unwrap_or_default();
            let others: Vec<_> = runs
                .map(|run| {
                    std::thread::Builder::new()
                        .name("tensorboard-writer-histogram".into())
                        .spawn_scoped(scope, move || -> Vec<Histogram> {
                            run.iter().map(|p| count(p)).collect()
                        })
                        // No thread to be had: this thread counts that run too.
                        .map_err(|_| run)
                })
                .collect();
            counted.extend(mine.iter().map(|p| count(p)));
            for other in others {
                match other {
                    Ok(handle) => match handle.join() {
                        Ok(hists) => counted.extend(hists),
                        // Counting does not panic; if it did, the panic goes on here.
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                    Err(run) => counted.extend(run.iter().map(|p| count(p))),
                }
            }
        });
        for h in &counted {
            self.absorb(h);
        }
    }

    /// Adds the counts and statistics of `other`, which must have the same bins; otherwise
    /// returns [`Error::InvalidInput`] and leaves `self` unchanged.
    pub fn merge(&mut self, other: &Histogram) -> Result<()> {
        if self.bins != other.bins {
            return Err(Error::InvalidInput {
                what: "histogram merge",
                reason: format!(
                    "the histograms have different bins ({} buckets over [{}, {}] and {} \
                     buckets over [{}, {}])",
                    self.bins.len(),
                    self.bins.edges[0],
                    self.bins.edges[self.bins.len()],
                    other.bins.len(),
                    other.bins.edges[0],
                    other.bins.edges[other.bins.len()],
                ),
            });
        }
        self.absorb(other);
        Ok(())
    }

    /// Adds the counts and statistics of `other`, which has the same bins.
    fn absorb(&mut self, other: &Histogram) {
        for (a, b) in self.slots.iter_mut().zip(&other.slots) {
            *a += b;
        }
        self.num += other.num;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
    }

    /// Empties the histogram, keeping its bins.
    pub fn clear(&mut self) {
        *self = Histogram::with_bins(self.bins.clone());
    }

    /// The bins.
    pub fn bins(&self) -> &Bins {
        &self.bins
    }

    /// The count of each bucket (`bins().len()` of them).
    pub fn counts(&self) -> &[u64] {
        &self.slots[1..=self.bins.len()]
    }

    /// The number of finite values below the first edge (always 0 with the default bins).
    pub fn underflow(&self) -> u64 {
        self.slots[0]
    }

    /// The number of finite values above the last edge (always 0 with the default bins).
    pub fn overflow(&self) -> u64 {
        self.slots[self.bins.len() + 1]
    }

    /// The number of finite values added (NaN and infinities are not counted).
    pub fn num(&self) -> u64 {
        self.num
    }

    /// `true` when no finite value was added.
    pub fn is_empty(&self) -> bool {
        self.num == 0
    }

    /// The smallest finite value, if any.
    pub fn min(&self) -> Option<f64> {
        (self.num > 0).then_some(self.min)
    }

    /// The largest finite value, if any.
    pub fn max(&self) -> Option<f64> {
        (self.num > 0).then_some(self.max)
    }

    /// The sum of the finite values, accumulated in `f64`.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The sum of the squares of the finite values, accumulated in `f64`.
    pub fn sum_squares(&self) -> f64 {
        self.sum_squares
    }

    /// The mean of the finite values, if any.
    pub fn mean(&self) -> Option<f64> {
        (self.num > 0).then(|| self.sum / self.num as f64)
    }

    /// The number of NaN values added.
    pub fn nan_count(&self) -> u64 {
        let n = self.bins.len();
        self.slots[nan_neg_slot(n)] + self.slots[nan_pos_slot(n)]
    }

    /// The number of `+∞` values added.
    pub fn pos_inf_count(&self) -> u64 {
        self.slots[pos_inf_slot(self.bins.len())]
    }

    /// The number of `−∞` values added.
    pub fn neg_inf_count(&self) -> u64 {
        self.slots[neg_inf_slot(self.bins.len())]
    }

    /// The `(left edge, right edge, count)` rows written for TensorBoard: the buckets from
    /// the first non-empty one to the last, the outer edges replaced by the minimum and the
    /// maximum, runs of empty buckets merged into one row (see
    /// [What is written](self#what-is-written)). Empty when there is no finite value.
    pub fn rows(&self) -> Vec<[f64; 3]> {
        let n = self.bins.len();
        let finite = &self.slots[..n + 2];
        let Some(first) = finite.iter().position(|&c| c > 0) else {
            return Vec::new();
        };
        let last = finite.iter().rposition(|&c| c > 0).unwrap_or(first);
        let edges = &self.bins.edges;
        let mut rows: Vec<[f64; 3]> = Vec::with_capacity(last - first + 1);
        for slot in first..=last {
            let count = finite[slot];
            let left = if slot == 0 { self.min } else { edges[slot - 1] };
            let right = if slot == n + 1 { self.max } else { edges[slot] };
            match rows.last_mut() {
                Some(prev) if count == 0 && prev[2] == 0.0 => prev[1] = right,
                _ => rows.push([left, right, count as f64]),
            }
        }
        if let Some(r) = rows.first_mut() {
            r[0] = self.min;
        }
        if let Some(r) = rows.last_mut() {
            r[1] = self.max;
        }
        rows
    }

    /// Adds `count` copies of the finite value `x`.
    fn add_repeated(&mut self, x: f64, count: u64) {
        self.slots[self.bins.slot(x)] += count;
        self.num += count;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let c = count as f64;
        self.sum += x * c;
        self.sum_squares += x * x * c;
    }

    /// Adds values that convert exactly to `f32`.
    #[inline(always)]
    fn add_f32<T: Copy>(&mut self, values: &[T], conv: impl Fn(T) -> f32 + Copy) {
        if self.bins.kind == Kind::TensorFlow {
            let t = tf_table().lookup();
            self.accumulate(
                values,
                move |v| t.slot32(conv(v)),
                move |v| f64::from(conv(v)),
            );
        } else {
            self.add_f64(values, move |v| f64::from(conv(v)));
        }
    }

    /// Adds values converted to `f64`.
    #[inline(always)]
    fn add_f64<T: Copy>(&mut self, values: &[T], conv: impl Fn(T) -> f64 + Copy) {
        let n = self.bins.len();
        match self.bins.kind {
            Kind::TensorFlow => {
                let t = tf_table().lookup();
                self.accumulate(values, move |v| t.slot64_any(conv(v)), conv);
            }
            Kind::Linear { min, inv_width } => {
                let edges = self.bins.edges.clone();
                let slot = |v| {
                    let x = conv(v);
                    if x.is_finite() {
                        linear_slot(&edges, min, inv_width, x)
                    } else {
                        non_finite_slot(n, x)
                    }
                };
                self.accumulate(values, slot, conv);
            }
            Kind::Explicit => {
                let edges = self.bins.edges.clone();
                let slot = |v| {
                    let x = conv(v);
                    if x.is_finite() {
                        explicit_slot(&edges, x)
                    } else {
                        non_finite_slot(n, x)
                    }
                };
                self.accumulate(values, slot, conv);
            }
        }
    }

    /// Counts `values` into their slots (`slot` handles every value, non-finite ones
    /// included), then adds the moments of the finite ones, a block at a time.
    #[inline(always)]
    fn accumulate<T: Copy>(
        &mut self,
        values: &[T],
        slot: impl Fn(T) -> usize + Copy,
        conv: impl Fn(T) -> f64 + Copy,
    ) {
        let n = self.bins.len();
        // A local slice, so that its pointer and length stay in registers.
        let slots = &mut self.slots[..];
        let non_finite = |slots: &[u64]| {
            slots[nan_neg_slot(n)]
                + slots[neg_inf_slot(n)]
                + slots[nan_pos_slot(n)]
                + slots[pos_inf_slot(n)]
        };
        let mut lanes = Lanes::new();
        let mut num = 0;
        for block in values.chunks(BLOCK) {
            let before = non_finite(slots);
            for &v in block {
                slots[slot(v)] += 1;
            }
            let odd = non_finite(slots) - before;
            num += block.len() as u64 - odd;
            if odd == 0 {
                lanes.add_all(block, conv);
            } else {
                lanes.add_finite(block, conv);
            }
        }
        self.num += num;
        self.min = self.min.min(lanes.min());
        self.max = self.max.max(lanes.max());
        self.sum += lanes.sum.iter().sum::<f64>();
        self.sum_squares += lanes.sq.iter().sum::<f64>();
    }
}

/// Sums and extremes in independent lanes: no floating-point dependency chain from one value
/// to the next, and a shape the compiler vectorizes.
struct Lanes {
    sum: [f64; LANES],
    sq: [f64; LANES],
    lo: [f64; LANES],
    hi: [f64; LANES],
}

const LANES: usize = 8;

impl Lanes {
    fn new() -> Lanes {
        Lanes {
            sum: [0.0; LANES],
            sq: [0.0; LANES],
            lo: [f64::INFINITY; LANES],
            hi: [f64::NEG_INFINITY; LANES],
        }
    }

    #[inline(always)]
    fn one(&mut self, lane: usize, x: f64) {
        self.sum[lane] += x;
        self.sq[lane] += x * x;
        self.lo[lane] = if x < self.lo[lane] { x } else { self.lo[lane] };
        self.hi[lane] = if x > self.hi[lane] { x } else { self.hi[lane] };
    }

    /// All values of the block are finite.
    #[inline(always)]
    fn add_all<T: Copy>(&mut self, block: &[T], conv: impl Fn(T) -> f64) {
        let mut chunks = block.chunks_exact(LANES);
        for c in &mut chunks {
            for (lane, &v) in c.iter().enumerate() {
                self.one(lane, conv(v));
            }
        }
        for &v in chunks.remainder() {
            self.one(0, conv(v));
        }
    }

    /// Some values of the block are not finite: skip them.
    #[inline(never)]
    fn add_finite<T: Copy>(&mut self, block: &[T], conv: impl Fn(T) -> f64) {
        for &v in block {
            let x = conv(v);
            if x.is_finite() {
                self.one(0, x);
            }
        }
    }

    fn min(&self) -> f64 {
        self.lo.iter().fold(f64::INFINITY, |a, &b| a.min(b))
    }

    fn max(&self) -> f64 {
        self.hi.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b))
    }
}

// ------------------------------------------------------------------------------------------
// What add_histogram takes.

/// What [`SummaryWriter::add_histogram`] logs: a slice, `Vec` or array of any
/// [`HistogramValue`] type (bucketed over TensorFlow's default edges), a prepared
/// [`Histogram`] (logged as it is, with its own bins), or a tensor of any numeric type:
/// candle's `Tensor` (feature `candle`), tch's `Tensor` (feature `tch`) or a
/// [`HostTensor`](crate::tensor::HostTensor), all of whose elements are bucketed.
///
/// Implement it for your own tensor type to pass it to `add_histogram` directly:
///
/// ```
/// use std::borrow::Cow;
/// use tensorboard_writer::summary::histogram::{Histogram, HistogramInput};
///
/// struct Tensor { data: Vec<f32>, shape: Vec<usize> }
///
/// impl HistogramInput for Tensor {
///     fn to_histogram(&self) -> tensorboard_writer::Result<Cow<'_, Histogram>> {
///         Ok(Cow::Owned(Histogram::from_values(&self.data)))
///     }
/// }
/// # let dir = tempfile::tempdir()?;
/// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
/// let t = Tensor { data: vec![0.5; 6], shape: vec![2, 3] };
/// writer.add_histogram("t", &t, 0u32)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HistogramInput {
    /// The histogram to log: borrowed when it exists already, built otherwise. An error
    /// (such as a tensor that cannot be copied from its device) is returned by the logging
    /// call, which then writes nothing.
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>>;
}

impl<T: HistogramValue> HistogramInput for [T] {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl<T: HistogramValue> HistogramInput for Vec<T> {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl<T: HistogramValue, const N: usize> HistogramInput for [T; N] {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl HistogramInput for Histogram {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Borrowed(self))
    }
}

// ------------------------------------------------------------------------------------------
// Summary values.

/// The `Summary.Value` for `rows`: a `DT_DOUBLE` `[k, 3]` tensor, plugin `histograms`.
fn rows_value(tag: String, rows: &[[f64; 3]]) -> summary::Value {
    let md = metadata(
        "histograms",
        content(&HistogramPluginData { version: 0 }),
        DataClass::Tensor,
    );
    let tensor = f64_tensor(&[rows.len(), 3], rows.iter().flatten().copied());
    tensor_value(tag, md, tensor)
}

fn raw_error(reason: String) -> Error {
    Error::InvalidInput {
        what: "raw histogram",
        reason,
    }
}

/// The rows for a TensorFlow-style histogram (`HistogramProto`): bucket `i` holds
/// `bucket_counts[i]` values in `[bucket_limits[i-1], bucket_limits[i])`, bucket 0 starting
/// at −∞. Checks everything listed at [`SummaryWriter::add_histogram_raw`].
#[allow(clippy::too_many_arguments)]
fn raw_rows(
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
    /// any integer type, bucketed over TensorFlow's default edges, or a [`Histogram`]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn next_up(x: f64) -> f64 {
        if x == 0.0 {
            f64::from_bits(1)
        } else if x > 0.0 {
            f64::from_bits(x.to_bits() + 1)
        } else {
            f64::from_bits(x.to_bits() - 1)
        }
    }

    fn next_down(x: f64) -> f64 {
        -next_up(-x)
    }

    /// The slot by binary search over the edges: the reference for the fast path.
    /// The slot by counting the edges not above `x` (independent of the code under test):
    /// 0 is underflow, `k` is bucket `k - 1`, and `x` equal to the last edge is in the last
    /// bucket.
    fn reference_slot(edges: &[f64], x: f64) -> usize {
        let n = edges.len() - 1;
        let k = edges.iter().filter(|&&e| e <= x).count();
        if x == edges[n] {
            n
        } else {
            k
        }
    }

    fn next_up32(x: f32) -> f32 {
        if x.is_infinite() {
            x
        } else if x == 0.0 {
            f32::from_bits(1)
        } else if x > 0.0 {
            f32::from_bits(x.to_bits() + 1)
        } else {
            f32::from_bits(x.to_bits() - 1)
        }
    }

    #[test]
    fn default_edges_match_tensorflow_construction() {
        // TensorFlow's InitDefaultBucketsInner, step by step.
        let mut pos = Vec::new();
        let mut v = 1.0e-12f64;
        while v < 1.0e20 {
            pos.push(v);
            v *= 1.1;
        }
        assert_eq!(pos.len(), 774);
        let t = tf_table();
        assert_eq!(t.edges.len(), 2 * 774 + 3);
        assert_eq!(t.edges[0], -f64::MAX);
        assert_eq!(
            &t.edges[1..775],
            pos.iter().rev().map(|v| -v).collect::<Vec<_>>()
        );
        assert_eq!(t.edges[775], 0.0);
        assert_eq!(&t.edges[776..1550], &pos[..]);
        assert_eq!(t.edges[1550], f64::MAX);
    }

    #[test]
    fn f64_lookup_matches_binary_search_at_every_key_and_edge() {
        let t = tf_table();
        let l = t.lookup();
        let mut probes = vec![
            0.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            1e-300,
            1e300,
        ];
        for &e in t.edges.iter() {
            probes.extend([e, next_up(e), next_down(e)]);
        }
        for k in (t.key_lo - 2)..=(t.key_hi + 2) {
            let lo = f64::from_bits(k << KEY_SHIFT);
            probes.extend([lo, next_down(lo), next_up(lo)]);
        }
        for x in probes {
            for x in [x, -x] {
                if x.is_finite() {
                    assert_eq!(l.slot64(x), reference_slot(&t.edges, x), "x = {x:e}");
                    assert_eq!(l.slot64_any(x), l.slot64(x));
                }
            }
        }
        let n = t.edges.len() - 1;
        assert_eq!(l.slot64_any(f64::NAN), nan_neg_slot(n));
        assert_eq!(l.slot64_any(-f64::NAN), nan_neg_slot(n));
        assert_eq!(l.slot64_any(f64::INFINITY), pos_inf_slot(n));
        assert_eq!(l.slot64_any(f64::NEG_INFINITY), neg_inf_slot(n));
    }

    #[test]
    fn f32_lookup_matches_binary_search_for_every_key_and_edge() {
        let t = tf_table();
        let l = t.lookup();
        let n = t.edges.len() - 1;
        let mut probes = Vec::new();
        for k in 0..KEYS_32 as u32 {
            for low in [0u32, 1, 2, 0x3FFFF, 0x40000, 0x7FFFE, 0x7FFFF] {
                probes.push(f32::from_bits((k << KEY_SHIFT_32) | low));
            }
        }
        for &e in t.edges.iter() {
            let r = e as f32;
            let mut x = r;
            for _ in 0..3 {
                x = -next_up32(-x);
            }
            for _ in 0..7 {
                probes.push(x);
                x = next_up32(x);
            }
        }
        for x in probes {
            let got = l.slot32(x);
            if x.is_nan() {
                assert!(got == nan_neg_slot(n) || got == nan_pos_slot(n), "{x}");
            } else if x == f32::INFINITY {
                assert_eq!(got, pos_inf_slot(n));
            } else if x == f32::NEG_INFINITY {
                assert_eq!(got, neg_inf_slot(n));
            } else {
                assert_eq!(got, reference_slot(&t.edges, f64::from(x)), "x = {x:e}");
            }
        }
    }

    #[test]
    fn linear_slot_matches_binary_search() {
        for (min, max, n) in [
            (-1.0, 1.0, 20),
            (0.1, 0.7, 3),
            (-3e5, 7.1, 999),
            (0.0, 1.0, 1),
        ] {
            let bins = Bins::linear(min, max, n).unwrap();
            let Kind::Linear { min, inv_width } = bins.kind else {
                panic!()
            };
            let mut probes = vec![min - 1.0, max + 1.0, f64::MAX, -f64::MAX];
            for &e in bins.edges() {
                probes.extend([e, next_up(e), next_down(e)]);
            }
            for i in 0..1000 {
                probes.push(min + (max - min) * f64::from(i) / 999.0);
            }
            for x in probes {
                assert_eq!(
                    linear_slot(&bins.edges, min, inv_width, x),
                    reference_slot(&bins.edges, x),
                    "x = {x}"
                );
            }
        }
    }

    #[test]
    fn raw_rows_trim_and_merge() {
        let rows = raw_rows(
            0.5,
            4.5,
            4.0,
            0.0,
            0.0,
            &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            &[0.0, 1.0, 0.0, 0.0, 2.0, 1.0, 0.0],
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                [0.5, 1.0, 1.0],
                [1.0, 3.0, 0.0],
                [3.0, 4.0, 2.0],
                [4.0, 4.5, 1.0]
            ]
        );
    }
}
