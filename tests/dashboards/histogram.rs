//! Histograms as written to disk, checked against a naive reference implementation.

use half::{bf16, f16};
use prost::Message;
use tensorboard_writer::proto::{self, DataClass, DataType, HistogramPluginData};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::histogram::{Bins, Histogram, HistogramInput};
use tensorboard_writer::{Error, SummaryWriter};

// ------------------------------------------------------------------ reference

/// TensorFlow's default bucket limits, rebuilt here the way `InitDefaultBucketsInner` does.
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

/// The bucket of `x` by a linear scan: `[e[i], e[i+1])`, the last bucket closed.
fn ref_bucket(edges: &[f64], x: f64) -> Option<usize> {
    let n = edges.len() - 1;
    (0..n).find(|&i| edges[i] <= x && (x < edges[i + 1] || (i == n - 1 && x == edges[n])))
}

/// Rows as the module documents them, from the finite values: trim empty outer buckets,
/// merge runs of empty buckets, outer edges = min and max, under/overflow rows.
fn ref_rows(edges: &[f64], values: &[f64]) -> Vec<[f64; 3]> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return vec![];
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = edges.len() - 1;
    // Cells: underflow, buckets, overflow.
    let mut cells: Vec<(f64, f64, u64)> = vec![(f64::NEG_INFINITY, edges[0], 0)];
    cells.extend((0..n).map(|i| (edges[i], edges[i + 1], 0)));
    cells.push((edges[n], f64::INFINITY, 0));
    for &x in &finite {
        let c = if x < edges[0] {
            0
        } else if x > edges[n] {
            n + 1
        } else {
            ref_bucket(edges, x).unwrap() + 1
        };
        cells[c].2 += 1;
    }
    let first = cells.iter().position(|c| c.2 > 0).unwrap();
    let last = cells.iter().rposition(|c| c.2 > 0).unwrap();
    let mut rows: Vec<[f64; 3]> = vec![];
    for &(l, r, c) in &cells[first..=last] {
        if c == 0 && rows.last().is_some_and(|p| p[2] == 0.0) {
            rows.last_mut().unwrap()[1] = r;
        } else {
            rows.push([l, r, c as f64]);
        }
    }
    rows[0][0] = min;
    let k = rows.len() - 1;
    rows[k][1] = max;
    rows
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    /// A value of random sign and magnitude from 1e-15 to 1e25.
    fn wide(&mut self) -> f64 {
        let m = 10f64.powf(-15.0 + 40.0 * self.uniform());
        if self.next() & 1 == 0 { m } else { -m }
    }
}

// ------------------------------------------------------------------ reading back

/// The histogram values written to `dir`: (step, tag, rows).
fn written(dir: &std::path::Path) -> Vec<(i64, String, Vec<[f64; 3]>)> {
    let mut out = vec![];
    for e in read_events(dir).unwrap() {
        let Some(proto::event::What::Summary(s)) = e.what else {
            continue;
        };
        for v in s.value {
            if !matches!(v.value, Some(proto::summary::value::Value::Tensor(_))) {
                continue; // scalars logged alongside
            }
            let md = v.metadata.as_ref().expect("metadata on every tensor value");
            let pd = md.plugin_data.as_ref().unwrap();
            assert_eq!(pd.plugin_name, "histograms");
            assert_eq!(
                HistogramPluginData::decode(&pd.content[..]).unwrap(),
                HistogramPluginData { version: 0 }
            );
            assert_eq!(md.data_class, DataClass::Tensor as i32);
            let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
                panic!("not a tensor")
            };
            assert_eq!(t.dtype, DataType::DtDouble as i32);
            let dims: Vec<i64> = t
                .tensor_shape
                .as_ref()
                .unwrap()
                .dim
                .iter()
                .map(|d| d.size)
                .collect();
            assert_eq!(dims.len(), 2);
            assert_eq!(dims[1], 3);
            assert_eq!(t.tensor_content.len(), dims[0] as usize * 24);
            let rows: Vec<[f64; 3]> = t
                .tensor_content
                .chunks_exact(24)
                .map(|r| {
                    let f = |i: usize| f64::from_le_bytes(r[i * 8..i * 8 + 8].try_into().unwrap());
                    [f(0), f(1), f(2)]
                })
                .collect();
            for r in &rows {
                assert!(
                    r[0].is_finite() && r[1].is_finite() && r[0] <= r[1],
                    "{r:?}"
                );
                assert!(r[2] >= 0.0);
            }
            out.push((e.step, v.tag.clone(), rows));
        }
    }
    out
}

