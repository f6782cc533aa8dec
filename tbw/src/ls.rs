//! `tbw ls`: runs, tags, kinds, point counts and step ranges.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use tensorboard_writer::reader::{Logdir, read_embeddings};

use crate::export::scan_loop;
use crate::{Failure, Selection};

struct Row {
    kind: String,
    points: u64,
    first: i64,
    last: i64,
}

pub fn run(logdir: &Path, select: &Selection) -> Result<u8, Failure> {
    let runs = Logdir::new(logdir).runs()?;
    let mut table: Vec<[String; 5]> = Vec::new();
    let mut failed = false;
    for run in runs.iter().filter(|r| select.wants_run(&r.name)) {
        let mut rows: HashMap<String, Row> = HashMap::new();
        let mut reader = run.reader()?.with_filter(select.filter());
        // Tags, kinds and steps only: nothing is decoded.
        for e in scan_loop(&mut reader, |tag, kind, step| {
            let row = match rows.get_mut(tag) {
                Some(row) => row,
                None => rows.entry(tag.to_string()).or_insert(Row {
                    kind: kind.name().to_string(),
                    points: 0,
                    first: step,
                    last: step,
                }),
            };
            row.points += 1;
            row.first = row.first.min(step);
            row.last = row.last.max(step);
        }) {
            eprintln!("tbw: {e}");
            failed = true;
        }
        // Embeddings live in the projector config, beside the event files.
        match read_embeddings(&run.path) {
            Ok(embeddings) => {
                for e in embeddings
                    .iter()
                    .filter(|e| select.wants_embedding(&e.tensor_name))
                {
                    let shape: Vec<String> = e.tensor_shape.iter().map(u32::to_string).collect();
                    table.push([
                        run.name.clone(),
                        e.tensor_name.clone(),
                        "embeddings".into(),
                        "1".into(),
                        match shape.is_empty() {
                            true => "-".into(),
                            false => format!("shape {}", shape.join("x")),
                        },
                    ]);
                }
            }
            Err(e) => {
                eprintln!("tbw: {e}");
                failed = true;
            }
        }
        let rows: BTreeMap<String, Row> = rows.into_iter().collect();
        for (tag, row) in rows {
            let steps = match row.first == row.last {
                true => row.first.to_string(),
                false => format!("{}..{}", row.first, row.last),
            };
            table.push([
                run.name.clone(),
                tag,
                row.kind,
                row.points.to_string(),
                steps,
            ]);
        }
    }
    if runs.is_empty() {
        eprintln!("tbw: no event files under {}", logdir.display());
    }
    print_table(&table)?;
    Ok(u8::from(failed))
}

fn print_table(rows: &[[String; 5]]) -> std::io::Result<()> {
    let header = ["RUN", "TAG", "KIND", "POINTS", "STEPS"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    for r in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            match i {
                3 => line.push_str(&format!("{}{c}", " ".repeat(pad))),
                4 => line.push_str(c),
                _ => line.push_str(&format!("{c}{}", " ".repeat(pad))),
            }
            if i < 4 {
                line.push_str("  ");
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    out.flush()
}
