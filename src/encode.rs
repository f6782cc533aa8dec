//! Hand-written protobuf encoding for the hot path.
//!
//! `add_scalar` is called millions of times, so its event is encoded directly into the
//! writer's buffer without building a message first. The bytes are the canonical encoding
//! `prost` produces for the same `Event` (tested below), so the fast path and the generic path
//! cannot drift apart.

use crate::wire::{self, Out, HEADER_LEN};

/// Wire-format field keys (`field_number << 3 | wire_type`).
pub(crate) mod key {
    pub const EVENT_WALL_TIME: u8 = 1 << 3 | 1; // double
    pub const EVENT_STEP: u8 = 2 << 3; // varint
    pub const EVENT_SUMMARY: u8 = 5 << 3 | 2; // message
    pub const SUMMARY_VALUE: u8 = 1 << 3 | 2; // message
    pub const VALUE_TAG: u8 = 1 << 3 | 2; // string
    pub const VALUE_SIMPLE: u8 = 2 << 3 | 5; // float
}

/// A fixed-size stack buffer, so a small record can be encoded before taking the writer's
/// lock and copied in with one memcpy while holding it. Callers check the encoded size
/// against `N` first.
pub(crate) struct StackBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    #[inline]
    pub(crate) fn new() -> Self {
        StackBuf {
            buf: [0; N],
            len: 0,
        }
    }
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> Out for StackBuf<N> {
    #[inline]
    fn put(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
}

/// Bytes taken by `v` as a varint.
#[inline]
pub(crate) fn varint_len(v: u64) -> usize {
    // 1 byte per 7 bits, at least one.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
pub(crate) fn put_varint(out: &mut impl Out, mut v: u64) {
    while v >= 0x80 {
        out.put((v as u8) | 0x80);
        v >>= 7;
    }
    out.put(v as u8);
}

/// The `Event` header fields (wall time and step), which proto3 omits when zero.
#[derive(Clone, Copy)]
pub(crate) struct EventHeader {
    pub wall_time: f64,
    pub step: i64,
}

impl EventHeader {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        let wt = if self.wall_time != 0.0 { 9 } else { 0 };
        let st = if self.step != 0 {
            1 + varint_len(self.step as u64)
        } else {
            0
        };
        wt + st
    }

    #[inline]
    pub(crate) fn write(&self, out: &mut impl Out) {
        if self.wall_time != 0.0 {
            out.put(key::EVENT_WALL_TIME);
            out.put_slice(&self.wall_time.to_le_bytes());
        }
        if self.step != 0 {
            out.put(key::EVENT_STEP);
            put_varint(out, self.step as u64);
        }
    }
}

/// A `Summary.Value{tag, simple_value}` whose tag is `scope + "/" + tag` (or just `tag`
/// when the scope is empty), written without joining the strings first.
#[derive(Clone, Copy)]
pub(crate) struct SimpleValue<'a> {
    pub scope: &'a str,
    pub tag: &'a str,
    pub value: f32,
}

impl SimpleValue<'_> {
    #[inline]
    fn tag_len(&self) -> usize {
        if self.scope.is_empty() {
            self.tag.len()
        } else {
            self.scope.len() + 1 + self.tag.len()
        }
    }

    /// Length of the Value message body.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        let t = self.tag_len();
        1 + varint_len(t as u64) + t + 5
    }

    #[inline]
    pub(crate) fn write(&self, out: &mut impl Out) {
        out.put(key::VALUE_TAG);
        put_varint(out, self.tag_len() as u64);
        if !self.scope.is_empty() {
            out.put_slice(self.scope.as_bytes());
            out.put(b'/');
        }
        out.put_slice(self.tag.as_bytes());
        out.put(key::VALUE_SIMPLE);
        out.put_slice(&self.value.to_le_bytes());
    }

    /// Length of the value as a field of `Summary` (key, length, body).
    #[inline]
    pub(crate) fn field_len(&self) -> usize {
        let v = self.len();
        1 + varint_len(v as u64) + v
    }

    #[inline]
    pub(crate) fn write_field(&self, out: &mut impl Out) {
        out.put(key::SUMMARY_VALUE);
        put_varint(out, self.len() as u64);
        self.write(out);
    }
}

