//! The borrowing scalar decoder (`ScalarReader`, behind `read_scalars`) against prost: the
//! same scalars, the same errors at the same offsets, on the Python fixtures, on files the
//! crate writes with every kind of summary, and on generated events that use every freedom
//! of the wire format (field order, repeats, packed and unpacked fields, unknown fields of
//! every wire type, oneof members replacing each other), intact and damaged. And no
//! allocation per event.

use std::collections::BTreeMap;
use std::path::Path;

use prost::Message;
use tensorboard_writer::proto::{self, Event, summary};
use tensorboard_writer::reader::{
    EventReader, ScalarPoint, ScalarReader, ScalarSeries, read_scalars,
};
use tensorboard_writer::record::encode_record;
use tensorboard_writer::summary::image::ImageLayout;
use tensorboard_writer::{Error, SummaryWriter};

use crate::common::python_fixtures_dir as fixtures;

// ---------------------------------------------------------------------------------------
// The oracle: prost decodes every event; scalars are picked as read_scalars always did.

/// (tag, step, wall_time bits, value bits): bits, so that NaN equals NaN.
type Point = (String, i64, u64, u64);

#[derive(Debug, PartialEq)]
enum Ending {
    End,
    Truncated(u64),
    Corrupt(u64),
    Decode(u64),
}

fn ending(r: Result<(), Error>) -> Ending {
    match r {
        Ok(()) => Ending::End,
        Err(Error::Truncated { offset, .. }) => Ending::Truncated(offset),
        Err(Error::CorruptRecord { offset, .. }) => Ending::Corrupt(offset),
        Err(Error::Decode { offset, .. }) => Ending::Decode(offset),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

fn tensor_scalar(t: &proto::TensorProto) -> Option<f64> {
    use proto::DataType;
    let content = &t.tensor_content;
    match DataType::try_from(t.dtype).ok()? {
        DataType::DtFloat => t.float_val.first().map(|&x| f64::from(x)).or_else(|| {
            let b: [u8; 4] = content.get(..4)?.try_into().ok()?;
            Some(f64::from(f32::from_le_bytes(b)))
        }),
        DataType::DtDouble => t.double_val.first().copied().or_else(|| {
            let b: [u8; 8] = content.get(..8)?.try_into().ok()?;
            Some(f64::from_le_bytes(b))
        }),
        _ => None,
    }
}

/// The scalars of decoded events, by the rules `read_scalars` had before the fast path.
fn oracle_points<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    plugin_of: &mut BTreeMap<String, String>,
) -> Vec<Point> {
    let mut out = Vec::new();
    for event in events {
        let Some(proto::event::What::Summary(s)) = &event.what else {
            continue;
        };
        for v in &s.value {
            if let Some(pd) = v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                plugin_of
                    .entry(v.tag.clone())
                    .or_insert_with(|| pd.plugin_name.clone());
            }
            let value = match &v.value {
                Some(summary::value::Value::SimpleValue(x)) => Some(f64::from(*x)),
                Some(summary::value::Value::Tensor(t))
                    if plugin_of.get(&v.tag).map(String::as_str) == Some("scalars") =>
                {
                    tensor_scalar(t)
                }
                _ => None,
            };
            if let Some(value) = value {
                out.push((
                    v.tag.clone(),
                    event.step,
                    event.wall_time.to_bits(),
                    value.to_bits(),
                ));
            }
        }
    }
    out
}

