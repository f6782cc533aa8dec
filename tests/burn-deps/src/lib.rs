//! Nothing but features: with tensorboard-writer's `burn` feature, this package turns on
//! burn-train's system metrics for the crate's burn tests (see Cargo.toml). The tests name
//! burn through tensorboard-writer's own `burn` dependency.
