//! A hand-written, borrowing decoder for the parts of an `Event` that scalar reading needs.
//!
//! [`scan_event`] walks the protobuf wire format of one record's payload without building an
//! [`Event`](crate::proto::Event): it reads `wall_time`, `step` and, for each
//! `Summary.Value`, its tag, the plugin named by its metadata, and its `simple_value` or the
//! parts of its `tensor` that [`read_scalars`](crate::reader::read_scalars) understands. Tags and
//! tensor bytes are borrowed from the payload; nothing is allocated once the caller's value
//! vector has grown to the largest event.
//!
//! It accepts exactly the payloads prost accepts as an `Event`, with the same result:
//! - every other field of the `Event` tree (images, histograms, audio, tensor shapes, log
//!   messages, …) is checked the way prost checks it (wire types of known fields, UTF-8 of
//!   strings, lengths of packed fields) without being kept;
//! - unknown fields of every wire type are skipped, groups included, under prost's recursion
//!   limit of 100;
//! - repeated numeric fields may be packed or not, fields come in any order, a singular field
//!   seen twice keeps its last value, a message field seen twice is merged, and a `oneof`
//!   keeps its last member (merged with earlier occurrences of the same member).
//!
//! A sub-message is parsed within its declared length. prost reads past it and then fails
//! with "delimited length exceeded", so both reject the same inputs.

/// A payload that is not an `Event`. The reader asks prost for its error message then (it
/// is a rare path), so this carries none and results stay small enough for registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

type Res<T> = Result<T, Malformed>;

/// prost's `RECURSION_LIMIT`.
const RECURSION_LIMIT: u32 = 100;

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// `DataType::DtFloat` and `DataType::DtDouble`.
const DT_FLOAT: i32 = 1;
const DT_DOUBLE: i32 = 2;

/// One `Summary.Value`, as far as scalar reading cares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawValue<'a> {
    /// The tag (last occurrence wins, as in prost).
    pub(crate) tag: &'a str,
    /// `metadata.plugin_data.plugin_name` when `plugin_data` is present ("" when it has no
    /// name), `None` when there is no `plugin_data`.
    pub(crate) plugin: Option<&'a str>,
    /// The member of the `value` oneof.
    pub(crate) kind: Kind<'a>,
}

/// The `value` oneof of a `Summary.Value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind<'a> {
    /// Unset, or a member that is never a scalar (image, histogram, audio, old histogram).
    Other,
    /// `simple_value`.
    Simple(f32),
    /// `tensor`, reduced to what [`TensorScalar::value`] needs.
    Tensor(TensorScalar<'a>),
}

/// The parts of a `TensorProto` that make a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct TensorScalar<'a> {
    dtype: i32,
    first_float: Option<f32>,
    first_double: Option<f64>,
    content: &'a [u8],
}

impl TensorScalar<'_> {
    /// The first value of a float or double tensor: `float_val[0]` / `double_val[0]`, else
    /// the first element of `tensor_content`. The same rule as `reader::tensor_scalar`.
    pub(crate) fn value(&self) -> Option<f64> {
        match self.dtype {
            DT_FLOAT => self.first_float.map(f64::from).or_else(|| {
                let b: [u8; 4] = self.content.get(..4)?.try_into().ok()?;
                Some(f64::from(f32::from_le_bytes(b)))
            }),
            DT_DOUBLE => self.first_double.or_else(|| {
                let b: [u8; 8] = self.content.get(..8)?.try_into().ok()?;
                Some(f64::from_le_bytes(b))
            }),
            _ => None,
        }
    }
}