/// Length of an `Event{header, summary}` whose encoded `Summary` body is `summary_len` bytes.
#[inline]
pub(crate) fn summary_event_len(h: &EventHeader, summary_len: usize) -> usize {
    h.len() + 1 + varint_len(summary_len as u64) + summary_len
}

/// Writes the part of a summary event before the `Summary` body.
#[inline]
pub(crate) fn write_summary_event_head(out: &mut impl Out, h: &EventHeader, summary_len: usize) {
    h.write(out);
    out.put(key::EVENT_SUMMARY);
    put_varint(out, summary_len as u64);
}

/// Largest record (frame included) that `add_scalar` encodes on the stack.
pub(crate) const SMALL_RECORD: usize = 128;

/// Most bytes of a cached scalar prefix: what fits in a [`SMALL_RECORD`] frame beside the
/// record header (12), the largest event header (wall time 9, step 11), the value (4) and
/// the record footer (4).
const PREFIX_CAP: usize = SMALL_RECORD - 40;

/// Prefixes up to this long (a tag of up to 25 bytes in no scope) take a shorter copy in
/// [`ScalarPrefix::frame`].
const SHORT_PREFIX: usize = 32;

/// Entries of the per-thread tag cache's table by address (pairs of two ways each).
const CACHE_SLOTS: usize = 64;

/// Entries of the per-thread tag cache's table by content (pairs of two ways each).
const CONTENT_SLOTS: usize = 512;

/// The bytes of a scalar event that depend only on its full tag: from the `Event.summary`
/// key to the `simple_value` key, the tag checked against the [tag rules](crate::tag) once.
#[derive(Clone, Copy)]
pub(crate) struct ScalarPrefix {
    /// Which scope the tag was joined to (see `SummaryWriter::scope_id`).
    scope_id: u64,
    /// Length of the tag as logged (without the scope); `usize::MAX` marks an empty slot.
    tag_len: usize,
    /// Bytes used in `bytes`.
    len: usize,
    /// Where the `Summary.value` field starts (after the `Event.summary` key and length).
    body_start: usize,
    /// `Event.summary` key and length, `Summary.value` key and length, `Value.tag` key,
    /// length and bytes (scope, `/`, tag), `Value.simple_value` key.
    bytes: [u8; PREFIX_CAP],
}

impl ScalarPrefix {
    const EMPTY: ScalarPrefix = ScalarPrefix {
        scope_id: 0,
        tag_len: usize::MAX,
        len: 0,
        body_start: 0,
        bytes: [0; PREFIX_CAP],
    };

