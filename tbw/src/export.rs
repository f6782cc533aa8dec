//! `tbw export`: every point of the selected series, as CSV or JSON lines.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use tensorboard_writer::proto::chart::Content;
use tensorboard_writer::reader::{
    Data, EmbeddingEntry, GraphKind, HParamValue, HParamsRecord, Logdir, MeshComponent, Run,
    RunReader, Sample, read_embeddings,
};

use crate::{Failure, Format, Selection, base64, json};

pub struct Options {
    pub logdir: PathBuf,
    pub select: Selection,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub purge: bool,
    pub blobs: bool,
}

/// Above this many bytes of event files, an export shows a progress bar (when stderr is a
/// terminal).
const PROGRESS_BYTES: u64 = 32 << 20;

pub fn run(o: &Options) -> Result<u8, Failure> {
    let runs: Vec<Run> = Logdir::new(&o.logdir)
        .runs()?
        .into_iter()
        .filter(|r| o.select.wants_run(&r.name))
        .collect();
    let out: Box<dyn Write> = match &o.output {
        Some(path) => Box::new(File::create(path).map_err(|e| Failure {
            message: format!("creating {}: {e}", path.display()),
            code: 1,
            quiet: false,
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let progress = progress_bar(&runs)?;
    let mut writer = PointWriter::new(o.format, o.blobs);
    writer.header(&mut out)?;
    let mut failed = false;
    for run in &runs {
        if let Some(p) = &progress {
            p.set_message(run.name.clone());
        }
        writer.set_run(&run.name);
        let mut io_error = None;
        let mut points = 0u64;
        let mut on_point = || {
            points += 1;
            if points % 1024 == 0 {
                if let Some(p) = &progress {
                    p.set_message(format!("{}: {points} points", run.name));
                }
            }
        };
        let mut errors = Vec::new();
        // With restart handling, a first pass finds which points survive (tags and steps
        // only, nothing decoded); the second streams them. Memory: a few bytes per point
        // of the series asked for, whatever their values hold.
        let mut survivors = match o.purge {
            true => {
                let mut scan = run.reader()?.with_filter(o.select.filter());
                let mut index = Survivors::default();
                errors.extend(scan_loop(&mut scan, |tag, _, step| index.scan(tag, step)));
                // The second pass reports the same damage again: say it once.
                errors.clear();
                Some(index)
            }
            false => None,
        };
        let mut reader = run.reader()?.with_filter(o.select.filter());
        let survivors_cell = std::cell::RefCell::new(survivors.as_mut());
        let result = reader_loop_with(
            &mut reader,
            |tag, s| {
                on_point();
                let keep = survivors_cell
                    .borrow_mut()
                    .as_mut()
                    .is_none_or(|sv| sv.keep(tag));
                if keep && io_error.is_none() {
                    io_error = writer.write(&mut out, tag, &s).err();
                }
            },
            |e| {
                // A value that did not decode was numbered by the first pass: count it.
                if let tensorboard_writer::Error::InvalidSummary { tag, .. } = e {
                    if let Some(sv) = survivors_cell.borrow_mut().as_mut() {
                        sv.keep(tag);
                    }
                }
            },
        );
        if let Some(e) = io_error {
            return Err(e.into());
        }
        errors.extend(result);
        // The projector's embeddings, from the run's projector_config.pbtxt.
        match read_embeddings(&run.path) {
            Ok(embeddings) => {
                for e in embeddings
                    .iter()
                    .filter(|e| o.select.wants_embedding(&e.tensor_name))
                {
                    writer.write_embedding(&mut out, e)?;
                }
            }
            Err(e) => errors.push(e),
        }
        // Corruption in one file: say so, export the rest, fail at the end.
        for e in errors {
            match &progress {
                Some(p) => p.suspend(|| eprintln!("tbw: {e}")),
                None => eprintln!("tbw: {e}"),
            }
            failed = true;
        }
        if let Some(p) = &progress {
            p.inc(run_bytes(run));
        }
    }
    out.flush()?;
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    Ok(u8::from(failed))
}

/// [`reader_loop`] for [`RunReader::scan_new`].
pub fn scan_loop(
    reader: &mut RunReader,
    mut f: impl FnMut(&str, tensorboard_writer::reader::Kind, i64),
) -> Vec<tensorboard_writer::Error> {
    until_done(|| reader.scan_new(&mut f), |_| {})
}

/// Reads a run to its end. Damage ends the reading of its own file only (the reader reports
/// it once and reads the other files on the next call), and a value of the wrong form skips
/// its record: both are collected and reading goes on. Other errors end the run.
pub fn reader_loop(
    reader: &mut RunReader,
    f: impl FnMut(&str, Sample),
) -> Vec<tensorboard_writer::Error> {
    reader_loop_with(reader, f, |_| {})
}

/// [`reader_loop`], calling `on_error` with each error as it happens.
fn reader_loop_with(
    reader: &mut RunReader,
    mut f: impl FnMut(&str, Sample),
    on_error: impl FnMut(&tensorboard_writer::Error),
) -> Vec<tensorboard_writer::Error> {
    until_done(|| reader.read_new(&mut f), on_error)
}

/// Calls `read` until it returns `Ok` or an error that ends the run, and returns the errors
/// met on the way (damage in one file, a value of the wrong form: reading goes on after them).
fn until_done<T>(
    mut read: impl FnMut() -> tensorboard_writer::Result<T>,
    mut on_error: impl FnMut(&tensorboard_writer::Error),
) -> Vec<tensorboard_writer::Error> {
    use tensorboard_writer::Error;
    let mut errors = Vec::new();
    loop {
        let e = match read() {
            Ok(_) => return errors,
            Err(e) => e,
        };
        on_error(&e);
        let goes_on = matches!(
            e,
            Error::CorruptRecord { .. } | Error::Decode { .. } | Error::InvalidSummary { .. }
        );
        errors.push(e);
        if !goes_on {
            return errors;
        }
    }
}

fn run_bytes(run: &Run) -> u64 {
    run.event_files()
        .unwrap_or_default()
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

fn progress_bar(runs: &[Run]) -> Result<Option<ProgressBar>, Failure> {
    if !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    let total: u64 = runs.iter().map(run_bytes).sum();
    if total < PROGRESS_BYTES {
        return Ok(None);
    }
    let bar = ProgressBar::new(total);
    let style =
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {wide_msg}").map_err(|e| {
            Failure {
                message: e.to_string(),
                code: 1,
                quiet: false,
            }
        })?;
    bar.set_style(style);
    Ok(Some(bar))
}

/// Which points of a run survive TensorBoard's data server rule for steps that go back (a
/// point at step `s` replaces the points of its series at steps `≥ s` before it): the first
/// pass numbers each series' points and keeps the survivors' numbers (the rule only ever
/// drops from the end, so they form a stack); the second pass counts again and keeps those.
#[derive(Default)]
struct Survivors {
    series: Vec<SeriesIndex>,
    by_tag: HashMap<String, usize>,
    /// The series of the last point: consecutive points mostly share a tag.
    last: usize,
}

#[derive(Default)]
struct SeriesIndex {
    tag: String,
    /// (number of the point in its series, step), in order.
    stack: Vec<(u32, i64)>,
    /// Points numbered by the first pass.
    count: u32,
    /// Points met by the second pass.
    seen: u32,
    /// The second pass: the next entry of `stack` to meet.
    next: usize,
}

impl Survivors {
    fn series(&mut self, tag: &str) -> Option<&mut SeriesIndex> {
        let at = match self.series.get(self.last) {
            Some(s) if s.tag == tag => self.last,
            _ => match self.by_tag.get(tag) {
                Some(&at) => at,
                None => {
                    self.by_tag.insert(tag.to_string(), self.series.len());
                    self.series.push(SeriesIndex {
                        tag: tag.to_string(),
                        ..SeriesIndex::default()
                    });
                    self.series.len() - 1
                }
            },
        };
        self.last = at;
        self.series.get_mut(at)
    }

    fn scan(&mut self, tag: &str, step: i64) {
        if let Some(s) = self.series(tag) {
            while s.stack.last().is_some_and(|&(_, last)| last >= step) {
                s.stack.pop();
            }
            s.stack.push((s.count, step));
            s.count += 1;
        }
    }

    /// Whether the next point of `tag` (second pass) survives; it is counted either way.
    fn keep(&mut self, tag: &str) -> bool {
        let Some(s) = self.series(tag) else {
            return false;
        };
        let n = s.seen;
        s.seen += 1;
        match s.stack.get(s.next) {
            Some(&(at, _)) if at == n => {
                s.next += 1;
                true
            }
            // Points appended after the first pass (a live run): not part of this export.
            _ => false,
        }
    }
}

pub struct PointWriter {
    format: Format,
    blobs: bool,
    line: Vec<u8>,
    member: Vec<u8>,
    /// The run's name, ready to write (a JSON string, or a CSV field).
    run: Vec<u8>,
}

impl PointWriter {
    pub fn new(format: Format, blobs: bool) -> Self {
        PointWriter {
            format,
            blobs,
            line: Vec::with_capacity(256),
            member: Vec::new(),
            run: Vec::new(),
        }
    }

    pub fn header(&self, out: &mut impl Write) -> std::io::Result<()> {
        match self.format {
            Format::Csv => out.write_all(b"run,tag,kind,step,wall_time,value\n"),
            Format::Jsonl => Ok(()),
        }
    }

    pub fn set_run(&mut self, run: &str) {
        self.run.clear();
        match self.format {
            Format::Jsonl => json::string(&mut self.run, run),
            Format::Csv => csv_field(&mut self.run, run.as_bytes()),
        }
    }

    /// An embedding of the projector config: no step or wall time (`null` in JSON, empty in
    /// CSV); its files' paths and its shape.
    pub fn write_embedding(
        &mut self,
        out: &mut impl Write,
        e: &EmbeddingEntry,
    ) -> std::io::Result<()> {
        let members = &mut self.member;
        members.clear();
        let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
        json::key(members, "tensor_path");
        json::string(members, &path(&e.tensor_path));
        json::key(members, "tensor_shape");
        json::integers(members, e.tensor_shape.iter().map(|&d| i64::from(d)));
        for (k, v) in [
            ("metadata_path", &e.metadata_path),
            ("sprite_path", &e.sprite_path),
        ] {
            json::key(members, k);
            match v {
                Some(p) => json::string(members, &path(p)),
                None => members.extend_from_slice(b"null"),
            }
        }
        let line = &mut self.line;
        line.clear();
        match self.format {
            Format::Jsonl => {
                line.extend_from_slice(b"{\"run\":");
                line.extend_from_slice(&self.run);
                json::key(line, "tag");
                json::string(line, &e.tensor_name);
                line.extend_from_slice(
                    b",\"kind\":\"embeddings\",\"step\":null,\"wall_time\":null",
                );
                line.extend_from_slice(members);
                line.extend_from_slice(b"}\n");
            }
            Format::Csv => {
                line.extend_from_slice(&self.run);
                line.push(b',');
                csv_field(line, e.tensor_name.as_bytes());
                line.extend_from_slice(b",embeddings,,,");
                let mut object = Vec::with_capacity(members.len() + 1);
                object.push(b'{');
                object.extend_from_slice(&members[1..]);
                object.push(b'}');
                csv_field(line, &object);
                line.push(b'\n');
            }
        }
        out.write_all(line)
    }

    pub fn write(&mut self, out: &mut impl Write, tag: &str, s: &Sample) -> std::io::Result<()> {
        let line = &mut self.line;
        line.clear();
        let kind = s.data.kind().name();
        match self.format {
            Format::Jsonl => {
                line.extend_from_slice(b"{\"run\":");
                line.extend_from_slice(&self.run);
                json::key(line, "tag");
                json::string(line, tag);
                line.extend_from_slice(b",\"kind\":\"");
                line.extend_from_slice(kind.as_bytes());
                line.extend_from_slice(b"\",\"step\":");
                json::integer(line, s.step);
                json::key(line, "wall_time");
                json::number(line, s.wall_time);
                members(line, &s.data, self.blobs);
                line.extend_from_slice(b"}\n");
            }
            Format::Csv => {
                line.extend_from_slice(&self.run);
                line.push(b',');
                csv_field(line, tag.as_bytes());
                line.push(b',');
                line.extend_from_slice(kind.as_bytes());
                line.push(b',');
                json::integer(line, s.step);
                line.push(b',');
                csv_number(line, s.wall_time);
                line.push(b',');
                match &s.data {
                    Data::Scalar(x) => csv_number(line, *x),
                    other => {
                        self.member.clear();
                        self.member.push(b'{');
                        members(&mut self.member, other, self.blobs);
                        self.member.push(b'}');
                        // members() starts with a comma: drop it.
                        self.member.remove(1);
                        csv_field(line, &self.member);
                    }
                }
                line.push(b'\n');
            }
        }
        out.write_all(line)
    }
}

fn csv_number(line: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        line.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else if x.is_nan() {
        line.extend_from_slice(b"NaN");
    } else if x > 0.0 {
        line.extend_from_slice(b"Infinity");
    } else {
        line.extend_from_slice(b"-Infinity");
    }
}

/// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
fn csv_field(line: &mut Vec<u8>, field: &[u8]) {
    if !field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        line.extend_from_slice(field);
        return;
    }
    line.push(b'"');
    // Quotes doubled, the rest copied in slices.
    for (i, part) in field.split(|&b| b == b'"').enumerate() {
        if i > 0 {
            line.extend_from_slice(b"\"\"");
        }
        line.extend_from_slice(part);
    }
    line.push(b'"');
}

fn blob(out: &mut Vec<u8>, bytes: &[u8], blobs: bool) {
    json::key(out, "size");
    let _ = write!(out, "{}", bytes.len());
    if blobs {
        json::key(out, "data");
        out.push(b'"');
        base64::encode_into(bytes, out);
        out.push(b'"');
    }
}

/// The JSON members of a value (each preceded by a comma).
fn members(out: &mut Vec<u8>, data: &Data, blobs: bool) {
    match data {
        Data::Scalar(x) => {
            json::key(out, "value");
            json::number(out, *x);
        }
        Data::Histogram(h) => {
            json::key(out, "buckets");
            out.push(b'[');
            for (i, b) in h.buckets.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::numbers(out, &[b.left, b.right, b.count]);
            }
            out.push(b']');
            // The older form's statistics, as written (what tbparse returns too).
            if let Some(l) = &h.legacy {
                for (k, v) in [
                    ("min", l.min),
                    ("max", l.max),
                    ("num", l.num),
                    ("sum", l.sum),
                    ("sum_squares", l.sum_squares),
                ] {
                    json::key(out, k);
                    json::number(out, v);
                }
                // bucket_limit and bucket are the buckets' right edges and counts: not
                // written twice.
                json::key(out, "form");
                json::string(out, "histo");
            }
        }
        Data::Images(images) => {
            json::key(out, "images");
            out.push(b'[');
            for (i, im) in images.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = write!(out, "{{\"width\":{},\"height\":{}", im.width, im.height);
                blob(out, &im.encoded, blobs);
                out.push(b'}');
            }
            out.push(b']');
        }
        Data::Audio(clips) => {
            json::key(out, "clips");
            out.push(b'[');
            for (i, c) in clips.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"sample_rate\":");
                match c.sample_rate {
                    Some(r) => json::number(out, f64::from(r)),
                    None => out.extend_from_slice(b"null"),
                }
                json::key(out, "content_type");
                json::string(out, &c.content_type);
                json::key(out, "label");
                json::string(out, &c.label);
                blob(out, &c.encoded, blobs);
                out.push(b'}');
            }
            out.push(b']');
        }
        Data::Text(t) => {
            json::key(out, "shape");
            json::integers(out, t.shape.iter().copied());
            json::key(out, "strings");
            json::strings(out, &t.strings);
        }
        Data::PrCurve(pr) => {
            json::key(out, "thresholds");
            json::numbers(out, &pr.thresholds());
            for (k, v) in [
                ("true_positives", &pr.true_positives),
                ("false_positives", &pr.false_positives),
                ("true_negatives", &pr.true_negatives),
                ("false_negatives", &pr.false_negatives),
                ("precision", &pr.precision),
                ("recall", &pr.recall),
            ] {
                json::key(out, k);
                json::numbers(out, v);
            }
        }
        Data::HParams(r) => hparams(out, r),
        Data::Graph(g) => {
            json::key(out, "graph_kind");
            json::string(
                out,
                match g.kind {
                    GraphKind::GraphDef => "graph_def",
                    GraphKind::RunMetadata => "run_metadata",
                    GraphKind::KerasModel => "keras_model",
                    _ => "other",
                },
            );
            blob(out, &g.bytes, blobs);
        }
        Data::CustomScalars(layout) => {
            json::key(out, "layout");
            out.push(b'[');
            for (i, c) in layout.category.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"title\":");
                json::string(out, &c.title);
                json::key(out, "closed");
                out.extend_from_slice(if c.closed { b"true" } else { b"false" });
                json::key(out, "charts");
                out.push(b'[');
                for (j, ch) in c.chart.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"title\":");
                    json::string(out, &ch.title);
                    match &ch.content {
                        Some(Content::Multiline(m)) => {
                            json::key(out, "multiline");
                            json::strings(out, &m.tag);
                        }
                        Some(Content::Margin(m)) => {
                            json::key(out, "margin");
                            out.push(b'[');
                            for (k, s) in m.series.iter().enumerate() {
                                if k > 0 {
                                    out.push(b',');
                                }
                                out.extend_from_slice(b"{\"value\":");
                                json::string(out, &s.value);
                                json::key(out, "lower");
                                json::string(out, &s.lower);
                                json::key(out, "upper");
                                json::string(out, &s.upper);
                                out.push(b'}');
                            }
                            out.push(b']');
                        }
                        None => {}
                    }
                    out.push(b'}');
                }
                out.extend_from_slice(b"]}");
            }
            out.push(b']');
        }
        Data::Mesh(m) => {
            json::key(out, "name");
            json::string(out, &m.name);
            json::key(out, "component");
            json::string(
                out,
                match m.component {
                    MeshComponent::Vertices => "vertices",
                    MeshComponent::Faces => "faces",
                    MeshComponent::Colors => "colors",
                    _ => "other",
                },
            );
            json::key(out, "shape");
            json::integers(out, m.shape.iter().copied());
            json::key(out, "values");
            json::numbers(out, &m.values);
            json::key(out, "json_config");
            json::string(out, &m.json_config);
        }
        Data::Tensor { plugin, tensor } => {
            json::key(out, "plugin");
            json::string(out, plugin);
            json::key(out, "dtype");
            let _ = write!(out, "{}", tensor.dtype);
            let dims = tensor
                .tensor_shape
                .iter()
                .flat_map(|s| s.dim.iter().map(|d| d.size));
            json::key(out, "shape");
            json::integers(out, dims);
            if !tensor.tensor_content.is_empty() {
                json::key(out, "tensor_content");
                out.push(b'"');
                base64::encode_into(&tensor.tensor_content, out);
                out.push(b'"');
            }
            let floats: Vec<f64> = tensor.float_val.iter().map(|&x| f64::from(x)).collect();
            let ints: Vec<f64> = tensor.int_val.iter().map(|&x| f64::from(x)).collect();
            let int64s: Vec<f64> = tensor.int64_val.iter().map(|&x| x as f64).collect();
            for (k, v) in [
                ("float_val", &floats),
                ("double_val", &tensor.double_val),
                ("int_val", &ints),
                ("int64_val", &int64s),
            ] {
                if !v.is_empty() {
                    json::key(out, k);
                    json::numbers(out, v);
                }
            }
            if !tensor.string_val.is_empty() {
                let strings: Vec<String> = tensor
                    .string_val
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                json::key(out, "string_val");
                json::strings(out, &strings);
            }
        }
        _ => {}
    }
}

