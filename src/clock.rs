//! Wall-clock time for event timestamps.
//!
//! Every event carries a wall time, so the clock is read on every logging call. On Linux the
//! precise clock (`CLOCK_REALTIME`, what `SystemTime::now` reads) costs 40–70 ns in virtual
//! machines, which is more than the rest of an `add_scalar` call. By default the writer reads
//! `CLOCK_REALTIME_COARSE` instead: the same clock, updated once per kernel tick (1–4 ms),
//! read in about 5 ns. TensorBoard shows wall times to the second, so the difference is not
//! visible there; [`SummaryWriterBuilder::precise_wall_time`](crate::SummaryWriterBuilder::precise_wall_time)
//! switches to the precise clock. Other systems always use the precise clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch from the precise clock; never NaN, never negative.
pub(crate) fn precise() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Seconds since the Unix epoch at kernel-tick resolution; never NaN, never negative.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn coarse() -> f64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    (ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9).max(0.0)
}

/// Seconds since the Unix epoch; never NaN, never negative.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn coarse() -> f64 {
    precise()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_and_precise_agree_within_a_tick() {
        for _ in 0..100 {
            let before = precise();
            let c = coarse();
            let after = precise();
            // The coarse clock lags by at most one tick (<= 10 ms even at HZ=100).
            assert!(c <= after + 1e-6, "coarse {c} ahead of precise {after}");
            assert!(
                c >= before - 0.011,
                "coarse {c} lags precise {before} by more than a tick"
            );
        }
    }
}