    /// The prefix for `tag` under `scope` (already validated), or `None` when it is too long
    /// for a stack-encoded record.
    fn new(scope_id: u64, scope: &str, tag: &str) -> Option<Self> {
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
    fn is_for(&self, scope_id: u64, tag: &[u8]) -> bool {
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

/// Recently logged tags of this thread, so that logging a tag again skips checking and
/// encoding it: a table of two-way pairs indexed by where the tag's bytes are and their
/// first word (the fast path), backed by a larger one indexed by a hash of every byte,
/// [`BY_CONTENT`] (for a tag logged from a new address whose pair holds other tags, and for
/// loops logging more tags than this table holds). Every hit is checked against the tag's
/// bytes. A hit in either way of a pair is used where it is (moving it to the front would
/// copy two entries, which costs more than it saves); a new entry goes to the front and
/// pushes the front one back. Per thread, so neither needs a lock; this one holds plain
/// bytes in a `const`-initialised thread-local, so reaching it costs no initialisation
/// check and it needs no destructor.
struct TagCache {
    by_address: [ScalarPrefix; CACHE_SLOTS],
}

std::thread_local! {
    static TAG_CACHE: std::cell::RefCell<TagCache> = const {
        std::cell::RefCell::new(TagCache {
            by_address: [ScalarPrefix::EMPTY; CACHE_SLOTS],
        })
    };

    /// The tag cache's table by content: on the heap, made by a thread's first miss.
    static BY_CONTENT: std::cell::RefCell<Vec<ScalarPrefix>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// The `by_address` slot (even: the first of its pair) for `tag` under `scope_id`.
///
/// From the tag's address and length, which are in registers when the call starts, and its
/// first word (4 bytes for tags of 4 to 7 bytes, none below), one load that the check
/// makes anyway: a short chain before the slot's loads, where a hash of every byte would
/// be a long one. The word spreads tags built anew at one address (a `format!` in the loop
/// gets the same allocation every time) over the pairs, which the address alone would put
/// in the few pairs of their lengths.
#[inline]
fn address_slot(scope_id: u64, tag: &[u8]) -> usize {
    let a = tag.as_ptr() as usize as u64;
    let w = match tag.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => match tag.first_chunk::<4>() {
            Some(w) => u32::from_le_bytes(*w) as u64,
            None => 0,
        },
    };
    let h = a
        ^ (a >> 6)
        ^ (a >> 11)
        ^ tag.len() as u64
        ^ (scope_id ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57;
    (h as usize) & (CACHE_SLOTS - 2)
}

/// The [`BY_CONTENT`] slot (even: the first of its pair) for `tag` under `scope_id`: a
/// hash of every byte of the tag, a word at a time (the last word overlapping the one
/// before when the length is not a multiple of 8; the length is hashed too).
#[inline]
fn content_slot(scope_id: u64, tag: &[u8]) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = tag.len();
    let mut h = scope_id ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut mix = |w: u64| h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    let mut rest = tag;
    while let Some((w, tail)) = rest.split_first_chunk::<8>() {
        mix(u64::from_le_bytes(*w));
        rest = tail;
    }
    if !rest.is_empty() {
        if let Some(last) = tag.last_chunk::<8>() {
            mix(u64::from_le_bytes(*last));
        } else if let (Some(a), Some(b)) = (tag.first_chunk::<4>(), tag.last_chunk::<4>()) {
            mix(u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32);
        } else {
            mix(tag.iter().fold(0, |w, &b| w << 8 | u64::from(b)));
        }
    }
    ((h.wrapping_mul(K) >> 55) as usize) & (CONTENT_SLOTS - 2)
}

/// The entry of `tag` under `scope_id` in the two ways `a` and `b` of a pair, if either
/// holds it.
#[inline]
fn either<'a>(
    a: &'a ScalarPrefix,
    b: &'a ScalarPrefix,
    scope_id: u64,
    tag: &[u8],
) -> Option<&'a ScalarPrefix> {
    if a.is_for(scope_id, tag) {
        Some(a)
    } else if b.is_for(scope_id, tag) {
        Some(b)
    } else {
        None
    }
}

/// Puts `prefix` in the first way of the pair starting at `i`, the entry there moving to
/// the second (whose entry is dropped).
#[inline]
fn push_front(slots: &mut [ScalarPrefix], i: usize, prefix: ScalarPrefix) {
    slots[i + 1] = slots[i];
    slots[i] = prefix;
}

/// Runs `f` on the prefix of `tag` under `scope_id` in [`BY_CONTENT`], if it is there.
#[cold]
fn with_content_prefix<R>(
    scope_id: u64,
    tag: &[u8],
    f: impl FnOnce(&ScalarPrefix) -> R,
) -> Option<R> {
    let j = content_slot(scope_id, tag);
    BY_CONTENT
        .try_with(|table| {
            let table = table.borrow();
            let pair = table.get(j..j + 2)?;
            either(&pair[0], &pair[1], scope_id, tag).map(f)
        })
        .ok()
        .flatten()
}

/// Runs `f` on the cached prefix of `tag` under the scope `scope_id`, if this thread has
/// one (which means the tag was checked already).
#[inline]
pub(crate) fn with_cached_prefix<R>(
    scope_id: u64,
    tag: &str,
    f: impl FnOnce(&ScalarPrefix) -> R,
) -> Option<R> {
    let bytes = tag.as_bytes();
    let i = address_slot(scope_id, bytes);
    // A thread being torn down has no cache any more: a miss.
    let looked = TAG_CACHE.try_with(move |cache| {
        let slots = &cache.borrow().by_address;
        match either(&slots[i], &slots[i + 1], scope_id, bytes) {
            Some(prefix) => Ok(f(prefix)),
            None => Err(f),
        }
    });
    match looked {
        Ok(Ok(r)) => Some(r),
        // Logged from another address, or pushed out by other tags.
        Ok(Err(f)) => with_content_prefix(scope_id, bytes, f),
        Err(_) => None,
    }
}

/// The prefix of `tag` under `scope` (whose id is `scope_id`), which the caller has
/// checked against the tag rules, put in this thread's cache; `None` when the tag is too
/// long for a stack-encoded record.
pub(crate) fn cache_prefix(scope_id: u64, scope: &str, tag: &str) -> Option<ScalarPrefix> {
    let prefix = ScalarPrefix::new(scope_id, scope, tag)?;
    let i = address_slot(scope_id, tag.as_bytes());
    let j = content_slot(scope_id, tag.as_bytes());
    let _ = TAG_CACHE.try_with(|cache| push_front(&mut cache.borrow_mut().by_address, i, prefix));
    let _ = BY_CONTENT.try_with(|table| {
        let mut table = table.borrow_mut();
        if table.is_empty() {
            table.resize(CONTENT_SLOTS, ScalarPrefix::EMPTY);
        }
        push_front(&mut table, j, prefix);
    });
    Some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{summary, Event, Summary};
    use prost::Message;

    #[test]
    fn varint_len_matches_prost() {
        for v in [
            0u64,
            1,
            127,
            128,
            16_383,
            16_384,
            u32::MAX as u64,
            u64::MAX,
            (-1i64) as u64,
        ] {
            assert_eq!(varint_len(v), prost::encoding::encoded_len_varint(v), "{v}");
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v));
            let mut buf = &out[..];
            assert_eq!(prost::encoding::decode_varint(&mut buf).unwrap(), v);
        }
    }

    fn fast(h: EventHeader, scope: &str, tag: &str, value: f32) -> Vec<u8> {
        let v = SimpleValue { scope, tag, value };
        let mut out = Vec::new();
        write_summary_event_head(&mut out, &h, v.field_len());
        v.write_field(&mut out);
        assert_eq!(out.len(), summary_event_len(&h, v.field_len()));
        out
    }

    #[test]
    fn scalar_event_bytes_equal_prosts_encoding() {
        let long_tag = "t".repeat(300);
        for (wall_time, step, scope, tag, value) in [
            (1.7e9, 42i64, "", "loss", 0.25f32),
            (0.0, 0, "", "x", 0.0),
            (1.5, -3, "conv1", "weights", f32::NAN),
            (2.0, i64::MAX, "a/b", "c", f32::INFINITY),
            (3.0, i64::MIN, "", long_tag.as_str(), -1.0),
        ] {
            let full = if scope.is_empty() {
                tag.to_owned()
            } else {
                format!("{scope}/{tag}")
            };
            let event = Event {
                wall_time,
                step,
                what: Some(crate::proto::event::What::Summary(Summary {
                    value: vec![summary::Value {
                        tag: full,
                        value: Some(summary::value::Value::SimpleValue(value)),
                        ..Default::default()
                    }],
                })),
                ..Default::default()
            };
            assert_eq!(
                fast(EventHeader { wall_time, step }, scope, tag, value),
                event.encode_to_vec()
            );
        }
    }

    /// The record frame `wire::append_unsealed` makes for prost's encoding of the event.
    fn reference_frame(h: EventHeader, scope: &str, tag: &str, value: f32) -> Vec<u8> {
        let payload = fast(h, scope, tag, value);
        let mut frame = Vec::new();
        crate::wire::append_unsealed(&mut frame, payload.len(), |out| {
            out.extend_from_slice(&payload)
        });
        frame
    }

    fn cached_frame(h: EventHeader, scope_id: u64, scope: &str, tag: &str, value: f32) -> Vec<u8> {
        let mut frame = [0xffu8; SMALL_RECORD];
        let len = match with_cached_prefix(scope_id, tag, |p| p.frame(&h, value, &mut frame)) {
            Some(len) => len,
            None => cache_prefix(scope_id, scope, tag)
                .expect("short enough")
                .frame(&h, value, &mut frame),
        };
        frame[..len].to_vec()
    }

    #[test]
    fn cached_scalar_frames_equal_the_reference_encoding() {
        let longest = "t".repeat(80);
        for (wall_time, step) in [
            (1.7e9, 42i64),
            (0.0, 0),
            (1.5, -3),
            (2.0, i64::MAX),
            (3.0, i64::MIN),
            (4.0, 127),
            (5.0, 128),
        ] {
            let h = EventHeader { wall_time, step };
            for (scope_id, scope, tag) in [
                (0, "", "loss"),
                (0, "", "x"),
                (0, "", "ab"),
                (0, "", "train/accuracy_top5"),
                (7, "conv1", "weights"),
                (8, "a/b", "c"),
                (0, "", longest.as_str()),
            ] {
                // Twice: the miss that fills the cache, then the hit.
                for _ in 0..2 {
                    assert_eq!(
                        cached_frame(h, scope_id, scope, tag, 0.5),
                        reference_frame(h, scope, tag, 0.5),
                        "{scope:?} {tag:?} {wall_time} {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_tag_length_encodes_right_on_both_sides_of_the_short_copy() {
        let h = EventHeader {
            wall_time: 3.25,
            step: 1 << 40,
        };
        for n in 1..=80 {
            let tag: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let got = cached_frame(h, 0, "", &tag, -1.5);
            assert_eq!(got, reference_frame(h, "", &tag, -1.5), "{n}-byte tag");
            // The prefix: 6 key and length bytes, the tag, the Value.simple_value key; so
            // it crosses SHORT_PREFIX between 25- and 26-byte tags.
            assert_eq!(cache_prefix(0, "", &tag).unwrap().len, n + 7);
        }
    }

    #[test]
    fn merged_values_from_the_cache_equal_the_reference_encoding() {
        for (scope_id, scope, tag) in [(0, "", "val/f1"), (3, "s", "lr")] {
            let p = cache_prefix(scope_id, scope, tag).unwrap();
            let mut got = Vec::new();
            p.append_value(0.125, &mut got);
            let mut want = Vec::new();
            SimpleValue {
                scope,
                tag,
                value: 0.125,
            }
            .write_field(&mut want);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn prefixes_too_long_for_a_stack_record_are_not_cached() {
        // 12 + 9 + 11 + prefix + 4 + 4 must fit in SMALL_RECORD.
        for n in 75..100 {
            let tag = "t".repeat(n);
            match cache_prefix(0, "", &tag) {
                Some(p) => {
                    let h = EventHeader {
                        wall_time: 1.0,
                        step: i64::MIN,
                    };
                    let mut frame = [0; SMALL_RECORD];
                    let len = p.frame(&h, 1.0, &mut frame);
                    assert_eq!(frame[..len], reference_frame(h, "", &tag, 1.0)[..]);
                }
                None => assert!(n > 80, "a {n}-byte tag was not cached"),
            }
        }
    }

    #[test]
    fn the_cache_compares_contents_scopes_and_lengths() {
        // Same buffer, other contents (a `String` reused for another tag).
        let mut tag = String::from("abcdefghij");
        cache_prefix(0, "", &tag).unwrap();
        tag.replace_range(9..10, "k");
        assert!(with_cached_prefix(0, &tag, |_| ()).is_none());
        tag.replace_range(9..10, "j");
        assert!(with_cached_prefix(0, &tag, |_| ()).is_some());
        // Same tag under another scope.
        assert!(with_cached_prefix(1, &tag, |_| ()).is_none());
        // Prefixes and extensions of a cached tag; every length class of `same_bytes`.
        for t in [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "x".repeat(17).as_str(),
        ] {
            cache_prefix(0, "", t).unwrap();
            for other in [
                &t[..t.len() - 1],
                &format!("{t}z"),
                &format!("z{}", &t[1..]),
            ] {
                if !other.is_empty() && other != t {
                    let hit = with_cached_prefix(0, other, |_| ());
                    assert!(
                        hit.is_none()
                            || with_cached_prefix(0, other, |p| p.tag_len) == Some(other.len()),
                    );
                    // Whatever the cache holds, the bytes come out right.
                    let h = EventHeader {
                        wall_time: 1.0,
                        step: 1,
                    };
                    assert_eq!(
                        cached_frame(h, 0, "", other, 2.0),
                        reference_frame(h, "", other, 2.0)
                    );
                }
            }
        }
    }

    #[test]
    fn many_tags_evicting_each_other_still_encode_right() {
        let tags: Vec<String> = (0..200).map(|i| format!("layer{i}/grad_norm")).collect();
        let h = EventHeader {
            wall_time: 2.5,
            step: 300,
        };
        for round in 0..3 {
            for (i, tag) in tags.iter().enumerate() {
                let scope_id = (i % 3) as u64;
                let scope = ["", "s1", "s2"][i % 3];
                assert_eq!(
                    cached_frame(h, scope_id, scope, tag, round as f32),
                    reference_frame(h, scope, tag, round as f32),
                    "{tag}"
                );
            }
        }
    }

    #[test]
    fn tags_from_other_addresses_are_found_by_their_bytes() {
        let h = EventHeader {
            wall_time: 1.0,
            step: 9,
        };
        // More tags than the table by address holds, cached from one set of strings...
        let originals: Vec<String> = (0..200).map(|i| format!("layer{i}/grad_norm")).collect();
        for t in &originals {
            cache_prefix(0, "", t).unwrap();
        }
        // ... are found from copies at other addresses: by content.
        let copies: Vec<String> = originals.clone();
        let hits = copies
            .iter()
            .filter(|c| {
                assert_ne!(c.as_ptr(), originals[0].as_ptr());
                let mut frame = [0u8; SMALL_RECORD];
                match with_cached_prefix(0, c, |p| p.frame(&h, 0.5, &mut frame)) {
                    Some(len) => {
                        assert_eq!(frame[..len], reference_frame(h, "", c, 0.5)[..], "{c}");
                        true
                    }
                    None => false,
                }
            })
            .count();
        assert!(hits >= 180, "only {hits} of 200 found by content");
        // Under another scope they are other tags.
        assert!(with_cached_prefix(1, &copies[199], |_| ()).is_none());
        // A tag from the table by content is never taken for another tag of its pair.
        for c in &copies {
            let other = format!("{c}x");
            assert!(with_cached_prefix(0, &other, |_| ()).is_none(), "{other}");
        }
    }

    /// Whether this thread's table by address (not the one by content) has `tag`.
    fn in_address_table(scope_id: u64, tag: &str) -> bool {
        let i = address_slot(scope_id, tag.as_bytes());
        TAG_CACHE.with(|cache| {
            let slots = &cache.borrow().by_address;
            either(&slots[i], &slots[i + 1], scope_id, tag.as_bytes()).is_some()
        })
    }

    #[test]
    fn tags_built_at_one_address_spread_over_the_table_by_address() {
        use std::fmt::Write;
        // A tag built anew for every call (`&format!(…)`) gets the same allocation each
        // time: one address, and here two lengths. Slots from the address and length alone
        // would hold at most 4 of these 20 (two pairs); the first word spreads them.
        let mut buf = String::with_capacity(64);
        let at = buf.as_ptr();
        let tag = |buf: &mut String, i: usize| {
            buf.clear();
            write!(buf, "layer{i}/grad_norm").unwrap();
            assert_eq!(buf.as_ptr(), at);
        };
        for i in 0..20 {
            tag(&mut buf, i);
            cache_prefix(0, "", &buf).unwrap();
        }
        let found = (0..20)
            .filter(|&i| {
                tag(&mut buf, i);
                in_address_table(0, &buf)
            })
            .count();
        assert!(found >= 12, "only {found} of 20 in the table by address");
    }

    #[test]
    fn random_sequences_of_tags_always_encode_right() {
        // Tags from stable strings, from fresh copies, and from one buffer rewritten in
        // place to other tags of the same length (the same address, other bytes), under
        // three scopes, in a random order: every frame must be the reference encoding.
        // A 64-bit LCG's high bits: enough to pick among a few hundred cases.
        let mut x = 11u64;
        let mut below = |n: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        let pool: Vec<String> = (0..150)
            .map(|i| match i % 3 {
                0 => format!("layer{i}/grad_norm"),
                1 => format!("m{i:03}"),
                _ => format!("val/metric_{i}"),
            })
            .collect();
        let mut reused = String::from("m000");
        for n in 0..60_000u64 {
            let k = below(pool.len() as u64) as usize;
            let fresh;
            let tag: &str = match below(4) {
                0 | 1 => &pool[k],
                2 => {
                    fresh = pool[k].clone();
                    &fresh
                }
                _ => {
                    // Rewritten in place: same length, same buffer.
                    let d = below(1000);
                    reused.replace_range(1..4, &format!("{d:03}"));
                    &reused
                }
            };
            let scope_id = below(3);
            let scope = ["", "s1", "a/b"][scope_id as usize];
            let h = EventHeader {
                wall_time: 1.0 + n as f64,
                step: n as i64,
            };
            assert_eq!(
                cached_frame(h, scope_id, scope, tag, n as f32),
                reference_frame(h, scope, tag, n as f32),
                "{scope:?} {tag:?} at {n}"
            );
        }
    }

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
