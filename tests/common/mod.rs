//! Helpers shared by the integration tests: reading back what a writer wrote.
#![allow(dead_code)] // each test binary uses a different subset

use tensorboard_writer::{proto, read_events};

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
