//! Hparams: a small sweep under `hparams/`, one run per trial, each with its own writer, and
//! one experiment definition written into the sweep's own directory (run `hparams`).
//!
//! Trials cover every way a session is written: `add_hparams` (status success, metrics at the
//! last step), `hparams_session_start` + scalars + `hparams_session_end` with failure and
//! running, and a start with no end (status unknown). Two trials also have an `eval`
//! sub-run, read through a metric with group "eval".
//!
//! Manifest section "hparams" (per run):
//! - run `hparams`, tag "experiment": `[{"step": 0, "experiment": <Experiment JSON as the
//!   /experiment endpoint returns it, hparamInfos in any order>}]`;
//! - each trial run, tag "session": `[{"step": 0, "hparams": {name: value}, "status":
//!   "STATUS_…", "metrics": [{"group": g, "tag": t, "value": v, "step": s}], "ended": bool}]`.
//!
//! The check (`tests/compat/sections/hparams.py`) asserts that the experiment is exactly the
//! one written and that `/session_groups` has one group per trial run, named after the run,
//! with exactly these hparams, statuses and metric values (last value of each scalar).

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::hparams::{
    DatasetType, HParam, HParamValue, HParamsExperiment, Metric, SessionStatus,
};

use crate::{Error, Manifest};

const SWEEP: &str = "hparams";
const TIME_CREATED: f64 = 1_700_000_000.5;

/// How a trial records its session.
#[derive(Clone, Copy)]
enum How {
    /// `add_hparams` at the end (status success).
    OneCall,
    /// `hparams_session_start`, scalars, then `hparams_session_end` with this status.
    StartEnd(SessionStatus),
    /// `hparams_session_start` only: status unknown.
    StartOnly,
}

struct Trial {
    lr: f64,
    opt: &'static str,
    batch_size: u32,
    augment: bool,
    how: How,
    eval: Option<f32>,
}

const TRIALS: [Trial; 5] = [
    Trial {
        lr: 0.1,
        opt: "sgd",
        batch_size: 32,
        augment: true,
        how: How::OneCall,
        eval: Some(0.75),
    },
    Trial {
        lr: 0.01,
        opt: "adam",
        batch_size: 64,
        augment: false,
        how: How::OneCall,
        eval: Some(0.875),
    },
    Trial {
        lr: 0.001,
        opt: "adam",
        batch_size: 32,
        augment: true,
        how: How::StartEnd(SessionStatus::Failure),
        eval: None,
    },
    Trial {
        lr: 0.01,
        opt: "sgd",
        batch_size: 64,
        augment: true,
        how: How::StartEnd(SessionStatus::Running),
        eval: None,
    },
    Trial {
        lr: 0.001,
        opt: "sgd",
        batch_size: 32,
        augment: false,
        how: How::StartOnly,
        eval: None,
    },
];

fn experiment() -> HParamsExperiment {
    HParamsExperiment::new()
        .name("compat sweep")
        .description("lr × optimizer × batch size × augmentation")
        .user("compat_logdir")
        .time_created_secs(TIME_CREATED)
        .hparam(
            HParam::new("lr")
                .display_name("learning rate")
                .description("step size")
                .interval(0.001, 0.1),
        )
        .hparam(HParam::new("opt").discrete(["adam", "sgd"]))
        .hparam(HParam::new("batch_size").discrete([32, 64]))
        .hparam(HParam::new("augment").discrete([false, true]))
        .metric(
            Metric::new("loss")
                .description("training loss")
                .dataset_type(DatasetType::Training),
        )
        .metric(Metric::new("accuracy").display_name("final accuracy"))
        .metric(
            Metric::new("accuracy")
                .group("eval")
                .display_name("eval accuracy")
                .dataset_type(DatasetType::Validation),
        )
}

