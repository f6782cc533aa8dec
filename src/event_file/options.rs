//! The background writer's settings, and their checks.

use std::time::Duration;

use crate::error::{Error, Result};

/// Settings of the background writer.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub flush_interval: Duration,
    pub max_pending_bytes: usize,
    pub durable: bool,
}

/// Smallest accepted `max_pending_bytes`.
pub(crate) const MIN_PENDING_BYTES: usize = 256;

impl Options {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_pending_bytes < MIN_PENDING_BYTES {
            return Err(Error::InvalidOption(
                "max_pending_bytes must be at least 256",
            ));
        }
        if self.flush_interval.is_zero() {
            return Err(Error::InvalidOption("flush_interval must be positive"));
        }
        Ok(())
    }
}
