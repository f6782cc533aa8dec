//! The bytes of a scalar event that depend only on its tag ([`ScalarPrefix`]), encoded once
//! per tag, and the whole record frame made from them and an event's step, wall time and
//! value.

use super::event::{EventHeader, SimpleValue, key, put_varint, varint_len};
use crate::wire::{self, HEADER_LEN, Out, StackBuf};

/// Largest record (frame included) that `add_scalar` encodes on the stack.
pub(crate) const SMALL_RECORD: usize = 128;

/// Most bytes of a cached scalar prefix: what fits in a [`SMALL_RECORD`] frame beside the
/// record header (12), the largest event header (wall time 9, step 11), the value (4) and
/// the record footer (4).
const PREFIX_CAP: usize = SMALL_RECORD - 40;

/// Prefixes up to this long (a tag of up to 25 bytes in no scope) take a shorter copy in
/// [`ScalarPrefix::frame`].
const SHORT_PREFIX: usize = 32;

/// The bytes of a scalar event that depend only on its full tag: from the `Event.summary`
/// key to the `simple_value` key, the tag checked against the [tag rules](crate::tag) once.
#[derive(Clone, Copy)]
pub(crate) struct ScalarPrefix {
    /// Which scope the tag was joined to (see `SummaryWriter::scope_id`).
    scope_id: u64,
    /// Length of the tag as logged (without the scope); `usize::MAX` marks an empty slot.
    pub(super) tag_len: usize,
    /// Bytes used in `bytes`.
    pub(super) len: usize,
    /// Where the `Summary.value` field starts (after the `Event.summary` key and length).
    body_start: usize,
    /// `Event.summary` key and length, `Summary.value` key and length, `Value.tag` key,
    /// length and bytes (scope, `/`, tag), `Value.simple_value` key.
    bytes: [u8; PREFIX_CAP],
}

impl ScalarPrefix {
    pub(super) const EMPTY: ScalarPrefix = ScalarPrefix {
        scope_id: 0,
        tag_len: usize::MAX,
        len: 0,
        body_start: 0,
        bytes: [0; PREFIX_CAP],
    };

    /// The prefix for `tag` under `scope` (already validated), or `None` when it is too long
    /// for a stack-encoded record.
    pub(super) fn new(scope_id: u64, scope: &str, tag: &str) -> Option<Self> {
        let v = SimpleValue {
            scope,
            tag,
            value: 0.0,
        };
        let field_len = v.field_len();
        let body_start = 1 + varint_len(field_len as u64);
        // The whole field but its 4 value bytes.
        let len = body_start + field_len - 4;
        if len > PREFIX_CAP {
            return None;
        }
        let mut out = StackBuf::<{ PREFIX_CAP + 4 }>::new();
        out.put(key::EVENT_SUMMARY);
        put_varint(&mut out, field_len as u64);
        v.write_field(&mut out);
        let mut bytes = [0; PREFIX_CAP];
        bytes[..len].copy_from_slice(&out.as_slice()[..len]);
        Some(ScalarPrefix {
            scope_id,
            tag_len: tag.len(),
            len,
            body_start,
            bytes,
        })
    }

    /// Whether this is the prefix of `tag` under the scope `scope_id`: compares the tag's
    /// bytes, never only where they are, so a buffer reused for another tag is no hit.
    #[inline]
    pub(super) fn is_for(&self, scope_id: u64, tag: &[u8]) -> bool {
        self.tag_len == tag.len()
            && self.scope_id == scope_id
            && self
                .bytes
                .get(self.len - 1 - tag.len()..self.len - 1)
                .is_some_and(|cached| same_bytes(cached, tag))
    }

    /// Encodes the whole unsealed record frame (as [`wire::append_unsealed`] would)
    /// of the scalar event `h`, `value` into `frame`; returns its length.
    #[inline]
    pub(crate) fn frame(
        &self,
        h: &EventHeader,
        value: f32,
        frame: &mut [u8; SMALL_RECORD],
    ) -> usize {
        wire::begin_unsealed_frame(frame);
        let mut p = HEADER_LEN;
        if h.wall_time != 0.0 {
            frame[p] = key::EVENT_WALL_TIME;
            frame[p + 1..p + 9].copy_from_slice(&h.wall_time.to_le_bytes());
            p += 9;
        }
        if h.step != 0 {
            frame[p] = key::EVENT_STEP;
            p += 1;
            let mut v = h.step as u64;
            while v >= 0x80 {
                frame[p] = (v as u8) | 0x80;
                v >>= 7;
                p += 1;
            }
            frame[p] = v as u8;
            p += 1;
        }
        // A fixed-size copy (p <= 12 + 9 + 11, so it fits); the bytes past `len` are
        // overwritten next. Short prefixes copy fewer bytes: fewer stores for the lock's
        // atomic instruction right after to wait for.
        if self.len <= SHORT_PREFIX {
            frame[p..p + SHORT_PREFIX].copy_from_slice(&self.bytes[..SHORT_PREFIX]);
        } else {
            frame[p..p + PREFIX_CAP].copy_from_slice(&self.bytes);
        }
        p += self.len;
        frame[p..p + 4].copy_from_slice(&value.to_le_bytes());
        p += 4;
        wire::end_unsealed_frame(frame, p)
    }

    /// Appends the `Summary.value` field of `tag` = `value` to an encoded `Summary` body.
    #[inline]
    pub(crate) fn append_value(&self, value: f32, summary: &mut Vec<u8>) {
        summary.extend_from_slice(&self.bytes[self.body_start..self.len]);
        summary.extend_from_slice(&value.to_le_bytes());
    }
}

/// `a == b` for slices of equal length, inlined: short tags are compared with a few word
/// loads instead of a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let half = |s: &[u8], i: usize| -> u32 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[i..i + 4]);
        u32::from_le_bytes(w)
    };
    if n >= 8 {
        // Whole words, then the last (possibly overlapping) word.
        let mut i = 0;
        while i + 8 < n {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        let data = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for n in 0..data.len() {
            for i in 0..n {
                let a = &data[..n];
                let mut b = a.to_vec();
                assert!(same_bytes(a, &b));
                b[i] ^= 1;
                assert!(!same_bytes(a, &b), "n {n} i {i}");
            }
        }
        assert!(!same_bytes(b"ab", b"abc"));
    }
}
