//! Hparams records as written to disk: read back and decoded independently of the writer.

use std::collections::HashMap;
use std::path::Path;

use prost::Message;
use prost_types::value::Kind;
use tensorboard_writer::proto::hparams::{
    DataType, DatasetType as PbDataset, Experiment, HParamsPluginData, SessionEndInfo,
    SessionStartInfo, Status, h_param_info::Domain, h_params_plugin_data::Data,
};
use tensorboard_writer::reader::{read_events, read_scalars};
use tensorboard_writer::summary::hparams::{
    DatasetType, HParam, HParamValue, HParamsExperiment, Metric, SessionStatus,
};
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::values;

/// Number of summary events (not values) in the run.
fn summary_events(dir: &Path) -> usize {
    read_events(dir)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.what, Some(proto::event::What::Summary(_))))
        .count()
}

/// Checks the form TensorBoard reads (plugin "hparams", data class TENSOR, empty DT_FLOAT
/// `[0]` tensor, version 0) and decodes the plugin data.
fn decode(v: &proto::summary::Value) -> Data {
    let md = v
        .metadata
        .as_ref()
        .expect("metadata on every hparams value");
    assert_eq!(md.data_class, proto::DataClass::Tensor as i32);
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "hparams");
    let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
        panic!("{}: not a tensor", v.tag)
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
    assert_eq!(dims, [0]);
    assert!(t.tensor_content.is_empty() && t.float_val.is_empty());
    let data = HParamsPluginData::decode(pd.content.as_slice()).unwrap();
    assert_eq!(data.version, 0);
    data.data.expect("plugin data set")
}

fn find<'a>(
    vals: &'a [(i64, proto::summary::Value)],
    tag: &str,
) -> Vec<&'a (i64, proto::summary::Value)> {
    vals.iter().filter(|(_, v)| v.tag == tag).collect()
}

fn start_info(dir: &Path) -> SessionStartInfo {
    let vals = values(dir);
    let found = find(&vals, "_hparams_/session_start_info");
    assert_eq!(found.len(), 1);
    match decode(&found[0].1) {
        Data::SessionStartInfo(s) => s,
        other => panic!("{other:?}"),
    }
}

fn end_info(dir: &Path) -> Option<SessionEndInfo> {
    let vals = values(dir);
    let found = find(&vals, "_hparams_/session_end_info");
    assert!(found.len() <= 1);
    found.first().map(|(_, v)| match decode(v) {
        Data::SessionEndInfo(e) => e,
        other => panic!("{other:?}"),
    })
}

fn experiment(dir: &Path) -> Experiment {
    let vals = values(dir);
    let found = find(&vals, "_hparams_/experiment");
    assert_eq!(found.len(), 1);
    match decode(&found[0].1) {
        Data::Experiment(e) => e,
        other => panic!("{other:?}"),
    }
}

fn kinds(s: &SessionStartInfo) -> HashMap<String, Kind> {
    s.hparams
        .iter()
        .map(|(k, v)| (k.clone(), v.kind.clone().unwrap()))
        .collect()
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn add_hparams_writes_session_metrics_and_success_in_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("lr=0.01,opt=adam");
    let w = SummaryWriter::new(&run).unwrap();
    for step in 0..5u32 {
        w.add_scalar("loss", 1.0 / (step as f32 + 1.0), step)
            .unwrap();
    }
    let before = now();
    w.add_hparams(
        [
            ("lr", HParamValue::from(0.01)),
            ("optimizer", "adam".into()),
            ("layers", 4u32.into()),
            ("augment", true.into()),
            ("warmup", 0.1f32.into()),
        ],
        &[("accuracy", 0.93), ("loss", 0.125)],
        5u32,
    )
    .unwrap();
    w.close().unwrap();
    let after = now();

    // One event at step 5 holds start info, both metrics and the end info.
    let events: Vec<_> = read_events(&run)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::Summary(s)) if e.step == 5 => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    let tags: Vec<&str> = events[0].value.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(
        tags,
        [
            "_hparams_/session_start_info",
            "accuracy",
            "loss",
            "_hparams_/session_end_info"
        ]
    );

    let s = start_info(&run);
    let expected: HashMap<String, Kind> = [
        ("lr", Kind::NumberValue(0.01)),
        ("optimizer", Kind::StringValue("adam".into())),
        ("layers", Kind::NumberValue(4.0)),
        ("augment", Kind::BoolValue(true)),
        ("warmup", Kind::NumberValue(0.1)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(kinds(&s), expected);
    assert_eq!(s.group_name, "");
    assert!(s.start_time_secs >= before.floor() && s.start_time_secs <= after + 1.0);

    let e = end_info(&run).unwrap();
    assert_eq!(e.status, Status::Success as i32);
    assert!(e.end_time_secs >= s.start_time_secs);

    // Metrics are ordinary scalars of the same run; "loss" continues the training curve.
    let scalars = read_scalars(&run).unwrap();
    assert_eq!(scalars["accuracy"].len(), 1);
    assert_eq!(scalars["accuracy"][0].step, 5);
    assert_eq!(scalars["accuracy"][0].value, f64::from(0.93f32));
    let loss: Vec<(i64, f64)> = scalars["loss"].iter().map(|p| (p.step, p.value)).collect();
    assert_eq!(loss.len(), 6);
    assert_eq!(loss[5], (5, 0.125));
}

#[test]
fn metrics_are_scoped_but_hparams_tags_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let eval = w.scope("eval").unwrap();
    eval.add_hparams([("seed", 1)], &[("accuracy", 0.5f32)], 3i64)
        .unwrap();
    w.close().unwrap();
    let tags: Vec<String> = values(dir.path()).into_iter().map(|(_, v)| v.tag).collect();
    assert_eq!(
        tags,
        [
            "_hparams_/session_start_info",
            "eval/accuracy",
            "_hparams_/session_end_info"
        ]
    );
}