fn assert_invalid_input<T: std::fmt::Debug>(r: Result<T, Error>, needle: &str) {
    match r {
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(
                reason.contains(needle),
                "{reason:?} does not mention {needle:?}"
            )
        }
        other => panic!("expected InvalidInput ({needle}), got {other:?}"),
    }
}

// ------------------------------------------------------------------ tests

#[test]
fn default_edges_are_tensorflows() {
    assert_eq!(Bins::tensorflow().edges(), &tf_edges()[..]);
    assert_eq!(Bins::tensorflow().len(), 1550);
    assert_eq!(Bins::default(), Bins::tensorflow());
    // Debug output summarizes instead of listing 1551 edges.
    let dbg = format!("{:?}", Histogram::from_values(&[1.0f32, f32::NAN]));
    assert!(
        dbg.contains("\"tensorflow\"") && dbg.contains("nan: 1"),
        "{dbg}"
    );
    assert!(dbg.len() < 400, "{dbg}");
}

#[test]
fn default_bucketing_matches_the_reference() {
    let edges = tf_edges();
    let mut rng = Rng(7);
    let mut xs: Vec<f64> = (0..20_000).map(|_| rng.wide()).collect();
    xs.extend((0..5_000).map(|_| rng.normal()));
    // Every edge and its neighbours, in f64 and as the f32 nearest and around it.
    for &e in &edges {
        xs.extend([e, next_up(e), next_down(e)]);
        let r = e as f32;
        xs.extend([r, next_up32(r), next_down32(r)].map(f64::from));
    }
    xs.extend([
        0.0,
        -0.0,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::MAX,
        -f64::MAX,
    ]);
    xs.retain(|x| x.is_finite());

    for x in &xs {
        assert_eq!(
            Bins::tensorflow().bucket(*x),
            ref_bucket(&edges, *x),
            "x = {x:e}"
        );
    }
    // Through the f64 accumulator.
    let h = Histogram::from_values(&xs);
    let mut want = vec![0u64; 1550];
    for &x in &xs {
        want[ref_bucket(&edges, x).unwrap()] += 1;
    }
    assert_eq!(h.counts(), &want[..]);
    // Through the f32 accumulator (values that are f32).
    let ys: Vec<f32> = xs
        .iter()
        .map(|&x| x as f32)
        .filter(|y| y.is_finite())
        .collect();
    let h = Histogram::from_values(&ys);
    let mut want = vec![0u64; 1550];
    for &y in &ys {
        want[ref_bucket(&edges, f64::from(y)).unwrap()] += 1;
    }
    assert_eq!(h.counts(), &want[..]);
    assert_eq!(h.num(), ys.len() as u64);
}

fn next_up(x: f64) -> f64 {
    match x {
        0.0 => f64::from_bits(1),
        x if x > 0.0 => f64::from_bits(x.to_bits() + 1),
        x => f64::from_bits(x.to_bits() - 1),
    }
}

fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

fn next_up32(x: f32) -> f32 {
    match x {
        0.0 => f32::from_bits(1),
        x if x.is_infinite() => x,
        x if x > 0.0 => f32::from_bits(x.to_bits() + 1),
        x => f32::from_bits(x.to_bits() - 1),
    }
}

fn next_down32(x: f32) -> f32 {
    -next_up32(-x)
}

