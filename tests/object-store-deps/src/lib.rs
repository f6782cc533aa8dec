//! The names tensorboard-writer's object-store tests (`tests/object_store/`) need beyond the
//! library's own dependencies, there only with the `object-store` feature (see Cargo.toml).

#[cfg(feature = "object-store")]
pub use async_trait::async_trait;
#[cfg(feature = "object-store")]
pub use futures_util::stream::BoxStream;
