//! One record of each kind per run: TensorBoard keeps only the first, so a second one is
//! refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::writer::SummaryWriter;

pub(super) const EXPERIMENT: u8 = 1;
pub(super) const START: u8 = 2;
pub(super) const END: u8 = 4;

/// The hparams records written so far in this process, per run directory. TensorBoard keeps
/// only the first record of each kind in a run, so a second one is refused.
static WRITTEN: Mutex<BTreeMap<PathBuf, u8>> = Mutex::new(BTreeMap::new());

fn record_name(kind: u8) -> &'static str {
    match kind {
        EXPERIMENT => "an experiment definition",
        START => "a session start (its hparams)",
        _ => "a session end",
    }
}

/// Runs `write` if this run has none of the `kinds` of record yet, and remembers them once it
/// succeeds.
pub(super) fn write_once(
    writer: &SummaryWriter,
    kinds: u8,
    write: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let dir = writer.logdir();
    let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    {
        let mut written = WRITTEN.lock();
        let have = written.entry(key.clone()).or_insert(0);
        if let Some(kind) = [EXPERIMENT, START, END]
            .into_iter()
            .find(|k| kinds & *have & k != 0)
        {
            return Err(Error::InvalidInput {
                what: "hparams",
                reason: format!(
                    "run {} already has {}: TensorBoard keeps only the first one of a run \
                     (use one run directory per trial, and one experiment per logdir)",
                    dir.display(),
                    record_name(kind)
                ),
            });
        }
        *have |= kinds;
    }
    let result = write();
    if result.is_err() {
        if let Some(have) = WRITTEN.lock().get_mut(&key) {
            *have &= !kinds;
        }
    }
    result
}
