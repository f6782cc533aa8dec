//! HParams: the experiment, session start and session end records of the `hparams` plugin.

use std::collections::BTreeMap;

use prost::Message;

use crate::proto::hparams::{Experiment, HParamInfo, MetricInfo};
use crate::proto::hparams::{HParamsPluginData, Status, h_params_plugin_data};
use crate::summary::hparams::SessionStatus;

/// One hyperparameter value (a `google.protobuf.Value` on disk).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HParamValue {
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// Null, a list or a struct: not a kind TensorBoard's table shows.
    Other,
}

/// One hparams record of a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HParamsRecord {
    /// The experiment: the columns of TensorBoard's table (tag `_hparams_/experiment`).
    Experiment {
        /// The experiment's name.
        name: String,
        /// Its description.
        description: String,
        /// The hyperparameters' declarations (name, type, domain), as written.
        hparam_infos: Vec<HParamInfo>,
        /// The metrics' declarations (tag, group, display name), as written.
        metric_infos: Vec<MetricInfo>,
    },
    /// A session's start with its hyperparameter values (`_hparams_/session_start_info`).
    SessionStart {
        /// The values, by hyperparameter name.
        hparams: BTreeMap<String, HParamValue>,
        /// The group the session belongs to (empty: its own group).
        group_name: String,
        /// When the session started, in seconds since the Unix epoch.
        start_time_secs: f64,
    },
    /// A session's end (`_hparams_/session_end_info`).
    SessionEnd {
        /// How it ended.
        status: SessionStatus,
        /// When, in seconds since the Unix epoch.
        end_time_secs: f64,
    },
}

fn value(v: &prost_types::Value) -> HParamValue {
    use prost_types::value::Kind;
    match &v.kind {
        Some(Kind::NumberValue(x)) => HParamValue::Number(*x),
        Some(Kind::StringValue(s)) => HParamValue::Text(s.clone()),
        Some(Kind::BoolValue(b)) => HParamValue::Bool(*b),
        _ => HParamValue::Other,
    }
}

/// Decodes the plugin content of an hparams value.
pub(crate) fn from_content(content: &[u8]) -> Result<HParamsRecord, String> {
    let data = HParamsPluginData::decode(content)
        .map_err(|e| format!("hparams plugin content does not decode: {e}"))?;
    match data.data {
        Some(h_params_plugin_data::Data::Experiment(Experiment {
            name,
            description,
            hparam_infos,
            metric_infos,
            ..
        })) => Ok(HParamsRecord::Experiment {
            name,
            description,
            hparam_infos,
            metric_infos,
        }),
        Some(h_params_plugin_data::Data::SessionStartInfo(s)) => Ok(HParamsRecord::SessionStart {
            hparams: s
                .hparams
                .iter()
                .map(|(k, v)| (k.clone(), value(v)))
                .collect(),
            group_name: s.group_name,
            start_time_secs: s.start_time_secs,
        }),
        Some(h_params_plugin_data::Data::SessionEndInfo(e)) => Ok(HParamsRecord::SessionEnd {
            status: Status::try_from(e.status)
                .map_or(SessionStatus::Unknown, SessionStatus::from_proto),
            end_time_secs: e.end_time_secs,
        }),
        None => Err("hparams plugin content holds no record".into()),
    }
}
