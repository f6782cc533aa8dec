//! The built `tbw` binary on fixtures and on logs written here: output, filters, exit codes.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tensorboard_writer::SummaryWriter;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn tbw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tbw"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn ls_lists_runs_tags_kinds_counts_and_steps() {
    let logdir = fixtures().join("readers/torch");
    let o = tbw(&["ls", path(&logdir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["RUN", "TAG", "KIND", "POINTS", "STEPS"]);
    for want in [
        ["scalars/logdir", "loss", "scalars", "5", "0..10"],
        ["histograms/logdir", "weights", "histograms", "3", "0..2"],
        ["images/logdir", "image", "images", "2", "0..1"],
        [
            "hparams/logdir/trial",
            "_hparams_/session_start_info",
            "hparams",
            "1",
            "0",
        ],
        ["embeddings/logdir", "emb:00000", "embeddings", "1", "-"],
    ] {
        assert!(rows.iter().any(|r| r == &want), "no row {want:?} in\n{out}");
    }
}

/// The manifest's scalars, exported as JSON lines and as CSV, value for value.
#[test]
fn export_writes_every_scalar_in_both_formats() {
    let dir = fixtures().join("readers/tensorboardX/scalars");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut want = Vec::new();
    for (tag, series) in manifest["runs"]["."].as_object().unwrap() {
        for p in series["points"].as_array().unwrap() {
            let v = match &p["value"] {
                Value::String(s) => s.clone(),
                v => format!("{:?}", v.as_f64().unwrap()),
            };
            want.push((tag.clone(), p["step"].as_i64().unwrap(), v));
        }
    }
    want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let logdir = dir.join("logdir");
    // Points come in the order written; compared by tag and step.
    let sorted = |mut v: Vec<(String, i64, String)>| {
        v.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        v
    };

    let o = tbw(&["export", path(&logdir), "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut got = Vec::new();
    for line in stdout(&o).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["run"], ".");
        assert_eq!(v["kind"], "scalars");
        assert!(v["wall_time"].as_f64().unwrap() > 1.0e9);
        let value = match &v["value"] {
            Value::String(s) => s.clone(),
            x => format!("{:?}", x.as_f64().unwrap()),
        };
        got.push((
            v["tag"].as_str().unwrap().to_string(),
            v["step"].as_i64().unwrap(),
            value,
        ));
    }
    assert_eq!(sorted(got), want);

    let o = tbw(&["export", path(&logdir), "-f", "csv"]);
    assert!(o.status.success());
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("run,tag,kind,step,wall_time,value"));
    let got: Vec<(String, i64, String)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[3].parse().unwrap(), f[5].to_string())
        })
        .collect();
    assert_eq!(sorted(got), want);
}

#[test]
fn export_filters_by_run_tag_and_kind_and_writes_to_a_file() {
    let logdir = fixtures().join("readers/tf");
    let o = tbw(&["export", path(&logdir), "--kind", "scalars", "--tag", "lo*"]);
    assert!(o.status.success());
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|v| v["tag"] == "loss"));

    let o = tbw(&["export", path(&logdir), "--run", "images/*"]);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "images");
    assert_eq!(lines[0]["images"][0]["width"], 4);
    assert!(
        lines[0]["images"][0]["data"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo")
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.csv");
    let o = tbw(&["export", path(&logdir), "-f", "csv", "-o", path(&file)]);
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("run,tag,kind,step,wall_time,value\n"));
    assert!(text.contains("histograms/logdir,weights,histograms,0,"));
}

/// A restarted run: by default the later file's points replace the earlier ones from their
/// step on (TensorBoard's data server); --no-purge keeps every point as written.
#[test]
fn export_handles_restarts_like_the_data_server() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..4u32 {
        w.add_scalar("loss", step as f32, step).unwrap();
    }
    w.close().unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalar("loss", 10.0f32, 2u32).unwrap();
    w.close().unwrap();
    let steps_values = |args: &[&str]| -> Vec<(i64, f64)> {
        let o = tbw(args);
        assert!(o.status.success());
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|v| (v["step"].as_i64().unwrap(), v["value"].as_f64().unwrap()))
            .collect()
    };
    let d = path(dir.path());
    assert_eq!(
        steps_values(&["export", d]),
        [(0, 0.0), (1, 1.0), (2, 10.0)]
    );
    assert_eq!(
        steps_values(&["export", d, "--no-purge"]),
        [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (2, 10.0)]
    );
}

