//! Scalars: every step type, special values, wall times, scopes, merged steps, `add_scalars`
//! sibling runs, threads, and two files in one run.

use std::path::Path;

use tensorboard_writer::SummaryWriter;

use crate::{Error, Manifest};

/// Scalars of every kind in the run `scalars`, plus the `add_scalars` sibling runs.
pub fn scalars(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let run = "scalars";
    let w = SummaryWriter::new(logdir.join(run))?;

    // Steps of every integer type, f32 and f64 values.
    for step in 0..50u32 {
        let v = (step as f32 * 0.37).sin();
        w.add_scalar("loss/f32_u32", v, step)?;
        m.expect(run, "loss/f32_u32", step.into(), v, None);
    }
    for step in 0..50usize {
        let v = 1.0 / (1.0 + step as f64);
        w.add_scalar("loss/f64_usize", v, step)?;
        m.expect(run, "loss/f64_usize", step as i64, v as f32, None);
    }
    for step in -10..10i64 {
        let v = step as f32 * 1.5;
        w.add_scalar("steps/i64_negative", v, step)?;
        m.expect(run, "steps/i64_negative", step, v, None);
    }
    for (i, step) in [0u64, 1 << 20, 1 << 40, i64::MAX as u64]
        .into_iter()
        .enumerate()
    {
        w.add_scalar("steps/u64_large", i as f32, step)?;
        m.expect(run, "steps/u64_large", step as i64, i as f32, None);
    }
    for step in 0..5i32 {
        w.add_scalar("steps/i32", step as f32, step)?;
        m.expect(run, "steps/i32", step.into(), step as f32, None);
    }

    // Values TensorBoard must show as they are.
    let special = [
        0.0f32,
        -0.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        1e-45, // smallest subnormal
        std::f32::consts::PI,
    ];
    for (step, v) in special.into_iter().enumerate() {
        w.add_scalar("special/values", v, step)?;
        m.expect(run, "special/values", step as i64, v, None);
    }

    // Explicit wall times come back exactly.
    for step in 0..5u32 {
        let wall = 1_700_000_000.125 + f64::from(step) * 0.1;
        w.add_scalar_with_wall_time("time/explicit", step as f32, step, wall)?;
        m.expect(run, "time/explicit", step.into(), step as f32, Some(wall));
    }

    // Scopes, nested.
    let conv1 = w.scope("conv1")?;
    let relu = conv1.scope("relu")?;
    for step in 0..10u32 {
        conv1.add_scalar("sparsity", step as f32 / 10.0, step)?;
        relu.add_scalar("mean", step as f32 * 2.0, step)?;
        m.expect(run, "conv1/sparsity", step.into(), step as f32 / 10.0, None);
        m.expect(run, "conv1/relu/mean", step.into(), step as f32 * 2.0, None);
    }

    // Merged summaries: many values in one event, including through a scope.
    let test = w.scope("test")?;
    for step in (0..100u32).step_by(10) {
        let (xent, acc) = (1.0 / (1.0 + step as f32), step as f64 / 100.0);
        test.step(step)
            .scalar("xent", xent)
            .scalar("accuracy", acc)
            .wall_time(1_700_000_100.0 + f64::from(step))
            .write()?;
        let wall = Some(1_700_000_100.0 + f64::from(step));
        m.expect(run, "test/xent", step.into(), xent, wall);
        m.expect(run, "test/accuracy", step.into(), acc as f32, wall);
    }

    // add_scalars: sibling runs scalars/loss_train and scalars/loss_val, tag "loss".
    for step in 0..20u32 {
        let (train, val) = (2.0 / (1.0 + step as f32), 2.5 / (1.0 + step as f32));
        w.add_scalars("loss", &[("train", train), ("val", val)], step)?;
        m.expect("scalars/loss_train", "loss", step.into(), train, None);
        m.expect("scalars/loss_val", "loss", step.into(), val, None);
    }
    // Scoped add_scalars: tag "grads/norm", runs scalars/grads_norm_{a,b}.
    let grads = w.scope("grads")?;
    grads.add_scalars("norm", &[("a", 1.0f64), ("b", 2.0)], 0u32)?;
    m.expect("scalars/grads_norm_a", "grads/norm", 0, 1.0, None);
    m.expect("scalars/grads_norm_b", "grads/norm", 0, 2.0, None);

    w.close()?;
    Ok(())
}

/// Four threads logging through clones of one writer, under a tiny memory bound so that
/// back-pressure is exercised.
pub fn threads(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let run = "threads";
    let w = SummaryWriter::builder(logdir.join(run))
        .max_pending_bytes(4096)
        .build()?;
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let w = w.clone();
            std::thread::spawn(move || -> tensorboard_writer::Result<()> {
                for step in 0..900u32 {
                    w.add_scalar(&format!("thread{t}"), (t * 1000 + step) as f32, step)?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "logging thread panicked")??;
    }
    for t in 0..4u32 {
        for step in 0..900u32 {
            m.expect(
                run,
                &format!("thread{t}"),
                step.into(),
                (t * 1000 + step) as f32,
                None,
            );
        }
    }
    drop(w); // closes on drop
    Ok(())
}

/// Two writers, one after the other, in one run directory: two event files TensorBoard
/// must read in order.
pub fn two_files(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let run = "nested/two_files";
    for part in 0..2u32 {
        let w = SummaryWriter::builder(logdir.join(run))
            .filename_suffix(".part")
            .build()?;
        for i in 0..10u32 {
            let step = part * 10 + i;
            w.add_scalar("resumed", step as f32, step)?;
            m.expect(run, "resumed", step.into(), step as f32, None);
        }
        w.close()?;
    }
    Ok(())
}

/// Four ranks of one distributed job, as each process would see its launcher's environment:
/// `RankLayout::Subdirectories` gives runs `ranks/rank_0` … `ranks/rank_3`, and
/// `RankLayout::MainOnly` a writer on rank 0 alone, into run `ranks_main`.
pub fn ranks(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    use tensorboard_writer::rank::{Rank, RankLayout};
    for r in 0..4usize {
        let env = [("RANK", r.to_string()), ("WORLD_SIZE", "4".to_string())];
        let rank =
            Rank::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))?;
        if let Some(w) = rank.writer(logdir.join("ranks"), RankLayout::Subdirectories)? {
            let run = format!("ranks/rank_{r}");
            for step in 0..10u32 {
                let v = r as f32 * 10.0 + step as f32 * 0.5;
                w.add_scalar("throughput", v, step)?;
                m.expect(&run, "throughput", step.into(), v, None);
            }
            w.close()?;
        }
        match rank.writer(logdir.join("ranks_main"), RankLayout::MainOnly)? {
            Some(w) => {
                for step in 0..10u32 {
                    let v = 1.0 / (1.0 + step as f32);
                    w.add_scalar("loss", v, step)?;
                    m.expect("ranks_main", "loss", step.into(), v, None);
                }
                w.close()?;
            }
            None if r != 0 => {}
            None => return Err("rank 0 got no MainOnly writer".into()),
        }
    }
    Ok(())
}
