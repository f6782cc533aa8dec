//! `tbw`: read TensorBoard logdirs from the command line.
//!
//! ```text
//! tbw ls LOGDIR                      runs, tags, kinds, point counts and step ranges
//! tbw export LOGDIR [-f csv|jsonl]   every point, as CSV or JSON lines
//! tbw verify LOGDIR                  every checksum; exit 1 on corruption
//! tbw tail LOGDIR                    follow live runs, print new scalar points
//! ```
//!
//! Exit codes: 0 success, 1 a logdir that cannot be read or is corrupt, 2 a usage error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod base64;
mod export;
mod json;
mod ls;
mod select;
mod tail;
mod verify;

/// Read TensorBoard logdirs: list them, export every point, verify their checksums, follow
/// live runs. Reads the files of TensorBoard, TensorFlow, PyTorch, tensorboardX and
/// tensorboard-writer, never sampling.
#[derive(Parser, Debug)]
#[command(name = "tbw", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which runs, tags and kinds a command reads.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Selection {
    /// Only runs whose name matches PATTERN (`*` and `?` wildcards; repeatable).
    #[arg(long = "run", value_name = "PATTERN")]
    pub runs: Vec<String>,
    /// Only tags that match PATTERN (`*` and `?` wildcards; repeatable).
    #[arg(long = "tag", value_name = "PATTERN")]
    pub tags: Vec<String>,
    /// Only series of KIND: scalars, histograms, images, audio, text, pr_curves, hparams,
    /// graphs, custom_scalars, meshes, tensors, embeddings (repeatable, or comma-separated).
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',')]
    pub kinds: Vec<select::KindArg>,
}

/// Output formats of `export` and `tail`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header: run,tag,kind,step,wall_time,value (non-scalar
    /// values as JSON text in the value column).
    Csv,
    /// One JSON object per line and point.
    Jsonl,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List runs and their series: tag, kind, number of points, first and last step.
    Ls {
        /// The logdir (a directory tree; every directory holding event files is a run).
        logdir: PathBuf,
        #[command(flatten)]
        select: Selection,
    },
    /// Export every point (all runs, tags and kinds unless filtered) as CSV or JSON lines.
    ///
    /// Points are written run by run, in the order they were written. As in TensorBoard's
    /// data server, a point whose step goes back (a restarted run) replaces the points of
    /// its series at that step and after (a first pass over the run finds them);
    /// `--no-purge` writes every point as written instead, in one pass.
    /// Non-finite values are written as the strings "NaN", "Infinity", "-Infinity" in JSON.
    Export {
        /// The logdir.
        logdir: PathBuf,
        #[command(flatten)]
        select: Selection,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Keep every point as written, in file order (no restart handling).
        #[arg(long)]
        no_purge: bool,
        /// Leave out the encoded bytes of images, audio and graphs (their sizes stay).
        #[arg(long)]
        no_blobs: bool,
    },
    /// Check every record of every event file: both checksums and the payload.
    ///
    /// Prints one line per file. A file that ends inside a record (a writer between writes,
    /// or killed) is reported as a truncated tail, not as corruption. Exits with 1 when any
    /// file is corrupt (or, with --strict, truncated).
    Verify {
        /// The logdir.
        logdir: PathBuf,
        /// Count a truncated tail as a failure too.
        #[arg(long)]
        strict: bool,
        /// Print only problems and the summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Follow live runs: print each new scalar point as it is written (Ctrl-C to stop).
    Tail {
        /// The logdir.
        logdir: PathBuf,
        #[command(flatten)]
        select: Selection,
        /// Print the points already written first.
        #[arg(long)]
        from_start: bool,
        /// Seconds between two looks at the files.
        #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
        interval: f64,
        /// Output format (default: aligned text).
        #[arg(short, long, value_enum)]
        format: Option<Format>,
    },
}

/// An error that ends the command: its message goes to stderr, the code to the shell.
pub struct Failure {
    pub message: String,
    pub code: u8,
    /// A reader that went away (`tbw export … | head`): stop quietly, as Unix tools do.
    pub quiet: bool,
}

impl From<tensorboard_writer::Error> for Failure {
    fn from(e: tensorboard_writer::Error) -> Self {
        Failure {
            message: e.to_string(),
            code: 1,
            quiet: false,
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure {
            message: e.to_string(),
            code: 1,
            quiet: e.kind() == std::io::ErrorKind::BrokenPipe,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls { logdir, select } => ls::run(&logdir, &select),
        Command::Export {
            logdir,
            select,
            format,
            output,
            no_purge,
            no_blobs,
        } => export::run(&export::Options {
            logdir,
            select,
            format,
            output,
            purge: !no_purge,
            blobs: !no_blobs,
        }),
        Command::Verify {
            logdir,
            strict,
            quiet,
        } => verify::run(&logdir, strict, quiet),
        Command::Tail {
            logdir,
            select,
            from_start,
            interval,
            format,
        } => tail::run(&logdir, &select, from_start, interval, format),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) if f.quiet => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stdout().flush();
            eprintln!("tbw: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
