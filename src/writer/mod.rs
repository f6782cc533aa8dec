//! [`SummaryWriter`]: the handle training loops log through, its scopes, and the merged
//! [`StepBuilder`].

mod builder;
mod handle;
mod open;
mod step;
mod step_builder;

pub(crate) use crate::summary::scalar::ScalarValue;
#[cfg(feature = "object-store")]
pub(crate) use builder::url_scheme;
pub use builder::{
    SummaryWriterBuilder, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_PENDING_BYTES, WRITER_NAME,
};
pub use handle::SummaryWriter;
pub use step::Step;
pub use step_builder::StepBuilder;
