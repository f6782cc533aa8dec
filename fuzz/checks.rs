#![allow(dead_code)] // each fuzz target uses some of these checks
// The properties the fuzz targets check, shared by `fuzz/fuzz_targets/*.rs` (cargo fuzz) and
// `tests/reading/fuzz_corpus.rs` (replays the committed corpus in `cargo test`). Every check panics on
// a broken property, which is what a fuzzer reports.

use std::io::{self, Read};

use tensorboard_writer::Error;
use tensorboard_writer::reader::EventReader;
use tensorboard_writer::record::{RecordReader, encode_record};

/// The length of a record's header (length + its CRC) and footer (payload CRC).
const HEADER: usize = 12;
const FOOTER: usize = 4;

/// A reader handing out at most `chunk` bytes per `read` call, and an `Interrupted` error now
/// and then: the shapes a pipe or a growing file has.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
    calls: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 7 == 0 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// How reading a byte stream ended, with every payload read before that.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// A clean end between records.
    End,
    /// The stream ends inside the record at `offset`.
    Truncated { offset: u64, available: u64 },
    /// A checksum failed for the record at `offset`.
    Corrupt { offset: u64 },
}

fn read_all<R: Read>(mut reader: RecordReader<R>, total: usize) -> (Vec<Vec<u8>>, Outcome) {
    let mut payloads = Vec::new();
    loop {
        let before = reader.offset();
        match reader.read_record() {
            Ok(Some(p)) => {
                let p = p.to_vec();
                assert_eq!(
                    reader.offset(),
                    before + (HEADER + p.len() + FOOTER) as u64,
                    "the offset moves by exactly one record"
                );
                payloads.push(p);
            }
            Ok(None) => {
                assert_eq!(
                    reader.offset(),
                    total as u64,
                    "a clean end is the end of the data"
                );
                return (payloads, Outcome::End);
            }
            Err(Error::Truncated {
                offset,
                available,
                needed,
                ..
            }) => {
                assert_eq!(
                    offset, before,
                    "truncation is reported at the record's start"
                );
                assert!(
                    available > 0 && available < needed,
                    "{available} of {needed}"
                );
                assert_eq!(offset + available, total as u64, "only the tail is missing");
                // Truncation is not final: asking again says the same, nothing more.
                match reader.read_record() {
                    Err(Error::Truncated { offset: o, .. }) => assert_eq!(o, offset),
                    other => panic!("truncation must repeat, got {other:?}"),
                }
                return (payloads, Outcome::Truncated { offset, available });
            }
            Err(Error::CorruptRecord { offset, .. }) => {
                assert_eq!(offset, before);
                // Corruption is final: the reader stays at the damaged record.
                match reader.read_record() {
                    Err(Error::CorruptRecord { offset: o, .. }) => assert_eq!(o, offset),
                    other => panic!("corruption must repeat, got {other:?}"),
                }
                return (payloads, Outcome::Corrupt { offset });
            }
            Err(other) => panic!("unexpected error from an in-memory stream: {other:?}"),
        }
    }
}

/// Arbitrary bytes through the record reader: no panic, no runaway allocation, the same
/// result whether the bytes arrive at once or in small pieces, and a consistent report of
/// where reading stopped.
pub fn check_records(data: &[u8]) {
    let whole = read_all(RecordReader::new(data), data.len());
    let chunk = 1 + data.first().map_or(0, |&b| b as usize % 17);
    let pieces = read_all(
        RecordReader::new(Chunked {
            data,
            chunk,
            calls: 0,
        }),
        data.len(),
    );
    assert_eq!(whole, pieces, "reading in pieces of {chunk} bytes differs");
    // Whatever was read re-encodes to the same bytes.
    let mut again = Vec::new();
    for p in &whole.0 {
        encode_record(p, &mut again);
    }
    assert_eq!(
        &data[..again.len()],
        &again[..],
        "records re-encode to their bytes"
    );
}

/// Arbitrary bytes through the event reader, as an iterator and record by record: no panic,
/// every error one of the documented kinds, and agreement with the record reader.
pub fn check_events(data: &[u8]) {
    let (payloads, outcome) = read_all(RecordReader::new(data), data.len());
    let mut events = 0usize;
    let mut last_err = None;
    for item in EventReader::new(data) {
        match item {
            Ok(_) => events += 1,
            Err(e) => {
                assert!(last_err.is_none(), "at most one error ends the iteration");
                last_err = Some(e);
            }
        }
    }
    assert!(events <= payloads.len());
    match last_err {
        None => {
            assert_eq!(events, payloads.len());
            assert_eq!(outcome, Outcome::End);
        }
        Some(Error::Decode { offset, .. }) => {
            // A payload that is not an Event: every earlier one was.
            let mut at = 0u64;
            for p in &payloads[..events] {
                at += (HEADER + p.len() + FOOTER) as u64;
            }
            assert_eq!(offset, at, "decode error offset");
        }
        Some(Error::Truncated { offset, .. }) => {
            assert_eq!(events, payloads.len());
            assert!(matches!(outcome, Outcome::Truncated { offset: o, .. } if o == offset));
        }
        Some(Error::CorruptRecord { offset, .. }) => {
            assert_eq!(events, payloads.len());
            assert_eq!(outcome, Outcome::Corrupt { offset });
        }
        Some(other) => panic!("unexpected error: {other:?}"),
    }
}

