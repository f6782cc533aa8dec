//! Multi-process training: which process logs where.
//!
//! Distributed training runs one process per device (a *rank*), started by a launcher that
//! tells each process who it is through environment variables. [`Rank::from_env`] reads
//! them, and [`Rank::writer`] picks the writer for a [`RankLayout`]:
//!
//! | layout | ranks that log | where | when to use it |
//! |---|---|---|---|
//! | [`RankLayout::MainOnly`] | rank 0 | `<logdir>` | the usual choice: metrics are already averaged across ranks (all-reduce), so one process logs them |
//! | [`RankLayout::Subdirectories`] | every rank | `<logdir>/rank_<r>` | per-rank values worth comparing (throughput, data-loading time, each rank's loss before the all-reduce); TensorBoard shows the ranks as runs in one chart |
//!
//! The log directory may also be an object-store URL such as `s3://bucket/job` (feature
//! `object-store`, see the README's "Logging to object storage"), or a prefix in a store
//! given to [`SummaryWriterBuilder::object_store`](crate::SummaryWriterBuilder): each rank's
//! run is then the prefix `<logdir>/rank_<r>`, and the ranks upload independently.
//!
//! There is deliberately no layout in which every rank writes its own file into one run
//! directory: TensorBoard's Python loader reads a run's files one after another and never
//! returns to an earlier one, so only one of several files written at the same time would
//! keep being read. Give each rank its own run (subdirectory) instead.
//!
//! Launchers and the variables read, first match wins:
//!
//! | launcher | rank | local rank | world size |
//! |---|---|---|---|
//! | `torchrun`, `torch.distributed.launch`, DeepSpeed, Accelerate | `RANK` | `LOCAL_RANK` | `WORLD_SIZE` |
//! | Open MPI (`mpirun`) | `OMPI_COMM_WORLD_RANK` | `OMPI_COMM_WORLD_LOCAL_RANK` | `OMPI_COMM_WORLD_SIZE` |
//! | MPICH, Intel MPI (PMI) | `PMI_RANK` | `MPI_LOCALRANKID` | `PMI_SIZE` |
//! | Slurm (`srun`) | `SLURM_PROCID` | `SLURM_LOCALID` | `SLURM_NTASKS` |
//!
//! With none of them set the process is alone: [`Rank::from_env`] returns [`Rank::SINGLE`]
//! (rank 0 of 1), so the same training script runs unchanged on one machine.
//!
//! ```
//! use tensorboard_writer::rank::{Rank, RankLayout};
//!
//! # let dir = tempfile::tempdir()?;
//! # let logdir = dir.path().join("runs/exp1");
//! let rank = Rank::from_env()?;
//! // Some(writer) on rank 0, None on the others.
//! let writer = rank.writer(&logdir, RankLayout::MainOnly)?;
//! for step in 0..100u32 {
//!     let loss = 1.0 / (1.0 + step as f32); // averaged across ranks by the training loop
//!     if let Some(w) = &writer {
//!         w.add_scalar("loss", loss, step)?;
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::writer::{SummaryWriter, SummaryWriterBuilder};

/// Where the processes of a distributed run log (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RankLayout {
    /// Only rank 0 logs, into the log directory itself; the other ranks get no writer.
    MainOnly,
    /// Every rank logs into its own run, `<logdir>/rank_<r>`.
    Subdirectories,
}

/// Who this process is in a distributed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    /// The process's rank among all processes, `0..world_size`.
    pub rank: usize,
    /// Its rank among the processes on its machine.
    pub local_rank: usize,
    /// How many processes the run has.
    pub world_size: usize,
}

/// The launchers' variables: (rank, local rank, world size).
const LAUNCHERS: [(&str, &str, &str); 4] = [
    ("RANK", "LOCAL_RANK", "WORLD_SIZE"),
    (
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_LOCAL_RANK",
        "OMPI_COMM_WORLD_SIZE",
    ),
    ("PMI_RANK", "MPI_LOCALRANKID", "PMI_SIZE"),
    ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"),
];

