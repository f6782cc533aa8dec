//! Wall-clock time for event timestamps.
//!
//! Every event carries a wall time, so the clock is read on every logging call. On Linux the
//! precise clock (`CLOCK_REALTIME`, what `SystemTime::now` reads) costs 40–70 ns in virtual
//! machines, which is more than the rest of an `add_scalar` call, and even the kernel's
//! coarse clock (`CLOCK_REALTIME_COARSE`, updated once per kernel tick) costs 6–10 ns there,
//! a fifth of the call. So while logging is dense the writer reads neither on the caller's
//! thread: one thread per process, the *clock thread*, stores the precise time in an atomic
//! every 4 ms, and a logging call loads it (one load of a cache line that changes once a
//! tick). Logging is dense when the writers
//! fill their wake-up threshold (256 KiB of records by default, about 6,000 scalar events)
//! at least every 16 ms, that is above roughly 370,000 events per second: there the calls
//! save (~6 ns each) about what keeping the time costs the clock thread (250 wake-ups a
//! second, about 3 ms of CPU a second on the development VM), and far more above it. Below
//! that the thread stores "no time" and sleeps, longer each time up to 1 s, and the callers
//! read the coarse clock themselves; it exits when the last writer that uses it is dropped.
//! Either way a wall time lags the true time by a few milliseconds: on the development VM
//! the coarse clock by 3.4–7.4 ms (median 5.4), the kept time by 0–9 ms (median 2; a tick
//! plus the clock thread's wait for a core), more only when the machine is so overloaded
//! that the writer's own background thread waits too (`scalar_timing lag`). TensorBoard
//! shows wall times to the second.
//! [`SummaryWriterBuilder::precise_wall_time`](crate::SummaryWriterBuilder::precise_wall_time)
//! switches to the precise clock, read on every call. Other systems always use the precise
//! clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch from the precise clock; never NaN, never negative.
pub(crate) fn precise() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Seconds since the Unix epoch, at most a few milliseconds behind; never NaN, never
/// negative. The time the clock thread keeps, or the coarse clock when it keeps none.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn coarse() -> f64 {
    ticker::TICKER.now()
}

/// Seconds since the Unix epoch; never NaN, never negative.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn coarse() -> f64 {
    precise()
}

/// Marks logging as dense: called each time a writer's front buffer crosses its wake-up
/// threshold, so that the clock thread keeps the time (or resumes keeping it).
#[inline]
pub(crate) fn busy() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ticker::TICKER.mark_busy();
}

/// Keeps the process's clock thread running (starting it if need be) while it lives: held
/// by every writer that reads [`coarse`].
pub(crate) struct Keepalive(());

impl Keepalive {
    /// Starts the clock thread if it is not running; if it cannot be started, [`coarse`]
    /// reads the coarse clock on every call, as it does while the thread sleeps.
    pub(crate) fn new() -> Keepalive {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        ticker::TICKER.acquire();
        Keepalive(())
    }
}