/// A byte stream through `EventReader` (prost) and the old scalar rules.
fn oracle(data: &[u8]) -> (Vec<Point>, Ending) {
    let mut reader = EventReader::new(data);
    let mut events = Vec::new();
    let end = loop {
        match reader.read_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    (oracle_points(&events, &mut BTreeMap::new()), ending(end))
}

/// A byte stream through `ScalarReader`.
fn fast(data: &[u8]) -> (Vec<Point>, Ending) {
    let mut points = Vec::new();
    let mut reader = ScalarReader::new(data);
    let end = reader.for_each_scalar(|s| {
        points.push((
            s.tag.to_owned(),
            s.step,
            s.wall_time.to_bits(),
            s.value.to_bits(),
        ))
    });
    let end = ending(end);
    // Damage is final; a clean end stays clean; truncation repeats.
    let again = ending(reader.for_each_scalar(|_| panic!("nothing after the end")));
    assert_eq!(again, end, "reading again after the end");
    (points, end)
}

fn assert_same(data: &[u8], what: &str) {
    assert_eq!(fast(data), oracle(data), "{what}");
}

/// `read_scalars`, the old way: every event decoded by prost.
fn oracle_series(run_dir: &Path) -> ScalarSeries {
    let mut series = ScalarSeries::new();
    let mut plugin_of = BTreeMap::new();
    for path in tensorboard_writer::reader::event_files(run_dir).unwrap() {
        let mut events = Vec::new();
        for e in EventReader::open(&path).unwrap() {
            match e {
                Ok(e) => events.push(e),
                Err(Error::Truncated { .. }) => break,
                Err(e) => panic!("{e}"),
            }
        }
        for (tag, step, wall, value) in oracle_points(&events, &mut plugin_of) {
            series.entry(tag).or_default().push(ScalarPoint {
                step,
                wall_time: f64::from_bits(wall),
                value: f64::from_bits(value),
            });
        }
    }
    series
}

/// A series with its floats as bits, so that NaN equals NaN.
type SeriesBits = Vec<(String, Vec<(i64, u64, u64)>)>;

fn assert_same_series(a: &ScalarSeries, b: &ScalarSeries) {
    let bits = |s: &ScalarSeries| -> SeriesBits {
        s.iter()
            .map(|(t, p)| {
                let p = p
                    .iter()
                    .map(|p| (p.step, p.wall_time.to_bits(), p.value.to_bits()))
                    .collect();
                (t.clone(), p)
            })
            .collect()
    };
    assert_eq!(bits(a), bits(b));
}

// ---------------------------------------------------------------------------------------

#[test]
fn python_fixtures_read_the_same() {
    for run in ["scalars", "legacy", "truncated"] {
        let dir = fixtures().join(run);
        let got = read_scalars(&dir).unwrap();
        assert!(!got.is_empty(), "{run}: no scalars");
        assert_same_series(&got, &oracle_series(&dir));
        for path in tensorboard_writer::reader::event_files(&dir).unwrap() {
            assert_same(
                &std::fs::read(&path).unwrap(),
                &format!("{}", path.display()),
            );
        }
    }
    // TensorBoard's own writer: tensors under the `scalars` plugin, every point the fixture
    // script wrote (its record in expected.json), not only some.
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap())
            .unwrap();
    let want = expected["fixtures"]["scalars"]["scalars"]
        .as_object()
        .unwrap();
    let tf2 = read_scalars(fixtures().join("scalars")).unwrap();
    assert_eq!(
        tf2.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (tag, points) in want {
        let steps: Vec<i64> = points
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["step"].as_i64().unwrap())
            .collect();
        let got: Vec<i64> = tf2[tag].iter().map(|p| p.step).collect();
        assert_eq!(got, steps, "{tag}");
    }
    for run in ["corrupt/length_crc", "corrupt/payload"] {
        let dir = fixtures().join(run);
        for path in tensorboard_writer::reader::event_files(&dir).unwrap() {
            let data = std::fs::read(&path).unwrap();
            let (_, end) = fast(&data);
            assert!(matches!(end, Ending::Corrupt(_)), "{run}: {end:?}");
            assert_same(&data, run);
        }
        assert!(matches!(
            read_scalars(&dir),
            Err(Error::CorruptRecord { .. })
        ));
    }
}