#[test]
fn statistics_are_exact() {
    let mut rng = Rng(11);
    let xs: Vec<f32> = (0..100_003).map(|_| (rng.normal() * 3.0) as f32).collect();
    let h = Histogram::from_values(&xs);
    let min = xs.iter().copied().fold(f32::INFINITY, f32::min);
    let max = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    assert_eq!(h.min(), Some(f64::from(min)));
    assert_eq!(h.max(), Some(f64::from(max)));
    assert_eq!(h.num(), 100_003);
    assert_eq!(h.counts().iter().sum::<u64>(), 100_003);
    let sum: f64 = xs.iter().map(|&x| f64::from(x)).sum();
    let sq: f64 = xs.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    assert!(
        (h.sum() - sum).abs() <= 1e-9 * sq.sqrt(),
        "{} vs {sum}",
        h.sum()
    );
    assert!((h.sum_squares() - sq).abs() <= 1e-12 * sq);
    assert_eq!(h.mean(), Some(h.sum() / 100_003.0));

    // Integers: every sum is exact.
    let ints: Vec<i32> = (-500..=1500).collect();
    let h = Histogram::from_values(&ints);
    assert_eq!(h.sum(), (-500..=1500).sum::<i32>() as f64);
    assert_eq!(
        h.sum_squares(),
        (-500i64..=1500).map(|i| i * i).sum::<i64>() as f64
    );
    assert_eq!((h.min(), h.max()), (Some(-500.0), Some(1500.0)));
}

#[test]
fn non_finite_values_are_counted_apart() {
    let clean = [0.5f64, -2.0, 3.25, 0.0, 1e-3];
    let mut dirty = vec![f64::NAN, 0.5, f64::INFINITY, -2.0, f64::NEG_INFINITY, 3.25];
    dirty.extend([f64::NAN, 0.0, -f64::NAN, 1e-3, f64::INFINITY]);
    let check = |h: &Histogram, clean: &Histogram| {
        assert_eq!(h.nan_count(), 3);
        assert_eq!(h.pos_inf_count(), 2);
        assert_eq!(h.neg_inf_count(), 1);
        assert_eq!(h.num(), 5);
        assert_eq!(h.counts(), clean.counts());
        assert_eq!((h.min(), h.max()), (Some(-2.0), Some(3.25)));
        assert_eq!(h.sum(), clean.sum());
        assert_eq!(h.sum_squares(), clean.sum_squares());
        assert_eq!(h.rows(), clean.rows());
    };
    // f64 path, f32 path, f16 path, and custom bins.
    check(
        &Histogram::from_values(&dirty),
        &Histogram::from_values(&clean),
    );
    let dirty32: Vec<f32> = dirty.iter().map(|&x| x as f32).collect();
    let clean32: Vec<f32> = clean.iter().map(|&x| x as f32).collect();
    check(
        &Histogram::from_values(&dirty32),
        &Histogram::from_values(&clean32),
    );
    let dirty16: Vec<f16> = dirty.iter().map(|&x| f16::from_f64(x)).collect();
    let clean16: Vec<f16> = clean.iter().map(|&x| f16::from_f64(x)).collect();
    check(
        &Histogram::from_values(&dirty16),
        &Histogram::from_values(&clean16),
    );
    let bins = Bins::linear(-1.0, 1.0, 4).unwrap();
    let mut h = Histogram::with_bins(bins.clone());
    h.add(&dirty);
    let mut c = Histogram::with_bins(bins);
    c.add(&clean);
    check(&h, &c);
    // Mixed into a large batch (the blocked path) and at its very end.
    let mut big: Vec<f32> = (0..10_000).map(|i| i as f32 / 100.0).collect();
    big[4321] = f32::NAN;
    big[9999] = f32::NEG_INFINITY;
    let h = Histogram::from_values(&big);
    assert_eq!((h.nan_count(), h.neg_inf_count(), h.num()), (1, 1, 9998));
    assert_eq!(h.max(), Some(f64::from(9998f32 / 100.0)));
    assert_eq!(
        h.rows(),
        ref_rows(
            &tf_edges(),
            &big.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()
        )
    );

    // Only non-finite values: nothing to show.
    let h = Histogram::from_values(&[f32::NAN, f32::INFINITY]);
    assert!(h.is_empty() && h.rows().is_empty());
    assert_eq!((h.min(), h.max(), h.mean()), (None, None, None));
}

