//! The hparams methods of [`SummaryWriter`]: a session's start and end, `add_hparams`, and
//! the experiment definition.

use crate::error::{Error, Result};
use crate::proto::hparams::h_params_plugin_data::Data;
use crate::summary::scalar::ScalarValue;
use crate::writer::{Step, SummaryWriter};

use super::experiment::HParamsExperiment;
use super::once::{END, EXPERIMENT, START, write_once};
use super::records::{EXPERIMENT_TAG, hparams_value, session_end_value, session_start_value};
use super::status::SessionStatus;
use super::value::HParamValue;

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
    /// # let s = tensorboard_writer::reader::read_scalars(dir.path().join("lr=0.01,opt=adam"))?;
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