#[test]
fn verify_tells_truncation_from_corruption_with_file_and_offset() {
    let logdir = fixtures().join("python");
    let o = tbw(&["verify", path(&logdir)]);
    assert_eq!(o.status.code(), Some(1), "corruption fails");
    let out = stdout(&o);
    assert!(
        out.contains("CORRUPT    corrupt/length_crc/")
            && out.contains("length checksum mismatch in the record at byte 421"),
        "{out}"
    );
    assert!(out.contains("payload checksum mismatch in the record at byte 421"));
    assert!(
        out.contains("TRUNCATED  truncated/")
            && out.contains("the file ends inside the record at byte 823"),
        "{out}"
    );
    assert!(out.contains("5 files, 87 records: 2 corrupt, 1 with a truncated tail"));

    // A truncated tail alone passes, unless --strict.
    let o = tbw(&["verify", path(&logdir.join("truncated"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = tbw(&["verify", "--strict", path(&logdir.join("truncated"))]);
    assert_eq!(o.status.code(), Some(1));
    let o = tbw(&["verify", "-q", path(&fixtures().join("readers"))]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), 1, "quiet: the summary only");
}

#[test]
fn usage_errors_exit_2_and_read_errors_exit_1() {
    let o = tbw(&["export", "--kind", "bogus", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown kind \"bogus\""));
    let o = tbw(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = tbw(&["ls", "/nonexistent/logdir"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("tbw: listing /nonexistent/logdir"));
    let o = tbw(&["--help"]);
    assert!(o.status.success());
    for cmd in ["ls", "export", "verify", "tail"] {
        assert!(stdout(&o).contains(cmd));
    }
    let o = tbw(&["export", "x", "-o", "/nonexistent/dir/out"]);
    assert_eq!(o.status.code(), Some(1));
}

/// `tbw export … | head -1`: a closed pipe ends the export quietly, with success.
#[test]
fn a_closed_pipe_ends_the_export_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..200_000u32 {
        w.add_scalar("loss", 1.0f32, step).unwrap();
    }
    w.close().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tbw"))
        .args(["export", path(dir.path())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"run\":\".\""));
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
    assert!(err.is_empty(), "{err}");
}

/// `tbw tail` prints the points written after it started, from a file that grows.
#[test]
fn tail_follows_a_live_run() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("live")).unwrap();
    w.add_scalar("loss", 1.0f32, 0u32).unwrap();
    w.flush().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tbw"))
        .args(["tail", path(dir.path()), "--interval", "0.05"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    w.add_scalar("loss", 0.5f32, 1u32).unwrap();
    w.add_text("note", "not a scalar", 1u32).unwrap();
    w.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lines = Vec::new();
    while lines.is_empty() && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            lines.push(l);
        }
    }
    // A second run appearing later is followed from its first point.
    let w2 = SummaryWriter::new(dir.path().join("new")).unwrap();
    w2.add_scalar("acc", 0.25f32, 7u32).unwrap();
    w2.flush().unwrap();
    while lines.len() < 2 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            lines.push(l);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(lines, ["live  loss  step 1  0.5", "new  acc  step 7  0.25"]);
}

/// Embeddings come from the run's projector config: listed by `ls`, exported on request.
#[test]
fn embeddings_are_listed_and_exported() {
    let logdir = fixtures().join("readers/tf");
    let o = tbw(&["export", path(&logdir), "--kind", "embeddings"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let e = &lines[0];
    assert_eq!(e["run"], "embeddings/logdir");
    assert_eq!(e["tag"], "emb");
    assert_eq!(e["kind"], "embeddings");
    assert_eq!(e["tensor_shape"], serde_json::json!([4, 3]));
    let tsv = std::fs::read_to_string(e["tensor_path"].as_str().unwrap()).unwrap();
    assert_eq!(tsv.lines().count(), 4);
    assert!(
        e["metadata_path"]
            .as_str()
            .unwrap()
            .ends_with("embeddings/logdir/metadata.tsv")
    );
    let o = tbw(&["export", path(&logdir), "--kind", "scalars"]);
    assert!(!stdout(&o).contains("\"embeddings\""));
}

/// A record whose checksums pass but whose payload is not an Event is corruption too.
#[test]
fn verify_reports_a_payload_that_is_not_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path().join("run")).unwrap();
    w.add_scalar("loss", 1.0f32, 0u32).unwrap();
    w.close().unwrap();
    let file = tensorboard_writer::reader::event_files(dir.path().join("run")).unwrap()[0].clone();
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len();
    tensorboard_writer::record::encode_record(&[0xff], &mut bytes);
    std::fs::write(&file, &bytes).unwrap();
    let o = tbw(&["verify", path(dir.path())]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("the record at byte {at} is not an Event")),
        "{out}"
    );
    assert!(out.contains("after 2 good records)"), "{out}");
}
