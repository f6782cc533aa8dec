//! Logging to object storage (feature `object-store`): against an in-memory store with
//! injected failures, and against a real S3 server (s3s-fs; those tests skip without one
//! unless `TBW_REQUIRE_S3=1`). Without the feature, only the error for a URL logdir.

#[path = "../common/mod.rs"]
mod common;

mod object_store_mem;
#[cfg(feature = "object-store")]
mod object_store_s3;

/// Held while a test sets the `AWS_*` variables and opens an `s3://` writer (which reads
/// them): they are process-wide, and the tests of both modules set them, differently.
#[cfg(feature = "object-store")]
static AWS_ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());
