//! Reading event files written by TensorBoard's own Python writer (tensorboard 2.21.0), made
//! by `scripts/make-python-fixtures.py`. `expected.json` beside them says what they hold.

use serde_json::Value;
use tensorboard_writer::reader::{EventReader, ScalarPoint, read_scalars};
use tensorboard_writer::{Error, proto};

use crate::common::python_fixtures_dir as fixtures;

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn parse_value(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("unexpected value {other}"),
    }
}

/// Same step, same wall time, same value bit for bit (so NaN == NaN and -0.0 != 0.0).
fn assert_points(tag: &str, got: &[ScalarPoint], want: &[Value]) {
    assert_eq!(got.len(), want.len(), "{tag}: number of points");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.step, w["step"].as_i64().unwrap(), "{tag}");
        assert_eq!(
            g.wall_time,
            w["wall_time"].as_f64().unwrap(),
            "{tag} step {}",
            g.step
        );
        let want_value = parse_value(&w["value"]);
        assert_eq!(
            g.value.to_bits(),
            want_value.to_bits(),
            "{tag} step {}: got {} want {}",
            g.step,
            g.value,
            want_value
        );
    }
}

fn check_fixture_scalars(name: &str) {
    let exp = expected();
    let fx = &exp["fixtures"][name];
    let got = read_scalars(fixtures().join(name)).unwrap();
    let want = fx["scalars"].as_object().unwrap();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{name}: tags"
    );
    for (tag, points) in want {
        assert_points(tag, &got[tag], points.as_array().unwrap());
    }
}

#[test]
fn reads_v2_tensor_scalars_written_by_tensorboard() {
    check_fixture_scalars("scalars");
}

#[test]
fn reads_legacy_simple_value_scalars() {
    check_fixture_scalars("legacy");
}

#[test]
fn first_record_is_the_file_version() {
    let exp = expected();
    let file = fixtures().join(exp["fixtures"]["scalars"]["file"].as_str().unwrap());
    let first = EventReader::open(file).unwrap().next().unwrap().unwrap();
    assert_eq!(
        first.what,
        Some(proto::event::What::FileVersion("brain.Event:2".into()))
    );
}

/// Points of the legacy fixture that come before the damaged record.
fn legacy_prefix(points_per_tag: usize) -> Vec<(String, Vec<Value>)> {
    let exp = expected();
    exp["fixtures"]["legacy"]["scalars"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(t, p)| (t.clone(), p.as_array().unwrap()[..points_per_tag].to_vec()))
        .collect()
}

#[test]
fn truncated_final_record_is_reported_as_truncation() {
    let exp = expected();
    let fx = &exp["fixtures"]["truncated"];
    let damage = &fx["damage"];
    let file = fixtures().join(fx["file"].as_str().unwrap());
    let mut reader = EventReader::open(&file).unwrap();
    let mut intact = 0;
    let err = loop {
        match reader.next() {
            Some(Ok(_)) => intact += 1,
            Some(Err(e)) => break e,
            None => panic!("no error reported for a truncated file"),
        }
    };
    assert_eq!(intact, damage["intact_records_before"].as_u64().unwrap());
    match err {
        Error::Truncated {
            offset, available, ..
        } => {
            assert_eq!(offset, damage["record_offset"].as_u64().unwrap());
            assert_eq!(
                offset + available,
                damage["file_size"].as_u64().unwrap(),
                "every byte after the last whole record counted"
            );
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
    // The iterator says it once, then ends until the file grows.
    assert!(reader.next().is_none());

    // A run reader keeps every intact point, as TensorBoard does.
    let got = read_scalars(file.parent().unwrap()).unwrap();
    for (tag, points) in legacy_prefix(fx["points_per_tag"].as_u64().unwrap() as usize) {
        assert_points(&tag, &got[&tag], &points);
    }
}

#[test]
fn resumes_when_the_truncated_file_grows() {
    let exp = expected();
    let whole = std::fs::read(fixtures().join(exp["fixtures"]["legacy"]["file"].as_str().unwrap()))
        .unwrap();
    let cut = exp["fixtures"]["truncated"]["damage"]["file_size"]
        .as_u64()
        .unwrap() as usize;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.out.tfevents.growing");
    std::fs::write(&path, &whole[..cut]).unwrap();

    let mut reader = EventReader::open(&path).unwrap();
    let mut events = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Some(e)) => events.push(e),
            Err(Error::Truncated { .. }) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    let before = events.len();
    // The writer finishes its record.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&whole[cut..])
        .unwrap();
    while let Some(e) = reader.read_event().unwrap() {
        events.push(e);
    }
    assert_eq!(before + 1, events.len());
    let all: Vec<_> =
        EventReader::open(fixtures().join(exp["fixtures"]["legacy"]["file"].as_str().unwrap()))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    // Compare encodings: the events hold a NaN, and NaN != NaN.
    use prost::Message;
    let enc = |v: &[proto::Event]| v.iter().map(|e| e.encode_to_vec()).collect::<Vec<_>>();
    assert_eq!(enc(&events), enc(&all));
}

fn corrupt_case(name: &str, what: &str) {
    let exp = expected();
    let fx = &exp["fixtures"][name];
    let damage = &fx["damage"];
    let file = fixtures().join(fx["file"].as_str().unwrap());
    let mut intact = 0;
    let mut errors = Vec::new();
    for item in EventReader::open(&file).unwrap() {
        match item {
            Ok(_) => intact += 1,
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(
        intact,
        damage["intact_records_before"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(
        errors.len(),
        1,
        "{name}: one error, then the iterator stops"
    );
    match &errors[0] {
        Error::CorruptRecord {
            offset, what: w, ..
        } => {
            assert_eq!(*offset, damage["record_offset"].as_u64().unwrap());
            assert_eq!(*w, what);
        }
        other => panic!("{name}: expected CorruptRecord, got {other:?}"),
    }
    // Corruption is an error for the run reader (unlike truncation).
    assert!(matches!(
        read_scalars(file.parent().unwrap()),
        Err(Error::CorruptRecord { .. })
    ));
}

#[test]
fn flipped_length_bit_is_corruption() {
    corrupt_case("corrupt/length_crc", "length checksum mismatch");
}

#[test]
fn flipped_payload_bit_is_caught_even_though_the_payload_still_parses() {
    // TensorBoard's default Rust loader would accept this record (docs/FORMAT.md §1.5).
    corrupt_case("corrupt/payload", "payload checksum mismatch");
}