#[test]
fn written_form_matches_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let mut rng = Rng(3);
    let normal: Vec<f32> = (0..50_000).map(|_| rng.normal() as f32).collect();
    let wide: Vec<f64> = (0..5_000).map(|_| rng.wide()).collect();
    let sparse = [1.0f64, 1000.0, 1000.5];
    w.add_histogram("normal", &normal, 0u32).unwrap();
    w.add_histogram("wide", &wide, 1u32).unwrap();
    w.add_histogram("sparse", &sparse, 2u32).unwrap();
    w.add_histogram("constant", &[2.5f32; 7], 3u32).unwrap();
    w.add_histogram("empty", &[0f32; 0], 4u32).unwrap();
    w.add_histogram("nan_only", &[f64::NAN], 5u32).unwrap();
    w.add_histogram("negative_zero", &[-0.0f64, 0.0], 6u32)
        .unwrap();
    w.close().unwrap();

    let edges = tf_edges();
    let got = written(dir.path());
    let f64s = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
    let want: Vec<(i64, &str, Vec<[f64; 3]>)> = vec![
        (0, "normal", ref_rows(&edges, &f64s(&normal))),
        (1, "wide", ref_rows(&edges, &wide)),
        (2, "sparse", ref_rows(&edges, &sparse)),
        (3, "constant", vec![[2.5, 2.5, 7.0]]),
        (4, "empty", vec![]),
        (5, "nan_only", vec![]),
        (6, "negative_zero", vec![[-0.0, 0.0, 2.0]]),
    ];
    assert_eq!(got.len(), want.len());
    for ((s, t, rows), (ws, wt, wrows)) in got.iter().zip(&want) {
        assert_eq!((s, t.as_str()), (ws, *wt));
        assert_eq!(rows, wrows, "tag {t}");
    }
    // The sparse histogram: first bucket, one merged empty row, last bucket.
    let sparse_rows = &got[2].2;
    assert_eq!(sparse_rows.len(), 3);
    let b1 = ref_bucket(&edges, 1.0).unwrap();
    let b2 = ref_bucket(&edges, 1000.0).unwrap();
    assert_eq!(ref_bucket(&edges, 1000.5), Some(b2));
    assert_eq!(sparse_rows[0], [1.0, edges[b1 + 1], 1.0]);
    assert_eq!(sparse_rows[1], [edges[b1 + 1], edges[b2], 0.0]);
    assert_eq!(sparse_rows[2], [edges[b2], 1000.5, 2.0]);
    // Counts add up.
    let total: f64 = got[0].2.iter().map(|r| r[2]).sum();
    assert_eq!(total, 50_000.0);
}

#[test]
fn accumulate_and_merge_equal_one_pass() {
    let mut rng = Rng(5);
    let xs: Vec<f32> = (0..30_000).map(|_| (rng.normal() * 10.0) as f32).collect();
    let whole = Histogram::from_values(&xs);
    let mut acc = Histogram::new();
    for batch in xs[..20_000].chunks(777) {
        acc.add(batch);
    }
    let mut other = Histogram::new();
    other.add(&xs[20_000..]);
    acc.merge(&other).unwrap();
    assert_eq!(acc.counts(), whole.counts());
    assert_eq!(
        (acc.num(), acc.min(), acc.max()),
        (whole.num(), whole.min(), whole.max())
    );
    assert_eq!(acc.rows(), whole.rows());
    assert!((acc.sum() - whole.sum()).abs() < 1e-6);

    // Different bins: an error, and the accumulator is unchanged.
    let before = acc.clone();
    let linear = Histogram::with_bins(Bins::linear(0.0, 1.0, 10).unwrap());
    assert_invalid_input(acc.merge(&linear), "different bins");
    assert_eq!(acc, before);
    // Same edges built twice compare equal.
    let mut a = Histogram::with_bins(Bins::from_edges(&[0.0, 1.0, 2.0]).unwrap());
    a.merge(&Histogram::with_bins(
        Bins::from_edges(&[0.0, 1.0, 2.0]).unwrap(),
    ))
    .unwrap();

    // Logging the accumulator writes its rows; clear() empties it.
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_histogram("acc", &acc, 9u32).unwrap();
    w.close().unwrap();
    let got = written(dir.path());
    assert_eq!(got[0].2, whole.rows());
    acc.clear();
    assert!(acc.is_empty() && acc.counts().iter().all(|&c| c == 0));
    assert_eq!(acc.bins(), &Bins::tensorflow());
}

