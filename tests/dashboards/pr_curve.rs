//! PR curve summaries as written to disk, against counts computed independently here by
//! the definition (an example is predicted positive at threshold `t` when its prediction is
//! at least `t`).

use prost::Message;
use tensorboard_writer::summary::pr_curve::{DEFAULT_NUM_THRESHOLDS, PrCurveOptions};
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::values;

/// The `[6, N]` float tensor of a PR curve value as rows, after checking its form.
fn rows(v: &proto::summary::Value, n: usize) -> Vec<Vec<f32>> {
    let md = v.metadata.as_ref().unwrap();
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "pr_curves");
    let content = proto::PrCurvePluginData::decode(&pd.content[..]).unwrap();
    assert_eq!(content.version, 0);
    assert_eq!(content.num_thresholds as usize, n);
    assert_eq!(md.data_class, proto::DataClass::Tensor as i32);
    let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
        panic!("not a tensor")
    };
    assert_eq!(t.dtype, proto::DataType::DtFloat as i32);
    let dims: Vec<i64> = t
        .tensor_shape
        .as_ref()
        .unwrap()
        .dim
        .iter()
        .map(|d| d.size)
        .collect();
    assert_eq!(dims, [6, n as i64]);
    let flat: Vec<f32> = t
        .tensor_content
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(flat.len(), 6 * n);
    flat.chunks(n).map(<[f32]>::to_vec).collect()
}

/// The curve by definition: at threshold `i / (n-1)`, an example is predicted positive when
/// its prediction is at least the threshold. O(n × examples); exact for weights that are
/// small dyadic fractions.
fn by_definition(labels: &[bool], preds: &[f32], weights: &[f32], n: usize) -> Vec<Vec<f32>> {
    let mut out = vec![Vec::new(); 6];
    for i in 0..n {
        let t = i as f64 / (n - 1) as f64;
        let (mut tp, mut fp, mut tn, mut fn_) = (0f64, 0f64, 0f64, 0f64);
        for ((&l, &p), &w) in labels.iter().zip(preds).zip(weights) {
            let w = f64::from(w);
            match (f64::from(p) >= t, l) {
                (true, true) => tp += w,
                (true, false) => fp += w,
                (false, false) => tn += w,
                (false, true) => fn_ += w,
            }
        }
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        for (row, x) in out.iter_mut().zip([tp, fp, tn, fn_, precision, recall]) {
            row.push(x as f32);
        }
    }
    out
}

/// Deterministic pseudo-random predictions, kept away from the thresholds of an
/// `n`-threshold curve so that float rounding at a boundary cannot matter.
fn data(count: usize, n: usize, seed: u64) -> (Vec<bool>, Vec<f32>, Vec<f32>) {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let (mut labels, mut preds, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    while preds.len() < count {
        let p = next() as f32 / (1u64 << 31) as f32;
        let pos = f64::from(p) * (n - 1) as f64;
        if p > 1.0 || (pos - pos.round()).abs() < 1e-3 {
            continue;
        }
        // Positives lean towards high predictions.
        labels.push(next() % 100 < (p * 100.0) as u32);
        preds.push(p);
        weights.push((next() % 8) as f32 * 0.25); // 0, 0.25, ..., 1.75
    }
    (labels, preds, weights)
}

#[test]
fn default_thresholds_match_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (labels, preds, _) = data(1000, DEFAULT_NUM_THRESHOLDS, 1);
    w.add_pr_curve("eval/pr", &labels, &preds, 4u32).unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 1);
    assert_eq!((vals[0].0, vals[0].1.tag.as_str()), (4, "eval/pr"));
    let got = rows(&vals[0].1, 127);
    let ones = vec![1.0; labels.len()];
    assert_eq!(got, by_definition(&labels, &preds, &ones, 127));
    // Sanity: at threshold 0 everything is predicted positive.
    let positives = labels.iter().filter(|&&l| l).count() as f32;
    assert_eq!(got[0][0], positives);
    assert_eq!(got[1][0], 1000.0 - positives);
    assert_eq!(got[5][0], 1.0);
}

#[test]
fn options_and_weights_match_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (labels, preds, weights) = data(500, 11, 2);
    let opts = PrCurveOptions {
        num_thresholds: 11,
        weights: Some(&weights),
    };
    w.add_pr_curve_with_options("weighted", &labels, &preds, opts, 1u32)
        .unwrap();
    w.step(2u32)
        .pr_curve_with_options(
            "two",
            &labels,
            &preds,
            PrCurveOptions {
                num_thresholds: 2,
                weights: None,
            },
        )
        .write()
        .unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 2);
    assert_eq!(
        rows(&vals[0].1, 11),
        by_definition(&labels, &preds, &weights, 11)
    );
    let ones = vec![1.0; labels.len()];
    assert_eq!(
        rows(&vals[1].1, 2),
        by_definition(&labels, &preds, &ones, 2)
    );
}

