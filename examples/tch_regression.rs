//! Logging from a tch (libtorch) training loop: a small MLP learns the surface
//! `z = sin(x) · cos(y)` on a 32 × 32 grid, and TensorBoard shows the loss (a scalar tensor),
//! the histograms of every weight and bias (straight from the `VarStore`), and the predicted
//! surface as an image next to the target.
//!
//! ```sh
//! source scripts/tch-env.sh     # libtorch 2.13.0 from PyTorch's wheel, see the README
//! cargo run --release --features tch --example tch_regression [-- LOGDIR]
//! tensorboard --logdir runs
//! ```

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use tensorboard_writer::SummaryWriter;

/// Grid points per side.
const SIDE: i64 = 32;
const STEPS: u32 = 600;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let logdir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "runs/tch_regression".into());
    tch::manual_seed(0);
    let writer = SummaryWriter::new(&logdir)?;

    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let net = nn::seq()
        .add(nn::linear(&root / "fc1", 2, 64, Default::default()))
        .add_fn(|x| x.tanh())
        .add(nn::linear(&root / "fc2", 64, 64, Default::default()))
        .add_fn(|x| x.tanh())
        .add(nn::linear(&root / "out", 64, 1, Default::default()));
    let mut opt = nn::Adam::default().build(&vs, 1e-2)?;

    // Inputs: the SIDE × SIDE grid over [-3, 3]², as [SIDE², 2]; targets [SIDE², 1].
    let axis = Tensor::linspace(-3.0, 3.0, SIDE, (Kind::Float, Device::Cpu));
    let grid = Tensor::meshgrid_indexing(&[&axis, &axis], "ij");
    let x = Tensor::stack(&[grid[0].flatten(0, -1), grid[1].flatten(0, -1)], 1);
    let y = (x.select(1, 0).sin() * x.select(1, 1).cos()).unsqueeze(1);
    // Values in [-1, 1] as a grey [H, W] image in [0, 1].
    let image = |z: &Tensor| ((z.reshape([SIDE, SIDE]) + 1.0) / 2.0).clamp(0.0, 1.0);
    writer.add_image_tensor("surface/target", &image(&y), 0u32)?;

    for step in 0..=STEPS {
        let pred = net.forward(&x);
        let loss = pred.mse_loss(&y, Reduction::Mean);
        if step % 10 == 0 {
            writer.add_scalar("loss", &loss, step)?; // a rank-0 tensor
        }
        if step % 100 == 0 {
            writer.add_varstore_histograms(&vs, step)?; // fc1/weight, fc1/bias, …
            writer.add_histogram("surface/error", &(&pred - &y), step)?;
            writer.add_image_tensor("surface/prediction", &image(&pred.detach()), step)?;
            println!("step {step:4}  loss {:.5}", loss.double_value(&[]));
        }
        opt.backward_step(&loss);
    }
    writer.close()?;
    println!("logged to {logdir}; view with: tensorboard --logdir {logdir}");
    Ok(())
}