/// Decodes `payload` as an `Event`. Returns its `(wall_time, step)` and leaves in `values`
/// the values of its summary (empty when the event holds no summary).
pub(crate) fn scan_event<'a>(payload: &'a [u8], values: &mut Vec<RawValue<'a>>) -> Res<(f64, i64)> {
    values.clear();
    let mut c = Cur::new(payload);
    let ctx = RECURSION_LIMIT;
    let mut wall_time = 0.0;
    let mut step = 0;
    // The member of the `what` oneof, by field number (0: none).
    let mut what = 0;
    while !c.done() {
        let (tag, wt) = c.key()?;
        match tag {
            1 => {
                expect(wt, FIXED64)?;
                wall_time = f64::from_le_bytes(c.fixed64()?);
            }
            2 => {
                expect(wt, VARINT)?;
                step = c.varint()? as i64;
            }
            5 => {
                let body = c.message(wt, ctx)?;
                if what != 5 {
                    values.clear(); // a new `Summary` replaces another member of the oneof
                    what = 5;
                }
                scan_summary(body, ctx - 1, values)?;
            }
            3 => {
                c.string(wt)?;
                what = tag;
            }
            4 | 9 => {
                c.bytes(wt)?;
                what = tag;
            }
            6 => {
                validate(c.message(wt, ctx)?, log_message, ctx - 1)?;
                what = tag;
            }
            7 => {
                validate(c.message(wt, ctx)?, session_log, ctx - 1)?;
                what = tag;
            }
            8 => {
                validate(c.message(wt, ctx)?, tagged_run_metadata, ctx - 1)?;
                what = tag;
            }
            10 => validate(c.message(wt, ctx)?, source_metadata, ctx - 1)?,
            _ => c.skip(wt, tag, ctx)?,
        }
    }
    if what != 5 {
        values.clear();
    }
    Ok((wall_time, step))
}

/// The event a scalar writer writes most: `wall_time`, `step`, and a summary of one value
/// with a tag and a `simple_value`, each field once, in field order, with one-byte lengths.
/// Returns `(wall_time, step, tag, value)` for a payload of exactly that shape, which
/// [`scan_event`] would decode to the same provided the tag is UTF-8 (the caller checks:
/// it may know the tag already); `None` for anything else (which then goes through
/// [`scan_event`]).
#[inline(always)]
pub(crate) fn scan_simple_scalar(p: &[u8]) -> Option<(f64, i64, &[u8], f32)> {
    let (&[0x09, w0, w1, w2, w3, w4, w5, w6, w7, 0x10], rest) = p.split_first_chunk::<10>()? else {
        return None;
    };
    let wall_time = f64::from_le_bytes([w0, w1, w2, w3, w4, w5, w6, w7]);
    let mut c = Cur::new(rest);
    let step = c.varint().ok()? as i64;
    let rest = rest.get(c.pos..)?;
    // Summary (field 5), Value (field 1), tag (field 1): one-byte lengths, so below 128.
    // The summary's is the largest of the three (checked below), so it bounds the others.
    let (&[0x2a, summary_len, 0x0a, value_len, 0x0a, tag_len], rest) =
        rest.split_first_chunk::<6>()?
    else {
        return None;
    };
    let n = rest.len();
    if usize::from(summary_len) != n + 4
        || usize::from(value_len) != n + 2
        || usize::from(tag_len) + 5 != n
        || summary_len >= 0x80
    {
        return None;
    }
    let (tag, value) = rest.split_at(usize::from(tag_len));
    let &[0x15, v0, v1, v2, v3] = value else {
        return None;
    };
    Some((wall_time, step, tag, f32::from_le_bytes([v0, v1, v2, v3])))
}

fn scan_summary<'a>(mut c: Cur<'a>, ctx: u32, values: &mut Vec<RawValue<'a>>) -> Res<()> {
    while !c.done() {
        let (tag, wt) = c.key()?;
        if tag == 1 {
            let body = c.message(wt, ctx)?;
            values.push(RawValue {
                tag: "",
                plugin: None,
                kind: Kind::Other,
            });
            if let Some(v) = values.last_mut() {
                scan_value(body, ctx - 1, v)?;
            }
        } else {
            c.skip(wt, tag, ctx)?;
        }
    }
    Ok(())
}