/// Splits `data` into payloads, frames them, and checks that: they read back exactly; a
/// stream cut anywhere reads back the whole records before the cut and reports the rest as
/// truncated; any one changed byte is reported as corruption of its record (never a wrong
/// payload, never truncation), with every earlier record intact.
pub fn check_roundtrip(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let (control, rest) = data.split_at(3);
    // Payload lengths come from the bytes of `rest` itself (0..=63), so the fuzzer steers them.
    let mut payloads: Vec<&[u8]> = Vec::new();
    let mut r = rest;
    while !r.is_empty() {
        let n = (r[0] as usize % 64).min(r.len() - 1);
        payloads.push(&r[1..1 + n]);
        r = &r[1 + n..];
    }
    let mut stream = Vec::new();
    let mut starts = Vec::new();
    for p in &payloads {
        starts.push(stream.len());
        encode_record(p, &mut stream);
    }
    let (read, outcome) = read_all(RecordReader::new(&stream[..]), stream.len());
    assert_eq!(outcome, Outcome::End);
    assert_eq!(read.len(), payloads.len());
    for (a, b) in read.iter().zip(&payloads) {
        assert_eq!(&a[..], *b);
    }
    if stream.is_empty() {
        return;
    }

    // Cut the stream.
    let cut = usize::from(u16::from_le_bytes([control[0], control[1]])) % stream.len();
    let whole_before = starts.iter().take_while(|&&s| s < cut).count();
    let (read, outcome) = read_all(RecordReader::new(&stream[..cut]), cut);
    if starts.contains(&cut) || cut == 0 {
        assert_eq!(outcome, Outcome::End);
        assert_eq!(read.len(), whole_before);
    } else {
        let at = starts[whole_before - 1];
        assert_eq!(read.len(), whole_before - 1);
        assert_eq!(
            outcome,
            Outcome::Truncated {
                offset: at as u64,
                available: (cut - at) as u64
            }
        );
    }

    // Change one byte.
    let pos = usize::from(u16::from_le_bytes([control[1], control[2]])) % stream.len();
    let mut damaged = stream.clone();
    damaged[pos] ^= control[2] | 1;
    let hit = starts.iter().take_while(|&&s| s <= pos).count() - 1;
    let (read, outcome) = read_all(RecordReader::new(&damaged[..]), damaged.len());
    assert_eq!(read.len(), hit, "records before the damaged one read back");
    assert_eq!(
        outcome,
        Outcome::Corrupt {
            offset: starts[hit] as u64
        },
        "a changed byte at {pos} is corruption of the record at {}",
        starts[hit]
    );
}

/// The event reader target's input: a first byte that is odd frames the rest as one record
/// (so the decoder sees arbitrary payloads), an even one reads the rest as a raw stream.
pub fn check_event_input(data: &[u8]) {
    match data.split_first() {
        None => check_events(data),
        Some((&mode, rest)) if mode % 2 == 1 => {
            let mut framed = Vec::new();
            encode_record(rest, &mut framed);
            check_events(&framed);
        }
        Some((_, rest)) => check_events(rest),
    }
    check_scalar_input(data);
}

/// The fast scalar decoder's share of the event reader target: the same framing rule as
/// [`check_event_input`], through [`check_scalars`].
pub fn check_scalar_input(data: &[u8]) {
    match data.split_first() {
        None => check_scalars(data),
        Some((&mode, rest)) if mode % 2 == 1 => {
            let mut framed = Vec::new();
            encode_record(rest, &mut framed);
            check_scalars(&framed);
        }
        Some((_, rest)) => check_scalars(rest),
    }
}

