//! One module per kind of summary (and the `HostTensor` calls): what the writer writes, read
//! back from disk and decoded independently of it; and every row of the bad-input table.

#[path = "../common/mod.rs"]
mod common;

mod audio;
mod bad_input;
mod custom_scalars;
mod custom_tensor;
mod graph;
mod histogram;
mod host_tensor;
mod hparams;
mod image;
mod legacy;
mod mesh;
mod pr_curve;
mod projector;
mod text;
