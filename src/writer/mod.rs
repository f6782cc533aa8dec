//! [`SummaryWriter`]: the handle training loops log through, its scopes, and the merged
//! [`StepBuilder`].

mod builder;
mod handle;
mod open;
mod step;
mod step_builder;

pub use builder::{
    DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_PENDING_BYTES, SummaryWriterBuilder, WRITER_NAME,
};
pub use handle::SummaryWriter;
pub use step::Step;
pub use step_builder::StepBuilder;