/// The scalars `read_scalars` picks from decoded events (the rules it had before its fast
/// path): (tag, step, wall time bits, value bits).
fn prost_scalars(events: &[tensorboard_writer::proto::Event]) -> Vec<(String, i64, u64, u64)> {
    use std::collections::BTreeMap;
    use tensorboard_writer::proto::{DataType, event, summary::value};
    let mut plugin_of: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for e in events {
        let Some(event::What::Summary(s)) = &e.what else {
            continue;
        };
        for v in &s.value {
            if let Some(pd) = v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                plugin_of
                    .entry(v.tag.clone())
                    .or_insert_with(|| pd.plugin_name.clone());
            }
            let x = match &v.value {
                Some(value::Value::SimpleValue(x)) => Some(f64::from(*x)),
                Some(value::Value::Tensor(t))
                    if plugin_of.get(&v.tag).map(String::as_str) == Some("scalars") =>
                {
                    let c = &t.tensor_content;
                    match DataType::try_from(t.dtype) {
                        Ok(DataType::DtFloat) => {
                            t.float_val.first().map(|&x| f64::from(x)).or_else(|| {
                                Some(f64::from(f32::from_le_bytes(c.get(..4)?.try_into().ok()?)))
                            })
                        }
                        Ok(DataType::DtDouble) => t
                            .double_val
                            .first()
                            .copied()
                            .or_else(|| Some(f64::from_le_bytes(c.get(..8)?.try_into().ok()?))),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(x) = x {
                out.push((v.tag.clone(), e.step, e.wall_time.to_bits(), x.to_bits()));
            }
        }
    }
    out
}

/// How a read ended, as (kind, offset).
fn end_of(r: Result<(), Error>) -> (&'static str, u64) {
    match r {
        Ok(()) => ("end", 0),
        Err(Error::Truncated { offset, .. }) => ("truncated", offset),
        Err(Error::CorruptRecord { offset, .. }) => ("corrupt", offset),
        Err(Error::Decode { offset, .. }) => ("decode", offset),
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

/// Arbitrary bytes through the fast scalar decoder (`ScalarReader`): no panic; it accepts
/// exactly the payloads prost accepts as an `Event`; and it yields the same scalars, then
/// ends the same way at the same offset, as prost decoding plus `read_scalars`' rules, whether
/// the bytes arrive at once or in pieces.
pub fn check_scalars(data: &[u8]) {
    use tensorboard_writer::reader::ScalarReader;
    use tensorboard_writer::reader::fast_decode_accepts;

    let (payloads, _) = read_all(RecordReader::new(data), data.len());
    for p in &payloads {
        let mut framed = Vec::new();
        encode_record(p, &mut framed);
        let prost_ok = EventReader::new(&framed[..]).read_event().is_ok();
        assert_eq!(
            fast_decode_accepts(p),
            prost_ok,
            "the fast decoder and prost disagree on {p:02x?}"
        );
    }

    let mut events = Vec::new();
    let mut reader = EventReader::new(data);
    let slow_end = loop {
        match reader.read_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let expected = (prost_scalars(&events), end_of(slow_end));

    let chunk = 1 + data.first().map_or(0, |&b| b as usize % 13);
    for pieces in [false, true] {
        let mut got = Vec::new();
        let mut collect = |s: tensorboard_writer::reader::ScalarRef<'_>| {
            got.push((
                s.tag.to_owned(),
                s.step,
                s.wall_time.to_bits(),
                s.value.to_bits(),
            ))
        };
        let end = if pieces {
            ScalarReader::new(Chunked {
                data,
                chunk,
                calls: 0,
            })
            .for_each_scalar(&mut collect)
        } else {
            ScalarReader::new(data).for_each_scalar(&mut collect)
        };
        assert_eq!((got, end_of(end)), expected, "pieces: {pieces}");
    }
}

/// The ONNX converter (`GraphBuilder::from_onnx`): any bytes give a graph whose every input
/// (data or control) names one of its nodes, or an `InvalidInput`; never a panic, never
/// another error.
pub fn check_onnx(data: &[u8]) {
    match tensorboard_writer::summary::graph::GraphBuilder::from_onnx(data) {
        Ok(g) => {
            let def = g
                .build()
                .unwrap_or_else(|e| panic!("a converted graph fails its own check: {e}"));
            let names: std::collections::HashSet<&str> =
                def.node.iter().map(|n| n.name.as_str()).collect();
            assert_eq!(names.len(), def.node.len(), "duplicate node names");
            for n in &def.node {
                for input in &n.input {
                    // `node`, `node:k`, or a control edge `^node`.
                    let name = input.strip_prefix('^').unwrap_or(input);
                    let node = name.split(':').next().unwrap_or(name);
                    assert!(
                        names.contains(node),
                        "{}: input {input:?} names no node",
                        n.name
                    );
                }
            }
        }
        Err(Error::InvalidInput { what, .. }) => assert_eq!(what, "ONNX model"),
        Err(e) => panic!("unexpected error kind: {e:?}"),
    }
}
