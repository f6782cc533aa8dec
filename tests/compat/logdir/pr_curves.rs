//! PR curves: curves computed from labels and predictions (default thresholds, few
//! thresholds, weights, predictions on the thresholds, a curve whose tail has no predicted
//! positives), and one from raw counts.
//!
//! Manifest section "pr_curves" (run `pr_curves`): `{tag: [{"step": s, "num_thresholds": n,
//! "rows": {"tp": [...], "fp": [...], "tn": [...], "fn": [...], "precision": [...],
//! "recall": [...]} (the f32 values this crate wrote, read back, untrimmed), "input":
//! {"labels": [bool], "predictions": [f32], "weights": null | [f32]} | {"raw": rows}}]}`. The check
//! (`tests/compat/sections/pr_curves.py`) recomputes each curve from its input the way
//! TensorBoard's own summary does, requires the same rows, and compares them with what
//! `/pr_curves` serves (counts truncated to integers, trailing thresholds with no predicted
//! positive trimmed).

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::pr_curve::PrCurveOptions;
use tensorboard_writer::{SummaryWriter, proto};

use crate::{Error, Manifest, json_f32};

const RUN: &str = "pr_curves";

/// Deterministic pseudo-random data: predictions in [0, max_pred], positives more likely at
/// high predictions, weights in {0, 0.5, ..., 3.5}.
fn data(count: usize, max_pred: f32, seed: u64) -> (Vec<bool>, Vec<f32>, Vec<f32>) {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 40) as u32 // 24 bits
    };
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..count {
        let p = next() as f32 / (1 << 24) as f32 * max_pred;
        out.0.push((next() % 1000) as f32 / 1000.0 < p);
        out.1.push(p);
        out.2.push((next() % 8) as f32 * 0.5);
    }
    out
}

fn floats(v: &[f32]) -> Value {
    Value::Array(v.iter().map(|&x| json_f32(x)).collect())
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let dir = logdir.join(RUN);
    let w = SummaryWriter::new(&dir)?;
    // (tag, step, num_thresholds, input as JSON) in the order written; the rows are read
    // back from the file below.
    let mut inputs: Vec<(String, i64, usize, Value)> = Vec::new();

    let (labels, preds, weights) = data(2000, 1.0, 7);
    for step in 0..2i64 {
        let n = 1000 * step as usize;
        let (l, p) = (&labels[n..n + 1000], &preds[n..n + 1000]);
        w.add_pr_curve("default", l, p, step)?;
        inputs.push((
            "default".into(),
            step,
            127,
            json!({"labels": l, "predictions": floats(p), "weights": null}),
        ));
    }

    let opts = PrCurveOptions {
        num_thresholds: 11,
        weights: Some(&weights[..500]),
    };
    w.add_pr_curve_with_options("weighted", &labels[..500], &preds[..500], opts, 0u32)?;
    inputs.push((
        "weighted".into(),
        0,
        11,
        json!({"labels": &labels[..500], "predictions": floats(&preds[..500]), "weights": floats(&weights[..500])}),
    ));

    // Predictions exactly on thresholds of a 5-threshold curve, and the extremes.
    let l = [true, false, true, false, true, true, false];
    let p = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.0];
    let eval = w.scope("eval")?;
    eval.step(2u32)
        .pr_curve_with_options(
            "exact",
            &l,
            &p,
            PrCurveOptions {
                num_thresholds: 5,
                weights: None,
            },
        )
        .scalar("auc", 0.75f32)
        .write()?;
    m.expect(RUN, "eval/auc", 2, 0.75, None);
    inputs.push((
        "eval/exact".into(),
        2,
        5,
        json!({"labels": l, "predictions": floats(&p), "weights": null}),
    ));

    // No prediction above 0.6: the served curve stops where TP + FP reaches 0.
    let (l, p, _) = data(300, 0.6, 11);
    let opts = PrCurveOptions {
        num_thresholds: 21,
        weights: None,
    };
    w.add_pr_curve_with_options("trimmed", &l, &p, opts, 4u32)?;
    inputs.push((
        "trimmed".into(),
        4,
        21,
        json!({"labels": l, "predictions": floats(&p), "weights": null}),
    ));

    // Predictions next to the thresholds of a 127-threshold curve where the float32 product
    // p × 126 rounds across a bucket boundary (found with NumPy), and the thresholds
    // themselves: bucketing must follow float32 arithmetic exactly.
    let mut p: Vec<f32> = Vec::new();
    for i in 1..126u32 {
        let t = i as f32 / 126.0;
        for q in [
            f32::from_bits(t.to_bits() - 1),
            t,
            f32::from_bits(t.to_bits() + 1),
        ] {
            p.push(q);
        }
    }
    let l: Vec<bool> = (0..p.len()).map(|i| i % 3 != 1).collect();
    w.add_pr_curve("boundaries", &l, &p, 5u32)?;
    inputs.push((
        "boundaries".into(),
        5,
        127,
        json!({"labels": l, "predictions": floats(&p), "weights": null}),
    ));

    // Raw counts, with fractional counts (served truncated).
    let tp = [10.0, 7.5, 3.0, 0.0];
    let fp = [10.0, 4.0, 0.5, 0.0];
    let tn = [0.0, 6.0, 9.5, 10.0];
    let fn_ = [0.0, 2.5, 7.0, 10.0];
    let precision = [0.5, 7.5 / 11.5, 3.0 / 3.5, 0.0];
    let recall = [1.0, 0.75, 0.3, 0.0];
    w.add_pr_curve_raw("raw", &tp, &fp, &tn, &fn_, &precision, &recall, 4, 6u32)?;
    inputs.push((
        "raw".into(),
        6,
        4,
        json!({"raw": {"tp": floats(&tp), "fp": floats(&fp), "tn": floats(&tn), "fn": floats(&fn_),
                       "precision": floats(&precision), "recall": floats(&recall)}}),
    ));
    w.close()?;

    // The rows as written, read back from the event file, in write order.
    let mut written = Vec::new();
    for e in read_events(&dir)? {
        if let Some(proto::event::What::Summary(s)) = e.what {
            for v in s.value {
                if let Some(proto::summary::value::Value::Tensor(t)) = v.value {
                    let flat: Vec<f32> = t
                        .tensor_content
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect();
                    written.push((v.tag, e.step, flat));
                }
            }
        }
    }
    if written.len() != inputs.len() {
        return Err(format!(
            "{} PR curves read back, {} written",
            written.len(),
            inputs.len()
        )
        .into());
    }
    for ((tag, step, n, input), (got_tag, got_step, flat)) in inputs.into_iter().zip(written) {
        if (tag.as_str(), step, 6 * n) != (got_tag.as_str(), got_step, flat.len()) {
            return Err(format!("read back {got_tag}@{got_step}, expected {tag}@{step}").into());
        }
        let row = |i: usize| floats(&flat[i * n..(i + 1) * n]);
        m.point(
            RUN,
            "pr_curves",
            &tag,
            json!({
                "step": step,
                "num_thresholds": n,
                "rows": {"tp": row(0), "fp": row(1), "tn": row(2), "fn": row(3),
                         "precision": row(4), "recall": row(5)},
                "input": input,
            }),
        );
    }
    Ok(())
}
