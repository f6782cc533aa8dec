//! Resuming from a checkpoint (`SummaryWriterBuilder::purge_step`): the first attempt logs
//! steps 0..150 and stops; the second restarts from the checkpoint at step 100 and logs
//! 100..200 with different values. Both loaders must show one clean series: the old values
//! below step 100, the new ones from 100 on, nothing twice.

use std::path::Path;

use tensorboard_writer::SummaryWriter;

use crate::{Error, Manifest};

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let run = "resume";
    let dir = logdir.join(run);
    let first = SummaryWriter::new(&dir)?;
    for step in (0..150u32).step_by(5) {
        first.add_scalar("loss", step as f32, step)?;
        // Merged, as training loops log several metrics per step.
        first
            .step(step)
            .scalar("acc/train", step as f32 / 1000.0)
            .scalar("acc/test", step as f32 / 2000.0)
            .write()?;
    }
    first.close()?; // (a crash leaves the same picture: see tests/crash.rs)

    let second = SummaryWriter::builder(&dir).purge_step(100u32).build()?;
    for step in (100..200u32).step_by(5) {
        second.add_scalar("loss", 1000.0 + step as f32, step)?;
        second
            .step(step)
            .scalar("acc/train", 0.5 + step as f32 / 1000.0)
            .scalar("acc/test", 0.5 + step as f32 / 2000.0)
            .write()?;
    }
    second.close()?;

    for step in (0..200u32).step_by(5) {
        let s = step as f32;
        let (loss, train, test) = if step < 100 {
            (s, s / 1000.0, s / 2000.0)
        } else {
            (1000.0 + s, 0.5 + s / 1000.0, 0.5 + s / 2000.0)
        };
        m.expect(run, "loss", step.into(), loss, None);
        m.expect(run, "acc/train", step.into(), train, None);
        m.expect(run, "acc/test", step.into(), test, None);
    }
    Ok(())
}