#[test]
fn a_run_holds_one_session_and_a_second_one_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_hparams([("lr", 0.1)], &[("acc", 0.5)], 1u32).unwrap();
    w.flush().unwrap();
    let n = summary_events(dir.path());

    let again = w.add_hparams([("lr", 0.2)], &[("acc", 0.6)], 2u32);
    assert!(
        matches!(again, Err(Error::InvalidInput { .. })),
        "{again:?}"
    );
    assert!(w.hparams_session_start([("lr", 0.2)]).is_err());
    assert!(w.hparams_session_end(SessionStatus::Failure).is_err());
    // A clone, a scope and a second writer on the same directory are the same run.
    assert!(w.clone().hparams_session_start([("lr", 0.2)]).is_err());
    assert!(
        w.scope("x")
            .unwrap()
            .hparams_session_start([("lr", 0.2)])
            .is_err()
    );
    let w2 = SummaryWriter::new(dir.path()).unwrap();
    let err = w2
        .add_hparams([("lr", 0.3)], &[("acc", 0.7)], 3u32)
        .unwrap_err();
    assert!(err.to_string().contains("already has"), "{err}");
    w2.close().unwrap();
    w.close().unwrap();

    assert_eq!(summary_events(dir.path()), n);
    assert_eq!(
        start_info(dir.path()).hparams["lr"].kind,
        Some(Kind::NumberValue(0.1))
    );
    assert_eq!(read_scalars(dir.path()).unwrap()["acc"].len(), 1);
}