/// A TensorFlow 2 style scalar: a rank-0 float tensor with `scalars` plugin metadata.
fn tf2_scalar(tag: &str, x: f32, with_metadata: bool) -> summary::Value {
    summary::Value {
        tag: tag.into(),
        metadata: with_metadata.then(|| proto::SummaryMetadata {
            plugin_data: Some(proto::summary_metadata::PluginData {
                plugin_name: "scalars".into(),
                content: vec![],
            }),
            ..Default::default()
        }),
        value: Some(summary::value::Value::Tensor(proto::TensorProto {
            dtype: proto::DataType::DtFloat as i32,
            float_val: vec![x],
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[test]
fn a_file_with_every_kind_of_summary_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let pixels = [0u8, 64, 128, 255];
    for step in 0..20u32 {
        w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)
            .unwrap();
        w.step(step)
            .scalar("train/a", step as f32)
            .scalar("train/b", f64::from(step) * 0.5)
            .scalar("nan", f32::NAN)
            .write()
            .unwrap();
        w.add_histogram("weights", &[1.0f32, 2.0, 3.0, step as f32][..], step)
            .unwrap();
        w.add_image("img", &pixels, ImageLayout::Hw(2, 2), step)
            .unwrap();
        w.add_text("notes", "**hello**", step).unwrap();
        w.add_audio("beep", &[0.0, 0.5, -0.5, 0.25], 8000, step)
            .unwrap();
        w.add_pr_curve("pr", &[true, false, true], &[0.9, 0.2, 0.6], step)
            .unwrap();
        // Tensor scalars: metadata on the first value of a tag only, as TF2 writes it.
        w.step(step)
            .value(&tf2_scalar("tf2/acc", step as f32 / 20.0, step == 0))
            .scalar("mixed/simple", 1.5f32)
            .write()
            .unwrap();
        w.add_scalar("loss", 0.5f32, step).unwrap();
    }
    w.add_hparams([("seed", 1)], &[("accuracy", 0.5f32)], 3i64)
        .unwrap();
    w.close().unwrap();

    let got = read_scalars(dir.path()).unwrap();
    assert_same_series(&got, &oracle_series(dir.path()));
    assert_eq!(got["loss"].len(), 40);
    assert_eq!(got["tf2/acc"].len(), 20);
    assert_eq!(got["train/b"][3].value, 1.5);
    assert!(got["nan"][0].value.is_nan());
    for non_scalar in ["weights", "img", "notes", "beep", "pr"] {
        assert!(
            !got.contains_key(non_scalar),
            "{non_scalar} is not a scalar"
        );
    }
    let data = std::fs::read(w.path()).unwrap();
    assert_same(&data, "crate-written file");
    // Every cut of the file: the same scalars and the same truncation point.
    for cut in (0..data.len()).step_by(97) {
        assert_same(&data[..cut], &format!("cut at {cut}"));
    }
}

#[test]
fn plugins_learned_in_one_file_apply_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    for (i, with_metadata) in [true, false].into_iter().enumerate() {
        let mut bytes = Vec::new();
        let event = Event {
            step: i as i64,
            what: Some(proto::event::What::Summary(proto::Summary {
                value: vec![tf2_scalar("acc", 0.25, with_metadata)],
            })),
            ..Default::default()
        };
        encode_record(&event.encode_to_vec(), &mut bytes);
        let name = format!("events.out.tfevents.170000000{i}.host.1.0");
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let got = read_scalars(dir.path()).unwrap();
    assert_eq!(got["acc"].len(), 2);
    assert_same_series(&got, &oracle_series(dir.path()));
}

// ---------------------------------------------------------------------------------------
// Generated events, encoded by hand so that every freedom of the wire format is used.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(field: u32, wire: u8, out: &mut Vec<u8>) {
    varint(u64::from(field) << 3 | u64::from(wire), out);
}

fn len_field(field: u32, body: &[u8], out: &mut Vec<u8>) {
    key(field, 2, out);
    varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

/// An unknown field of a random wire type (groups included).
fn unknown(rng: &mut Rng, out: &mut Vec<u8>) {
    let field = 20 + rng.below(2000) as u32;
    match rng.below(5) {
        0 => {
            key(field, 0, out);
            varint(rng.next() >> rng.below(64), out);
        }
        1 => {
            key(field, 1, out);
            out.extend(rng.next().to_le_bytes());
        }
        2 => {
            key(field, 5, out);
            out.extend((rng.next() as u32).to_le_bytes());
        }
        3 => {
            let body: Vec<u8> = (0..rng.below(6)).map(|_| rng.next() as u8).collect();
            len_field(field, &body, out);
        }
        _ => {
            key(field, 3, out);
            if rng.chance(2) {
                key(7, 0, out);
                varint(rng.below(1000), out);
            }
            key(field, 4, out);
        }
    }
}

/// Fields in a random order, some repeated, with unknown fields mixed in.
fn message(rng: &mut Rng, mut fields: Vec<Vec<u8>>) -> Vec<u8> {
    let n = fields.len();
    for _ in 0..rng.below(3) {
        if n > 0 && rng.chance(3) {
            let again = fields[rng.below(n as u64) as usize].clone();
            fields.push(again);
        }
    }
    for _ in 0..rng.below(3) {
        let mut u = Vec::new();
        unknown(rng, &mut u);
        fields.push(u);
    }
    for i in (1..fields.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        fields.swap(i, j);
    }
    fields.concat()
}

fn string_field(rng: &mut Rng, field: u32, choices: &[&str]) -> Vec<u8> {
    let mut f = Vec::new();
    len_field(field, rng.pick(choices).as_bytes(), &mut f);
    f
}

fn gen_tensor(rng: &mut Rng) -> Vec<u8> {
    let mut fields = Vec::new();
    let mut f = Vec::new();
    key(1, 0, &mut f);
    varint(*rng.pick(&[0u64, 1, 2, 3, 9, 1 << 32 | 1]), &mut f);
    fields.push(f);
    if rng.chance(2) {
        // float_val, packed or not.
        let vals: Vec<f32> = (0..rng.below(3)).map(|i| i as f32 + 0.5).collect();
        let mut f = Vec::new();
        if rng.chance(2) {
            let body: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            len_field(5, &body, &mut f);
        } else {
            for v in vals {
                key(5, 5, &mut f);
                f.extend(v.to_le_bytes());
            }
        }
        fields.push(f);
    }
    if rng.chance(2) {
        let vals: Vec<f64> = (0..rng.below(3)).map(|i| i as f64 - 0.25).collect();
        let mut f = Vec::new();
        if rng.chance(2) {
            let body: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            len_field(6, &body, &mut f);
        } else {
            for v in vals {
                key(6, 1, &mut f);
                f.extend(v.to_le_bytes());
            }
        }
        fields.push(f);
    }
    if rng.chance(2) {
        let body: Vec<u8> = (0..rng.below(10)).map(|i| i as u8 * 17).collect();
        let mut f = Vec::new();
        len_field(4, &body, &mut f);
        fields.push(f);
    }
    if rng.chance(3) {
        // tensor_shape with one dim.
        let mut dim = Vec::new();
        key(1, 0, &mut dim);
        varint(1, &mut dim);
        let mut shape = Vec::new();
        len_field(2, &dim, &mut shape);
        let mut f = Vec::new();
        len_field(2, &shape, &mut f);
        fields.push(f);
    }
    if rng.chance(3) {
        // int_val, packed.
        let mut body = Vec::new();
        varint(300, &mut body);
        varint(u64::MAX, &mut body);
        let mut f = Vec::new();
        len_field(7, &body, &mut f);
        fields.push(f);
    }
    if rng.chance(4) {
        fields.push(string_field(rng, 8, &["a", "bc"]));
    }
    message(rng, fields)
}

fn gen_metadata(rng: &mut Rng) -> Vec<u8> {
    let mut fields = Vec::new();
    if rng.below(4) != 0 {
        let mut pd = Vec::new();
        if rng.below(4) != 0 {
            pd.push(string_field(rng, 1, &["scalars", "images", "", "scalar"]));
        }
        if rng.chance(2) {
            pd.push(string_field(rng, 2, &["", "\u{1}\u{2}"]));
        }
        let pd = message(rng, pd);
        let mut f = Vec::new();
        len_field(1, &pd, &mut f);
        fields.push(f);
    }
    if rng.chance(3) {
        fields.push(string_field(rng, 2, &["Display", ""]));
    }
    if rng.chance(3) {
        let mut f = Vec::new();
        key(4, 0, &mut f);
        varint(rng.below(4), &mut f);
        fields.push(f);
    }
    message(rng, fields)
}

fn gen_value(rng: &mut Rng) -> Vec<u8> {
    let mut fields = Vec::new();
    fields.push(string_field(rng, 1, &["loss", "acc", "a/b", "", "ünï"]));
    if rng.chance(2) {
        let mut f = Vec::new();
        len_field(9, &gen_metadata(rng), &mut f);
        fields.push(f);
    }
    for _ in 0..1 + rng.below(2) {
        let mut f = Vec::new();
        match rng.below(7) {
            0 | 1 => {
                key(2, 5, &mut f);
                f.extend((rng.below(100) as f32 * 0.5).to_le_bytes());
            }
            2 | 3 => len_field(8, &gen_tensor(rng), &mut f),
            4 => {
                // An image.
                let mut img = Vec::new();
                key(1, 0, &mut img);
                varint(2, &mut img);
                len_field(4, b"\x89PNG", &mut img);
                len_field(4, &img, &mut f);
            }
            5 => {
                // A histogram, buckets packed or not.
                let mut h = Vec::new();
                key(1, 1, &mut h);
                h.extend(1.0f64.to_le_bytes());
                if rng.chance(2) {
                    len_field(7, &[0u8; 16], &mut h);
                } else {
                    key(7, 1, &mut h);
                    h.extend(2.0f64.to_le_bytes());
                }
                len_field(5, &h, &mut f);
            }
            _ => {
                // Audio.
                let mut a = Vec::new();
                key(1, 5, &mut a);
                a.extend(8000f32.to_le_bytes());
                len_field(5, b"audio/wav", &mut a);
                len_field(6, &a, &mut f);
            }
        }
        fields.push(f);
    }
    if rng.chance(4) {
        fields.push(string_field(rng, 7, &["node"]));
    }
    message(rng, fields)
}

fn gen_event(rng: &mut Rng) -> Vec<u8> {
    let mut fields = Vec::new();
    let mut f = Vec::new();
    key(1, 1, &mut f);
    f.extend((1.7e9 + rng.below(1000) as f64).to_le_bytes());
    fields.push(f);
    let mut f = Vec::new();
    key(2, 0, &mut f);
    varint(*rng.pick(&[0, 1, 300, 1 << 40, u64::MAX]), &mut f);
    fields.push(f);
    for _ in 0..1 + rng.below(2) {
        let mut f = Vec::new();
        match rng.below(8) {
            0..=4 => {
                let values: Vec<Vec<u8>> = (0..rng.below(4))
                    .map(|_| {
                        let mut v = Vec::new();
                        len_field(1, &gen_value(rng), &mut v);
                        v
                    })
                    .collect();
                len_field(5, &message(rng, values), &mut f);
            }
            5 => len_field(3, b"brain.Event:2", &mut f),
            6 => {
                let mut log = Vec::new();
                key(1, 0, &mut log);
                varint(1, &mut log);
                len_field(7, &log, &mut f);
            }
            _ => len_field(4, b"\x0a\x00", &mut f),
        }
        fields.push(f);
    }
    if rng.chance(4) {
        let mut sm = Vec::new();
        len_field(1, b"tensorboard-writer", &mut sm);
        let mut f = Vec::new();
        len_field(10, &sm, &mut f);
        fields.push(f);
    }
    message(rng, fields)
}

fn frame(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in payloads {
        encode_record(p, &mut out);
    }
    out
}

#[test]
fn generated_events_read_the_same() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut valid = 0;
    let mut scalars = 0;
    for round in 0..400 {
        let payloads: Vec<Vec<u8>> = (0..1 + rng.below(8)).map(|_| gen_event(&mut rng)).collect();
        let data = frame(&payloads);
        let (points, end) = fast(&data);
        assert_same(&data, &format!("round {round}"));
        if end == Ending::End {
            valid += 1;
        }
        scalars += points.len();
    }
    // The generator makes valid events, and plenty of scalars.
    assert_eq!(valid, 400);
    assert!(scalars > 500, "{scalars} scalars");
}

#[test]
fn damaged_payloads_are_rejected_exactly_when_prost_rejects_them() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut rejected, mut accepted) = (0, 0);
    for round in 0..3000 {
        let mut payload = gen_event(&mut rng);
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(payload.len() as u64 + 1) as usize;
            match rng.below(3) {
                0 if at < payload.len() => payload[at] = rng.next() as u8,
                1 => payload.insert(at, rng.next() as u8),
                _ if at < payload.len() => {
                    payload.remove(at);
                }
                _ => {}
            }
        }
        let prost_ok = Event::decode(&payload[..]).is_ok();
        assert_eq!(
            tensorboard_writer::reader::fast_decode_accepts(&payload),
            prost_ok,
            "round {round}: {payload:02x?}"
        );
        if prost_ok {
            accepted += 1;
        } else {
            rejected += 1;
        }
        // Followed by an intact event, so what comes after a rejection is seen too.
        let data = frame(&[gen_event(&mut rng), payload, gen_event(&mut rng)]);
        assert_same(&data, &format!("round {round}"));
    }
    assert!(rejected > 500 && accepted > 200, "{rejected} / {accepted}");
}

