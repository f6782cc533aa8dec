//! The protobuf fields of an `Event`, written by hand: wire keys, varints, the event header
//! (wall time and step) and a scalar `Summary.Value`.

use crate::wire::Out;

/// Wire-format field keys (`field_number << 3 | wire_type`).
pub(crate) mod key {
    pub const EVENT_WALL_TIME: u8 = 1 << 3 | 1; // double
    pub const EVENT_STEP: u8 = 2 << 3; // varint
    pub const EVENT_SUMMARY: u8 = 5 << 3 | 2; // message
    pub const SUMMARY_VALUE: u8 = 1 << 3 | 2; // message
    pub const VALUE_TAG: u8 = 1 << 3 | 2; // string
    pub const VALUE_SIMPLE: u8 = 2 << 3 | 5; // float
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::proto::{Event, Summary, summary};
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

    pub(crate) fn fast(h: EventHeader, scope: &str, tag: &str, value: f32) -> Vec<u8> {
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
}