#[test]
fn session_start_then_end_with_each_status() {
    let dir = tempfile::tempdir().unwrap();
    for (name, status, expected) in [
        ("ok", SessionStatus::Success, Status::Success),
        ("failed", SessionStatus::Failure, Status::Failure),
        ("running", SessionStatus::Running, Status::Running),
        ("unknown", SessionStatus::Unknown, Status::Unknown),
    ] {
        let run = dir.path().join(name);
        let w = SummaryWriter::new(&run).unwrap();
        w.hparams_session_start([("name", name)]).unwrap();
        w.add_scalar("acc", 0.25f32, 7u32).unwrap();
        w.flush().unwrap();
        assert!(end_info(&run).is_none(), "no end info before the end");
        w.hparams_session_end(status).unwrap();
        let again = w.hparams_session_end(SessionStatus::Success);
        assert!(matches!(again, Err(Error::InvalidInput { .. })));
        w.close().unwrap();

        assert_eq!(
            kinds(&start_info(&run))["name"],
            Kind::StringValue(name.into())
        );
        assert_eq!(end_info(&run).unwrap().status, expected as i32);
        // Start and end info each once: the failed second end wrote nothing.
        assert_eq!(summary_events(&run), 3);
    }
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let cases: Vec<Result<(), Error>> = vec![
        w.add_hparams([("lr", f64::NAN)], &[("acc", 0.5)], 0u32),
        w.add_hparams([("lr", f64::INFINITY)], &[("acc", 0.5)], 0u32),
        w.add_hparams([("", 1.0)], &[("acc", 0.5)], 0u32),
        w.add_hparams([("a", 1.0), ("a", 2.0)], &[("acc", 0.5)], 0u32),
        w.add_hparams([("a", 1.0)], &[("acc", 0.5), ("acc", 0.6)], 0u32),
        w.add_hparams([("a", 1.0)], &[("bad tag*", 0.5)], 0u32),
        w.add_hparams([("a", 1.0)], &[("acc", 1e300)], 0u32),
        w.add_hparams([("a", 1.0)], &[("acc", 0.5)], u64::MAX),
        w.hparams_session_start([("lr", f32::NAN)]),
        w.add_hparams_experiment(&HParamsExperiment::new()),
        w.add_hparams_experiment(
            &HParamsExperiment::new()
                .hparam(HParam::new("x").discrete([HParamValue::from(1), "a".into()])),
        ),
        w.add_hparams_experiment(
            &HParamsExperiment::new().hparam(HParam::new("x").interval(1.0, 0.0)),
        ),
    ];
    for (i, r) in cases.iter().enumerate() {
        assert!(r.is_err(), "case {i} accepted");
    }
    w.flush().unwrap();
    assert_eq!(summary_events(dir.path()), 0);
    // The refused calls did not use up the run's one session or experiment.
    w.add_hparams([("a", 1.0)], &[("acc", 0.5)], 0u32).unwrap();
    w.add_hparams_experiment(&HParamsExperiment::new().hparam(HParam::new("a")))
        .unwrap();
    w.close().unwrap();
    assert_eq!(summary_events(dir.path()), 2);
}

#[test]
fn a_closed_writer_does_not_use_up_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.close().unwrap();
    assert!(matches!(
        w.add_hparams([("a", 1)], &[("acc", 0.5)], 0u32),
        Err(Error::Closed)
    ));
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_hparams([("a", 1)], &[("acc", 0.5)], 0u32).unwrap();
    w.close().unwrap();
    assert_eq!(kinds(&start_info(dir.path()))["a"], Kind::NumberValue(1.0));
}

