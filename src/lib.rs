//! # tensorboard-writer
//!
//! Log from any Rust training loop to [TensorBoard](https://www.tensorflow.org/tensorboard):
//! scalars, histograms and distributions, images and video, audio, text, PR curves, hparams,
//! custom scalar layouts and meshes, with named scopes and merged summaries. Each dashboard's
//! calls and the form it writes are documented in its [`summary`] module.
//!
//! ```
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! # let runs = dir.path();
//! let writer = SummaryWriter::new(runs.join("mnist/lr=1e-3"))?;
//! for step in 0..1000u32 {
//!     let (loss, acc) = (1.0 / (1.0 + step as f32), step as f32 / 1000.0);
//!     writer.add_scalar("xent", loss, step)?;       // never waits on the disk
//!     if step % 100 == 0 {
//!         writer.step(step)                         // one event, many values
//!             .scalar("test/accuracy", acc)
//!             .scalar("test/xent", loss)
//!             .write()?;
//!     }
//! }
//! let conv1 = writer.scope("conv1")?;               // tags become "conv1/…"
//! conv1.add_scalar("sparsity", 0.25f64, 1000u32)?;
//! writer.flush()?;                                  // barrier: all of the above is on disk
//! # let s = tensorboard_writer::reader::read_scalars(runs.join("mnist/lr=1e-3"))?;
//! # assert_eq!(s["xent"].len(), 1000);
//! # assert_eq!(s["test/accuracy"].len(), 10);
//! # assert_eq!(s["conv1/sparsity"][0].step, 1000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Then run `tensorboard --logdir runs`.
//!
//! ## How it works
//!
//! - [`SummaryWriter`] is `Clone + Send + Sync`. Logging calls encode the event into a
//!   pre-allocated buffer shared by all clones; one background thread writes it to the event
//!   file every flush interval (2 s by default), when the buffer fills, on
//!   [`flush`](SummaryWriter::flush), on [`close`](SummaryWriter::close) and on drop. Memory
//!   is bounded ([`SummaryWriterBuilder::max_pending_bytes`]): if the disk falls behind, the
//!   logging thread waits instead of growing memory or dropping data.
//! - Background I/O errors are kept and returned by the next `flush`, `close` and every
//!   later logging call.
//! - Files are framed as TFRecords with masked CRC-32C ([`record`]) and named
//!   `events.out.tfevents.<secs>.<host>.<pid>.<counter>`, so writers never collide.
//! - Scalars are written as `simple_value`, which both of TensorBoard's loaders (the Rust
//!   data server and the Python one) read as rank-0 `float32`. Tags follow the
//!   [tag rules](tag).
//! - [`reader::EventReader`], [`reader::read_events`] and [`reader::read_scalars`] read event files back, checking
//!   every checksum and telling a truncated final record from corruption.
//! - With the `object-store` feature, a logdir URL (`s3://`, `gs://`, `az://`, `file://`) or
//!   a store given to `SummaryWriterBuilder::object_store` logs to object storage: the event
//!   file is uploaded as a series of segment objects, on a thread of its own, with retries,
//!   a bounded spool and `flush` as a barrier for stored data (see
//!   `SummaryWriterBuilder::object_store`).
//!
//! ## Wall times
//!
//! Every event carries the time it was logged. Reading the precise system clock costs
//! 40–70 ns in virtual machines, more than the rest of an `add_scalar` call, so on Linux the
//! writer reads the kernel's coarse real-time clock (`CLOCK_REALTIME_COARSE`): the same clock
//! at tick resolution (1–4 ms), in 6–10 ns. While logging is dense (above roughly 370,000
//! events per second) even that is a fifth of a call, so then a thread of the writer's, the
//! clock thread, keeps the time in memory, refreshed every 4 ms, and a call reads it with one
//! load; it sleeps when logging slows down and exits with the last writer. Either
//! way a wall time lags the clock by a few milliseconds (under 10 ms measured, the coarse
//! clock's lag included; more only on a machine so overloaded that the writer's threads
//! wait for a core). TensorBoard shows wall times to the second.
//! [`SummaryWriterBuilder::precise_wall_time`] selects the precise clock instead, and
//! [`SummaryWriter::add_scalar_with_wall_time`] and [`StepBuilder::wall_time`] take a time
//! from the caller. Wall times are never NaN, infinite or negative.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// docs.rs (--cfg docsrs, nightly rustdoc) labels feature-gated items with their feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod bad_input;
#[cfg(feature = "burn")]
#[cfg_attr(docsrs, doc(cfg(feature = "burn")))]
pub mod burn;
#[cfg(feature = "candle")]
#[cfg_attr(docsrs, doc(cfg(feature = "candle")))]
pub mod candle;
mod clock;
mod encode;
mod error;
mod event_file;
mod fast_decode;
mod logdir;
pub mod projector;
pub mod rank;
pub mod reader;
pub mod record;
#[cfg(feature = "object-store")]
mod remote;
pub mod summary;
pub mod tag;
#[cfg(feature = "tch")]
#[cfg_attr(docsrs, doc(cfg(feature = "tch")))]
pub mod tch;
pub mod tensor;
mod wire;
mod writer;

/// The protobuf messages TensorBoard reads, generated from `proto/` (a wire-compatible
/// subset of TensorFlow's and TensorBoard's schemas).
// The code is checked in (src/proto/, written by `cargo run -p protogen`), so that building
// the crate needs no protobuf compiler; `cargo test -p protogen` checks it is up to date.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    include!("proto/protos.rs");
    pub use self::tensorboard::*;
}

pub use error::{Error, Result};
/// Where an event file's bytes go: a hook for tests that inject I/O failures (see
/// `SummaryWriterBuilder::build_with_sink`). Not part of the supported API.
#[cfg(feature = "__test-hooks")]
#[doc(hidden)]
pub use event_file::{RemoteBarrier, Sink};
/// The [`object_store`](https://docs.rs/object_store) crate this crate logs through (feature
/// `object-store`), for building a store to give to
/// [`SummaryWriterBuilder::object_store`] and for reading objects back.
#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use object_store;
#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use remote::{
    DEFAULT_MAX_SPOOL_BYTES, DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_UPLOADS,
    DEFAULT_UPLOAD_TIMEOUT, UploadStatus,
};
pub use writer::{
    DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_PENDING_BYTES, Step, StepBuilder, SummaryWriter,
    SummaryWriterBuilder, WRITER_NAME,
};

/// The README's examples, compiled as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