fn scan_value<'a>(mut c: Cur<'a>, ctx: u32, v: &mut RawValue<'a>) -> Res<()> {
    while !c.done() {
        let (tag, wt) = c.key()?;
        match tag {
            1 => v.tag = c.string(wt)?,
            2 => {
                expect(wt, FIXED32)?;
                v.kind = Kind::Simple(f32::from_le_bytes(c.fixed32()?));
            }
            8 => {
                let body = c.message(wt, ctx)?;
                // A second `tensor` merges into the first; after another member it starts
                // afresh.
                let mut t = match v.kind {
                    Kind::Tensor(t) => t,
                    _ => TensorScalar::default(),
                };
                scan_tensor(body, ctx - 1, &mut t)?;
                v.kind = Kind::Tensor(t);
            }
            9 => {
                let body = c.message(wt, ctx)?;
                scan_metadata(body, ctx - 1, &mut v.plugin)?;
            }
            7 => {
                c.string(wt)?;
            }
            3 => {
                c.bytes(wt)?;
                v.kind = Kind::Other;
            }
            4 => {
                validate(c.message(wt, ctx)?, image, ctx - 1)?;
                v.kind = Kind::Other;
            }
            5 => {
                validate(c.message(wt, ctx)?, histogram, ctx - 1)?;
                v.kind = Kind::Other;
            }
            6 => {
                validate(c.message(wt, ctx)?, audio, ctx - 1)?;
                v.kind = Kind::Other;
            }
            _ => c.skip(wt, tag, ctx)?,
        }
    }
    Ok(())
}

fn scan_metadata<'a>(mut c: Cur<'a>, ctx: u32, plugin: &mut Option<&'a str>) -> Res<()> {
    while !c.done() {
        let (tag, wt) = c.key()?;
        match tag {
            1 => {
                let mut pd = c.message(wt, ctx)?;
                // `plugin_data` seen twice is merged: its name stays unless set again.
                let mut name = plugin.unwrap_or("");
                while !pd.done() {
                    let (tag, wt) = pd.key()?;
                    match tag {
                        1 => name = pd.string(wt)?,
                        2 => {
                            pd.bytes(wt)?;
                        }
                        _ => pd.skip(wt, tag, ctx - 1)?,
                    }
                }
                *plugin = Some(name);
            }
            2 | 3 => {
                c.string(wt)?;
            }
            4 => {
                expect(wt, VARINT)?;
                c.varint()?;
            }
            _ => c.skip(wt, tag, ctx)?,
        }
    }
    Ok(())
}

fn scan_tensor<'a>(mut c: Cur<'a>, ctx: u32, t: &mut TensorScalar<'a>) -> Res<()> {
    while !c.done() {
        let (tag, wt) = c.key()?;
        match tag {
            1 => {
                expect(wt, VARINT)?;
                t.dtype = c.varint()? as i32;
            }
            4 => t.content = c.bytes(wt)?,
            5 => {
                if wt == LEN {
                    let packed = c.packed(4)?;
                    if t.first_float.is_none() {
                        if let Some(b) = packed.first_chunk::<4>() {
                            t.first_float = Some(f32::from_le_bytes(*b));
                        }
                    }
                } else {
                    expect(wt, FIXED32)?;
                    let x = f32::from_le_bytes(c.fixed32()?);
                    t.first_float.get_or_insert(x);
                }
            }
            6 => {
                if wt == LEN {
                    let packed = c.packed(8)?;
                    if t.first_double.is_none() {
                        if let Some(b) = packed.first_chunk::<8>() {
                            t.first_double = Some(f64::from_le_bytes(*b));
                        }
                    }
                } else {
                    expect(wt, FIXED64)?;
                    let x = f64::from_le_bytes(c.fixed64()?);
                    t.first_double.get_or_insert(x);
                }
            }
            _ => match tensor(tag) {
                Some(f) => c.field(f, wt, ctx)?,
                None => c.skip(wt, tag, ctx)?,
            },
        }
    }
    Ok(())
}