#[test]
fn every_input_type_is_bucketed_like_its_f64_value() {
    fn same<T: Copy>(values: &[T], to_f64: impl Fn(T) -> f64)
    where
        [T]: HistogramInput,
    {
        let as_f64: Vec<f64> = values.iter().map(|&v| to_f64(v)).collect();
        let want = Histogram::from_values(&as_f64);
        let got = values.to_histogram().unwrap();
        assert_eq!(got.counts(), want.counts());
        assert_eq!(
            (got.num(), got.min(), got.max()),
            (want.num(), want.min(), want.max())
        );
        assert_eq!(got.sum(), want.sum());
        assert_eq!(got.sum_squares(), want.sum_squares());
    }
    let mut rng = Rng(9);
    let mut raw: Vec<u64> = (0..3000).map(|_| rng.next()).collect();
    raw.extend([0, 1, u64::MAX]);
    same(&raw.iter().map(|&r| r as i8).collect::<Vec<_>>(), f64::from);
    same(
        &raw[..100].iter().map(|&r| r as i8).collect::<Vec<_>>(),
        f64::from,
    );
    same(&raw.iter().map(|&r| r as u8).collect::<Vec<_>>(), f64::from);
    same(
        &raw[..100].iter().map(|&r| r as u8).collect::<Vec<_>>(),
        f64::from,
    );
    same(
        &raw.iter().map(|&r| r as i16).collect::<Vec<_>>(),
        f64::from,
    );
    same(
        &raw.iter().map(|&r| r as u16).collect::<Vec<_>>(),
        f64::from,
    );
    same(
        &raw.iter().map(|&r| r as i32).collect::<Vec<_>>(),
        f64::from,
    );
    same(
        &raw.iter().map(|&r| r as u32).collect::<Vec<_>>(),
        f64::from,
    );
    same(&raw.iter().map(|&r| r as i64).collect::<Vec<_>>(), |v| {
        v as f64
    });
    same(&raw, |v| v as f64);
    same(&raw.iter().map(|&r| r as usize).collect::<Vec<_>>(), |v| {
        v as f64
    });
    same(&raw.iter().map(|&r| r as isize).collect::<Vec<_>>(), |v| {
        v as f64
    });
    same(
        &raw.iter().map(|&r| i128::from(r) << 60).collect::<Vec<_>>(),
        |v| v as f64,
    );
    same(
        &raw.iter().map(|&r| u128::from(r)).collect::<Vec<_>>(),
        |v| v as f64,
    );
    let halves: Vec<f16> = raw.iter().map(|&r| f16::from_bits(r as u16)).collect();
    same(&halves, f64::from);
    let brains: Vec<bf16> = raw.iter().map(|&r| bf16::from_bits(r as u16)).collect();
    same(&brains, f64::from);
    let singles: Vec<f32> = raw.iter().map(|&r| f32::from_bits(r as u32)).collect();
    same(&singles, f64::from);

    // Vec, array, slice and Histogram all implement HistogramInput.
    let v = vec![1.0f32, 2.0];
    assert_eq!(v.to_histogram().unwrap().num(), 2);
    assert_eq!(
        [3u8; 4].to_histogram().unwrap().counts(),
        Histogram::from_values(&[3.0f64; 4]).counts()
    );
    let h = Histogram::from_values(&[1.0f64]);
    assert!(matches!(
        h.to_histogram(),
        Ok(std::borrow::Cow::Borrowed(_))
    ));
}

