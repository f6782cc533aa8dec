//! Replays the fuzz corpus (`fuzz/corpus/<target>/*`) through the properties the fuzz targets
//! check (`fuzz/checks.rs`), plus a quick run of generated inputs, so every input the fuzzer
//! ever kept (and every crash it found, once fixed) is re-checked by `cargo test`.
//!
//! Fuzzing itself needs nightly and `cargo install cargo-fuzz`:
//! `cargo +nightly fuzz run record_reader` (see fuzz/README.md).

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Runs `check` on every input of `target`'s corpus (at least 20 of them); a panic fails
/// the test, naming the input.
fn replay(target: &str, check: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let inputs = corpus(target);
    assert!(inputs.len() >= 20, "corpus too small: {}", inputs.len());
    for (name, data) in &inputs {
        let r = std::panic::catch_unwind(|| check(data));
        assert!(r.is_ok(), "{target} corpus input {name} fails");
    }
}

#[test]
fn record_reader_corpus() {
    replay("record_reader", |data| {
        checks::check_records(data);
        checks::check_roundtrip(data);
    });
}

#[test]
fn event_reader_corpus() {
    replay("event_reader", checks::check_event_input);
}

#[test]
fn onnx_graph_corpus() {
    replay("onnx_graph", checks::check_onnx);
}

/// Generated inputs on top of the corpus: random bytes, and real records with random damage.
#[test]
fn generated_inputs() {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let seeds = corpus("event_reader");
    for i in 0..3000 {
        let len = (next() % 300) as usize;
        let mut data: Vec<u8> = if i % 2 == 0 {
            (0..len).map(|_| next() as u8).collect()
        } else {
            seeds[(next() as usize) % seeds.len()].1.clone()
        };
        for _ in 0..(next() % 4) {
            if !data.is_empty() {
                let at = (next() as usize) % data.len();
                data[at] = next() as u8;
            }
        }
        checks::check_records(&data);
        checks::check_roundtrip(&data);
        checks::check_event_input(&data);
    }
}

/// The typed reader on every input of the event corpus, as the only file of a run: it
/// returns points or an error, never panics (and never allocates without bound).
#[test]
fn run_reader_on_the_event_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.out.tfevents.1.fuzz");
    for (name, data) in corpus("event_reader") {
        std::fs::write(&file, &data).unwrap();
        let r = std::panic::catch_unwind(|| {
            let mut reader = tensorboard_writer::reader::RunReader::open(dir.path()).unwrap();
            // Errors are fine; a reader that keeps returning them must end.
            for _ in 0..4 {
                if reader.read_new(|_, _| {}).is_ok() {
                    break;
                }
            }
            let mut scan = tensorboard_writer::reader::RunReader::open(dir.path()).unwrap();
            let _ = scan.scan_new(|_, _, _| {});
        });
        assert!(
            r.is_ok(),
            "event_reader corpus input {name} panics the RunReader"
        );
    }
}
