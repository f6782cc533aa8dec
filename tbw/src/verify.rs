//! `tbw verify`: every record of every event file, checked.

use std::io::Write;
use std::path::Path;

use tensorboard_writer::Error;
use tensorboard_writer::reader::{EventReader, Logdir};

use crate::Failure;

pub fn run(logdir: &Path, strict: bool, quiet: bool) -> Result<u8, Failure> {
    let runs = Logdir::new(logdir).runs()?;
    let mut out = std::io::stdout().lock();
    let (mut files, mut corrupt, mut truncated, mut records) = (0u64, 0u64, 0u64, 0u64);
    for run in &runs {
        for path in run.event_files()? {
            files += 1;
            let shown = path
                .strip_prefix(logdir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let mut reader = EventReader::open(&path)?;
            let mut n = 0u64;
            let line = loop {
                match reader.read_event() {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => {
                        break match quiet {
                            true => None,
                            false => Some(format!(
                                "OK         {shown}: {n} records, {} bytes",
                                reader.offset()
                            )),
                        };
                    }
                    Err(Error::Truncated {
                        offset,
                        available,
                        needed,
                        ..
                    }) => {
                        truncated += 1;
                        break Some(format!(
                            "TRUNCATED  {shown}: {n} complete records; the file ends inside the record at byte {offset} ({available} of {needed} bytes present)"
                        ));
                    }
                    Err(Error::CorruptRecord { offset, what, .. }) => {
                        corrupt += 1;
                        break Some(format!(
                            "CORRUPT    {shown}: {what} in the record at byte {offset} (after {n} good records)"
                        ));
                    }
                    Err(Error::Decode { offset, source, .. }) => {
                        corrupt += 1;
                        break Some(format!(
                            "CORRUPT    {shown}: the record at byte {offset} is not an Event ({source}; after {n} good records)"
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            records += n;
            if let Some(line) = line {
                writeln!(out, "{line}")?;
            }
        }
    }
    writeln!(
        out,
        "{files} files, {records} records: {corrupt} corrupt, {truncated} with a truncated tail"
    )?;
    out.flush()?;
    if files == 0 {
        eprintln!("tbw: no event files under {}", logdir.display());
    }
    Ok(u8::from(corrupt > 0 || (strict && truncated > 0)))
}