#[test]
fn custom_bins_count_underflow_and_overflow() {
    let bins = Bins::linear(-1.0, 1.0, 4).unwrap();
    assert_eq!(bins.edges(), &[-1.0, -0.5, 0.0, 0.5, 1.0]);
    let mut h = Histogram::with_bins(bins.clone());
    let xs = [
        -3.0f64, -1.0, -0.75, -0.5, 0.0, 0.49, 0.5, 1.0, 1.0, 2.5, 7.0,
    ];
    h.add(&xs);
    assert_eq!(h.counts(), &[2, 1, 2, 3]);
    assert_eq!((h.underflow(), h.overflow(), h.num()), (1, 2, 11));
    assert_eq!(
        h.rows(),
        [
            [-3.0, -1.0, 1.0],
            [-1.0, -0.5, 2.0],
            [-0.5, 0.0, 1.0],
            [0.0, 0.5, 2.0],
            [0.5, 1.0, 3.0],
            [1.0, 7.0, 2.0]
        ]
    );
    assert_eq!(h.rows(), ref_rows(bins.edges(), &xs));
    // Linear bucketing agrees with the reference at and around every edge.
    let bins = Bins::linear(-3.3, 17.9, 37).unwrap();
    let mut probes = vec![];
    for &e in bins.edges() {
        probes.extend([e, next_up(e), next_down(e)]);
    }
    for x in probes {
        assert_eq!(bins.bucket(x), ref_bucket(bins.edges(), x), "{x}");
    }

    let explicit = Bins::from_edges(&[0.0, 1.0, 10.0, 100.0]).unwrap();
    let mut h = Histogram::with_bins(explicit);
    h.add(&[0u32, 1, 5, 10, 99, 100, 101, 1000]);
    assert_eq!(h.counts(), &[1, 2, 3]);
    assert_eq!((h.underflow(), h.overflow()), (0, 2));
    assert_eq!(h.rows().last(), Some(&[100.0, 1000.0, 2.0]));
    // Trimming: empty outer buckets go.
    let mut h = Histogram::with_bins(Bins::linear(0.0, 10.0, 10).unwrap());
    h.add(&[4.5f64, 4.7]);
    assert_eq!(h.rows(), [[4.5, 4.7, 2.0]]);

    // Bad bins.
    assert_invalid_input(Bins::linear(1.0, 1.0, 3), "min < max");
    assert_invalid_input(Bins::linear(2.0, 1.0, 3), "min < max");
    assert_invalid_input(Bins::linear(0.0, f64::INFINITY, 3), "min < max");
    assert_invalid_input(Bins::linear(f64::NAN, 1.0, 3), "min < max");
    assert_invalid_input(Bins::linear(0.0, 1.0, 0), "buckets");
    assert_invalid_input(Bins::linear(0.0, 1.0, usize::MAX), "buckets");
    assert_invalid_input(Bins::linear(-f64::MAX, f64::MAX, 2), "too wide");
    assert_invalid_input(Bins::linear(1.0, 1.0 + 1e-15, 1000), "strictly increasing");
    assert_invalid_input(Bins::from_edges(&[1.0]), "edges");
    assert_invalid_input(Bins::from_edges(&[0.0, 2.0, 1.0]), "strictly increasing");
    assert_invalid_input(Bins::from_edges(&[0.0, 1.0, 1.0]), "strictly increasing");
    assert_invalid_input(Bins::from_edges(&[0.0, f64::NAN]), "edge 1 is NaN");
    assert_invalid_input(
        Bins::from_edges(&[f64::NEG_INFINITY, 0.0]),
        "edge 0 is -inf",
    );
}

