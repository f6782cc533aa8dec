//! Reading event files: the borrowing scalar decoder against prost, the files TensorBoard's
//! own Python writer wrote, the fuzz corpus replayed, the typed readers on a fixture table
//! (TensorBoard, tf.summary, torch and tensorboardX × every kind) and on the crate's own
//! logs (restarts, live files, damaged copies).

#[path = "../common/mod.rs"]
mod common;

/// This binary's global allocator: it counts the allocations of a thread only while that
/// thread asks (`reader_fast`'s no-allocation test), so the other tests are unaffected.
#[path = "../common/counting_alloc.rs"]
mod counting_alloc;

mod fixture_table;
mod fuzz_corpus;
mod logdir_reading;
mod python_fixtures;
mod reader_fast;
