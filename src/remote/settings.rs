//! The object-storage settings of a writer's builder, their defaults and their checks.

use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;

use super::target::Target;
use crate::error::{Error, Result};

/// The default size cap of a segment object: 4 MiB.
pub const DEFAULT_SEGMENT_BYTES: usize = 4 << 20;

/// The default number of uploads after which a segment object is sealed: 32.
pub const DEFAULT_SEGMENT_UPLOADS: u32 = 32;

/// The default bound on data held in memory that the object store has not yet stored: 64 MiB.
pub const DEFAULT_MAX_SPOOL_BYTES: usize = 64 << 20;

/// The default time [`flush`](crate::SummaryWriter::flush) and
/// [`close`](crate::SummaryWriter::close) wait for the object store: 5 minutes.
pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// The object-storage settings of a [`SummaryWriterBuilder`](crate::SummaryWriterBuilder).
#[derive(Debug, Clone)]
pub(crate) struct RemoteSettings {
    /// A store given by the user: the logdir is then the key prefix in it.
    pub store: Option<Arc<dyn ObjectStore>>,
    /// Where a sibling run of `add_scalars` goes: its parent's store, under the parent's prefix.
    pub resolved: Option<Target>,
    pub segment_bytes: usize,
    pub segment_uploads: u32,
    pub max_spool_bytes: usize,
    pub upload_timeout: Duration,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        RemoteSettings {
            store: None,
            resolved: None,
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_uploads: DEFAULT_SEGMENT_UPLOADS,
            max_spool_bytes: DEFAULT_MAX_SPOOL_BYTES,
            upload_timeout: DEFAULT_UPLOAD_TIMEOUT,
        }
    }
}

impl RemoteSettings {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.segment_bytes == 0 {
            return Err(Error::InvalidOption("segment_bytes must be positive"));
        }
        if self.segment_uploads == 0 {
            return Err(Error::InvalidOption("segment_uploads must be positive"));
        }
        if self.max_spool_bytes == 0 {
            return Err(Error::InvalidOption("max_spool_bytes must be positive"));
        }
        if self.upload_timeout.is_zero() {
            return Err(Error::InvalidOption("upload_timeout must be positive"));
        }
        Ok(())
    }
}
