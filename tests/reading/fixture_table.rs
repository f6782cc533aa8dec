//! The typed readers on logdirs written by other libraries' own writers: TensorBoard's,
//! TensorFlow's `tf.summary`, `torch.utils.tensorboard` and tensorboardX, one fixture per
//! writer × kind (`tests/fixtures/readers/<writer>/<kind>/`, made by
//! `scripts/make-reader-fixtures.py`). Each fixture's `manifest.json` says what its script
//! gave the writer; the reader must find exactly that.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tensorboard_writer::reader::{
    Data, HParamValue, HParamsRecord, Kind, Logdir, MeshComponent, RunSeries, read_embeddings,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readers")
}

/// Which kinds each writer has a fixture for (a writer's missing cell is said in the script:
/// TensorBoard's PR curve, custom scalar and mesh functions import TensorFlow; it writes no
/// images, audio, graphs or embeddings without it).
const TABLE: &[(&str, &[&str])] = &[
    ("tensorboard", &["scalars", "histograms", "text", "hparams"]),
    ("tf", ALL),
    ("torch", ALL),
    ("tensorboardX", ALL),
];
const ALL: &[&str] = &[
    "scalars",
    "histograms",
    "images",
    "audio",
    "text",
    "pr_curves",
    "hparams",
    "graphs",
    "custom_scalars",
    "meshes",
    "embeddings",
];

fn manifest(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        v => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) || (a.is_nan() && b.is_nan())
}

/// Every run of the fixture's logdir, read whole.
fn read_logdir(dir: &Path) -> BTreeMap<String, RunSeries> {
    Logdir::new(dir.join("logdir"))
        .runs()
        .unwrap()
        .into_iter()
        .map(|run| {
            let series = run.reader().unwrap().read_all().unwrap();
            (run.name, series)
        })
        .collect()
}