impl Drop for Keepalive {
    fn drop(&mut self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        ticker::TICKER.release();
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod ticker {
    use parking_lot::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::time::Duration;

    /// How often the clock thread refreshes the time while logging is dense: the resolution
    /// of the coarse clock it stands in for on most kernels (`HZ=250`).
    const TICK: Duration = Duration::from_millis(4);
    /// Ticks the clock thread keeps the time after the last [`busy`](super::busy) mark.
    const HOLD_TICKS: u32 = 4;
    /// The longest the clock thread sleeps while logging is not dense.
    const IDLE: Duration = Duration::from_secs(1);

    /// The process's clock thread.
    pub(super) static TICKER: Ticker = Ticker::new();

    /// A clock thread's shared state (a type so that tests can run their own).
    pub(super) struct Ticker {
        time: Time,
        /// Set by [`busy`](super::busy), cleared by the thread at every wake-up.
        busy: AtomicBool,
        state: Mutex<State>,
    }

    /// What every logging call reads, on a cache line of its own (written once a tick).
    #[repr(align(64))]
    struct Time {
        /// The wall time's `f64` bits, or 0 while the thread keeps no time.
        bits: AtomicU64,
    }

    struct State {
        /// Live [`Keepalive`](super::Keepalive)s of this ticker.
        users: usize,
        /// Whether a thread of this process is running [`Ticker::run`].
        running: bool,
        /// The process that `running` is about: a child made by `fork` inherits this memory
        /// but not the thread.
        pid: u32,
    }

    impl Ticker {
        pub(super) const fn new() -> Ticker {
            Ticker {
                time: Time {
                    bits: AtomicU64::new(0),
                },
                busy: AtomicBool::new(false),
                state: Mutex::new(State {
                    users: 0,
                    running: false,
                    pid: 0,
                }),
            }
        }

        /// The kept time, or the coarse clock's when there is none.
        #[inline]
        pub(super) fn now(&self) -> f64 {
            let bits = self.time.bits.load(Relaxed);
            if bits != 0 {
                f64::from_bits(bits)
            } else {
                read_coarse()
            }
        }

        #[inline]
        pub(super) fn mark_busy(&self) {
            self.busy.store(true, Relaxed);
        }

        pub(super) fn acquire(&'static self) {
            let mut st = self.state.lock();
            st.users += 1;
            let pid = std::process::id();
            if st.pid != pid {
                // First use, or a child of `fork`: no thread of this process keeps the time.
                st.pid = pid;
                st.running = false;
                self.time.bits.store(0, Relaxed);
            }
            if !st.running {
                // Busy from the start: the thread keeps the time while the writer warms up.
                self.busy.store(true, Relaxed);
                st.running = std::thread::Builder::new()
                    .name("tensorboard-clock".into())
                    .spawn(move || self.run())
                    .is_ok();
            }
        }

        pub(super) fn release(&self) {
            let mut st = self.state.lock();
            st.users = st.users.saturating_sub(1);
        }

        /// The clock thread: refreshes the time every tick while logging is dense, sleeps
        /// longer and longer (keeping no time) while it is not, exits when no writer uses it.
        fn run(&self) {
            let mut sleep = TICK;
            let mut idle_ticks = 0;
            loop {
                {
                    let mut st = self.state.lock();
                    if st.users == 0 {
                        st.running = false;
                        self.time.bits.store(0, Relaxed);
                        return;
                    }
                }
                if self.busy.swap(false, Relaxed) {
                    sleep = TICK;
                    idle_ticks = 0;
                } else if sleep == TICK && idle_ticks < HOLD_TICKS {
                    idle_ticks += 1;
                } else {
                    sleep = (sleep * 2).min(IDLE);
                }
                // A time kept only while the thread wakes every tick: never older than that.
                let bits = if sleep == TICK {
                    super::precise().to_bits()
                } else {
                    0
                };
                self.time.bits.store(bits, Relaxed);
                std::thread::sleep(sleep);
            }
        }
    }

    /// The kernel's coarse real-time clock: a few nanoseconds, at tick resolution.
    #[inline]
    pub(super) fn read_coarse() -> f64 {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
        (ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9).max(0.0)
    }

    #[cfg(test)]
    mod tests {
        use super::super::precise;
        use super::*;
        use std::time::Instant;

        /// Waits up to 10 s for `cond`.
        fn eventually(what: &str, cond: impl Fn() -> bool) {
            let start = Instant::now();
            while !cond() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "timed out waiting until {what}"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }

        fn kept(t: &Ticker) -> bool {
            t.time.bits.load(Relaxed) != 0
        }

        #[test]
        fn the_coarse_clock_lags_the_precise_one_by_at_most_a_tick() {
            for _ in 0..100 {
                let before = precise();
                let c = read_coarse();
                let after = precise();
                // At most one tick behind (<= 10 ms even at HZ=100).
                assert!(c <= after + 1e-6, "coarse {c} ahead of precise {after}");
                assert!(
                    c >= before - 0.011,
                    "coarse {c} lags {before} by over a tick"
                );
            }
        }

        #[test]
        fn the_kept_time_follows_the_clock_and_stops_with_its_last_user() {
            static T: Ticker = Ticker::new();
            T.acquire();
            T.acquire();
            eventually("the thread keeps the time", || kept(&T));
            let start = precise();
            let mut last = 0.0;
            while precise() < start + 0.1 {
                T.mark_busy();
                let before = precise();
                let t = T.now();
                let after = precise();
                assert!(
                    t <= after + 1e-6,
                    "kept time {t} ahead of the clock {after}"
                );
                // A tick behind, plus whatever a loaded test machine adds; far less than 1 s.
                assert!(t >= before - 1.0, "kept time {t} lags {before} by over 1 s");
                last = t;
            }
            // It moves: refreshed within the 100 ms just spent reading it.
            assert!(last > start, "kept time {last} not refreshed since {start}");
            T.release();
            std::thread::sleep(Duration::from_millis(50));
            assert!(T.state.lock().running, "stopped with a user left");
            T.release();
            eventually("the thread exits", || !T.state.lock().running);
            assert!(!kept(&T), "a time kept after the thread exited");
        }

        #[test]
        fn the_time_is_kept_only_while_logging_is_dense() {
            static T: Ticker = Ticker::new();
            T.acquire();
            eventually("the thread keeps the time", || kept(&T));
            // No busy mark: after HOLD_TICKS ticks the thread keeps none.
            eventually("the thread stops keeping the time", || !kept(&T));
            let before = precise();
            let t = T.now();
            assert!(
                t <= precise() + 1e-6 && t >= before - 0.011,
                "{t} is not the coarse clock's time (near {before})"
            );
            eventually("the thread keeps the time again", || {
                T.mark_busy();
                kept(&T)
            });
            T.release();
            eventually("the thread exits", || !T.state.lock().running);
        }

        #[test]
        fn a_forked_child_starts_its_own_thread() {
            static T: Ticker = Ticker::new();
            // What a child of `fork` inherits: a parent's thread marked running, its last
            // time kept, and no such thread in this process.
            {
                let mut st = T.state.lock();
                st.users = 1;
                st.running = true;
                st.pid = 0;
            }
            T.time.bits.store(1.0f64.to_bits(), Relaxed);
            T.acquire();
            // A thread of this process replaces the frozen time with the clock's.
            eventually("the child keeps the clock's time", || {
                T.mark_busy();
                f64::from_bits(T.time.bits.load(Relaxed)) > 1.6e9
            });
            assert!(T.state.lock().running);
            T.release();
            T.release();
            eventually("the thread exits", || !T.state.lock().running);
        }
    }
}