fn hparams(out: &mut Vec<u8>, r: &HParamsRecord) {
    json::key(out, "record");
    match r {
        HParamsRecord::Experiment {
            name,
            description,
            hparam_infos,
            metric_infos,
        } => {
            json::string(out, "experiment");
            json::key(out, "name");
            json::string(out, name);
            json::key(out, "description");
            json::string(out, description);
            let names: Vec<&str> = hparam_infos.iter().map(|h| h.name.as_str()).collect();
            json::key(out, "hparams");
            json::strings(out, &names);
            let metrics: Vec<String> = metric_infos
                .iter()
                .filter_map(|m| m.name.as_ref())
                .map(|n| match n.group.is_empty() {
                    true => n.tag.clone(),
                    false => format!("{}/{}", n.group, n.tag),
                })
                .collect();
            json::key(out, "metrics");
            json::strings(out, &metrics);
        }
        HParamsRecord::SessionStart {
            hparams,
            group_name,
            start_time_secs,
        } => {
            json::string(out, "session_start");
            json::key(out, "hparams");
            out.push(b'{');
            for (i, (k, v)) in hparams.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::string(out, k);
                out.push(b':');
                match v {
                    HParamValue::Number(x) => json::number(out, *x),
                    HParamValue::Text(s) => json::string(out, s),
                    HParamValue::Bool(b) => {
                        out.extend_from_slice(if *b { b"true" } else { b"false" })
                    }
                    _ => out.extend_from_slice(b"null"),
                }
            }
            out.push(b'}');
            json::key(out, "group_name");
            json::string(out, group_name);
            json::key(out, "start_time_secs");
            json::number(out, *start_time_secs);
        }
        HParamsRecord::SessionEnd {
            status,
            end_time_secs,
        } => {
            json::string(out, "session_end");
            json::key(out, "status");
            json::string(out, status.name());
            json::key(out, "end_time_secs");
            json::number(out, *end_time_secs);
        }
        _ => json::string(out, "other"),
    }
}