#[test]
fn deep_groups_and_odd_keys_match_prost() {
    let cases: Vec<Vec<u8>> = vec![
        [vec![0x5b; 100], vec![0x5c; 100]].concat(),
        [vec![0x5b; 101], vec![0x5c; 101]].concat(),
        // Groups inside an unknown field of a Summary.Value, near the limit.
        {
            let mut v = Vec::new();
            v.extend([0x5b; 97]);
            v.extend([0x5c; 97]);
            let mut s = Vec::new();
            len_field(1, &v, &mut s);
            let mut e = Vec::new();
            len_field(5, &s, &mut e);
            e
        },
        {
            let mut v = Vec::new();
            v.extend([0x5b; 99]);
            v.extend([0x5c; 99]);
            let mut s = Vec::new();
            len_field(1, &v, &mut s);
            let mut e = Vec::new();
            len_field(5, &s, &mut e);
            e
        },
        vec![0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00],
        vec![0x80, 0x80, 0x80, 0x80, 0x10, 0x00],
        vec![0x0e],
        vec![0x0c],
        vec![0x2a, 0x02, 0x0a],
        vec![0x2a, 0x01, 0x0a, 0x00],
        vec![
            0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ],
        vec![
            0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
        ],
        // A packed float_val whose length is not a multiple of 4, in a scalar tensor.
        {
            let mut t = Vec::new();
            key(1, 0, &mut t);
            varint(1, &mut t);
            len_field(5, &[0, 0, 0], &mut t);
            let mut v = Vec::new();
            len_field(8, &t, &mut v);
            let mut s = Vec::new();
            len_field(1, &v, &mut s);
            let mut e = Vec::new();
            len_field(5, &s, &mut e);
            e
        },
    ];
    for (i, p) in cases.iter().enumerate() {
        assert_eq!(
            tensorboard_writer::reader::fast_decode_accepts(p),
            Event::decode(&p[..]).is_ok(),
            "case {i}"
        );
        assert_same(&frame(std::slice::from_ref(p)), &format!("case {i}"));
    }
}