/// How a known field is encoded, for the messages that are only checked.
#[derive(Clone, Copy)]
enum Field {
    Varint,
    Fixed64,
    Fixed32,
    Bytes,
    Str,
    RepeatedVarint,
    RepeatedFixed64,
    RepeatedFixed32,
    Message(Schema),
}

/// A message's known fields by number.
type Schema = fn(u32) -> Option<Field>;

fn log_message(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Varint),
        2 => Some(Field::Str),
        _ => None,
    }
}

fn session_log(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Varint),
        2 | 3 => Some(Field::Str),
        _ => None,
    }
}

fn tagged_run_metadata(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Str),
        2 => Some(Field::Bytes),
        _ => None,
    }
}

fn source_metadata(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Str),
        _ => None,
    }
}

fn image(tag: u32) -> Option<Field> {
    match tag {
        1..=3 => Some(Field::Varint),
        4 => Some(Field::Bytes),
        _ => None,
    }
}

fn audio(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Fixed32),
        2 | 3 => Some(Field::Varint),
        4 => Some(Field::Bytes),
        5 => Some(Field::Str),
        _ => None,
    }
}

fn histogram(tag: u32) -> Option<Field> {
    match tag {
        1..=5 => Some(Field::Fixed64),
        6 | 7 => Some(Field::RepeatedFixed64),
        _ => None,
    }
}

/// `TensorProto` fields other than those [`scan_tensor`] keeps.
fn tensor(tag: u32) -> Option<Field> {
    match tag {
        2 => Some(Field::Message(tensor_shape)),
        3 => Some(Field::Varint),
        7 | 10 | 11 | 13 | 16 | 17 => Some(Field::RepeatedVarint),
        8 => Some(Field::Bytes), // repeated bytes: each occurrence is one element
        9 => Some(Field::RepeatedFixed32),
        12 => Some(Field::RepeatedFixed64),
        _ => None,
    }
}

fn tensor_shape(tag: u32) -> Option<Field> {
    match tag {
        2 => Some(Field::Message(tensor_shape_dim)),
        3 => Some(Field::Varint),
        _ => None,
    }
}

fn tensor_shape_dim(tag: u32) -> Option<Field> {
    match tag {
        1 => Some(Field::Varint),
        2 => Some(Field::Str),
        _ => None,
    }
}

/// Checks a message whose content is not needed.
fn validate(mut c: Cur<'_>, schema: Schema, ctx: u32) -> Res<()> {
    while !c.done() {
        let (tag, wt) = c.key()?;
        match schema(tag) {
            Some(f) => c.field(f, wt, ctx)?,
            None => c.skip(wt, tag, ctx)?,
        }
    }
    Ok(())
}

#[inline(always)]
fn expect(wt: u8, want: u8) -> Res<()> {
    if wt == want { Ok(()) } else { Err(Malformed) }
}

