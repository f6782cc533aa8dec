//! A simulated training loop that logs scalars, scoped scalars, merged test summaries and
//! `add_scalars` siblings, then prints the command that shows them in TensorBoard.
//!
//! Run it with `cargo run --release --example quickstart` (optionally followed by a log
//! directory; default `runs`).

use std::time::Instant;

use tensorboard_writer::SummaryWriter;

fn main() -> Result<(), tensorboard_writer::Error> {
    let logdir = std::env::args().nth(1).unwrap_or_else(|| "runs".to_owned());
    let run = std::path::Path::new(&logdir).join("quickstart");
    let writer = SummaryWriter::new(&run)?;
    let optimizer = writer.scope("optimizer")?; // tags below it become "optimizer/…"
    let start = Instant::now();

    let steps = 2_000u32;
    let mut loss = 2.3f32;
    for step in 0..steps {
        // A fake optimiser: loss decays with noise, accuracy rises.
        let noise = ((step as f32 * 12.9898).sin() * 43_758.547).fract() - 0.5;
        loss = (loss * 0.998 + 0.01 * noise).max(0.02);
        let accuracy = 1.0 - loss / 2.3;
        writer.add_scalar("train/xent", loss, step)?;
        writer.add_scalar("train/accuracy", accuracy, step)?;

        let lr = 1e-3 * 0.5f64.powi((step / 500) as i32);
        optimizer.add_scalar("learning_rate", lr, step)?;

        if step % 100 == 0 {
            // One event with every test metric of this step.
            writer
                .step(step)
                .scalar("test/xent", loss * 1.1)
                .scalar("test/accuracy", accuracy * 0.98)
                .write()?;
            // Train and test loss overlaid in one chart, as two sibling runs.
            writer.add_scalars("xent", &[("train", loss), ("test", loss * 1.1)], step)?;
        }
    }
    writer.close()?;

    println!(
        "logged {} steps to {} in {:.1?}",
        steps,
        run.display(),
        start.elapsed()
    );
    println!("view them with:  tensorboard --logdir {logdir}");
    Ok(())
}
