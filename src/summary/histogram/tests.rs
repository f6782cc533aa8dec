use super::bins::*;
use super::slots::*;
use super::tf_edges::*;
use super::write::*;
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
    if x == edges[n] { n } else { k }
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
