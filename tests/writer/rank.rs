//! `rank`: reading launchers' environment variables, and several processes of one
//! distributed run logging through `Rank::writer`.

use std::process::Command;

use tensorboard_writer::Error;
use tensorboard_writer::rank::{Rank, RankLayout};
use tensorboard_writer::reader::{event_files, read_scalars};

use crate::common::exact_test_name;

fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn each_launcher_is_read() {
    let cases: [(&[(&str, &str)], Rank); 5] = [
        (&[], Rank::SINGLE),
        (
            &[("RANK", "3"), ("LOCAL_RANK", "1"), ("WORLD_SIZE", "8")],
            Rank {
                rank: 3,
                local_rank: 1,
                world_size: 8,
            },
        ),
        (
            &[
                ("OMPI_COMM_WORLD_RANK", "5"),
                ("OMPI_COMM_WORLD_LOCAL_RANK", "1"),
                ("OMPI_COMM_WORLD_SIZE", "6"),
            ],
            Rank {
                rank: 5,
                local_rank: 1,
                world_size: 6,
            },
        ),
        (
            &[("PMI_RANK", "2"), ("PMI_SIZE", "4")],
            Rank {
                rank: 2,
                local_rank: 2,
                world_size: 4,
            },
        ),
        (
            &[
                ("SLURM_PROCID", " 7 "),
                ("SLURM_LOCALID", "3"),
                ("SLURM_NTASKS", "16"),
            ],
            Rank {
                rank: 7,
                local_rank: 3,
                world_size: 16,
            },
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(Rank::from_lookup(lookup(vars)).unwrap(), want, "{vars:?}");
    }
    // torchrun's variables win over a surrounding Slurm allocation's.
    let both = [
        ("SLURM_PROCID", "0"),
        ("SLURM_NTASKS", "1"),
        ("RANK", "1"),
        ("WORLD_SIZE", "2"),
    ];
    assert_eq!(Rank::from_lookup(lookup(&both)).unwrap().rank, 1);
    // A Slurm batch script without `-n`: rank 0 and no task count is a lone process.
    let batch = [("SLURM_PROCID", "0"), ("SLURM_LOCALID", "0")];
    assert_eq!(Rank::from_lookup(lookup(&batch)).unwrap(), Rank::SINGLE);
}

#[test]
fn inconsistent_variables_are_errors_naming_them() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("RANK", "1")], "WORLD_SIZE"),
        (&[("RANK", "x"), ("WORLD_SIZE", "2")], "RANK=\"x\""),
        (&[("RANK", "2"), ("WORLD_SIZE", "2")], "not below"),
        (
            &[("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "-1")],
            "LOCAL_RANK",
        ),
    ];
    for (vars, needle) in cases {
        match Rank::from_lookup(lookup(vars)) {
            Err(Error::InvalidInput { what, reason }) => {
                assert_eq!(what, "rank environment");
                assert!(
                    reason.contains(needle),
                    "{reason:?} should mention {needle:?}"
                );
            }
            other => panic!("{vars:?}: {other:?}"),
        }
    }
}

#[test]
fn layouts_choose_the_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let r0 = Rank {
        rank: 0,
        local_rank: 0,
        world_size: 2,
    };
    let r1 = Rank {
        rank: 1,
        local_rank: 1,
        world_size: 2,
    };
    assert_eq!(
        r0.run_dir(dir.path(), RankLayout::MainOnly),
        Some(dir.path().into())
    );
    assert_eq!(r1.run_dir(dir.path(), RankLayout::MainOnly), None);
    assert!(
        r1.writer(dir.path(), RankLayout::MainOnly)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        r1.run_dir(dir.path(), RankLayout::Subdirectories),
        Some(dir.path().join("rank_1"))
    );
    // Nothing is created for a rank that does not log.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// The child: logs `loss` = rank for steps 0..10 through `Rank::from_env` and the layout
/// named by TBW_RANK_TEST_LAYOUT into TBW_RANK_TEST_DIR. A no-op in a normal test run.
#[test]
fn rank_child_process() {
    let (Ok(dir), Ok(layout)) = (
        std::env::var("TBW_RANK_TEST_DIR"),
        std::env::var("TBW_RANK_TEST_LAYOUT"),
    ) else {
        return;
    };
    let layout = match layout.as_str() {
        "main" => RankLayout::MainOnly,
        _ => RankLayout::Subdirectories,
    };
    let rank = Rank::from_env().unwrap();
    if let Some(w) = rank.writer(&dir, layout).unwrap() {
        for step in 0..10u32 {
            w.add_scalar("loss", rank.rank as f32, step).unwrap();
        }
        w.close().unwrap();
    }
}

fn run_ranks(dir: &std::path::Path, layout: &str, world: usize) {
    let exe = std::env::current_exe().unwrap();
    let child = exact_test_name(module_path!(), "rank_child_process");
    let children: Vec<_> = (0..world)
        .map(|r| {
            Command::new(&exe)
                .args(["--exact", child.as_str(), "--nocapture"])
                .env("TBW_RANK_TEST_DIR", dir)
                .env("TBW_RANK_TEST_LAYOUT", layout)
                .env("RANK", r.to_string())
                .env("LOCAL_RANK", r.to_string())
                .env("WORLD_SIZE", world.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
}

#[test]
fn four_processes_log_one_run_each_or_only_rank_0() {
    let dir = tempfile::tempdir().unwrap();
    run_ranks(&dir.path().join("sub"), "sub", 4);
    for r in 0..4 {
        let run = dir.path().join(format!("sub/rank_{r}"));
        let s = read_scalars(&run).unwrap();
        assert_eq!(s["loss"].len(), 10, "rank {r}");
        assert!(s["loss"].iter().all(|p| p.value == r as f64), "rank {r}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
        4
    );

    run_ranks(&dir.path().join("main"), "main", 4);
    let files = event_files(dir.path().join("main")).unwrap();
    assert_eq!(files.len(), 1, "only rank 0 writes: {files:?}");
    let s = read_scalars(dir.path().join("main")).unwrap();
    assert!(s["loss"].iter().all(|p| p.value == 0.0));
}