#[test]
fn raw_histograms_are_validated_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // tensorboardX's example: np.histogram over bins 0..51, limits = bins[1:].
    let mut values = vec![];
    for i in 0..50u32 {
        values.extend(std::iter::repeat_n(f64::from(i) + 0.001, i as usize));
    }
    let limits: Vec<f64> = (1..=51).map(f64::from).collect();
    let mut counts = vec![0.0; 51];
    for &v in &values {
        counts[v as usize] += 1.0;
    }
    let (min, max) = (1.001, 49.001);
    let sum: f64 = values.iter().sum();
    let sq: f64 = values.iter().map(|v| v * v).sum();
    let num = values.len() as f64;
    w.add_histogram_raw("raw", min, max, num, sum, sq, &limits, &counts, 1u32)
        .unwrap();

    let bad: Vec<(Result<(), Error>, &str)> = vec![
        (
            w.add_histogram_raw("x", min, max, num, sum, sq, &limits[1..], &counts, 2u32),
            "same length",
        ),
        (
            w.add_histogram_raw("x", 0.0, 2.0, 2.0, 0.0, 0.0, &[1.0, 1.0], &[1.0, 1.0], 2u32),
            "strictly increasing",
        ),
        (
            w.add_histogram_raw(
                "x",
                0.0,
                2.0,
                2.0,
                0.0,
                0.0,
                &[1.0, f64::NAN],
                &[1.0, 1.0],
                2u32,
            ),
            "NaN",
        ),
        (
            w.add_histogram_raw(
                "x",
                0.0,
                2.0,
                0.0,
                0.0,
                0.0,
                &[1.0, 3.0],
                &[1.0, -1.0],
                2u32,
            ),
            "not negative",
        ),
        (
            w.add_histogram_raw(
                "x",
                0.0,
                2.0,
                2.0,
                0.0,
                0.0,
                &[1.0, 3.0],
                &[1.0, f64::NAN],
                2u32,
            ),
            "not negative",
        ),
        (
            w.add_histogram_raw("x", 0.0, 2.0, 3.0, 0.0, 0.0, &[1.0, 3.0], &[1.0, 1.0], 2u32),
            "add up to 2",
        ),
        (
            w.add_histogram_raw(
                "x",
                0.0,
                2.0,
                2.0,
                f64::NAN,
                0.0,
                &[1.0, 3.0],
                &[1.0, 1.0],
                2u32,
            ),
            "sum is NaN",
        ),
        (
            w.add_histogram_raw("x", 1.5, 2.0, 2.0, 0.0, 0.0, &[1.0, 3.0], &[1.0, 1.0], 2u32),
            "min 1.5",
        ),
        (
            w.add_histogram_raw("x", 0.0, 0.5, 2.0, 0.0, 0.0, &[1.0, 3.0], &[1.0, 1.0], 2u32),
            "max 0.5",
        ),
        (
            w.add_histogram_raw("x", 0.0, 3.5, 2.0, 0.0, 0.0, &[1.0, 3.0], &[1.0, 1.0], 2u32),
            "max 3.5",
        ),
        (
            w.add_histogram_raw(
                "x",
                f64::NEG_INFINITY,
                2.0,
                2.0,
                0.0,
                0.0,
                &[1.0, 3.0],
                &[1.0, 1.0],
                2u32,
            ),
            "finite",
        ),
        (
            w.add_histogram_raw("x", 2.0, 1.0, 2.0, 0.0, 0.0, &[1.0, 3.0], &[1.0, 1.0], 2u32),
            "min <= max",
        ),
    ];
    for (r, needle) in bad {
        assert_invalid_input(r, needle);
    }
    // Nothing of a failed merged step is written either.
    assert!(
        w.step(3u32)
            .scalar("ok", 1.0f32)
            .histogram_raw("bad", 0.0, 1.0, 1.0, 0.0, 0.0, &[1.0], &[2.0])
            .write()
            .is_err()
    );
    // All counts zero: an empty histogram.
    w.add_histogram_raw(
        "zeros",
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        &[1.0, 2.0],
        &[0.0, 0.0],
        4u32,
    )
    .unwrap();
    w.add_histogram_raw("none", 0.0, 0.0, 0.0, 0.0, 0.0, &[], &[], 5u32)
        .unwrap();
    // A TensorFlow-style histogram: -DBL_MAX and DBL_MAX limits, interior empty run.
    w.add_histogram_raw(
        "tf_style",
        -0.5,
        9.0,
        4.0,
        0.0,
        0.0,
        &[-f64::MAX, 0.0, 1.0, 2.0, 3.0, 10.0, f64::MAX],
        &[0.0, 1.0, 1.0, 0.0, 0.0, 2.0, 0.0],
        6u32,
    )
    .unwrap();
    w.close().unwrap();

    let got = written(dir.path());
    let tags: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
    assert_eq!(tags, ["raw", "zeros", "none", "tf_style"]);
    let raw = &got[0].2;
    // Buckets 1..=49 hold values; bucket 0 ([?, 1)) is empty and trimmed.
    assert_eq!(raw.len(), 49);
    assert_eq!(raw[0], [1.001, 2.0, 1.0]);
    assert_eq!(raw[10], [11.0, 12.0, 11.0]);
    assert_eq!(raw[48], [49.0, 49.001, 49.0]);
    assert!(got[1].2.is_empty() && got[2].2.is_empty());
    assert_eq!(
        got[3].2,
        [
            [-0.5, 0.0, 1.0],
            [0.0, 1.0, 1.0],
            [1.0, 3.0, 0.0],
            [3.0, 9.0, 2.0]
        ]
    );
}

