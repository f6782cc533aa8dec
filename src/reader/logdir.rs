//! [`Logdir`]: the runs of a logdir, found as TensorBoard finds them.

use std::path::{Path, PathBuf};

use super::events::event_files;
use super::run::RunReader;
use crate::error::{Error, Result};

/// A logdir: a directory tree whose runs are the directories holding event files.
///
/// As in TensorBoard, every directory of the tree that holds an event file itself (a
/// regular file whose name contains `tfevents`) is a run, named by its path relative to
/// the logdir (`.` for the logdir itself), nested runs included. Symbolic links to
/// directories are not followed.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use tensorboard_writer::reader::Logdir;
/// use tensorboard_writer::SummaryWriter;
///
/// for run in ["train", "eval"] {
///     let w = SummaryWriter::new(dir.path().join(run))?;
///     w.add_scalar("loss", 0.5f32, 1u32)?;
///     w.close()?;
/// }
/// let runs = Logdir::new(dir.path()).runs()?;
/// let names: Vec<_> = runs.iter().map(|r| r.name.as_str()).collect();
/// assert_eq!(names, ["eval", "train"]);
/// let series = runs[0].reader()?.read_all()?;
/// assert_eq!(series["loss"].len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Logdir {
    root: PathBuf,
}

/// One run of a [`Logdir`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Run {
    /// The run's name: its path relative to the logdir, `/`-separated (`.` for the logdir).
    pub name: String,
    /// Its directory.
    pub path: PathBuf,
}

impl Run {
    /// A reader of this run's points.
    pub fn reader(&self) -> Result<RunReader> {
        RunReader::open(&self.path)
    }

    /// The run's event files, in name order.
    pub fn event_files(&self) -> Result<Vec<PathBuf>> {
        event_files(&self.path)
    }
}

impl Logdir {
    /// The logdir at `root` (nothing is read yet).
    pub fn new(root: impl AsRef<Path>) -> Self {
        Logdir {
            root: root.as_ref().to_path_buf(),
        }
    }

    /// The logdir's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every run, sorted by name. Listing the tree again finds runs created since.
    pub fn runs(&self) -> Result<Vec<Run>> {
        let mut runs = Vec::new();
        let mut pending = vec![self.root.clone()];
        while let Some(dir) = pending.pop() {
            let mut has_events = false;
            for entry in std::fs::read_dir(&dir).map_err(|e| Error::read("listing", &dir, e))? {
                let entry = entry.map_err(|e| Error::read("listing", &dir, e))?;
                let kind = entry
                    .file_type()
                    .map_err(|e| Error::read("listing", entry.path(), e))?;
                if kind.is_dir() {
                    pending.push(entry.path());
                } else if kind.is_file() && entry.file_name().to_string_lossy().contains("tfevents")
                {
                    has_events = true;
                }
            }
            if has_events {
                runs.push(Run {
                    name: self.run_name(&dir),
                    path: dir,
                });
            }
        }
        runs.sort();
        Ok(runs)
    }

    fn run_name(&self, dir: &Path) -> String {
        match dir.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => dir.to_string_lossy().into_owned(),
        }
    }
}