/// The experiment as `/data/plugin/hparams/experiment` serves it: proto JSON in camelCase,
/// with default values included (`differs` is computed by TensorBoard: false for an experiment
/// read from the logdir).
fn experiment_json() -> Value {
    let hparam = |name: &str, display: &str, description: &str, ty: &str, domain: (&str, Value)| {
        let mut h = json!({"name": name, "displayName": display, "description": description,
                           "type": ty, "differs": false});
        h[domain.0] = domain.1;
        h
    };
    let metric = |group: &str, tag: &str, display: &str, description: &str, dataset: &str| {
        json!({"name": {"group": group, "tag": tag}, "displayName": display,
               "description": description, "datasetType": dataset})
    };
    json!({
        "name": "compat sweep",
        "description": "lr × optimizer × batch size × augmentation",
        "user": "compat_logdir",
        "timeCreatedSecs": TIME_CREATED,
        "hparamInfos": [
            hparam("lr", "learning rate", "step size", "DATA_TYPE_FLOAT64",
                   ("domainInterval", json!({"minValue": 0.001, "maxValue": 0.1}))),
            hparam("opt", "", "", "DATA_TYPE_STRING", ("domainDiscrete", json!(["adam", "sgd"]))),
            hparam("batch_size", "", "", "DATA_TYPE_FLOAT64",
                   ("domainDiscrete", json!([32.0, 64.0]))),
            hparam("augment", "", "", "DATA_TYPE_BOOL", ("domainDiscrete", json!([false, true]))),
        ],
        "metricInfos": [
            metric("", "loss", "", "training loss", "DATASET_TRAINING"),
            metric("", "accuracy", "final accuracy", "", "DATASET_UNKNOWN"),
            metric("eval", "accuracy", "eval accuracy", "", "DATASET_VALIDATION"),
        ],
    })
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    // The sweep's driver writes the definition once, into the sweep's own directory.
    let root = SummaryWriter::new(logdir.join(SWEEP))?;
    root.add_hparams_experiment(&experiment())?;
    root.close()?;
    m.point(
        SWEEP,
        "hparams",
        "experiment",
        json!({"step": 0, "experiment": experiment_json()}),
    );

    for (i, t) in TRIALS.iter().enumerate() {
        let run = format!("{SWEEP}/lr_{},opt_{}", t.lr, t.opt);
        let w = SummaryWriter::new(logdir.join(&run))?;
        let hparams: [(&str, HParamValue); 4] = [
            ("lr", t.lr.into()),
            ("opt", t.opt.into()),
            ("batch_size", t.batch_size.into()),
            ("augment", t.augment.into()),
        ];
        let early_start = !matches!(t.how, How::OneCall);
        if early_start {
            w.hparams_session_start(hparams.clone())?;
        }
        // Training curves; the final metrics are the last values of "loss" and "accuracy".
        let last = 5i64;
        let mut loss = 2.0f32 + i as f32 * 0.125;
        let mut acc = 0.0f32;
        for step in 0..last {
            w.add_scalar("loss", loss, step)?;
            w.add_scalar("accuracy", acc, step)?;
            m.expect(&run, "loss", step, loss, None);
            m.expect(&run, "accuracy", step, acc, None);
            loss *= 0.5;
            acc += 0.125 + i as f32 / 64.0;
        }
        match t.how {
            How::OneCall => {
                w.add_hparams(hparams, &[("loss", loss), ("accuracy", acc)], last)?;
            }
            How::StartEnd(status) => {
                w.step(last)
                    .scalar("loss", loss)
                    .scalar("accuracy", acc)
                    .write()?;
                w.hparams_session_end(status)?;
            }
            How::StartOnly => {
                w.step(last)
                    .scalar("loss", loss)
                    .scalar("accuracy", acc)
                    .write()?;
            }
        }
        m.expect(&run, "loss", last, loss, None);
        m.expect(&run, "accuracy", last, acc, None);
        let mut metrics = vec![
            json!({"group": "", "tag": "loss", "value": f64::from(loss), "step": last}),
            json!({"group": "", "tag": "accuracy", "value": f64::from(acc), "step": last}),
        ];
        if let Some(eval_acc) = t.eval {
            // Evaluation in its own writer, in the sub-run "<trial>/eval".
            let eval_run = format!("{run}/eval");
            let e = SummaryWriter::new(logdir.join(&eval_run))?;
            for (step, v) in [(0i64, eval_acc / 2.0), (last, eval_acc)] {
                e.add_scalar("accuracy", v, step)?;
                m.expect(&eval_run, "accuracy", step, v, None);
            }
            e.close()?;
            metrics.push(
                json!({"group": "eval", "tag": "accuracy", "value": f64::from(eval_acc), "step": last}),
            );
        }
        w.close()?;
        let status = match t.how {
            How::OneCall | How::StartEnd(SessionStatus::Success) => "STATUS_SUCCESS",
            How::StartEnd(SessionStatus::Failure) => "STATUS_FAILURE",
            How::StartEnd(SessionStatus::Running) => "STATUS_RUNNING",
            How::StartEnd(SessionStatus::Unknown) | How::StartOnly => "STATUS_UNKNOWN",
        };
        m.point(
            &run,
            "hparams",
            "session",
            json!({
                "step": 0,
                "hparams": {"lr": t.lr, "opt": t.opt, "batch_size": t.batch_size,
                            "augment": t.augment},
                "status": status,
                "ended": !matches!(t.how, How::StartOnly),
                "metrics": metrics,
            }),
        );
    }
    Ok(())
}
