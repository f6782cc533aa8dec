//! Hyperparameters: the HParams dashboard's table of trials, their settings and their final
//! metrics.
//!
//! # One run per trial, one table per sweep
//!
//! TensorBoard's HParams dashboard (`plugins/hparams`) builds its table from three kinds of
//! record:
//!
//! - **a session** for every run that holds a `_hparams_/session_start_info` record (the
//!   hyperparameter values). The session is named after its run, so each row of the table
//!   links to that run's charts in the Scalars dashboard. Write it with
//!   [`SummaryWriter::add_hparams`] or [`SummaryWriter::hparams_session_start`].
//! - **a status** from the run's `_hparams_/session_end_info` record (success, failure,
//!   running; "unknown" while there is none). Written by `add_hparams` (success) or
//!   [`SummaryWriter::hparams_session_end`].
//! - **metric values**, which are not stored in any hparams record: the value of metric `tag`
//!   for a session is the **last value of the scalar `tag` in the session's own run** (or in
//!   the run `<session>/<group>` for a metric with a [group](Metric::group)).
//!
//! So the runs of a sweep (sibling run directories under one logdir, each with its own
//! writer) appear as **one** table, one row per run, as soon as each run records its hparams.
//! This crate writes the hparams, the metrics and the training scalars **into the same run**:
//! the table's metric columns are the final values of the run's own scalars, and each row
//! links to the charts of the training that produced it. (tensorboardX and
//! `torch.utils.tensorboard` write `add_hparams` into a separate, timestamp-named run, so the
//! table's rows are not the runs that hold the training curves, and every call adds a run.)
//!
//! ```
//! use tensorboard_writer::summary::hparams::HParamValue;
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! # let sweep = dir.path();
//! for (lr, optimizer) in [(0.1, "sgd"), (0.01, "adam")] {
//!     // One run directory per trial: "lr=0.1,opt=sgd", ...
//!     let writer = SummaryWriter::new(sweep.join(format!("lr={lr},opt={optimizer}")))?;
//!     let mut loss = 1.0;
//!     for step in 0..100u32 {
//!         loss *= 1.0 - lr;
//!         writer.add_scalar("loss", loss, step)?;
//!     }
//!     let hparams: [(&str, HParamValue); 3] =
//!         [("lr", lr.into()), ("optimizer", optimizer.into()), ("batch_size", 32.into())];
//!     // Hparams, final metrics as scalars at the last step, status "success".
//!     writer.add_hparams(hparams, &[("accuracy", 1.0 - loss)], 99u32)?;
//!     writer.close()?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The experiment definition (optional)
//!
//! Without more information, TensorBoard infers the table's columns: one per hyperparameter
//! found in any session (numbers get an interval domain from the values seen, strings and
//! booleans a list), and one metric per scalar tag found in any session run or its
//! subdirectories, so the training scalars are metric columns too.
//!
//! An [`HParamsExperiment`] fixes the columns instead: which hparams (with display names,
//! descriptions, and discrete or interval domains for the dashboard's filters) and which
//! metrics (with display names, descriptions and dataset types). Once an experiment exists,
//! TensorBoard shows exactly what it lists.
//!
//! **A logdir must hold only one experiment**: TensorBoard reads one of them, picked
//! arbitrarily (its two loaders pick differently). In a sweep, write it once, from the
//! program that knows the whole search space, with
//! [`SummaryWriter::add_hparams_experiment`], for example from a writer on the sweep's own
//! directory (which then shows as one more run, holding nothing but the definition), or from
//! the writer of the first trial only.
//!
//! # TensorBoard keeps the first record of each kind per run
//!
//! Both of TensorBoard's loaders read these records from the metadata of the first value of
//! each tag in a run and ignore later ones. A run therefore holds **one** session: its hparams
//! and its end status cannot be changed once written. This writer refuses, with
//! [`Error::InvalidInput`], a second session start, a second end or a second experiment for
//! the same run directory within one process. Use a new run directory for every trial.
//!
//! # Format
//!
//! Each record is a `Summary.Value` with plugin `hparams`, data class `TENSOR`, plugin content
//! a serialized `HParamsPluginData` (version 0) holding an `Experiment`, a `SessionStartInfo`
//! or a `SessionEndInfo`, and an empty `DT_FLOAT` tensor of shape `[0]` (the same form as
//! TensorBoard's own `hparams` summaries). The tags are `_hparams_/experiment`,
//! `_hparams_/session_start_info` and `_hparams_/session_end_info`; they are never scoped.
//! Metrics are ordinary scalars, scoped like [`SummaryWriter::add_scalar`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::proto::hparams::{
    self as pb, h_param_info::Domain, h_params_plugin_data::Data, HParamsPluginData,
};
use crate::proto::{summary, DataClass};
use crate::tag::validate_tag;
use crate::writer::{ScalarValue, Step, SummaryWriter};

