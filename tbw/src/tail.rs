//! `tbw tail`: follow live runs and print their new scalar points.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use tensorboard_writer::reader::{Data, Kind, Logdir, RunReader};

use crate::export::{PointWriter, reader_loop};
use crate::{Failure, Format, Selection};

pub fn run(
    logdir: &Path,
    select: &Selection,
    from_start: bool,
    interval: f64,
    format: Option<Format>,
) -> Result<u8, Failure> {
    if !(interval.is_finite() && interval > 0.0) {
        return Err(Failure {
            message: format!("--interval {interval}: must be a positive number of seconds"),
            code: 2,
            quiet: false,
        });
    }
    let mut select = select.clone();
    select.kinds = vec![crate::select::KindArg::Series(Kind::Scalars)];
    let logdir_reader = Logdir::new(logdir);
    let mut readers: BTreeMap<String, RunReader> = BTreeMap::new();
    let mut writer = format.map(|f| PointWriter::new(f, false));
    let mut out = std::io::stdout().lock();
    if let Some(w) = &writer {
        w.header(&mut out)?;
    }
    let mut first = true;
    loop {
        for run in logdir_reader.runs()? {
            if !select.wants_run(&run.name) {
                continue;
            }
            let is_new = !readers.contains_key(&run.name);
            if is_new {
                readers.insert(run.name.clone(), run.reader()?.with_filter(select.filter()));
            }
            let Some(reader) = readers.get_mut(&run.name) else {
                continue;
            };
            // Runs there at the start are caught up silently, unless --from-start; runs
            // that appear later are printed from their first point.
            let print = !first || from_start;
            if let Some(w) = &mut writer {
                w.set_run(&run.name);
            }
            let mut io_error = None;
            let errors = reader_loop(reader, |tag, s| {
                if !print || io_error.is_some() {
                    return;
                }
                let r = match (&mut writer, &s.data) {
                    (Some(w), _) => w.write(&mut out, tag, &s),
                    (None, Data::Scalar(v)) => {
                        writeln!(out, "{}  {tag}  step {}  {v}", run.name, s.step)
                    }
                    _ => Ok(()),
                };
                io_error = r.err();
            });
            if let Some(e) = io_error {
                return Err(e.into());
            }
            for e in errors {
                eprintln!("tbw: {e}");
            }
        }
        out.flush()?;
        first = false;
        std::thread::sleep(Duration::from_secs_f64(interval));
    }
}
