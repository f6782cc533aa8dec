//! Writes a logdir that exercises everything the crate can log, and a JSON manifest of what
//! TensorBoard must serve for it. `scripts/tensorboard-compat.sh` runs this, starts the real
//! TensorBoard on the logdir under each of its loaders, and checks every run, tag, step and
//! value through TensorBoard's HTTP API (`tests/compat/check.py` and `tests/compat/sections/`).
//!
//! Usage: `cargo run -p tensorboard-writer-compat -- <LOGDIR> <MANIFEST.json>`
//!
//! With `TBW_COMPAT_S3_URL=s3://bucket/prefix` (and the AWS_* variables of an S3 server) it also
//! writes run `s3` through S3 and downloads it into the logdir (`s3.rs`; needs
//! `--features object-store`).
//!
//! One module per dashboard; each writes its runs and records what it expects in the
//! manifest section of the same name.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

mod audio;
mod custom_scalars;
mod graphs;
mod histograms;
mod hparams;
mod images;
mod mesh;
mod pr_curves;
mod projector;
mod resume;
mod rng;
#[cfg(feature = "object-store")]
mod s3;
mod scalars;
mod text;

pub type Error = Box<dyn std::error::Error>;

/// What TensorBoard must serve: run -> section -> tag -> points (in step order, one per step:
/// TensorBoard's Rust loader keeps the last value written for a step).
#[derive(Default)]
pub struct Manifest {
    runs: BTreeMap<String, BTreeMap<String, Section>>,
}

/// One dashboard's expectations in one run: tag -> step -> point.
type Section = BTreeMap<String, BTreeMap<i64, Value>>;

/// A float as the manifest writes it: a number, or "NaN", "Infinity", "-Infinity".
pub fn json_f32(v: f32) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f32::INFINITY {
        json!("Infinity")
    } else if v == f32::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(f64::from(v))
    }
}

impl Manifest {
    /// Records that `section` of `run` must serve `point` (an object with at least "step")
    /// for `tag`.
    pub fn point(&mut self, run: &str, section: &str, tag: &str, point: Value) {
        let step = point["step"].as_i64().expect("a point has an integer step");
        self.runs
            .entry(run.to_owned())
            .or_default()
            .entry(section.to_owned())
            .or_default()
            .entry(tag.to_owned())
            .or_default()
            .insert(step, point);
    }

    /// A scalar point.
    pub fn expect(&mut self, run: &str, tag: &str, step: i64, value: f32, wall_time: Option<f64>) {
        let mut point = json!({"step": step, "value": json_f32(value)});
        if let Some(w) = wall_time {
            point["wall_time"] = json!(w);
        }
        self.point(run, "scalars", tag, point);
    }

    fn to_json(&self) -> Value {
        let runs: serde_json::Map<String, Value> = self
            .runs
            .iter()
            .map(|(run, sections)| {
                let sections: serde_json::Map<String, Value> = sections
                    .iter()
                    .map(|(section, tags)| {
                        let tags: serde_json::Map<String, Value> = tags
                            .iter()
                            .map(|(tag, pts)| {
                                (tag.clone(), Value::Array(pts.values().cloned().collect()))
                            })
                            .collect();
                        (section.clone(), Value::Object(tags))
                    })
                    .collect();
                (run.clone(), Value::Object(sections))
            })
            .collect();
        json!({"version": 1, "runs": runs})
    }
}

#[cfg(feature = "object-store")]
fn s3_run(logdir: &Path, m: &mut Manifest, url: &str) -> Result<(), Error> {
    s3::write(logdir, m, url)
}

#[cfg(not(feature = "object-store"))]
fn s3_run(_: &Path, _: &mut Manifest, url: &str) -> Result<(), Error> {
    Err(format!("TBW_COMPAT_S3_URL={url} needs `--features object-store`").into())
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (Some(logdir), Some(manifest_path)) = (args.next(), args.next()) else {
        return Err("usage: compat_logdir <LOGDIR> <MANIFEST.json>".into());
    };
    let logdir = Path::new(&logdir);
    let mut m = Manifest::default();

    scalars::scalars(logdir, &mut m)?;
    scalars::threads(logdir, &mut m)?;
    scalars::two_files(logdir, &mut m)?;
    scalars::ranks(logdir, &mut m)?;
    text::text(logdir, &mut m)?;
    histograms::write(logdir, &mut m)?;
    images::write(logdir, &mut m)?;
    audio::write(logdir, &mut m)?;
    pr_curves::write(logdir, &mut m)?;
    custom_scalars::write(logdir, &mut m)?;
    mesh::write(logdir, &mut m)?;
    hparams::write(logdir, &mut m)?;
    graphs::write(logdir, &mut m)?;
    projector::write(logdir, &mut m)?;
    resume::write(logdir, &mut m)?;
    // One more run, written through S3, when scripts/tensorboard-compat.sh gives an S3 server.
    if let Ok(url) = std::env::var("TBW_COMPAT_S3_URL") {
        s3_run(logdir, &mut m, &url)?;
    }

    std::fs::write(&manifest_path, serde_json::to_string_pretty(&m.to_json())?)?;
    println!("wrote {} and {}", logdir.display(), manifest_path);
    Ok(())
}