impl Rank {
    /// A process that is not part of a distributed run: rank 0 of 1.
    pub const SINGLE: Rank = Rank {
        rank: 0,
        local_rank: 0,
        world_size: 1,
    };

    /// Reads this process's rank from the launcher's environment variables (the table in the
    /// [module docs](self)); [`Rank::SINGLE`] when none is set.
    ///
    /// A rank of 0 without a world size is a process on its own (a Slurm batch script has
    /// `SLURM_PROCID=0` and, without `-n`, no `SLURM_NTASKS`). Any other rank without a world
    /// size, a value that is not a number, or a rank not below the world size is an
    /// [`Error::InvalidInput`] naming the variable, rather than a guess that could make two
    /// processes write the same run.
    pub fn from_env() -> Result<Rank> {
        Rank::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests,
    /// or launchers whose variables were captured elsewhere).
    ///
    /// ```
    /// use tensorboard_writer::rank::Rank;
    ///
    /// let env = [("RANK", "3"), ("LOCAL_RANK", "1"), ("WORLD_SIZE", "8")];
    /// let rank = Rank::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))?;
    /// assert_eq!((rank.rank, rank.local_rank, rank.world_size), (3, 1, 8));
    /// assert!(!rank.is_main());
    /// # Ok::<(), tensorboard_writer::Error>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Rank> {
        for (rank_var, local_var, size_var) in LAUNCHERS {
            let Some(rank) = lookup(rank_var) else {
                continue;
            };
            let rank = parse(rank_var, &rank)?;
            let world_size = match lookup(size_var) {
                Some(v) => parse(size_var, &v)?,
                // A lone process can carry a rank variable without a size (a Slurm batch
                // script started without `-n` has SLURM_PROCID=0 but no SLURM_NTASKS).
                None if rank == 0 => 1,
                None => {
                    return Err(bad(format!(
                        "{rank_var} is set but {size_var} is not: cannot tell the world size"
                    )));
                }
            };
            if rank >= world_size {
                return Err(bad(format!(
                    "{rank_var}={rank} is not below {size_var}={world_size}"
                )));
            }
            let local_rank = match lookup(local_var) {
                Some(v) => parse(local_var, &v)?,
                None => rank,
            };
            return Ok(Rank {
                rank,
                local_rank,
                world_size,
            });
        }
        Ok(Rank::SINGLE)
    }

    /// Whether this is rank 0, the process that logs under [`RankLayout::MainOnly`].
    pub fn is_main(&self) -> bool {
        self.rank == 0
    }

    /// The run directory this rank logs into under `layout`, or `None` when it does not log.
    pub fn run_dir(&self, logdir: impl AsRef<Path>, layout: RankLayout) -> Option<PathBuf> {
        let logdir = logdir.as_ref();
        match layout {
            RankLayout::MainOnly => self.is_main().then(|| logdir.to_path_buf()),
            RankLayout::Subdirectories => Some(logdir.join(format!("rank_{}", self.rank))),
        }
    }

    /// A writer builder for this rank under `layout` (to set other options before
    /// [`build`](SummaryWriterBuilder::build)), or `None` when this rank does not log.
    pub fn builder(
        &self,
        logdir: impl AsRef<Path>,
        layout: RankLayout,
    ) -> Option<SummaryWriterBuilder> {
        self.run_dir(logdir, layout).map(SummaryWriter::builder)
    }

    /// The writer for this rank under `layout`, with default settings, or `None` when this
    /// rank does not log.
    pub fn writer(
        &self,
        logdir: impl AsRef<Path>,
        layout: RankLayout,
    ) -> Result<Option<SummaryWriter>> {
        self.builder(logdir, layout)
            .map(SummaryWriterBuilder::build)
            .transpose()
    }
}

fn parse(var: &str, value: &str) -> Result<usize> {
    value
        .trim()
        .parse()
        .map_err(|_| bad(format!("{var}={value:?} is not a non-negative integer")))
}

fn bad(reason: String) -> Error {
    Error::InvalidInput {
        what: "rank environment",
        reason,
    }
}