use super::{content, f32_tensor, metadata, tensor_value};

/// The tag of the experiment definition.
pub const EXPERIMENT_TAG: &str = "_hparams_/experiment";
/// The tag of a session's hyperparameter values.
pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
/// The tag of a session's end status.
pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";
/// The plugin name TensorBoard's HParams dashboard reads.
pub const PLUGIN_NAME: &str = "hparams";

/// A hyperparameter value: a number, a string or a boolean, the three kinds TensorBoard's
/// HParams dashboard knows.
///
/// TensorBoard stores numbers as `f64`. Integers convert exactly up to 2^53 in magnitude;
/// an `f32` converts through its shortest decimal form, so `0.01f32` is stored as `0.01`
/// rather than as `0.009999999776482582`.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamValue {
    /// A number (must be finite when logged).
    Number(f64),
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
}

impl HParamValue {
    fn kind(&self) -> pb::DataType {
        match self {
            HParamValue::Number(_) => pb::DataType::Float64,
            HParamValue::String(_) => pb::DataType::String,
            HParamValue::Bool(_) => pb::DataType::Bool,
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            HParamValue::Number(_) => "number",
            HParamValue::String(_) => "string",
            HParamValue::Bool(_) => "boolean",
        }
    }

    /// The value as a `google.protobuf.Value`, refusing NaN and infinities (TensorBoard cannot
    /// show them: its JSON encoder rejects them and the value is dropped).
    fn to_proto(&self, what: &'static str, name: &str) -> Result<prost_types::Value> {
        use prost_types::value::Kind;
        let kind = match self {
            HParamValue::Number(x) if !x.is_finite() => {
                return Err(Error::InvalidInput {
                    what,
                    reason: format!(
                        "hparam {name:?} is {x}: TensorBoard can only show finite numbers"
                    ),
                })
            }
            HParamValue::Number(x) => Kind::NumberValue(*x),
            HParamValue::String(s) => Kind::StringValue(s.clone()),
            HParamValue::Bool(b) => Kind::BoolValue(*b),
        };
        Ok(prost_types::Value { kind: Some(kind) })
    }
}

impl From<f64> for HParamValue {
    fn from(v: f64) -> Self {
        HParamValue::Number(v)
    }
}

impl From<f32> for HParamValue {
    /// Converts through the shortest decimal form that reads back as the same `f32`.
    fn from(v: f32) -> Self {
        HParamValue::Number(v.to_string().parse().unwrap_or_else(|_| f64::from(v)))
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for HParamValue {
            fn from(v: $t) -> Self {
                HParamValue::Number(v as f64)
            }
        }
    )*};
}
number_from!(i64, i32, u32, u64, usize);

impl From<bool> for HParamValue {
    fn from(v: bool) -> Self {
        HParamValue::Bool(v)
    }
}

impl From<&str> for HParamValue {
    fn from(v: &str) -> Self {
        HParamValue::String(v.to_owned())
    }
}

impl From<String> for HParamValue {
    fn from(v: String) -> Self {
        HParamValue::String(v)
    }
}

impl From<&String> for HParamValue {
    fn from(v: &String) -> Self {
        HParamValue::String(v.clone())
    }
}

impl From<&HParamValue> for HParamValue {
    fn from(v: &HParamValue) -> Self {
        v.clone()
    }
}

/// How a session ended, as the HParams dashboard shows (and filters) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Unknown: what TensorBoard also shows for a session with no end record.
    Unknown,
    /// The trial finished normally.
    Success,
    /// The trial failed.
    Failure,
    /// Still running. The end record cannot be replaced later, so this stays the status
    /// TensorBoard shows for the run.
    Running,
}