#[test]
fn scopes_and_merged_steps() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let layer = w.scope("layer1").unwrap();
    layer
        .add_histogram("weights", &[1.0f32, 2.0], 1u32)
        .unwrap();
    let mut acc = Histogram::new();
    acc.add(&[5u8, 6]);
    layer
        .step(2u32)
        .histogram("acts", &acc)
        .histogram("grads", &[0.25f64][..])
        .scalar("loss", 0.5f32)
        .write()
        .unwrap();
    // An invalid tag fails the whole step.
    assert!(matches!(
        w.step(3u32).histogram("a//b", &[1.0f32]).write(),
        Err(Error::InvalidTag { .. })
    ));
    assert!(matches!(
        w.add_histogram("", &[1.0f32], 3u32),
        Err(Error::InvalidTag { .. })
    ));
    w.close().unwrap();
    let got: Vec<(i64, String)> = written(dir.path())
        .into_iter()
        .map(|g| (g.0, g.1))
        .collect();
    assert_eq!(
        got,
        [
            (1, "layer1/weights".to_owned()),
            (2, "layer1/acts".to_owned()),
            (2, "layer1/grads".to_owned())
        ]
    );
    // The merged step is one event holding the scalar too.
    let events = read_events(dir.path()).unwrap();
    let step2: Vec<_> = events.iter().filter(|e| e.step == 2).collect();
    assert_eq!(step2.len(), 1);
    let Some(proto::event::What::Summary(s)) = &step2[0].what else {
        panic!()
    };
    assert_eq!(s.value.len(), 3);
    assert!(events.iter().all(|e| e.step != 3));
}

#[test]
fn large_inputs_counted_in_parts_equal_the_reference() {
    // Over three parts of 262,144 values, spread over threads where the machine has cores;
    // non-finite values in the middle of a part and at a part boundary.
    const PART: usize = 1 << 18;
    let mut rng = Rng(11);
    let mut xs: Vec<f32> = (0..3 * PART + 4321)
        .map(|_| (rng.normal() * 3.0) as f32)
        .collect();
    xs[PART - 1] = f32::NAN;
    xs[PART] = f32::INFINITY;
    xs[2 * PART + 17] = f32::NEG_INFINITY;
    xs[5] = 1.0e30;
    let whole = Histogram::from_values(&xs);

    // Counts, extremes and the number of values do not depend on the split.
    let mut one_by_one = Histogram::new();
    for chunk in xs.chunks(100_000 - 1) {
        for x in chunk.chunks(1000) {
            one_by_one.add(x);
        }
    }
    assert_eq!(whole.counts(), one_by_one.counts());
    assert_eq!(
        (whole.num(), whole.min(), whole.max()),
        (one_by_one.num(), one_by_one.min(), one_by_one.max())
    );
    assert_eq!(whole.num(), xs.len() as u64 - 3);
    // And they are TensorFlow's buckets (a binary search per value here: the linear
    // reference is too slow for a million values in a debug build).
    let f64s: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
    let edges = tf_edges();
    let mut want = vec![0u64; edges.len() - 1];
    for &x in f64s.iter().filter(|x| x.is_finite()) {
        want[edges.partition_point(|&e| e <= x) - 1] += 1;
    }
    assert_eq!(whole.counts(), &want[..]);

    // The sums are those of the parts, each counted alone, added in order: the same bits
    // whatever the number of threads that counted them.
    let mut parts = Histogram::new();
    for part in xs.chunks(PART) {
        let mut h = Histogram::new();
        h.add(part);
        parts.merge(&h).unwrap();
    }
    assert_eq!(whole.sum().to_bits(), parts.sum().to_bits());
    assert_eq!(whole.sum_squares().to_bits(), parts.sum_squares().to_bits());
    assert_eq!(whole, parts);
    let exact: f64 = f64s.iter().filter(|x| x.is_finite()).sum();
    assert!((whole.sum() - exact).abs() < 1e-6 * exact.abs().max(1.0));

    // Another element type takes the same path.
    let ys: Vec<f64> = f64s.iter().map(|x| x * 0.5).collect();
    let h64 = Histogram::from_values(&ys);
    let mut serial = Histogram::new();
    for chunk in ys.chunks(1000) {
        serial.add(chunk);
    }
    assert_eq!(h64.num(), whole.num());
    assert_eq!(h64.counts(), serial.counts());
    assert_eq!(h64.rows(), serial.rows());
}
