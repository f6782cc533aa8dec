//! Histograms: every input path of the crate (f32, f64, f16, bf16, integers, an accumulator
//! fed in batches and merged, custom bins with under- and overflow, a raw TensorFlow-style
//! histogram, a scoped merged step), and the edge cases (all values equal, no values, only
//! non-finite values, NaN mixed in, a sparse histogram with an empty gap, zeros of both
//! signs), in run `histograms`; a multi-step series shifting over 20 steps.
//!
//! Manifest section "histograms": `{tag: [{"step": s, "buckets": [[left, right, count], ...],
//! "distribution": [[basis_point, value] x 9]}]}`. Both are computed here from the input
//! values by a naive oracle written from the documented rules, not by the crate: TensorFlow's
//! default edges rebuilt the way TensorFlow builds them, each value's bucket by a binary
//! search, empty outer buckets dropped, runs of empty buckets merged, outer edges set to the
//! minimum and maximum of the finite values; the distribution interpolates the cumulative
//! counts at the 9 basis points of TensorBoard's Distributions dashboard. The check
//! (`tests/compat/sections/histograms.py`) compares `/histograms` (buckets, exactly: both
//! loaders serve the `f64`s written) and `/distributions` (within 1e-12 of the value range)
//! with these, under both dashboards' tag lists.

use std::path::Path;

use half::{bf16, f16};
use serde_json::{Value, json};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::histogram::{Bins, Histogram};

use crate::{Error, Manifest};

const RUN: &str = "histograms";
const SECTION: &str = "histograms";
/// The Distributions dashboard's basis points (1/100 of a percent).
const BASIS_POINTS: [u32; 9] = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000];

/// TensorFlow's default bucket limits, built as `InitDefaultBucketsInner` builds them.
fn tf_edges() -> Vec<f64> {
    let mut pos = Vec::new();
    let mut v = 1.0e-12f64;
    while v < 1.0e20 {
        pos.push(v);
        v *= 1.1;
    }
    let mut edges = vec![-f64::MAX];
    edges.extend(pos.iter().rev().map(|v| -v));
    edges.push(0.0);
    edges.extend(&pos);
    edges.push(f64::MAX);
    edges
}

/// The oracle: rows for the finite `values` over `edges` (buckets `[e[i], e[i+1])`, the last
/// closed; values outside the edges in an underflow / overflow row).
fn oracle_rows(edges: &[f64], values: &[f64]) -> Vec<[f64; 3]> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return Vec::new();
    }
    let n = edges.len() - 1;
    // Cells 0 (underflow), 1..=n (buckets), n + 1 (overflow).
    let mut counts = vec![0u64; n + 2];
    for &x in &finite {
        let cell = if x < edges[0] {
            0
        } else if x >= edges[n] {
            if x == edges[n] { n } else { n + 1 }
        } else {
            // Largest i with edges[i] <= x, by bisection.
            let (mut lo, mut hi) = (0, n);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if edges[mid] <= x { lo = mid } else { hi = mid }
            }
            lo + 1
        };
        counts[cell] += 1;
    }
    let bounds = |cell: usize| {
        let left = if cell == 0 {
            f64::NEG_INFINITY
        } else {
            edges[cell - 1]
        };
        let right = if cell == n + 1 {
            f64::INFINITY
        } else {
            edges[cell]
        };
        (left, right)
    };
    let first = counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let mut rows: Vec<[f64; 3]> = Vec::new();
    for (cell, &count) in counts.iter().enumerate().take(last + 1).skip(first) {
        let (left, right) = bounds(cell);
        let count = count as f64;
        match rows.last_mut() {
            Some(prev) if count == 0.0 && prev[2] == 0.0 => prev[1] = right,
            _ => rows.push([left, right, count]),
        }
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    rows[0][0] = min;
    let k = rows.len() - 1;
    rows[k][1] = max;
    rows
}

/// The 9 distribution values of `rows`: the cumulative share of the counts (in basis
/// points) runs up each row from its left bound (the minimum for the first row with
/// counts) to its right edge; each basis point is interpolated linearly inside the row
/// that reaches past it. Points no row reaches past (the 100% point) are the maximum.
fn oracle_distribution(rows: &[[f64; 3]]) -> Vec<[f64; 2]> {
    if rows.is_empty() {
        return BASIS_POINTS
            .iter()
            .map(|&bp| [f64::from(bp), 0.0])
            .collect();
    }
    let (min, max) = (rows[0][0], rows[rows.len() - 1][1]);
    let total: f64 = rows.iter().map(|r| r[2]).sum();
    let mut cum = Vec::with_capacity(rows.len());
    let mut acc = 0.0;
    for r in rows {
        acc += r[2] * 10000.0 / total;
        cum.push(acc);
    }
    BASIS_POINTS
        .iter()
        .map(|&bp| {
            let target = f64::from(bp);
            let mut value = max;
            let mut i = cum.iter().position(|&c| c > target).unwrap_or(cum.len());
            while i < cum.len() {
                let before = if i == 0 { 0.0 } else { cum[i - 1] };
                if cum[i] == before {
                    i += 1; // an empty row: no mass to interpolate over
                    continue;
                }
                let left = if i == 0 || before == 0.0 {
                    min
                } else {
                    rows[i - 1][1].max(min)
                };
                let right = rows[i][1].min(max);
                value = left + (target - before) * (right - left) / (cum[i] - before);
                break;
            }
            [target, value]
        })
        .collect()
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Expect<'m> {
    m: &'m mut Manifest,
    edges: Vec<f64>,
}