impl SessionStatus {
    fn to_proto(self) -> pb::Status {
        match self {
            SessionStatus::Unknown => pb::Status::Unknown,
            SessionStatus::Success => pb::Status::Success,
            SessionStatus::Failure => pb::Status::Failure,
            SessionStatus::Running => pb::Status::Running,
        }
    }
}

/// Which data set a [`Metric`] is computed on (shown in the dashboard's column tooltip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatasetType {
    /// Not said.
    #[default]
    Unknown,
    /// The training set.
    Training,
    /// The validation set.
    Validation,
}

impl DatasetType {
    fn to_proto(self) -> pb::DatasetType {
        match self {
            DatasetType::Unknown => pb::DatasetType::DatasetUnknown,
            DatasetType::Training => pb::DatasetType::DatasetTraining,
            DatasetType::Validation => pb::DatasetType::DatasetValidation,
        }
    }
}

/// The values a hyperparameter ranges over, used by the dashboard's filters.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamDomain {
    /// A list of values, all of one kind (numbers, strings or booleans).
    Discrete(Vec<HParamValue>),
    /// The closed interval `[min, max]` of real numbers.
    Interval {
        /// Lower bound.
        min: f64,
        /// Upper bound, at least `min`.
        max: f64,
    },
}

/// A hyperparameter's column in the HParams dashboard: part of an [`HParamsExperiment`]
/// (`hp.HParam` in TensorBoard's Python API).
#[derive(Debug, Clone, PartialEq)]
pub struct HParam {
    name: String,
    display_name: String,
    description: String,
    domain: Option<HParamDomain>,
}

impl HParam {
    /// The hyperparameter `name`, as used in [`SummaryWriter::add_hparams`]; no domain.
    pub fn new(name: impl Into<String>) -> Self {
        HParam {
            name: name.into(),
            display_name: String::new(),
            description: String::new(),
            domain: None,
        }
    }

    /// The column title shown instead of the name.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// A description, shown as the column's tooltip.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// A discrete domain: the values the sweep tries, all of one kind.
    pub fn discrete<V: Into<HParamValue>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.domain = Some(HParamDomain::Discrete(
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// An interval domain `[min, max]` (a real-valued hyperparameter).
    pub fn interval(mut self, min: f64, max: f64) -> Self {
        self.domain = Some(HParamDomain::Interval { min, max });
        self
    }

    fn to_proto(&self) -> Result<pb::HParamInfo> {
        const WHAT: &str = "hparams experiment";
        if self.name.is_empty() {
            return Err(Error::InvalidInput {
                what: WHAT,
                reason: "an hparam name must not be empty".into(),
            });
        }
        let name = &self.name;
        let (kind, domain) = match &self.domain {
            None => (pb::DataType::Unset, None),
            Some(HParamDomain::Interval { min, max }) => {
                if !(min.is_finite() && max.is_finite() && min <= max) {
                    return Err(Error::InvalidInput {
                        what: WHAT,
                        reason: format!(
                            "hparam {name:?}: interval [{min}, {max}] must have finite bounds \
                             with min <= max"
                        ),
                    });
                }
                (
                    pb::DataType::Float64,
                    Some(Domain::DomainInterval(pb::Interval {
                        min_value: *min,
                        max_value: *max,
                    })),
                )
            }
            Some(HParamDomain::Discrete(values)) => {
                let Some(first) = values.first() else {
                    return Err(Error::InvalidInput {
                        what: WHAT,
                        reason: format!("hparam {name:?}: a discrete domain needs a value"),
                    });
                };
                let mut list = Vec::with_capacity(values.len());
                for (i, v) in values.iter().enumerate() {
                    if v.kind() != first.kind() {
                        return Err(Error::InvalidInput {
                            what: WHAT,
                            reason: format!(
                                "hparam {name:?}: discrete values must be of one kind, but \
                                 value 0 is a {} and value {i} a {}",
                                first.kind_name(),
                                v.kind_name()
                            ),
                        });
                    }
                    if values[..i].contains(v) {
                        return Err(Error::InvalidInput {
                            what: WHAT,
                            reason: format!("hparam {name:?}: value {v:?} is listed twice"),
                        });
                    }
                    list.push(v.to_proto(WHAT, name)?);
                }
                (
                    first.kind(),
                    Some(Domain::DomainDiscrete(prost_types::ListValue {
                        values: list,
                    })),
                )
            }
        };
        Ok(pb::HParamInfo {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            description: self.description.clone(),
            r#type: kind as i32,
            domain,
        })
    }
}

/// A metric's column in the HParams dashboard: part of an [`HParamsExperiment`]
/// (`hp.Metric` in TensorBoard's Python API). Its value for a session is the last value of
/// the scalar `tag` in the session's run, or in the run `<session>/<group>` with a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    tag: String,
    group: String,
    display_name: String,
    description: String,
    dataset_type: DatasetType,
}

impl Metric {
    /// The metric read from the scalar `tag` (the full tag, scope included).
    pub fn new(tag: impl Into<String>) -> Self {
        Metric {
            tag: tag.into(),
            group: String::new(),
            display_name: String::new(),
            description: String::new(),
            dataset_type: DatasetType::Unknown,
        }
    }

