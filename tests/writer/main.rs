//! The `SummaryWriter` itself: end to end, I/O errors and full disks, resuming, ranks, many
//! writers and processes in one run directory, and concurrency.
//!
//! `concurrency`, `many_writers` and `rank` re-run this binary in child processes for one
//! test each (`--exact`, with the test's full name: [`common::exact_test_name`]).

#[path = "../common/mod.rs"]
mod common;

mod concurrency;
mod io_errors;
mod many_writers;
mod rank;
mod resume;
mod writer;