impl Expect<'_> {
    /// Records the oracle's buckets and distribution for `values` (over TensorFlow's edges,
    /// or `edges` when given).
    fn point(&mut self, tag: &str, step: i64, values: &[f64], edges: Option<&[f64]>) {
        let rows = oracle_rows(edges.unwrap_or(&self.edges), values);
        self.rows(tag, step, rows);
    }

    fn rows(&mut self, tag: &str, step: i64, rows: Vec<[f64; 3]>) {
        let dist = oracle_distribution(&rows);
        self.m.point(
            RUN,
            SECTION,
            tag,
            json!({"step": step, "buckets": rows_json(&rows), "distribution": dist_json(&dist)}),
        );
    }
}

fn rows_json(rows: &[[f64; 3]]) -> Value {
    Value::Array(rows.iter().map(|r| json!([r[0], r[1], r[2]])).collect())
}

fn dist_json(d: &[[f64; 2]]) -> Value {
    Value::Array(d.iter().map(|p| json!([p[0], p[1]])).collect())
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let w = SummaryWriter::new(logdir.join(RUN))?;
    let mut e = Expect {
        m,
        edges: tf_edges(),
    };
    let mut rng = Rng(0x5EED);

    // A series over 20 steps: f32, drifting and widening.
    for step in 0..20i64 {
        let (mean, sd) = (step as f64 * 0.25, 1.0 + step as f64 * 0.1);
        let v: Vec<f32> = (0..5000)
            .map(|_| (mean + sd * rng.normal()) as f32)
            .collect();
        w.add_histogram("weights/normal_f32", &v, step)?;
        e.point(
            "weights/normal_f32",
            step,
            &v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
            None,
        );
    }

    // f64 over 40 orders of magnitude, both signs.
    let wide: Vec<f64> = (0..3000)
        .map(|i| {
            let mag = 10f64.powf(-15.0 + 40.0 * rng.uniform());
            if i % 3 == 0 { -mag } else { mag }
        })
        .collect();
    w.add_histogram("activations/f64_wide", &wide, 0i64)?;
    e.point("activations/f64_wide", 0, &wide, None);

    // Integers at two steps.
    for step in [0i64, 10] {
        let ints: Vec<i32> = (0..2000)
            .map(|_| (rng.normal() * 20.0) as i32 + step as i32)
            .collect();
        w.add_histogram("ints/i32", &ints, step)?;
        e.point(
            "ints/i32",
            step,
            &ints.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
            None,
        );
    }
    let bytes: Vec<u8> = (0..5000)
        .map(|_| (128.0 + rng.normal() * 30.0).clamp(0.0, 255.0) as u8)
        .collect();
    w.add_histogram("ints/u8", &bytes, 0i64)?;
    e.point(
        "ints/u8",
        0,
        &bytes.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        None,
    );

    // Half precision.
    let halves: Vec<f16> = (0..3000).map(|_| f16::from_f64(rng.normal())).collect();
    w.add_histogram("half/f16", &halves, 0i64)?;
    e.point(
        "half/f16",
        0,
        &halves.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        None,
    );
    let brains: Vec<bf16> = (0..3000)
        .map(|_| bf16::from_f64(rng.normal() * 1e3))
        .collect();
    w.add_histogram("half/bf16", &brains, 0i64)?;
    e.point(
        "half/bf16",
        0,
        &brains.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        None,
    );

    // Edge cases.
    w.add_histogram("edge/constant", &[3.5f32; 100], 0i64)?;
    e.point("edge/constant", 0, &[3.5; 100], None);
    w.add_histogram("edge/empty", &[0f32; 0], 0i64)?;
    e.point("edge/empty", 0, &[], None);
    w.add_histogram("edge/nan_only", &[f64::NAN, f64::INFINITY], 0i64)?;
    e.point("edge/nan_only", 0, &[], None);
    let mut dirty: Vec<f32> = (0..3000).map(|_| rng.normal() as f32).collect();
    for i in (0..3000).step_by(97) {
        dirty[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3];
    }
    w.add_histogram("edge/nan_mixed", &dirty, 0i64)?;
    e.point(
        "edge/nan_mixed",
        0,
        &dirty.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        None,
    );
    let sparse = [1.0f64, 1.0, 1000.0, 1000.5, 2000.0];
    w.add_histogram("edge/sparse", &sparse, 0i64)?;
    e.point("edge/sparse", 0, &sparse, None);
    let zeros = [-0.0f64, 0.0, 0.0];
    w.add_histogram("edge/zeros", &zeros, 0i64)?;
    e.point("edge/zeros", 0, &zeros, None);
    // An empty step between two full ones keeps its neighbours' ranges.
    for (step, vals) in [(0i64, vec![5.0f32, 6.0]), (1, vec![]), (2, vec![7.0, 9.0])] {
        w.add_histogram("edge/gap", &vals, step)?;
        e.point(
            "edge/gap",
            step,
            &vals.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
            None,
        );
    }

    // An accumulator: batches, a merge, logged once.
    let batches: Vec<Vec<f32>> = (0..7)
        .map(|b| {
            (0..800)
                .map(|_| (rng.normal() * (1.0 + b as f64)) as f32)
                .collect()
        })
        .collect();
    let mut acc = Histogram::new();
    for b in &batches[..4] {
        acc.add(b);
    }
    let mut other = Histogram::new();
    for b in &batches[4..] {
        other.add(b);
    }
    acc.merge(&other)?;
    w.add_histogram("accumulated", &acc, 5i64)?;
    let all: Vec<f64> = batches.iter().flatten().map(|&x| f64::from(x)).collect();
    e.point("accumulated", 5, &all, None);

    // Custom edges, with values beyond both ends.
    let bins = Bins::linear(-1.0, 1.0, 20)?;
    let mut lin = Histogram::with_bins(bins.clone());
    let vals: Vec<f64> = (0..2000).map(|_| rng.normal() * 0.7).collect();
    lin.add(&vals);
    w.add_histogram("custom/linear", &lin, 0i64)?;
    e.point("custom/linear", 0, &vals, Some(bins.edges()));
    let explicit = Bins::from_edges(&[0.0, 0.1, 1.0, 10.0, 100.0])?;
    let mut ex = Histogram::with_bins(explicit.clone());
    let vals: Vec<f64> = (0..1000).map(|_| 10f64.powf(rng.normal())).collect();
    ex.add(&vals);
    w.add_histogram("custom/explicit", &ex, 0i64)?;
    e.point("custom/explicit", 0, &vals, Some(explicit.edges()));

    // A raw, TensorFlow-style histogram (tensorboardX's add_histogram_raw example:
    // np.histogram over bins 0..=51, limits = bins[1:]).
    let mut values = Vec::new();
    for i in 0..50u32 {
        values.extend(std::iter::repeat_n(f64::from(i) + 0.001, i as usize));
    }
    let limits: Vec<f64> = (1..=51).map(f64::from).collect();
    let mut counts = vec![0.0; 51];
    for &v in &values {
        counts[v as usize] += 1.0;
    }
    let sum: f64 = values.iter().sum();
    let sq: f64 = values.iter().map(|v| v * v).sum();
    w.add_histogram_raw(
        "raw",
        1.001,
        49.001,
        values.len() as f64,
        sum,
        sq,
        &limits,
        &counts,
        0i64,
    )?;
    // Oracle: bucket i of a HistogramProto is [limit[i-1], limit[i]), so the edges are
    // [0, 1, ..., 51] and every value is inside them.
    let raw_edges: Vec<f64> = (0..=51).map(f64::from).collect();
    e.point("raw", 0, &values, Some(&raw_edges));

    // A scoped, merged step with a scalar.
    let layer = w.scope("layer2")?;
    for step in [1i64, 2] {
        let v: Vec<f64> = (0..1000).map(|_| rng.normal() + step as f64).collect();
        layer
            .step(step)
            .histogram("weights", &v)
            .scalar("loss", 1.0f32 / step as f32)
            .write()?;
        e.point("layer2/weights", step, &v, None);
        e.m.expect(RUN, "layer2/loss", step, 1.0 / step as f32, None);
    }

    w.close()?;
    Ok(())
}

/// Records the oracle's point for `values` logged with `add_histogram` (TensorFlow's default
/// edges) at `step` in `run`: for runs written elsewhere (the run written through S3, `s3.rs`).
#[cfg_attr(not(feature = "object-store"), allow(dead_code))]
pub fn expect_default(m: &mut Manifest, run: &str, tag: &str, step: i64, values: &[f64]) {
    let rows = oracle_rows(&tf_edges(), values);
    let dist = oracle_distribution(&rows);
    m.point(
        run,
        SECTION,
        tag,
        json!({"step": step, "buckets": rows_json(&rows), "distribution": dist_json(&dist)}),
    );
}