/// A cursor over one message's bytes.
struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    #[inline(always)]
    fn new(buf: &'a [u8]) -> Self {
        Cur { buf, pos: 0 }
    }

    #[inline(always)]
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline(always)]
    fn varint(&mut self) -> Res<u64> {
        match self.buf.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            _ => self.varint_multi(),
        }
    }

    /// A varint of two bytes or more. prost's rule: at most 10 bytes, and a 10th byte of 0
    /// or 1.
    #[inline]
    fn varint_multi(&mut self) -> Res<u64> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if let [b0, b1, b2, ..] = *rest {
            // Steps below 2^21 take three bytes: the common case, unrolled.
            let v = u64::from(b0 & 0x7f) | (u64::from(b1 & 0x7f) << 7);
            if b1 < 0x80 {
                self.pos += 2;
                return Ok(v);
            }
            if b2 < 0x80 {
                self.pos += 3;
                return Ok(v | (u64::from(b2) << 14));
            }
        }
        let mut value = 0u64;
        for (i, &b) in rest.iter().take(10).enumerate() {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b >= 2 {
                    break;
                }
                self.pos += i + 1;
                return Ok(value);
            }
        }
        Err(Malformed)
    }

    /// A field key: (field number, wire type), checked as prost checks it.
    #[inline(always)]
    fn key(&mut self) -> Res<(u32, u8)> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return Err(Malformed);
        }
        let wt = (key & 7) as u8;
        if wt > FIXED32 {
            return Err(Malformed);
        }
        let tag = (key as u32) >> 3;
        if tag == 0 {
            return Err(Malformed);
        }
        Ok((tag, wt))
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(Malformed)?;
        let taken = self.buf.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(taken)
    }

    #[inline(always)]
    fn fixed64(&mut self) -> Res<[u8; 8]> {
        let b = self.take(8)?;
        b.try_into().map_err(|_| Malformed)
    }

    #[inline(always)]
    fn fixed32(&mut self) -> Res<[u8; 4]> {
        let b = self.take(4)?;
        b.try_into().map_err(|_| Malformed)
    }

    /// The bytes of a length-delimited field, whose wire type must be `LEN`.
    #[inline(always)]
    fn bytes(&mut self, wt: u8) -> Res<&'a [u8]> {
        expect(wt, LEN)?;
        self.delimited()
    }

    #[inline(always)]
    fn delimited(&mut self) -> Res<&'a [u8]> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| Malformed)?;
        self.take(len)
    }

    #[inline(always)]
    fn string(&mut self, wt: u8) -> Res<&'a str> {
        let b = self.bytes(wt)?;
        std::str::from_utf8(b).map_err(|_| Malformed)
    }

    /// A nested message's bytes, as a cursor. `ctx` is the recursion budget of the field's
    /// message; the nested message's fields get `ctx - 1`.
    #[inline(always)]
    fn message(&mut self, wt: u8, ctx: u32) -> Res<Cur<'a>> {
        expect(wt, LEN)?;
        if ctx == 0 {
            return Err(Malformed);
        }
        Ok(Cur::new(self.delimited()?))
    }

    /// A packed field of fixed-size elements: its length must be a multiple of `size`.
    fn packed(&mut self, size: usize) -> Res<&'a [u8]> {
        let b = self.delimited()?;
        if b.len() % size != 0 {
            return Err(Malformed);
        }
        Ok(b)
    }

    fn field(&mut self, f: Field, wt: u8, ctx: u32) -> Res<()> {
        match f {
            Field::Varint => {
                expect(wt, VARINT)?;
                self.varint()?;
            }
            Field::Fixed64 => {
                expect(wt, FIXED64)?;
                self.take(8)?;
            }
            Field::Fixed32 => {
                expect(wt, FIXED32)?;
                self.take(4)?;
            }
            Field::Bytes => {
                self.bytes(wt)?;
            }
            Field::Str => {
                self.string(wt)?;
            }
            Field::RepeatedVarint => {
                if wt == LEN {
                    let mut packed = Cur::new(self.delimited()?);
                    while !packed.done() {
                        packed.varint()?;
                    }
                } else {
                    expect(wt, VARINT)?;
                    self.varint()?;
                }
            }
            Field::RepeatedFixed64 => {
                if wt == LEN {
                    self.packed(8)?;
                } else {
                    expect(wt, FIXED64)?;
                    self.take(8)?;
                }
            }
            Field::RepeatedFixed32 => {
                if wt == LEN {
                    self.packed(4)?;
                } else {
                    expect(wt, FIXED32)?;
                    self.take(4)?;
                }
            }
            Field::Message(schema) => {
                let body = self.message(wt, ctx)?;
                validate(body, schema, ctx - 1)?;
            }
        }
        Ok(())
    }

    /// Skips an unknown field as prost's `skip_field` does, groups included.
    fn skip(&mut self, wt: u8, tag: u32, ctx: u32) -> Res<()> {
        if ctx == 0 {
            return Err(Malformed);
        }
        match wt {
            VARINT => {
                self.varint()?;
            }
            FIXED64 => {
                self.take(8)?;
            }
            FIXED32 => {
                self.take(4)?;
            }
            LEN => {
                self.delimited()?;
            }
            START_GROUP => loop {
                let (inner_tag, inner_wt) = self.key()?;
                if inner_wt == END_GROUP {
                    if inner_tag != tag {
                        return Err(Malformed);
                    }
                    break;
                }
                self.skip(inner_wt, inner_tag, ctx - 1)?;
            },
            _ => return Err(Malformed),
        }
        Ok(())
    }
}

