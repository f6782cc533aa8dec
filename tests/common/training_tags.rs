//! The scalar tags a training loop typically logs each step, in turn: what
//! `benches/scalars.rs` (`add_scalar/caller/…/8_tags`) and `benches/scalar_timing.rs`
//! (`batches --tags N`) log. Included with `#[path]` where it is used.

pub const TRAINING_TAGS: [&str; 8] = [
    "loss",
    "accuracy",
    "learning_rate",
    "grad_norm",
    "train/loss",
    "train/accuracy",
    "val/loss",
    "val/accuracy",
];
