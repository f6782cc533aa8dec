//! [`StepBuilder`]: one event holding many values at one step (a merged summary).

use std::fmt;

use crate::encode::{self, EventHeader, SimpleValue};
use crate::error::{Error, Result};
use crate::proto;
use crate::summary::scalar::ScalarValue;
use crate::tag::validate_tag;

use super::handle::{SummaryWriter, check_wall_time, value_error};
use super::step::Step;

/// One event holding many values at one step: a merged summary. Made by
/// [`SummaryWriter::step`].
///
/// Methods chain; the first invalid input is kept and returned by [`write`](Self::write),
/// which then writes nothing. All values share the step and one wall time.
#[must_use = "a StepBuilder writes nothing until .write() is called"]
pub struct StepBuilder<'w> {
    pub(super) writer: &'w SummaryWriter,
    pub(super) step: i64,
    pub(super) wall_time: Option<f64>,
    /// Encoded `Summary` body: one `value` field per value.
    pub(super) summary: Vec<u8>,
    pub(super) error: Option<Error>,
}

impl fmt::Debug for StepBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepBuilder")
            .field("step", &self.step)
            .field("bytes", &self.summary.len())
            .field("error", &self.error)
            .finish()
    }
}

impl StepBuilder<'_> {
    /// Adds the scalar `tag` (under the writer's scope).
    pub fn scalar(mut self, tag: &str, value: impl ScalarValue) -> Self {
        if self.error.is_some() {
            return self;
        }
        let value = match value.to_f32() {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(value_error(self.writer, tag, e));
                return self;
            }
        };
        let summary = &mut self.summary;
        let scope_id = self.writer.scope_id;
        if encode::with_cached_prefix(scope_id, tag, |p| p.append_value(value, summary)).is_some() {
            return self;
        }
        if let Err(e) = validate_tag(tag) {
            self.error = Some(e);
            return self;
        }
        match encode::cache_prefix(scope_id, &self.writer.scope, tag) {
            Some(prefix) => prefix.append_value(value, &mut self.summary),
            None => SimpleValue {
                scope: &self.writer.scope,
                tag,
                value,
            }
            .write_field(&mut self.summary),
        }
        self
    }

    /// Adds the value `build` makes for the full (scoped) form of `tag`, after checking the
    /// tag. The first error is kept for [`write`](Self::write).
    pub(crate) fn tagged(
        mut self,
        tag: &str,
        build: impl FnOnce(String) -> Result<proto::summary::Value>,
    ) -> Self {
        if self.error.is_some() {
            return self;
        }
        let value = validate_tag(tag).and_then(|()| build(self.writer.full_tag(tag)));
        match value {
            Ok(v) => prost::encoding::message::encode(1, &v, &mut self.summary),
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Adds a prepared `Summary.Value`; its tag is used as given (not scoped).
    pub fn value(mut self, value: &proto::summary::Value) -> Self {
        if self.error.is_none() {
            prost::encoding::message::encode(1, value, &mut self.summary);
        }
        self
    }

    /// Sets the wall time (seconds since the Unix epoch) instead of the current time.
    pub fn wall_time(mut self, wall_time: f64) -> Self {
        match check_wall_time(wall_time) {
            Ok(t) => self.wall_time = Some(t),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Writes the event. With no values added it writes nothing.
    pub fn write(self) -> Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.summary.is_empty() {
            return self.writer.check();
        }
        let h = EventHeader {
            wall_time: self.wall_time.unwrap_or_else(|| self.writer.now()),
            step: self.step,
        };
        let body = &self.summary;
        self.writer
            .inner
            .file
            .append_with(encode::summary_event_len(&h, body.len()), |out| {
                encode::write_summary_event_head(out, &h, body.len());
                out.extend_from_slice(body);
            })
    }
}

impl SummaryWriter {
    /// Starts a merged summary: one event at `step` holding many values, written by
    /// [`StepBuilder::write`]. Merging the values logged at a step saves space and keeps
    /// them together in the file.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// writer.step(100u32)
    ///     .scalar("xent", 0.12f32)
    ///     .scalar("accuracy", 0.97f64)
    ///     .write()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn step(&self, step: impl Step) -> StepBuilder<'_> {
        let (step, error) = match step.to_step() {
            Ok(s) => (s, None),
            Err(e) => (0, Some(e)),
        };
        StepBuilder {
            writer: self,
            step,
            wall_time: None,
            summary: Vec::with_capacity(256),
            error,
        }
    }
}
