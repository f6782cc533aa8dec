//! The hparams plugin's records: their tags, and the `Summary.Value`s of a session's start
//! and end and of an experiment.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::proto::hparams::{self as pb, HParamsPluginData, h_params_plugin_data::Data};
use crate::proto::{DataClass, summary};
use crate::summary::{content, f32_tensor, metadata, tensor_value};

use super::status::SessionStatus;
use super::value::HParamValue;

/// The tag of the experiment definition.
pub const EXPERIMENT_TAG: &str = "_hparams_/experiment";
/// The tag of a session's hyperparameter values.
pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
/// The tag of a session's end status.
pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";
/// The plugin name TensorBoard's HParams dashboard reads.
pub const PLUGIN_NAME: &str = "hparams";

/// The current time in seconds since the Unix epoch (0 for a clock set before 1970).
pub(super) fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A `Summary.Value` carrying one hparams plugin record.
pub(super) fn hparams_value(tag: &str, data: Data) -> summary::Value {
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
pub(super) fn session_start_value<K, V>(
    hparams: impl IntoIterator<Item = (K, V)>,
) -> Result<summary::Value>
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

pub(super) fn session_end_value(status: SessionStatus) -> summary::Value {
    hparams_value(
        SESSION_END_INFO_TAG,
        Data::SessionEndInfo(pb::SessionEndInfo {
            status: status.to_proto() as i32,
            end_time_secs: now_secs(),
        }),
    )
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
}
