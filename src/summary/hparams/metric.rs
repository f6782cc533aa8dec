//! [`Metric`]: a metric's column of an experiment, and the [`DatasetType`] it is computed on.

use crate::error::{Error, Result};
use crate::proto::hparams as pb;
use crate::tag::validate_tag;

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

/// A metric's column in the HParams dashboard: part of an [`HParamsExperiment`]
/// (`hp.Metric` in TensorBoard's Python API). Its value for a session is the last value of
/// the scalar `tag` in the session's run, or in the run `<session>/<group>` with a group.
///
/// [`HParamsExperiment`]: crate::summary::hparams::HParamsExperiment
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub(super) tag: String,
    pub(super) group: String,
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

    pub(super) fn to_proto(&self) -> Result<pb::MetricInfo> {
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
