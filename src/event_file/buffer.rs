//! The front buffer logging calls append to, behind its spin lock, and the state the
//! logging threads share with the background thread.

use std::path::PathBuf;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use spin::mutex::{SpinMutex, SpinMutexGuard};

use crate::error::Error;

/// What logging calls append to, behind its own spin lock (see [`Shared::front`]).
pub(super) struct Front {
    /// Complete, unsealed records waiting for the background thread.
    pub(super) buf: Vec<u8>,
    /// Bytes of the buffers the background thread has taken so far: with `buf.len()`, all
    /// bytes accepted since the file was opened (see [`Front::appended`]), without a
    /// counter to update on every append.
    pub(super) taken: u64,
    /// The file is closing or failed, or its thread exited: appends take the slow path,
    /// which says which (from [`State`]). Set under the state lock.
    pub(super) blocked: bool,
    /// The highest step among the events appended since the file was opened (`i64::MIN`
    /// before the first): a compare and a store on a line the append writes anyway, under
    /// the lock it holds anyway, so that no logging call pays an atomic for it.
    pub(super) highest_step: i64,
}

impl Front {
    /// Appends what `write` writes, exactly `rec` bytes of whole record frames holding an
    /// event at `step`; true when that took the buffer past `threshold` (time to wake the
    /// background thread).
    #[inline]
    pub(super) fn push(
        &mut self,
        rec: usize,
        step: i64,
        threshold: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> bool {
        self.highest_step = self.highest_step.max(step);
        let before = self.buf.len();
        write(&mut self.buf);
        debug_assert_eq!(self.buf.len() - before, rec, "record length mismatch");
        before < threshold && self.buf.len() >= threshold
    }

    /// Bytes accepted since the file was opened.
    pub(super) fn appended(&self) -> u64 {
        self.taken + self.buf.len() as u64
    }

    /// Hands the buffer to the background thread, `spare` taking its place; returns it
    /// and [`appended`](Self::appended) as of now.
    pub(super) fn take(&mut self, spare: Vec<u8>) -> (Vec<u8>, u64) {
        // A spare holding bytes would count them as accepted.
        debug_assert!(spare.is_empty(), "the spare buffer must be empty");
        let appended = self.appended();
        self.taken = appended;
        (std::mem::replace(&mut self.buf, spare), appended)
    }
}

pub(super) struct State {
    /// The background thread's empty buffer, when it is not writing one.
    pub(super) spare: Option<Vec<u8>>,
    /// Bytes written to the file (and synced, in durable mode).
    pub(super) written: u64,
    /// Bytes someone is waiting to see written.
    pub(super) flush_target: u64,
    /// Callers waiting for room in a full front buffer.
    pub(super) waiting_for_room: usize,
    /// First failure of the background thread; returned by every later call.
    pub(super) error: Option<Error>,
    /// `error` was returned to a caller at least once (so the drop need not print it).
    pub(super) error_returned: bool,
    /// No more appends; the background thread drains and exits.
    pub(super) closing: bool,
    /// The background thread has exited.
    pub(super) exited: bool,
    /// Most bytes held at once for data not yet written (front buffer plus the buffer being
    /// written), sampled by the background thread at each swap and after each write, which
    /// is where the sum peaks. Costs the logging thread nothing.
    pub(super) peak_pending: usize,
}

impl State {
    /// The background thread's error, noted as returned to a caller.
    pub(super) fn returned_error(&mut self) -> Option<Error> {
        let e = self.error.clone();
        self.error_returned |= e.is_some();
        e
    }
}

pub(super) struct Shared {
    /// The front buffer, taken through [`Shared::front`]. A spin lock, because what it
    /// guards is a `memcpy` long and its release is a plain store: one atomic
    /// read-modify-write per logged event where a mutex takes two, about 10 ns of the ~50 an
    /// `add_scalar` costs (BENCHMARKS.md). When both are taken, `state` is taken first.
    pub(super) front: SpinMutex<Front>,
    pub(super) state: Mutex<State>,
    /// Wakes the background thread.
    pub(super) work: Condvar,
    /// Wakes callers waiting for space or for a flush.
    pub(super) progress: Condvar,
    /// Capacity of each buffer.
    pub(super) buf_cap: usize,
    /// Front-buffer fill that wakes the background thread early.
    pub(super) threshold: usize,
    pub(super) path: PathBuf,
}

impl Shared {
    /// Takes the front buffer's lock: one compare-and-swap when it is free, which it
    /// nearly always is.
    #[inline]
    pub(super) fn front(&self) -> SpinMutexGuard<'_, Front> {
        match self.front.try_lock() {
            Some(front) => front,
            None => self.front_contended(),
        }
    }

    /// Waits for the front buffer's lock: spins briefly, then yields the core, then sleeps,
    /// so that a holder that was descheduled (even one of lower real-time priority, which a
    /// waiter that only yields could starve) gets to run and release it.
    #[cold]
    fn front_contended(&self) -> SpinMutexGuard<'_, Front> {
        let mut waits = 0u32;
        loop {
            while self.front.is_locked() {
                waits += 1;
                if waits < 8 {
                    std::hint::spin_loop();
                } else if waits < 1024 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
            if let Some(front) = self.front.try_lock() {
                return front;
            }
        }
    }
}