    /// Reads the scalar from the subdirectory run `<session>/<group>` instead of the session's
    /// own run: for example `"eval"` when evaluation has its own writer in `<run>/eval`.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// The column title shown instead of the tag.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// A description, shown as the column's tooltip.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The data set the metric is computed on.
    pub fn dataset_type(mut self, dataset_type: DatasetType) -> Self {
        self.dataset_type = dataset_type;
        self
    }

    fn to_proto(&self) -> Result<pb::MetricInfo> {
        let bad = |reason: String| Error::InvalidInput {
            what: "hparams experiment",
            reason,
        };
        validate_tag(&self.tag).map_err(|e| bad(format!("metric tag {:?}: {e}", self.tag)))?;
        if !self.group.is_empty() {
            validate_tag(&self.group)
                .map_err(|e| bad(format!("metric group {:?}: {e}", self.group)))?;
            if self.group.split('/').any(|p| p == "." || p == "..") {
                return Err(bad(format!(
                    "metric group {:?}: must be a subdirectory of the session's run, without \
                     '.' or '..' parts",
                    self.group
                )));
            }
        }
        Ok(pb::MetricInfo {
            name: Some(pb::MetricName {
                group: self.group.clone(),
                tag: self.tag.clone(),
            }),
            display_name: self.display_name.clone(),
            description: self.description.clone(),
            dataset_type: self.dataset_type.to_proto() as i32,
        })
    }
}

/// The definition of a sweep for the HParams dashboard: its hyperparameters and metrics.
/// Written once per logdir with [`SummaryWriter::add_hparams_experiment`] (see the
/// [module docs](self)).
///
/// ```
/// use tensorboard_writer::summary::hparams::{DatasetType, HParam, HParamsExperiment, Metric};
///
/// let experiment = HParamsExperiment::new()
///     .description("Learning rate and optimizer sweep")
///     .hparam(HParam::new("lr").display_name("learning rate").interval(1e-4, 1e-1))
///     .hparam(HParam::new("optimizer").discrete(["adam", "sgd"]))
///     .hparam(HParam::new("augment").discrete([false, true]))
///     .metric(Metric::new("accuracy").group("eval").dataset_type(DatasetType::Validation))
///     .metric(Metric::new("loss").description("training loss at the last step"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HParamsExperiment {
    name: String,
    description: String,
    user: String,
    time_created_secs: Option<f64>,
    hparams: Vec<HParam>,
    metrics: Vec<Metric>,
}

impl HParamsExperiment {
    /// An empty definition; add at least one hparam.
    pub fn new() -> Self {
        Self::default()
    }

    /// The experiment's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// A description of the experiment.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Who ran the experiment.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }

    /// When the experiment was created, in seconds since the Unix epoch (default: when it is
    /// written).
    pub fn time_created_secs(mut self, secs: f64) -> Self {
        self.time_created_secs = Some(secs);
        self
    }

    /// Adds a hyperparameter column (in the order given).
    pub fn hparam(mut self, hparam: HParam) -> Self {
        self.hparams.push(hparam);
        self
    }

    /// Adds several hyperparameter columns.
    pub fn hparams(mut self, hparams: impl IntoIterator<Item = HParam>) -> Self {
        self.hparams.extend(hparams);
        self
    }