/// Reuses the allocation of a vector of values borrowed from one payload for the next
/// payload. The vector is emptied first, so no value outlives its payload.
pub(crate) fn recycle<'b>(mut values: Vec<RawValue<'_>>) -> Vec<RawValue<'b>> {
    values.clear();
    // Collecting an emptied vector's iterator in place keeps its allocation. `filter_map`
    // (not `filter`) because the item type changes: it is the same type with another
    // lifetime.
    #[allow(clippy::unnecessary_filter_map)]
    values.into_iter().filter_map(|_| None).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(payload: &[u8]) -> Res<(f64, i64, Vec<RawValue<'_>>)> {
        let mut values = Vec::new();
        let (w, s) = scan_event(payload, &mut values)?;
        Ok((w, s, values))
    }

    #[test]
    fn empty_payload_is_a_default_event() {
        assert_eq!(scan(b"").unwrap(), (0.0, 0, vec![]));
    }

    #[test]
    fn varint_limits_match_prost() {
        // 10 bytes with a final 1: u64::MAX as a step (-1 as i64).
        let mut p = vec![0x10];
        p.extend([0xff; 9]);
        p.push(0x01);
        assert_eq!(scan(&p).unwrap().1, -1);
        *p.last_mut().unwrap() = 0x02;
        assert!(scan(&p).is_err());
        // 11 bytes.
        let mut p = vec![0x10];
        p.extend([0x80; 10]);
        p.push(0);
        assert!(scan(&p).is_err());
        // Ends mid-varint.
        assert!(scan(&[0x10, 0x80]).is_err());
    }

    #[test]
    fn keys_are_checked() {
        assert!(scan(&[0x00]).is_err(), "field 0");
        assert!(scan(&[0x0e]).is_err(), "wire type 6");
        assert!(scan(&[0x0f]).is_err(), "wire type 7");
        assert!(scan(&[0x0c]).is_err(), "lone end group");
        // A key above u32::MAX.
        assert!(scan(&[0x80, 0x80, 0x80, 0x80, 0x10, 0x00]).is_err());
        // The largest field number, unknown: skipped.
        assert!(scan(&[0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00]).is_ok());
    }

    #[test]
    fn groups_nest_up_to_the_recursion_limit() {
        let group = |depth: usize| {
            let mut p = Vec::new();
            p.extend(std::iter::repeat_n(0x5bu8, depth)); // field 11, start group
            p.extend(std::iter::repeat_n(0x5cu8, depth)); // field 11, end group
            p
        };
        assert!(scan(&group(100)).is_ok());
        assert!(scan(&group(101)).is_err());
        // A mismatched end group.
        assert!(scan(&[0x5b, 0x64]).is_err());
    }

    #[test]
    fn the_simple_scalar_shape_agrees_with_the_general_decoder() {
        // wall_time 1.5, step 300, tag "loss", simple_value 0.25.
        let mut p = vec![0x09];
        p.extend(1.5f64.to_le_bytes());
        p.extend([0x10, 0xac, 0x02, 0x2a, 13, 0x0a, 11, 0x0a, 4]);
        p.extend(b"loss");
        p.push(0x15);
        p.extend(0.25f32.to_le_bytes());
        let (w, s, tag, x) = scan_simple_scalar(&p).unwrap();
        assert_eq!((w, s, tag, x), (1.5, 300, &b"loss"[..], 0.25));
        let (w2, s2, values) = scan(&p).unwrap();
        assert_eq!((w2, s2), (w, s));
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].tag.as_bytes(), tag);
        assert_eq!(values[0].kind, Kind::Simple(x));
        // Any other shape is left to the general decoder: a byte more or less, a wrong
        // length, a field out of order.
        for cut in 0..p.len() {
            assert!(scan_simple_scalar(&p[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = p.clone();
        longer.push(0);
        assert!(scan_simple_scalar(&longer).is_none());
        for at in [0, 9, 12, 13, 14, 15, 16, 17, 22] {
            let mut q = p.clone();
            q[at] ^= 0x01;
            assert!(scan_simple_scalar(&q).is_none(), "changed byte {at}");
        }
        // Every single-byte change: whenever the shape still matches, the general decoder
        // reads the same (or rejects a tag that is not UTF-8).
        for at in 0..p.len() {
            for byte in 0..=255u8 {
                let mut q = p.clone();
                q[at] = byte;
                let Some((w, s, tag, x)) = scan_simple_scalar(&q) else {
                    continue;
                };
                match (std::str::from_utf8(tag), scan(&q)) {
                    (Ok(tag), Ok((w2, s2, values))) => {
                        assert_eq!((w.to_bits(), s), (w2.to_bits(), s2));
                        assert_eq!(values.len(), 1);
                        assert_eq!(values[0].tag, tag);
                        match values[0].kind {
                            Kind::Simple(y) => assert_eq!(x.to_bits(), y.to_bits()),
                            other => panic!("byte {at} = {byte}: {other:?}"),
                        }
                    }
                    (Err(_), Err(Malformed)) => {}
                    (a, b) => panic!("byte {at} = {byte}: {a:?} vs {b:?}"),
                }
            }
        }
    }

    /// A tag of 119 to 123 bytes makes the value's and the summary's lengths 128 or more:
    /// such a byte starts a two-byte varint, so prost reads another length and rejects the
    /// payload. The simple shape must not accept it either.
    #[test]
    fn lengths_of_128_and_more_are_not_the_simple_shape() {
        use prost::Message;
        for tag_len in 115u8..=123 {
            let n = tag_len + 5;
            let mut p = vec![0x09];
            p.extend(1.5f64.to_le_bytes());
            p.extend([
                0x10,
                0x01,
                0x2a,
                n.wrapping_add(4),
                0x0a,
                n + 2,
                0x0a,
                tag_len,
            ]);
            p.extend(std::iter::repeat_n(b'x', usize::from(tag_len)));
            p.push(0x15);
            p.extend(0.25f32.to_le_bytes());
            let prost_ok = crate::proto::Event::decode(&p[..]).is_ok();
            assert_eq!(
                scan_simple_scalar(&p).is_some(),
                prost_ok,
                "tag of {tag_len} bytes"
            );
            assert_eq!(scan(&p).is_ok(), prost_ok, "tag of {tag_len} bytes");
            assert_eq!(prost_ok, n + 4 < 0x80, "tag of {tag_len} bytes");
        }
    }

    #[test]
    fn recycle_keeps_the_allocation() {
        let mut v: Vec<RawValue<'static>> = Vec::with_capacity(8);
        v.push(RawValue {
            tag: "x",
            plugin: None,
            kind: Kind::Other,
        });
        let cap = v.capacity();
        let ptr = v.as_ptr() as usize;
        let w: Vec<RawValue<'_>> = recycle(v);
        assert!(w.is_empty());
        assert_eq!(w.capacity(), cap);
        assert_eq!(w.as_ptr() as usize, ptr);
    }
}
