//! The highest step among the events of a buffer of record frames, read by the background
//! thread as it writes them, so that the logging calls pay nothing for it (the hparams
//! session end is written at this step).

use crate::encode::key;
use crate::wire::{FOOTER_LEN, HEADER_LEN};

/// The step of an `Event` payload as this crate encodes it: the wall time (field 1) first when
/// not zero, then the step (field 2) when not zero, as both prost and the hand-written
/// encoder order them. 0 when there is no step field.
fn event_step(payload: &[u8]) -> i64 {
    let mut pos = 0;
    if payload.first() == Some(&key::EVENT_WALL_TIME) {
        pos = 9;
    }
    if payload.get(pos) != Some(&key::EVENT_STEP) {
        return 0;
    }
    let mut v = 0u64;
    for (i, &b) in payload.iter().skip(pos + 1).take(10).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            break;
        }
    }
    v as i64
}

/// The highest step among the events in `buf` (whole record frames), `None` when it holds
/// none.
pub(super) fn highest_step(buf: &[u8]) -> Option<i64> {
    let mut pos = 0;
    let mut highest = None;
    while pos + HEADER_LEN <= buf.len() {
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&buf[pos..pos + 8]);
        let start = pos + HEADER_LEN;
        let end = start.saturating_add(u64::from_le_bytes(len_bytes) as usize);
        let Some(payload) = buf.get(start..end) else {
            break;
        };
        let step = event_step(payload);
        highest = Some(highest.map_or(step, |h: i64| h.max(step)));
        pos = end + FOOTER_LEN;
    }
    highest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Event, event::What};
    use prost::Message;

    fn frames(events: &[Event]) -> Vec<u8> {
        let mut buf = Vec::new();
        for e in events {
            crate::wire::encode_record(&e.encode_to_vec(), &mut buf);
        }
        buf
    }

    fn event(wall_time: f64, step: i64) -> Event {
        Event {
            wall_time,
            step,
            what: Some(What::FileVersion("brain.Event:2".into())),
            ..Default::default()
        }
    }

    #[test]
    fn reads_the_step_of_every_event() {
        for (wall_time, step) in [
            (0.0, 0),
            (0.0, 5),
            (1.5e9, 0),
            (1.5e9, 1),
            (1.5e9, 127),
            (1.5e9, 128),
            (1.5e9, 1 << 40),
            (1.5e9, i64::MAX),
            (1.5e9, -1),
            (1.5e9, i64::MIN),
        ] {
            let buf = frames(&[event(wall_time, step)]);
            assert_eq!(highest_step(&buf), Some(step), "{wall_time} {step}");
        }
    }

    #[test]
    fn takes_the_highest_in_any_order() {
        let buf = frames(&[
            event(1.0, 3),
            event(1.0, 1000),
            event(1.0, 0),
            event(1.0, -7),
        ]);
        assert_eq!(highest_step(&buf), Some(1000));
        assert_eq!(highest_step(&frames(&[event(1.0, -7)])), Some(-7));
        assert_eq!(highest_step(&[]), None);
    }
}
