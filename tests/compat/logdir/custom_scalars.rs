//! Custom scalars: a layout with multiline and margin charts (one category closed), written
//! by a scoped handle, and the scalars its charts match.
//!
//! Manifest section "custom_scalars" (run `custom_scalars`): `{"custom_scalars__config__":
//! [{"step": 0, "layout": <the Layout JSON /custom_scalars/layout must serve, default fields
//! included>, "queries": {regex: {tag: [[step, value], ...]}}}]}`. The scalars are also in
//! the run's "scalars" section. The check (`tests/compat/sections/custom_scalars.py`)
//! compares `/custom_scalars/layout` with the layouts of all runs merged the way
//! TensorBoard merges them, and asks `/custom_scalars/scalars` for each regex.

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::custom_scalars::{CONFIG_TAG, Category, Layout, MarginSeries};

use crate::{Error, Manifest, json_f32};

const RUN: &str = "custom_scalars";

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let w = SummaryWriter::new(logdir.join(RUN))?;
    let layout = Layout::new()
        .category(
            Category::new("Losses")
                .multiline("train and eval", &["loss/.*"])
                .multiline("eval only", &["loss/eval", "acc$"]),
        )
        .category(Category::new("Bands").closed(true).margin(
            "accuracy",
            &[MarginSeries::new("acc/mean", "acc/lower", "acc/upper")],
        ));
    // Written through a scope: neither the reserved tag nor the layout is scoped.
    w.scope("ignored")?.add_custom_scalars(&layout)?;

    let multiline =
        |title: &str, tags: &[&str]| json!({"title": title, "multiline": {"tag": tags}});
    let expected_layout = json!({
        "version": 0,
        "category": [
            {"title": "Losses", "closed": false, "chart": [
                multiline("train and eval", &["loss/.*"]),
                multiline("eval only", &["loss/eval", "acc$"]),
            ]},
            {"title": "Bands", "closed": true, "chart": [
                {"title": "accuracy", "margin": {"series": [
                    {"value": "acc/mean", "lower": "acc/lower", "upper": "acc/upper"}
                ]}},
            ]},
        ],
    });

    let mut series: Vec<(&str, Vec<(i64, f32)>)> = Vec::new();
    for (tag, scale) in [
        ("loss/train", 1.0f32),
        ("loss/eval", 1.25),
        ("acc/mean", 0.5),
        ("acc/lower", 0.25),
        ("acc/upper", 0.75),
    ] {
        let mut points = Vec::new();
        for step in 0..4i64 {
            let v = scale / (1.0 + step as f32);
            w.add_scalar(tag, v, step)?;
            m.expect(RUN, tag, step, v, None);
            points.push((step, v));
        }
        series.push((tag, points));
    }
    let matching = |pred: &dyn Fn(&str) -> bool| -> Value {
        let obj: serde_json::Map<String, Value> = series
            .iter()
            .filter(|(tag, _)| pred(tag))
            .map(|(tag, pts)| {
                let pts = pts.iter().map(|&(s, v)| json!([s, json_f32(v)])).collect();
                ((*tag).to_owned(), Value::Array(pts))
            })
            .collect();
        Value::Object(obj)
    };
    // Python's re.match anchors at the start only.
    let queries = json!({
        "loss/.*": matching(&|t| t.starts_with("loss/")),
        "acc/(lower|upper)": matching(&|t| t == "acc/lower" || t == "acc/upper"),
        "acc": matching(&|t| t.starts_with("acc")),
        "nothing_matches": matching(&|_| false),
    });
    m.point(
        RUN,
        "custom_scalars",
        CONFIG_TAG,
        json!({"step": 0, "layout": expected_layout, "queries": queries}),
    );
    w.close()?;
    Ok(())
}
