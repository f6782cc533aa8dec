//! How a histogram counts values: one slot per bucket, underflow and overflow, and
//! separate slots for NaN and the infinities.

/// The most buckets [`Bins::linear`](crate::summary::histogram::Bins::linear) and [`Bins::from_edges`](crate::summary::histogram::Bins::from_edges) accept.
pub const MAX_BUCKETS: usize = 1 << 20;

pub(super) const SIGN: u64 = 1 << 63;
pub(super) const INF_BITS: u64 = 0x7FF0_0000_0000_0000;
/// Bits of an `f64` dropped to form its lookup key: the key keeps the exponent and the 4
/// leading mantissa bits, so the magnitudes with one key span a ratio of at most
/// 1 + 1/16 < 1.1 and hold at most one TensorFlow edge.
pub(super) const KEY_SHIFT: u32 = 48;
/// The same for an `f32`: `bits >> 19` is sign, exponent and 4 mantissa bits, 8192 keys
/// that cover every `f32`, NaN and infinities included.
pub(super) const KEY_SHIFT_32: u32 = 19;
pub(super) const KEYS_32: usize = 1 << (32 - KEY_SHIFT_32);

/// Values are counted in slots: underflow, one per bucket, overflow, then the non-finite
/// values. NaN has two slots so that each sign of infinity sits right after a NaN slot (the
/// `f32` table maps a key to a base slot plus one comparison).
pub(super) const fn nan_neg_slot(n: usize) -> usize {
    n + 2
}
pub(super) const fn neg_inf_slot(n: usize) -> usize {
    n + 3
}
pub(super) const fn nan_pos_slot(n: usize) -> usize {
    n + 4
}
pub(super) const fn pos_inf_slot(n: usize) -> usize {
    n + 5
}
pub(super) const EXTRA_SLOTS: usize = 6;

/// The slot of a non-finite value.
#[cold]
pub(super) fn non_finite_slot(n: usize, x: f64) -> usize {
    if x.is_nan() {
        nan_neg_slot(n)
    } else if x > 0.0 {
        pos_inf_slot(n)
    } else {
        neg_inf_slot(n)
    }
}

#[inline(always)]
pub(super) fn linear_slot(edges: &[f64], min: f64, inv_width: f64, x: f64) -> usize {
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
pub(super) fn explicit_slot(edges: &[f64], x: f64) -> usize {
    let n = edges.len() - 1;
    // Edges <= x: 0 means underflow, k in 1..=n means bucket k - 1, n + 1 means x >= e[n].
    let k = edges.partition_point(|&e| e <= x);
    if k == n + 1 && x == edges[n] { n } else { k }
}