#[test]
fn a_decode_error_carries_prosts_message() {
    let data = frame(&[b"\x0e".to_vec()]);
    let mut r = ScalarReader::new(&data[..]);
    let fast_err = r.for_each_scalar(|_| {}).unwrap_err().to_string();
    let prost_err = EventReader::new(&data[..])
        .read_event()
        .unwrap_err()
        .to_string();
    assert_eq!(fast_err, prost_err);
}

/// The bytes of an event file holding `tag` = 0..10 at steps 0..10 (the directory it is in
/// lives as long as the returned guard).
fn ten_scalars(tag: &str) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..10u32 {
        w.add_scalar(tag, step as f32, step).unwrap();
    }
    w.close().unwrap();
    let bytes = std::fs::read(w.path()).unwrap();
    (dir, bytes)
}

#[test]
fn truncation_resumes_when_the_file_grows() {
    let (dir, full) = ten_scalars("x");
    let path = dir.path().join("growing.tfevents");
    std::fs::write(&path, &full[..full.len() - 10]).unwrap();
    let mut r = ScalarReader::open(&path).unwrap();
    let mut n = 0;
    assert!(matches!(
        r.for_each_scalar(|_| n += 1),
        Err(Error::Truncated { .. })
    ));
    assert_eq!(n, 9);
    std::fs::write(&path, &full).unwrap();
    r.for_each_scalar(|s| {
        n += 1;
        assert_eq!((s.tag, s.step, s.value), ("x", 9, 9.0));
    })
    .unwrap();
    assert_eq!(n, 10);
}