    /// Adds a metric column (in the order given).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// Adds several metric columns.
    pub fn metrics(mut self, metrics: impl IntoIterator<Item = Metric>) -> Self {
        self.metrics.extend(metrics);
        self
    }

    fn to_proto(&self) -> Result<pb::Experiment> {
        const WHAT: &str = "hparams experiment";
        if self.hparams.is_empty() {
            return Err(Error::InvalidInput {
                what: WHAT,
                reason: "an experiment needs at least one hparam (TensorBoard shows only the \
                         hparams an experiment lists)"
                    .into(),
            });
        }
        let time_created_secs = match self.time_created_secs {
            Some(t) if !(t.is_finite() && t >= 0.0) => {
                return Err(Error::InvalidInput {
                    what: WHAT,
                    reason: format!("time created {t} must be finite and not negative"),
                })
            }
            Some(t) => t,
            None => now_secs(),
        };
        let mut names = BTreeSet::new();
        let mut hparam_infos = Vec::with_capacity(self.hparams.len());
        for h in &self.hparams {
            if !names.insert(h.name.as_str()) {
                return Err(Error::InvalidInput {
                    what: WHAT,
                    reason: format!("hparam {:?} is listed twice", h.name),
                });
            }
            hparam_infos.push(h.to_proto()?);
        }
        let mut metric_names = BTreeSet::new();
        let mut metric_infos = Vec::with_capacity(self.metrics.len());
        for m in &self.metrics {
            if !metric_names.insert((m.group.as_str(), m.tag.as_str())) {
                return Err(Error::InvalidInput {
                    what: WHAT,
                    reason: format!("metric {:?} (group {:?}) is listed twice", m.tag, m.group),
                });
            }
            metric_infos.push(m.to_proto()?);
        }
        Ok(pb::Experiment {
            name: self.name.clone(),
            description: self.description.clone(),
            user: self.user.clone(),
            time_created_secs,
            hparam_infos,
            metric_infos,
        })
    }
}

/// The current time in seconds since the Unix epoch (0 for a clock set before 1970).
fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A `Summary.Value` carrying one hparams plugin record.
fn hparams_value(tag: &str, data: Data) -> summary::Value {
    let md = metadata(
        PLUGIN_NAME,
        content(&HParamsPluginData {
            version: 0,
            data: Some(data),
        }),
        DataClass::Tensor,
    );
    tensor_value(tag.to_owned(), md, f32_tensor(&[0], []))
}

/// The session start record for `hparams`, after checking the names and values.
fn session_start_value<K, V>(hparams: impl IntoIterator<Item = (K, V)>) -> Result<summary::Value>
where
    K: AsRef<str>,
    V: Into<HParamValue>,
{
    const WHAT: &str = "hparams";
    let mut map = std::collections::BTreeMap::new();
    for (name, value) in hparams {
        let name = name.as_ref();
        if name.is_empty() {
            return Err(Error::InvalidInput {
                what: WHAT,
                reason: "an hparam name must not be empty".into(),
            });
        }
        let value = value.into().to_proto(WHAT, name)?;
        if map.insert(name.to_owned(), value).is_some() {
            return Err(Error::InvalidInput {
                what: WHAT,
                reason: format!("hparam {name:?} is given twice"),
            });
        }
    }
    Ok(hparams_value(
        SESSION_START_INFO_TAG,
        Data::SessionStartInfo(pb::SessionStartInfo {
            hparams: map,
            model_uri: String::new(),
            monitor_url: String::new(),
            group_name: String::new(),
            start_time_secs: now_secs(),
        }),
    ))
}

fn session_end_value(status: SessionStatus) -> summary::Value {
    hparams_value(
        SESSION_END_INFO_TAG,
        Data::SessionEndInfo(pb::SessionEndInfo {
            status: status.to_proto() as i32,
            end_time_secs: now_secs(),
        }),
    )
}

// ---- One record of each kind per run -------------------------------------------------------

const EXPERIMENT: u8 = 1;
const START: u8 = 2;
const END: u8 = 4;

/// The hparams records written so far in this process, per run directory. TensorBoard keeps
/// only the first record of each kind in a run, so a second one is refused.
static WRITTEN: Mutex<BTreeMap<PathBuf, u8>> = Mutex::new(BTreeMap::new());

