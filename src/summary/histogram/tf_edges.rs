//! TensorFlow's default bucket edges and the lookup tables that find a value's bucket
//! without a search.

use std::sync::{Arc, OnceLock};

use super::slots::*;

/// Every key range holds at most one edge, so a key gives the slot of the smallest value
/// with that key (`base`) and the edge inside the range, if any (`thr`, else +∞): the slot of
/// `x` is `base + (x >= thr)`. Edges are left-closed, so `x == thr` moves up, as it must.
pub(super) struct TfTable {
    /// All edges: `-MAX, -p[P-1], …, -p[0], 0, p[0], …, p[P-1], MAX`.
    pub(super) edges: Arc<[f64]>,
    /// For `f32`, indexed by `bits >> 19` (every `f32`, so no clamping and no sign logic).
    base32: Box<[u16; KEYS_32]>,
    thr32: Box<[f32; KEYS_32]>,
    /// For finite `f64`, indexed by `(key.clamp(key_lo, key_hi) - key_lo) * 2 + sign`.
    table64: Box<[Entry64]>,
    pub(super) key_lo: u64,
    pub(super) key_hi: u64,
}

impl TfTable {
    pub(super) fn build() -> TfTable {
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
    pub(super) fn lookup(&self) -> TfLookup<'_> {
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
pub(super) fn f32_at_or_above(x: f64) -> f32 {
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
pub(super) struct Entry64 {
    pub(super) thr: f64,
    pub(super) base: u16,
}

#[derive(Clone, Copy)]
pub(super) struct TfLookup<'a> {
    base32: &'a [u16; KEYS_32],
    thr32: &'a [f32; KEYS_32],
    table64: &'a [Entry64],
    pub(super) key_lo: u64,
    pub(super) key_hi: u64,
    pub(super) n: usize,
}

impl TfLookup<'_> {
    /// The slot of any `f32`: no branch (NaN and infinities have their own keys).
    #[inline(always)]
    pub(super) fn slot32(self, x: f32) -> usize {
        let k = (x.to_bits() >> KEY_SHIFT_32) as usize;
        usize::from(self.base32[k]) + usize::from(x >= self.thr32[k])
    }

    /// The slot of a finite `f64`.
    #[inline(always)]
    pub(super) fn slot64(self, x: f64) -> usize {
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
    pub(super) fn slot64_any(self, x: f64) -> usize {
        if x.to_bits() & !SIGN >= INF_BITS {
            non_finite_slot(self.n, x)
        } else {
            self.slot64(x)
        }
    }
}

pub(super) fn tf_table() -> &'static TfTable {
    static TABLE: OnceLock<TfTable> = OnceLock::new();
    TABLE.get_or_init(TfTable::build)
}