// ---------------------------------------------------------------------------------------
// No allocation per event.

use crate::counting_alloc::count_allocs;

#[test]
fn reading_scalars_allocates_nothing_per_event() {
    // Simple scalars with a few tags, merged steps, and TF2 tensor scalars (the general
    // decoder), over many events.
    let mut payloads = Vec::new();
    for step in 0..20_000i64 {
        let values = match step % 3 {
            0 => vec![summary::Value {
                tag: ["loss", "lr", "acc", "grad", "norm"][step as usize % 5].into(),
                value: Some(summary::value::Value::SimpleValue(step as f32)),
                ..Default::default()
            }],
            1 => vec![
                tf2_scalar("tf2", 0.5, step < 10),
                tf2_scalar("tf2b", 1.5, true),
            ],
            _ => vec![summary::Value {
                tag: "img".into(),
                value: Some(summary::value::Value::Image(summary::Image {
                    height: 1,
                    width: 1,
                    colorspace: 1,
                    encoded_image_string: vec![1, 2, 3],
                })),
                ..Default::default()
            }],
        };
        let event = Event {
            wall_time: 1.7e9,
            step,
            what: Some(proto::event::What::Summary(proto::Summary {
                value: values,
            })),
            ..Default::default()
        };
        payloads.push(event.encode_to_vec());
    }
    let data = frame(&payloads);
    let mut r = ScalarReader::new(&data[..]);
    let mut n = 0usize;
    // Warm-up: the first events of each kind set up the reader's buffers and tag tables.
    for _ in 0..100 {
        r.read_event_scalars(|_| n += 1).unwrap();
    }
    let allocs = count_allocs(|| {
        r.for_each_scalar(|s| {
            n += 1;
            std::hint::black_box(s);
        })
        .unwrap()
    });
    assert!(n > 20_000, "{n} scalars");
    // The record buffer may grow a few times as the reads get longer; nothing per event.
    assert!(allocs <= 8, "{allocs} allocations for 20,000 events");
}

