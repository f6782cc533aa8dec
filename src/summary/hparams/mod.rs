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
//!   [`SummaryWriter::hparams_session_end`], at the highest step the run has logged so that
//!   its steps never go backwards.
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
//!
//! [`Error::InvalidInput`]: crate::Error::InvalidInput
//! [`SummaryWriter::add_hparams`]: crate::SummaryWriter::add_hparams
//! [`SummaryWriter::add_hparams_experiment`]: crate::SummaryWriter::add_hparams_experiment
//! [`SummaryWriter::add_scalar`]: crate::SummaryWriter::add_scalar
//! [`SummaryWriter::hparams_session_end`]: crate::SummaryWriter::hparams_session_end
//! [`SummaryWriter::hparams_session_start`]: crate::SummaryWriter::hparams_session_start

// One idea a file: `value` (HParamValue), `status` (SessionStatus), `hparam` and `metric`
// (the experiment's columns), `experiment` (HParamsExperiment), `records` (the tags and the
// plugin records), `once` (one record of each kind per run) and `writer` (the SummaryWriter
// methods).
mod experiment;
mod hparam;
mod metric;
mod once;
mod records;
mod status;
mod value;
mod writer;

pub use experiment::HParamsExperiment;
pub use hparam::{HParam, HParamDomain};
pub use metric::{DatasetType, Metric};
pub use records::{EXPERIMENT_TAG, PLUGIN_NAME, SESSION_END_INFO_TAG, SESSION_START_INFO_TAG};
pub use status::SessionStatus;
pub use value::HParamValue;
