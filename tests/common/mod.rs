//! Helpers shared by the integration tests: reading back what a writer wrote, the Python
//! fixtures, deterministic test data ([`unit`], [`rng`]) and child tests' names.
//! Each test binary includes it at its root: `#[path = "../common/mod.rs"] mod common;` (the
//! `tests/<area>/main.rs` ones) or `mod common;` (`tests/crash.rs`).
//!
//! Two more files live here but are not modules of `common`; each is included with `#[path]`
//! where it is used: `counting_alloc.rs` (it installs itself as the global allocator of the
//! test binary that includes it: `tests/alloc.rs`, `tests/reading/`) and
//! `training_tags.rs` (`benches/scalars.rs`, `benches/scalar_timing.rs`, and read by
//! `scripts/bench-tensorboardx.py`). `rng.rs` is also included by `benches/upload.rs`.
#![allow(dead_code)] // each test binary uses a different subset

pub mod rng;

use tensorboard_writer::proto;
use tensorboard_writer::reader::read_events;

/// Every summary value in the run directory `dir`, with the step of its event, in file order.
pub fn values(dir: &std::path::Path) -> Vec<(i64, proto::summary::Value)> {
    read_events(dir)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::Summary(s)) => Some((e.step, s.value)),
            _ => None,
        })
        .flat_map(|(step, vs)| vs.into_iter().map(move |v| (step, v)))
        .collect()
}

/// The node named `name` of a graph (panics when there is none).
pub fn node<'a>(g: &'a proto::GraphDef, name: &str) -> &'a proto::NodeDef {
    g.node
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

/// The directory of the event files TensorBoard's own Python writer wrote
/// (`scripts/make-python-fixtures.py`), with `expected.json` saying what they hold.
pub fn python_fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python")
}

/// The tensor a value holds (panics when it holds something else).
pub fn tensor(v: &proto::summary::Value) -> &proto::TensorProto {
    match &v.value {
        Some(proto::summary::value::Value::Tensor(t)) => t,
        other => panic!("not a tensor: {other:?}"),
    }
}

/// The dimensions of a tensor's shape.
pub fn dims(t: &proto::TensorProto) -> Vec<i64> {
    t.tensor_shape
        .as_ref()
        .unwrap()
        .dim
        .iter()
        .map(|d| d.size)
        .collect()
}

/// Every value written into `dir`, by tag, as its encoded bytes with the tag cleared: equal
/// bytes mean two calls wrote the same summary.
pub fn written(dir: &std::path::Path) -> std::collections::BTreeMap<String, (i64, Vec<u8>)> {
    use prost::Message;
    values(dir)
        .into_iter()
        .map(|(step, mut v)| {
            let tag = std::mem::take(&mut v.tag);
            (tag, (step, v.encode_to_vec()))
        })
        .collect()
}

/// Asserts that `tensor/<name>` and `slice/<name>` were written, identically.
pub fn same(w: &std::collections::BTreeMap<String, (i64, Vec<u8>)>, name: &str) {
    let t = w
        .get(&format!("tensor/{name}"))
        .unwrap_or_else(|| panic!("tensor/{name} not written"));
    let s = w
        .get(&format!("slice/{name}"))
        .unwrap_or_else(|| panic!("slice/{name} not written"));
    assert_eq!(t, s, "{name}: the tensor and slice paths differ");
}

/// The `what` and `reason` of an [`Error::InvalidInput`](tensorboard_writer::Error), or a
/// panic naming what came instead.
pub fn invalid<T: std::fmt::Debug>(r: tensorboard_writer::Result<T>) -> (&'static str, String) {
    match r {
        Err(tensorboard_writer::Error::InvalidInput { what, reason }) => (what, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// The name the test harness gives the test `name` of the module `module_path` (pass
/// `module_path!()`): the path without the test binary's crate name, as `--exact` wants it
/// when a test re-runs its own binary for one test.
pub fn exact_test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{name}"),
        None => name.to_owned(),
    }
}

/// `n` deterministic values in `[0, 1)` (a linear congruential generator seeded by `seed`),
/// for the tensor tests' data.
pub fn unit(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}
