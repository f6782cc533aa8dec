//! [`HParam`]: a hyperparameter's column of an experiment, with its domain.

use crate::error::{Error, Result};
use crate::proto::hparams::{self as pb, h_param_info::Domain};

use super::value::HParamValue;

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
///
/// [`HParamsExperiment`]: crate::summary::hparams::HParamsExperiment
#[derive(Debug, Clone, PartialEq)]
pub struct HParam {
    pub(super) name: String,
    display_name: String,
    description: String,
    domain: Option<HParamDomain>,
}

impl HParam {
    /// The hyperparameter `name`, as used in [`SummaryWriter::add_hparams`]; no domain.
    ///
    /// [`SummaryWriter::add_hparams`]: crate::SummaryWriter::add_hparams
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

    pub(super) fn to_proto(&self) -> Result<pb::HParamInfo> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked() {
        let ok = HParam::new("o").discrete(["a", "b"]).to_proto().unwrap();
        assert_eq!(ok.r#type, pb::DataType::String as i32);
        let mixed = HParam::new("m").discrete([HParamValue::from(1), "a".into()]);
        assert!(mixed.to_proto().is_err());
        assert!(
            HParam::new("e")
                .discrete(Vec::<f64>::new())
                .to_proto()
                .is_err()
        );
        assert!(HParam::new("d").discrete([1, 1]).to_proto().is_err());
        assert!(HParam::new("n").discrete([f64::NAN]).to_proto().is_err());
        assert!(HParam::new("i").interval(2.0, 1.0).to_proto().is_err());
        assert!(
            HParam::new("i")
                .interval(0.0, f64::INFINITY)
                .to_proto()
                .is_err()
        );
        let point = HParam::new("p").interval(1.0, 1.0).to_proto().unwrap();
        assert_eq!(point.r#type, pb::DataType::Float64 as i32);
        let none = HParam::new("u").to_proto().unwrap();
        assert_eq!(none.r#type, pb::DataType::Unset as i32);
        assert!(none.domain.is_none());
    }
}