fn record_name(kind: u8) -> &'static str {
    match kind {
        EXPERIMENT => "an experiment definition",
        START => "a session start (its hparams)",
        _ => "a session end",
    }
}

/// Runs `write` if this run has none of the `kinds` of record yet, and remembers them once it
/// succeeds.
fn write_once(writer: &SummaryWriter, kinds: u8, write: impl FnOnce() -> Result<()>) -> Result<()> {
    let dir = writer.logdir();
    let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    {
        let mut written = WRITTEN.lock();
        let have = written.entry(key.clone()).or_insert(0);
        if let Some(kind) = [EXPERIMENT, START, END]
            .into_iter()
            .find(|k| kinds & *have & k != 0)
        {
            return Err(Error::InvalidInput {
                what: "hparams",
                reason: format!(
                    "run {} already has {}: TensorBoard keeps only the first one of a run \
                     (use one run directory per trial, and one experiment per logdir)",
                    dir.display(),
                    record_name(kind)
                ),
            });
        }
        *have |= kinds;
    }
    let result = write();
    if result.is_err() {
        if let Some(have) = WRITTEN.lock().get_mut(&key) {
            *have &= !kinds;
        }
    }
    result
}

impl SummaryWriter {
    /// Records this run as one trial of a sweep in the HParams dashboard, tensorboardX style:
    /// its hyperparameter values, its final `metrics`, and the status "success".
    ///
    /// `hparams` are `(name, value)` pairs, values being numbers, strings or booleans (see
    /// [`HParamValue`]). `metrics` are logged as ordinary scalars of **this** run at `step`
    /// (under this handle's scope, like [`add_scalar`](Self::add_scalar)); the table shows the
    /// last value of each. Give the last training step, so that a metric that is also a
    /// training curve ("loss") ends at its final value, and no series steps backwards. All of
    /// it is one event.
    ///
    /// Call it once per run, at the end of training: a run holds one session, and a second
    /// call is an [`Error::InvalidInput`] (see the [module docs](crate::summary::hparams)).
    /// For a session that shows while training runs, or that may fail, use
    /// [`hparams_session_start`](Self::hparams_session_start) and
    /// [`hparams_session_end`](Self::hparams_session_end) instead.
    ///
    /// Errors: an empty or repeated hparam name, a NaN or infinite hparam, an invalid or
    /// repeated metric tag; nothing is written then.
    ///
    /// ```
    /// use tensorboard_writer::summary::hparams::HParamValue;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_writer::SummaryWriter::new(dir.path().join("lr=0.01,opt=adam"))?;
    /// // ... training: writer.add_scalar("loss", loss, step)? ...
    /// writer.add_hparams(
    ///     [
    ///         ("lr", HParamValue::from(0.01)),
    ///         ("optimizer", "adam".into()),
    ///         ("layers", 4.into()),
    ///         ("dropout", true.into()),
    ///     ],
    ///     &[("accuracy", 0.93), ("loss", 0.21)],
    ///     1000u32,
    /// )?;
    /// # writer.flush()?;
    /// # let s = tensorboard_writer::read_scalars(dir.path().join("lr=0.01,opt=adam"))?;
    /// # assert_eq!(s["accuracy"][0].value, f64::from(0.93f32));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams<K, V, M>(
        &self,
        hparams: impl IntoIterator<Item = (K, V)>,
        metrics: &[(&str, M)],
        step: impl Step,
    ) -> Result<()>
    where
        K: AsRef<str>,
        V: Into<HParamValue>,
        M: ScalarValue,
    {
        let start = session_start_value(hparams)?;
        for (i, (tag, _)) in metrics.iter().enumerate() {
            if metrics[..i].iter().any(|(t, _)| t == tag) {
                return Err(Error::InvalidInput {
                    what: "hparams metrics",
                    reason: format!("metric {tag:?} is given twice"),
                });
            }
        }
        let mut event = self.step(step).value(&start);
        for (tag, value) in metrics {
            event = event.scalar(tag, *value);
        }
        let event = event.value(&session_end_value(SessionStatus::Success));
        write_once(self, START | END, || event.write())
    }

    /// Records this run's hyperparameter values, at the start of training: the run shows in
    /// the HParams dashboard from now on, with status "unknown" until
    /// [`hparams_session_end`](Self::hparams_session_end). Log the metrics as ordinary scalars
    /// of this run ([`add_scalar`](Self::add_scalar)); the table shows the last value of each.
    ///
    /// Once per run: a second start for the same run directory is an
    /// [`Error::InvalidInput`], as are an empty or repeated name and a NaN or infinite value.
    ///
    /// ```
    /// use tensorboard_writer::summary::hparams::{HParamValue, SessionStatus};
    ///
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.hparams_session_start([("lr", HParamValue::from(3e-4)), ("optimizer", "adam".into())])?;
    /// for step in 0..100u32 {
    ///     writer.add_scalar("accuracy", step as f32 / 100.0, step)?;
    /// }
    /// writer.hparams_session_end(SessionStatus::Success)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hparams_session_start<K, V>(
        &self,
        hparams: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()>
    where
        K: AsRef<str>,
        V: Into<HParamValue>,
    {
        let start = session_start_value(hparams)?;
        write_once(self, START, || self.step(0i64).value(&start).write())
    }

    /// Records how this run's session ended (success, failure, ...), shown and filtered on in
    /// the HParams dashboard. TensorBoard keeps the first end record of a run, so the status
    /// cannot change afterwards; a second end for the same run directory is an
    /// [`Error::InvalidInput`]. The start may have been written by an earlier process (a
    /// resumed run).
    pub fn hparams_session_end(&self, status: SessionStatus) -> Result<()> {
        let end = session_end_value(status);
        write_once(self, END, || self.step(0i64).value(&end).write())
    }

    /// Writes the definition of the experiment this run belongs to: the hyperparameter and
    /// metric columns of the HParams dashboard, with their domains, display names and
    /// descriptions (see [`HParamsExperiment`]).
    ///
    /// **Write one experiment per logdir**: TensorBoard reads only one, picked arbitrarily.
    /// In a sweep, write it from one writer only, for example one on the sweep's directory.
    ///
    /// Errors: no hparams, an empty or repeated hparam name, a discrete domain that is empty,
    /// mixes kinds, repeats a value or holds a NaN or infinity, an interval that is not finite
    /// or has `min > max`, an invalid or repeated metric, or a second experiment for this run
    /// directory.
    ///
    /// ```
    /// use tensorboard_writer::summary::hparams::{HParam, HParamValue, HParamsExperiment, Metric};
    /// use tensorboard_writer::SummaryWriter;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// # let sweep = dir.path();
    /// // The sweep's driver describes the search space once, in the sweep's directory.
    /// SummaryWriter::new(sweep)?.add_hparams_experiment(
    ///     &HParamsExperiment::new()
    ///         .hparam(HParam::new("lr").interval(1e-3, 1e-1))
    ///         .hparam(HParam::new("optimizer").discrete(["adam", "sgd"]))
    ///         .metric(Metric::new("accuracy").display_name("final accuracy")),
    /// )?;
    /// // Each trial records its own values and metrics in its own run.
    /// for (lr, opt, acc) in [(1e-2, "adam", 0.91), (1e-1, "sgd", 0.87)] {
    ///     let trial = SummaryWriter::new(sweep.join(format!("lr={lr},opt={opt}")))?;
    ///     trial.add_hparams([("lr", HParamValue::from(lr)), ("optimizer", opt.into())],
    ///                       &[("accuracy", acc)], 0u32)?;
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_experiment(&self, experiment: &HParamsExperiment) -> Result<()> {
        let value = hparams_value(EXPERIMENT_TAG, Data::Experiment(experiment.to_proto()?));
        write_once(self, EXPERIMENT, || self.step(0i64).value(&value).write())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use prost_types::value::Kind;

    fn plugin_data(v: &summary::Value) -> HParamsPluginData {
        let md = v.metadata.as_ref().unwrap();
        assert_eq!(md.data_class, DataClass::Tensor as i32);
        let pd = md.plugin_data.as_ref().unwrap();
        assert_eq!(pd.plugin_name, "hparams");
        HParamsPluginData::decode(pd.content.as_slice()).unwrap()
    }

    #[test]
    fn f32_values_keep_their_decimal_form() {
        assert_eq!(HParamValue::from(0.01f32), HParamValue::Number(0.01));
        assert_eq!(HParamValue::from(1e-4f32), HParamValue::Number(1e-4));
        assert_eq!(HParamValue::from(-3i32), HParamValue::Number(-3.0));
        assert_eq!(HParamValue::from(7usize), HParamValue::Number(7.0));
        assert!(matches!(HParamValue::from(f32::NAN), HParamValue::Number(x) if x.is_nan()));
        assert_eq!(
            HParamValue::from(f32::INFINITY),
            HParamValue::Number(f64::INFINITY)
        );
    }

    #[test]
    fn start_info_holds_typed_values() {
        let v = session_start_value([
            ("lr", HParamValue::from(0.5)),
            ("opt", "sgd".into()),
            ("aug", false.into()),
        ])
        .unwrap();
        assert_eq!(v.tag, SESSION_START_INFO_TAG);
        let Some(Data::SessionStartInfo(s)) = plugin_data(&v).data else {
            panic!("not a start info")
        };
        assert_eq!(s.hparams["lr"].kind, Some(Kind::NumberValue(0.5)));
        assert_eq!(s.hparams["opt"].kind, Some(Kind::StringValue("sgd".into())));
        assert_eq!(s.hparams["aug"].kind, Some(Kind::BoolValue(false)));
        assert!(s.group_name.is_empty());
        assert!(s.start_time_secs > 1.5e9);
    }

    #[test]
    fn bad_hparams_are_errors() {
        let nan = session_start_value([("x", f64::NAN)]);
        assert!(matches!(nan, Err(Error::InvalidInput { .. })));
        assert!(session_start_value([("", 1.0)]).is_err());
        assert!(session_start_value([("a", 1.0), ("a", 2.0)]).is_err());
        assert!(session_start_value(Vec::<(&str, f64)>::new()).is_ok());
    }

    #[test]
    fn domains_are_checked() {
        let ok = HParam::new("o").discrete(["a", "b"]).to_proto().unwrap();
        assert_eq!(ok.r#type, pb::DataType::String as i32);
        let mixed = HParam::new("m").discrete([HParamValue::from(1), "a".into()]);
        assert!(mixed.to_proto().is_err());
        assert!(HParam::new("e")
            .discrete(Vec::<f64>::new())
            .to_proto()
            .is_err());
        assert!(HParam::new("d").discrete([1, 1]).to_proto().is_err());
        assert!(HParam::new("n").discrete([f64::NAN]).to_proto().is_err());
        assert!(HParam::new("i").interval(2.0, 1.0).to_proto().is_err());
        assert!(HParam::new("i")
            .interval(0.0, f64::INFINITY)
            .to_proto()
            .is_err());
        let point = HParam::new("p").interval(1.0, 1.0).to_proto().unwrap();
        assert_eq!(point.r#type, pb::DataType::Float64 as i32);
        let none = HParam::new("u").to_proto().unwrap();
        assert_eq!(none.r#type, pb::DataType::Unset as i32);
        assert!(none.domain.is_none());
    }

    #[test]
    fn experiment_checks() {
        assert!(HParamsExperiment::new().to_proto().is_err());
        let twice = HParamsExperiment::new()
            .hparam(HParam::new("a"))
            .hparam(HParam::new("a"));
        assert!(twice.to_proto().is_err());
        let m2 = HParamsExperiment::new()
            .hparam(HParam::new("a"))
            .metrics([Metric::new("acc"), Metric::new("acc")]);
        assert!(m2.to_proto().is_err());
        let grouped = HParamsExperiment::new()
            .hparam(HParam::new("a"))
            .metrics([Metric::new("acc"), Metric::new("acc").group("eval")]);
        assert_eq!(grouped.to_proto().unwrap().metric_infos.len(), 2);
        for bad in ["../x", "a/./b", "/a", "a("] {
            let e = HParamsExperiment::new()
                .hparam(HParam::new("a"))
                .metric(Metric::new("acc").group(bad));
            assert!(e.to_proto().is_err(), "group {bad:?}");
        }
        let e = HParamsExperiment::new()
            .hparam(HParam::new("a"))
            .metric(Metric::new("a*"));
        assert!(e.to_proto().is_err());
        let t = HParamsExperiment::new()
            .hparam(HParam::new("a"))
            .time_created_secs(f64::NAN);
        assert!(t.to_proto().is_err());
    }
}