#[test]
fn experiment_definition_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let exp = HParamsExperiment::new()
        .name("sweep-7")
        .description("lr × optimizer")
        .user("ci")
        .time_created_secs(1_700_000_000.5)
        .hparam(
            HParam::new("lr")
                .display_name("learning rate")
                .description("Adam's *alpha*")
                .interval(1e-4, 0.1),
        )
        .hparam(HParam::new("optimizer").discrete(["adam", "sgd"]))
        .hparam(HParam::new("augment").discrete([false, true]))
        .hparam(HParam::new("batch_size").discrete([16, 32, 64]))
        .hparam(HParam::new("note"))
        .metric(Metric::new("loss").dataset_type(DatasetType::Training))
        .metric(
            Metric::new("accuracy")
                .group("eval")
                .display_name("eval accuracy")
                .description("on the held-out set")
                .dataset_type(DatasetType::Validation),
        );
    w.add_hparams_experiment(&exp).unwrap();
    let again = w.add_hparams_experiment(&exp);
    assert!(matches!(again, Err(Error::InvalidInput { .. })));
    w.close().unwrap();

    let e = experiment(dir.path());
    assert_eq!(
        (e.name.as_str(), e.description.as_str(), e.user.as_str()),
        ("sweep-7", "lr × optimizer", "ci")
    );
    assert_eq!(e.time_created_secs, 1_700_000_000.5);
    let names: Vec<&str> = e.hparam_infos.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["lr", "optimizer", "augment", "batch_size", "note"]);

    let lr = &e.hparam_infos[0];
    assert_eq!(lr.display_name, "learning rate");
    assert_eq!(lr.description, "Adam's *alpha*");
    assert_eq!(lr.r#type, DataType::Float64 as i32);
    match &lr.domain {
        Some(Domain::DomainInterval(i)) => assert_eq!((i.min_value, i.max_value), (1e-4, 0.1)),
        other => panic!("{other:?}"),
    }
    let discrete = |i: usize| -> (i32, Vec<Kind>) {
        let h = &e.hparam_infos[i];
        match &h.domain {
            Some(Domain::DomainDiscrete(l)) => (
                h.r#type,
                l.values.iter().map(|v| v.kind.clone().unwrap()).collect(),
            ),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        discrete(1),
        (
            DataType::String as i32,
            vec![
                Kind::StringValue("adam".into()),
                Kind::StringValue("sgd".into())
            ]
        )
    );
    assert_eq!(
        discrete(2),
        (
            DataType::Bool as i32,
            vec![Kind::BoolValue(false), Kind::BoolValue(true)]
        )
    );
    assert_eq!(
        discrete(3),
        (
            DataType::Float64 as i32,
            vec![
                Kind::NumberValue(16.0),
                Kind::NumberValue(32.0),
                Kind::NumberValue(64.0)
            ]
        )
    );
    assert_eq!(e.hparam_infos[4].r#type, DataType::Unset as i32);
    assert!(e.hparam_infos[4].domain.is_none());

    let m: Vec<(String, String, String, String, i32)> = e
        .metric_infos
        .iter()
        .map(|m| {
            let n = m.name.clone().unwrap();
            (
                n.group,
                n.tag,
                m.display_name.clone(),
                m.description.clone(),
                m.dataset_type,
            )
        })
        .collect();
    assert_eq!(
        m,
        [
            (
                "".into(),
                "loss".into(),
                "".into(),
                "".into(),
                PbDataset::DatasetTraining as i32
            ),
            (
                "eval".into(),
                "accuracy".into(),
                "eval accuracy".into(),
                "on the held-out set".into(),
                PbDataset::DatasetValidation as i32
            ),
        ]
    );
}

#[test]
fn a_sweep_is_one_experiment_and_one_session_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = SummaryWriter::new(dir.path()).unwrap();
    root.add_hparams_experiment(
        &HParamsExperiment::new()
            .hparam(HParam::new("lr").interval(0.001, 0.1))
            .hparam(HParam::new("opt").discrete(["adam", "sgd"]))
            .metric(Metric::new("acc")),
    )
    .unwrap();
    root.close().unwrap();

    // Trials run concurrently, each with its own writer in its own run directory.
    let trials = [
        (0.1, "sgd", 0.8),
        (0.01, "adam", 0.9),
        (0.001, "adam", 0.85),
    ];
    std::thread::scope(|s| {
        for (lr, opt, acc) in trials {
            let path = dir.path().join(format!("lr={lr},opt={opt}"));
            s.spawn(move || {
                let w = SummaryWriter::new(path).unwrap();
                for step in 0..10u32 {
                    w.add_scalar("acc", acc * f64::from(step) / 9.0, step)
                        .unwrap();
                }
                w.add_hparams(
                    [("lr", HParamValue::from(lr)), ("opt", opt.into())],
                    &[("acc", acc)],
                    9u32,
                )
                .unwrap();
                w.close().unwrap();
            });
        }
    });

    // The root run holds only the experiment; each trial run one session, no experiment.
    let root_tags: Vec<String> = values(dir.path()).into_iter().map(|(_, v)| v.tag).collect();
    assert_eq!(root_tags, ["_hparams_/experiment"]);
    for (lr, opt, acc) in trials {
        let run = dir.path().join(format!("lr={lr},opt={opt}"));
        let s = start_info(&run);
        assert_eq!(kinds(&s)["lr"], Kind::NumberValue(lr));
        assert_eq!(kinds(&s)["opt"], Kind::StringValue(opt.into()));
        assert_eq!(end_info(&run).unwrap().status, Status::Success as i32);
        let vals = values(&run);
        assert!(find(&vals, "_hparams_/experiment").is_empty());
        // The metric TensorBoard shows is the last "acc" of the run: the final value.
        let series = &read_scalars(&run).unwrap()["acc"];
        let last = series.last().unwrap();
        assert_eq!((last.step, last.value), (9, f64::from(acc as f32)));
    }
}

#[test]
fn hparams_from_a_map() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let mut hp: HashMap<String, HParamValue> = HashMap::new();
    hp.insert("lr".into(), 0.5.into());
    hp.insert("name".into(), String::from("x").into());
    hp.insert("n".into(), 3i64.into());
    w.hparams_session_start(&hp).unwrap();
    w.close().unwrap();
    let got = kinds(&start_info(dir.path()));
    assert_eq!(got.len(), 3);
    assert_eq!(got["lr"], Kind::NumberValue(0.5));
    assert_eq!(got["name"], Kind::StringValue("x".into()));
    assert_eq!(got["n"], Kind::NumberValue(3.0));
}