#[test]
fn every_cell_of_the_table_is_there() {
    let mut missing = Vec::new();
    for (writer, kinds) in TABLE {
        for kind in *kinds {
            let dir = fixtures().join(writer).join(kind);
            if !dir.join("manifest.json").is_file() {
                missing.push(format!("{writer}/{kind}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:?}");
}

/// Checks the points the manifest lists under `runs`.
fn check_points(name: &str, m: &Value, runs: &BTreeMap<String, RunSeries>) {
    let Some(want_runs) = m["runs"].as_object() else {
        return;
    };
    for (run, tags) in want_runs {
        let got = runs
            .get(run)
            .unwrap_or_else(|| panic!("{name}: no run {run:?} in {:?}", runs.keys()));
        for (tag, series) in tags.as_object().unwrap() {
            let kind: Kind = series["kind"].as_str().unwrap().parse().unwrap();
            let points = got
                .get(tag)
                .unwrap_or_else(|| panic!("{name}: run {run}: no tag {tag:?} in {:?}", got.keys()));
            let want = series["points"].as_array().unwrap();
            let steps: Vec<i64> = points.iter().map(|p| p.step).collect();
            let want_steps: Vec<i64> = want.iter().map(|w| w["step"].as_i64().unwrap()).collect();
            assert_eq!(steps, want_steps, "{name}: {run}/{tag}: steps");
            for (p, w) in points.iter().zip(want) {
                let at = format!("{name}: {run}/{tag} step {}", p.step);
                assert_eq!(p.data.kind(), kind, "{at}: kind");
                check_point(&at, &p.data, w);
            }
        }
    }
}

fn check_point(at: &str, data: &Data, w: &Value) {
    match data {
        Data::Scalar(x) => {
            let want = num(&w["value"]);
            assert!(
                x.to_bits() == want.to_bits() || (x.is_nan() && want.is_nan()),
                "{at}: {x} != {want}"
            );
        }
        Data::Histogram(h) => {
            assert_eq!(h.total_count(), num(&w["count"]), "{at}: count");
            let (min, max) = (num(&w["min"]), num(&w["max"]));
            match w["form"].as_str().unwrap() {
                "legacy" => {
                    let l = h
                        .legacy
                        .as_ref()
                        .unwrap_or_else(|| panic!("{at}: not the histo form"));
                    assert_eq!(l.num, num(&w["count"]), "{at}: num");
                    assert!(close(l.min, min, 1e-6), "{at}: min {} != {min}", l.min);
                    assert!(close(l.max, max, 1e-6), "{at}: max {} != {max}", l.max);
                    assert!(close(l.sum, num(&w["sum"]), 1e-5), "{at}: sum");
                    // The data server's conversion: the first bucket starts at min.
                    assert_eq!(h.buckets[0].left, l.min, "{at}: first left edge");
                }
                _ => {
                    assert!(h.legacy.is_none(), "{at}: not the tensor form");
                    let first = h.buckets.first().unwrap().left;
                    let last = h.buckets.last().unwrap().right;
                    assert!(close(first, min, 1e-6), "{at}: first edge {first} != {min}");
                    assert!(close(last, max, 1e-6), "{at}: last edge {last} != {max}");
                }
            }
        }
        Data::Images(images) => {
            assert_eq!(images.len(), 1, "{at}: images");
            let i = &images[0];
            assert_eq!(
                (i.width, i.height),
                (num(&w["width"]) as u32, num(&w["height"]) as u32),
                "{at}"
            );
            let rgb = decode_png_rgb(&i.encoded);
            let want: Vec<u8> = w["rgb"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect();
            assert_eq!(rgb, want, "{at}: pixels");
        }
        Data::Audio(clips) => {
            assert_eq!(clips.len(), 1, "{at}: clips");
            let (channels, rate, frames) = wav_info(&clips[0].encoded);
            assert_eq!(channels, num(&w["channels"]) as u16, "{at}: channels");
            assert_eq!(rate, num(&w["sample_rate"]) as u32, "{at}: rate");
            assert_eq!(frames, num(&w["frames"]) as usize, "{at}: frames");
            if let Some(r) = clips[0].sample_rate {
                assert_eq!(f64::from(r), num(&w["sample_rate"]), "{at}: stated rate");
            }
        }
        Data::Text(t) => {
            let want: Vec<&str> = w["strings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(t.strings, want, "{at}");
        }
        Data::PrCurve(pr) => {
            let n = num(&w["thresholds"]) as usize;
            assert_eq!(pr.precision.len(), n, "{at}: thresholds");
            assert_eq!(pr.thresholds().len(), n, "{at}");
            assert_eq!(pr.true_positives[0], num(&w["tp0"]), "{at}: TP at 0");
            assert_eq!(pr.false_positives[0], num(&w["fp0"]), "{at}: FP at 0");
        }
        Data::Mesh(mesh) => {
            assert_eq!(mesh.name, w["name"].as_str().unwrap(), "{at}: name");
            let component = match w["component"].as_str().unwrap() {
                "vertices" => MeshComponent::Vertices,
                "faces" => MeshComponent::Faces,
                _ => MeshComponent::Colors,
            };
            assert_eq!(mesh.component, component, "{at}");
            let shape: Vec<i64> = w["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert_eq!(mesh.shape, shape, "{at}: shape");
            let values: Vec<f64> = w["values"].as_array().unwrap().iter().map(num).collect();
            assert_eq!(mesh.values, values, "{at}: values");
        }
        other => panic!("{at}: no check for {:?}", other.kind()),
    }
}

fn decode_png_rgb(bytes: &[u8]) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| p[..3].to_vec()).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    }
}

/// (channels, sample rate, frames) of a 16-bit PCM WAV file.
fn wav_info(wav: &[u8]) -> (u16, u32, usize) {
    assert_eq!(&wav[..4], b"RIFF");
    let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([wav[i], wav[i + 1], wav[i + 2], wav[i + 3]]);
    let mut at = 12;
    let (mut channels, mut rate, mut bits) = (0, 0, 0);
    while at + 8 <= wav.len() {
        let size = u32_at(at + 4) as usize;
        match &wav[at..at + 4] {
            b"fmt " => {
                channels = u16_at(at + 10);
                rate = u32_at(at + 12);
                bits = u16_at(at + 22);
            }
            b"data" => {
                let frame = usize::from(channels) * usize::from(bits / 8);
                return (channels, rate, size / frame);
            }
            _ => {}
        }
        at += 8 + size + (size & 1);
    }
    panic!("no data chunk");
}

fn check_special(name: &str, m: &Value, dir: &Path, runs: &BTreeMap<String, RunSeries>) {
    if let Some(hp) = m.get("hparams") {
        let run = &runs[hp["run"].as_str().unwrap()];
        let records: Vec<&HParamsRecord> = run
            .values()
            .flatten()
            .filter_map(|s| match &s.data {
                Data::HParams(r) => Some(&**r),
                _ => None,
            })
            .collect();
        let start = records
            .iter()
            .find_map(|r| match r {
                HParamsRecord::SessionStart { hparams, .. } => Some(hparams),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: no session start"));
        for (k, v) in hp["values"].as_object().unwrap() {
            let want = match v {
                Value::String(s) => HParamValue::Text(s.clone()),
                Value::Bool(b) => HParamValue::Bool(*b),
                v => HParamValue::Number(num(v)),
            };
            assert_eq!(start.get(k), Some(&want), "{name}: hparam {k}");
        }
        if let Some(status) = hp["status"].as_str() {
            let end = records.iter().find_map(|r| match r {
                HParamsRecord::SessionEnd { status, .. } => Some(status.name()),
                _ => None,
            });
            assert_eq!(end, Some(status), "{name}: session end");
        }
        let metrics: Vec<&str> = hp["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if !metrics.is_empty() {
            let declared: Vec<String> = records
                .iter()
                .find_map(|r| match r {
                    HParamsRecord::Experiment { metric_infos, .. } => Some(metric_infos),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{name}: no experiment"))
                .iter()
                .filter_map(|mi| mi.name.as_ref().map(|n| n.tag.clone()))
                .collect();
            assert_eq!(declared, metrics, "{name}: metrics");
        }
    }
    if let Some(g) = m.get("graph") {
        let run = &runs[g["run"].as_str().unwrap()];
        let graphs: Vec<&[u8]> = run
            .values()
            .flatten()
            .filter_map(|s| match &s.data {
                Data::Graph(g) => Some(g.bytes.as_slice()),
                _ => None,
            })
            .collect();
        assert!(!graphs.is_empty(), "{name}: no graph");
        for needle in g["contains"].as_array().unwrap() {
            let needle = needle.as_str().unwrap().as_bytes();
            assert!(
                graphs
                    .iter()
                    .any(|b| b.windows(needle.len()).any(|w| w == needle)),
                "{name}: no graph mentions {:?}",
                String::from_utf8_lossy(needle)
            );
        }
    }
    if let Some(layout) = m.get("layout") {
        let got = runs
            .values()
            .flat_map(|r| r.values().flatten())
            .find_map(|s| match &s.data {
                Data::CustomScalars(l) => Some(l.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: no layout"));
        let got: Vec<(String, Vec<String>)> = got
            .category
            .iter()
            .map(|c| {
                (
                    c.title.clone(),
                    c.chart.iter().map(|ch| ch.title.clone()).collect(),
                )
            })
            .collect();
        let want: Vec<(String, Vec<String>)> = layout
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let charts = c["charts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string());
                (c["title"].as_str().unwrap().to_string(), charts.collect())
            })
            .collect();
        assert_eq!(got, want, "{name}: layout");
    }
    if let Some(embs) = m.get("embeddings") {
        for e in embs.as_array().unwrap() {
            let run_dir = dir.join("logdir").join(e["run"].as_str().unwrap());
            let got = read_embeddings(&run_dir).unwrap();
            assert_eq!(got.len(), 1, "{name}: embeddings");
            let g = &got[0];
            let shape: Vec<u32> = e["tensor_shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            if !g.tensor_shape.is_empty() {
                assert_eq!(g.tensor_shape, shape, "{name}: shape");
            }
            let tsv = std::fs::read_to_string(&g.tensor_path).unwrap();
            let values: Vec<f64> = tsv.split_whitespace().map(|x| x.parse().unwrap()).collect();
            let want: Vec<f64> = e["values"].as_array().unwrap().iter().map(num).collect();
            assert_eq!(values.len(), want.len(), "{name}: tensor size");
            for (a, b) in values.iter().zip(&want) {
                assert!(close(*a, *b, 1e-6), "{name}: tensor {a} != {b}");
            }
            let meta = std::fs::read_to_string(g.metadata_path.as_ref().unwrap()).unwrap();
            let labels: Vec<&str> = meta.lines().collect();
            let want: Vec<&str> = e["metadata"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(labels, want, "{name}: metadata");
        }
    }
}

fn check_fixture(writer: &str, kind: &str) {
    let dir = fixtures().join(writer).join(kind);
    let m = manifest(&dir);
    assert_eq!(m["writer"], writer);
    assert_eq!(m["kind"], kind);
    let name = format!("{writer}/{kind}");
    let runs = read_logdir(&dir);
    check_points(&name, &m, &runs);
    check_special(&name, &m, &dir, &runs);
    if kind != "embeddings" && kind != "hparams" {
        // The kind the fixture is about is in it.
        let want: Kind = match kind {
            "meshes" => Kind::Meshes,
            k => k.parse().unwrap(),
        };
        let found = runs
            .values()
            .flat_map(|r| r.values().flatten())
            .any(|s| s.data.kind() == want);
        assert!(found, "{name}: nothing of kind {want}");
    }
}

macro_rules! fixture_tests {
    ($($test:ident: $writer:literal / $kind:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_fixture($writer, $kind);
            }
        )*
    };
}

fixture_tests! {
    tensorboard_scalars: "tensorboard" / "scalars",
    tensorboard_histograms: "tensorboard" / "histograms",
    tensorboard_text: "tensorboard" / "text",
    tensorboard_hparams: "tensorboard" / "hparams",
    tf_scalars: "tf" / "scalars",
    tf_histograms: "tf" / "histograms",
    tf_images: "tf" / "images",
    tf_audio: "tf" / "audio",
    tf_text: "tf" / "text",
    tf_pr_curves: "tf" / "pr_curves",
    tf_hparams: "tf" / "hparams",
    tf_graphs: "tf" / "graphs",
    tf_custom_scalars: "tf" / "custom_scalars",
    tf_meshes: "tf" / "meshes",
    tf_embeddings: "tf" / "embeddings",
    torch_scalars: "torch" / "scalars",
    torch_histograms: "torch" / "histograms",
    torch_images: "torch" / "images",
    torch_audio: "torch" / "audio",
    torch_text: "torch" / "text",
    torch_pr_curves: "torch" / "pr_curves",
    torch_hparams: "torch" / "hparams",
    torch_graphs: "torch" / "graphs",
    torch_custom_scalars: "torch" / "custom_scalars",
    torch_meshes: "torch" / "meshes",
    torch_embeddings: "torch" / "embeddings",
    tbx_scalars: "tensorboardX" / "scalars",
    tbx_histograms: "tensorboardX" / "histograms",
    tbx_images: "tensorboardX" / "images",
    tbx_audio: "tensorboardX" / "audio",
    tbx_text: "tensorboardX" / "text",
    tbx_pr_curves: "tensorboardX" / "pr_curves",
    tbx_hparams: "tensorboardX" / "hparams",
    tbx_graphs: "tensorboardX" / "graphs",
    tbx_custom_scalars: "tensorboardX" / "custom_scalars",
    tbx_meshes: "tensorboardX" / "meshes",
    tbx_embeddings: "tensorboardX" / "embeddings",
}

/// Truncated and corrupted copies of each writer's scalar file: a cut inside the last record
/// reads every complete record and waits; a flipped byte inside a record's payload is
/// reported at that record's offset, after the points before it.
#[test]
fn damaged_copies_of_each_writers_file() {
    use tensorboard_writer::Error;
    use tensorboard_writer::reader::{RunReader, event_files};
    for writer in ["tensorboard", "tf", "torch", "tensorboardX"] {
        let src = fixtures().join(writer).join("scalars/logdir");
        let files = event_files(&src).unwrap();
        assert_eq!(files.len(), 1, "{writer}");
        let bytes = std::fs::read(&files[0]).unwrap();
        let mut all = Vec::new();
        RunReader::open(&src)
            .unwrap()
            .read_new(|tag, s| all.push((tag.to_string(), s.step)))
            .unwrap();
        assert_eq!(all.len(), 10, "{writer}");
        // Record offsets, from the framing: u64 length, 4-byte CRC, payload, 4-byte CRC.
        let mut offsets = Vec::new();
        let mut at = 0usize;
        while at < bytes.len() {
            offsets.push(at);
            let n = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            at += 16 + n;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.out.tfevents.1.copy");

        let last = *offsets.last().unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        let mut got = Vec::new();
        let mut reader = RunReader::open(dir.path()).unwrap();
        reader
            .read_new(|tag, s| got.push((tag.to_string(), s.step)))
            .unwrap();
        assert_eq!(got, all[..all.len() - 1], "{writer}: truncated copy");
        assert!(last > 0);

        // A byte in the middle record's payload (past its 12-byte header).
        let mid = offsets[offsets.len() / 2];
        let mut damaged = bytes.clone();
        damaged[mid + 14] ^= 0x40;
        std::fs::write(&file, &damaged).unwrap();
        let mut got = Vec::new();
        match RunReader::open(dir.path())
            .unwrap()
            .read_new(|tag, s| got.push((tag.to_string(), s.step)))
        {
            Err(Error::CorruptRecord { offset, path, .. }) => {
                assert_eq!(offset, mid as u64, "{writer}");
                assert!(path.ends_with("events.out.tfevents.1.copy"));
            }
            other => panic!("{writer}: expected CorruptRecord, got {other:?}"),
        }
        assert!(got.len() < all.len(), "{writer}: stops at the damage");
        assert_eq!(got, all[..got.len()], "{writer}: the points before it");
    }
}
