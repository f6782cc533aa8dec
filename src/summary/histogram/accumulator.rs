//! [`Histogram`]: bucket counts and statistics, a streaming accumulator, and the element
//! types it counts ([`HistogramValue`]).

use std::fmt;

use crate::error::{Error, Result};

use super::bins::*;
use super::slots::*;
use super::tf_edges::*;

/// A histogram of values: bucket counts over its [`Bins`], exact minimum and maximum, number
/// of values, sum and sum of squares, and separate counts of NaN and infinite values.
///
/// It is also a streaming accumulator: [`add`](Self::add) any number of batches,
/// [`merge`](Self::merge) histograms built elsewhere (same bins), then log it with
/// [`SummaryWriter::add_histogram`](crate::SummaryWriter::add_histogram). The values are not kept: memory is one `u64` per
/// bucket (12 KiB with the default bins).
///
/// See the [module documentation](super) for the bucketing, the non-finite rule and what is
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
pub(super) const BLOCK: usize = 2048;

/// Values per part of a large input (see [`Histogram::add`]): enough that starting a thread
/// (tens of microseconds) is small next to counting a part (about half a millisecond).
pub(super) const PART: usize = 1 << 18;

/// The cores this process may use, asked once (the answer can take a few system calls).
pub(super) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
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
    /// apart (see [Non-finite values](super#non-finite-values)).
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
    /// [What is written](super#what-is-written)). Empty when there is no finite value.
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
    pub(super) fn add_repeated(&mut self, x: f64, count: u64) {
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
    pub(super) fn add_f32<T: Copy>(&mut self, values: &[T], conv: impl Fn(T) -> f32 + Copy) {
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
    pub(super) fn add_f64<T: Copy>(&mut self, values: &[T], conv: impl Fn(T) -> f64 + Copy) {
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
pub(super) struct Lanes {
    sum: [f64; LANES],
    sq: [f64; LANES],
    lo: [f64; LANES],
    hi: [f64; LANES],
}

pub(super) const LANES: usize = 8;

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
