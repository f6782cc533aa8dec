//! [`HParamsExperiment`]: the definition of a sweep, its hparam and metric columns.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::proto::hparams as pb;

use super::hparam::HParam;
use super::metric::Metric;
use super::records::now_secs;

/// The definition of a sweep for the HParams dashboard: its hyperparameters and metrics.
/// Written once per logdir with [`SummaryWriter::add_hparams_experiment`] (see the
/// [module docs](crate::summary::hparams)).
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
///
/// [`SummaryWriter::add_hparams_experiment`]: crate::SummaryWriter::add_hparams_experiment
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

    pub(super) fn to_proto(&self) -> Result<pb::Experiment> {
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
                });
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

#[cfg(test)]
mod tests {
    use super::*;

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