#[test]
fn predictions_on_thresholds_and_extremes() {
    // Exact multiples of 1/4 with 5 thresholds: p = i/4 counts as positive at threshold i.
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let labels = [true, false, true, false, true, true];
    let preds = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0];
    let opts = PrCurveOptions {
        num_thresholds: 5,
        weights: None,
    };
    w.add_pr_curve_with_options("exact", &labels, &preds, opts, 0u32)
        .unwrap();
    w.close().unwrap();
    let got = rows(&values(dir.path())[0].1, 5);
    assert_eq!(got, by_definition(&labels, &preds, &[1.0; 6], 5));
    assert_eq!(got[0], [4.0, 3.0, 3.0, 2.0, 2.0]);
    assert_eq!(got[1], [2.0, 2.0, 1.0, 1.0, 0.0]);
}

#[test]
fn raw_counts_are_stored_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let s = w.scope("raw").unwrap();
    let tp = [10.0, 8.0, 3.0, 0.0];
    let fp = [10.0, 4.0, 1.0, 0.0];
    let tn = [0.0, 6.0, 9.0, 10.0];
    let fn_ = [0.0, 2.0, 7.0, 10.0];
    let precision = [0.5, 8.0 / 12.0, 0.75, 0.0];
    let recall = [1.0, 0.8, 0.3, 0.0];
    s.add_pr_curve_raw("pr", &tp, &fp, &tn, &fn_, &precision, &recall, 4, 9u32)
        .unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    assert_eq!((vals[0].0, vals[0].1.tag.as_str()), (9, "raw/pr"));
    assert_eq!(
        rows(&vals[0].1, 4),
        [&tp, &fp, &tn, &fn_, &precision, &recall].map(|r| r.to_vec())
    );
}

#[test]
fn bad_input_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let invalid = |r: Result<(), Error>| {
        matches!(
            r,
            Err(Error::InvalidInput {
                what: "PR curve",
                ..
            })
        )
    };
    let opts = |n, weights| PrCurveOptions {
        num_thresholds: n,
        weights,
    };
    assert!(invalid(w.add_pr_curve("p", &[true], &[f32::NAN], 0u32)));
    assert!(invalid(w.add_pr_curve("p", &[true], &[1.5], 0u32)));
    assert!(invalid(w.add_pr_curve("p", &[true, false], &[0.5], 0u32)));
    assert!(invalid(w.add_pr_curve("p", &[], &[], 0u32)));
    assert!(invalid(w.add_pr_curve_with_options(
        "p",
        &[true],
        &[0.5],
        opts(1, None),
        0u32
    )));
    assert!(invalid(w.add_pr_curve_with_options(
        "p",
        &[true],
        &[0.5],
        opts(3, Some(&[1.0, 2.0])),
        0u32
    )));
    assert!(invalid(w.add_pr_curve_with_options(
        "p",
        &[true],
        &[0.5],
        opts(3, Some(&[f32::NAN])),
        0u32
    )));
    let ok = [0.0f32; 3];
    let r = |tp: &[f32], p: &[f32], n| w.add_pr_curve_raw("p", tp, &ok, &ok, &ok, p, &ok, n, 0u32);
    assert!(invalid(r(&[0.0; 2], &ok, 3)), "short row");
    assert!(
        invalid(r(&ok, &ok, 2)),
        "num_thresholds differs from the rows"
    );
    assert!(
        invalid(r(&[0.0; 1], &[0.0; 1], 1)),
        "num_thresholds below 2"
    );
    assert!(invalid(r(&[-1.0, 0.0, 0.0], &ok, 3)), "negative count");
    assert!(
        invalid(r(&[f32::INFINITY, 0.0, 0.0], &ok, 3)),
        "infinite count"
    );
    assert!(invalid(r(&ok, &[0.0, f32::NAN, 0.0], 3)), "NaN precision");
    assert!(invalid(r(&ok, &[0.0, 1.5, 0.0], 3)), "precision above 1");
    assert!(matches!(
        w.add_pr_curve("p?", &[true], &[0.5], 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.close().unwrap();
    assert!(values(dir.path()).is_empty());
}