#[test]
fn damage_stops_the_scalar_reader_for_good_and_a_cut_record_does_not() {
    let (_dir, good) = ten_scalars("loss");
    let count = |r: &mut ScalarReader<&[u8]>| {
        let mut n = 0;
        let end = r.for_each_scalar(|_| n += 1);
        (n, end)
    };

    // A flipped payload byte in the 6th record: five scalars (the header event has none,
    // so records 1..=4 are steps 0..=3 and record 5 is step 4: four before it), then the
    // same CorruptRecord error on every later call, never the records after it.
    let mut bad = good.clone();
    let mut at = 0;
    for _ in 0..5 {
        let len = u64::from_le_bytes(bad[at..at + 8].try_into().unwrap()) as usize;
        at += 12 + len + 4;
    }
    bad[at + 12] ^= 0x55;
    let mut r = ScalarReader::new(&bad[..]);
    let (n, end) = count(&mut r);
    assert_eq!(n, 4);
    let first = end.unwrap_err();
    assert!(matches!(first, Error::CorruptRecord { .. }), "{first:?}");
    for _ in 0..3 {
        let again = r.read_event_scalars(|_| panic!("a scalar after the damage"));
        assert_eq!(again.unwrap_err().to_string(), first.to_string());
    }

    // A cut final record: Truncated, and reading goes on once the rest is there.
    let cut = good.len() - 7;
    let mut data = good[..cut].to_vec();
    let mut r = ScalarReader::new(std::io::Cursor::new(std::mem::take(&mut data)));
    let mut n = 0;
    let end = r.for_each_scalar(|_| n += 1);
    assert!(matches!(end, Err(Error::Truncated { .. })), "{end:?}");
    assert_eq!(n, 9);
    let offset = r.offset() as usize;
    let mut rest = ScalarReader::new(&good[offset..]);
    let mut m = 0;
    rest.for_each_scalar(|s| {
        m += 1;
        assert_eq!(s.step, 9);
    })
    .unwrap();
    assert_eq!(m, 1);
}
