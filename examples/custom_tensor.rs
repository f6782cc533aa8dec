//! A tensor type of your own, logged to every dashboard that takes tensors.
//!
//! `TensorInput` is the crate's one extension point for tensors: implement its single
//! method, `to_host` (copy the shape and the elements into a `HostTensor`), and the type can
//! be passed to every tensor-taking call: scalars (one element), histograms, images, image
//! grids, images with boxes, video, audio, projector embeddings and their sprites, and the
//! merged step builder. This is the whole integration a framework needs; candle's and tch's
//! `Tensor` (features `candle`, `tch`) go through the same trait.
//!
//! Run it with `cargo run --example custom_tensor` (optionally followed by a log directory;
//! default `runs`), then `tensorboard --logdir runs`.

use tensorboard_writer::SummaryWriter;
use tensorboard_writer::projector::{Embedding, Metadata};
use tensorboard_writer::summary::image::ImageBox;
use tensorboard_writer::tensor::{HostTensor, TensorInput};

/// A minimal dense tensor: a shape and `f32` elements, row-major. Real frameworks keep
/// their data on a device and in many element types; `to_host` is where they copy it out.
#[derive(Debug, Clone)]
pub struct Dense {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl Dense {
    /// A tensor of `shape` whose element `i` (row-major) is `f(i)`.
    pub fn from_fn(shape: &[usize], f: impl Fn(usize) -> f32) -> Dense {
        let n = shape.iter().product();
        Dense {
            shape: shape.to_vec(),
            data: (0..n).map(f).collect(),
        }
    }
}

impl TensorInput for Dense {
    fn to_host(&self) -> tensorboard_writer::Result<HostTensor> {
        // Checks that the shape holds exactly the elements given (an error otherwise).
        HostTensor::new(self.shape.clone(), self.data.clone())
    }
}

/// Logs `Dense` tensors to every tensor-taking call of `writer` at `step`.
pub fn log_everything(writer: &SummaryWriter, step: u32) -> tensorboard_writer::Result<()> {
    let s = step as f32;
    // Scalars: any one-element tensor (shape [], [1], [1, 1], …).
    let loss = Dense::from_fn(&[], |_| 1.0 / (1.0 + s));
    writer.add_scalar("loss", &loss, step)?;

    // Histograms: every element, whatever the shape.
    let weights = Dense::from_fn(&[16, 32], |i| ((i as f32 + s) * 0.37).sin());
    writer.add_histogram("weights", &weights, step)?;

    // An image [C, H, W] with values in [0, 1], and the same with boxes drawn on it.
    let (h, w) = (24, 32);
    let image = Dense::from_fn(&[3, h, w], |i| {
        let (c, y, x) = (i / (h * w), (i / w) % h, i % w);
        [x as f32 / w as f32, y as f32 / h as f32, 0.5][c]
    });
    writer.add_image_tensor("gradient", &image, step)?;
    let boxes = [ImageBox::new(4.0, 4.0, 20.0, 16.0).label("box")];
    writer.add_image_tensor_with_boxes("gradient_boxes", &image, &boxes, step)?;

    // A batch [N, C, H, W] as one grid image.
    let batch = Dense::from_fn(&[8, 1, 12, 12], |i| (i % 144) as f32 / 143.0);
    writer.add_images_tensor("batch", &batch, step)?;

    // Video [T, C, H, W]: a bright bar moving right, 4 frames per second.
    let (t, vh, vw) = (6, 8, 12);
    let video = Dense::from_fn(&[t, 1, vh, vw], |i| {
        let (f, x) = (i / (vh * vw), i % vw);
        if x / 2 == f { 1.0 } else { 0.0 }
    });
    writer.add_video_tensor("bar", &video, 4.0, step)?;

    // Audio [C, L]: half a second of a stereo tone at 8 kHz.
    let rate = 8_000;
    let len = rate as usize / 2;
    let audio = Dense::from_fn(&[2, len], |i| {
        let (c, n) = (i / len, i % len);
        let hz = [440.0, 660.0][c];
        0.5 * (std::f32::consts::TAU * hz * n as f32 / rate as f32).sin()
    });
    writer.add_audio_tensor("tone", &audio, rate, step)?;

    // The merged step builder: several values in one event.
    writer
        .step(step)
        .scalar("merged/loss", &loss)
        .histogram("merged/weights", &weights)
        .image_tensor("merged/gradient", &image)
        .write()?;
    Ok(())
}

/// Logs an embedding of 8 points with labels and a sprite, both from `Dense` tensors.
pub fn log_embedding(writer: &SummaryWriter) -> tensorboard_writer::Result<()> {
    let points = Dense::from_fn(&[8, 3], |i| ((i / 3) as f32 * 0.7 + (i % 3) as f32).cos());
    let thumbnails = Dense::from_fn(&[8, 1, 6, 6], |i| (i / 36) as f32 / 7.0);
    let labels = Metadata::labels((0..8).map(|i| format!("point {i}")));
    let embedding = Embedding::from_tensor("points", &points)
        .metadata(&labels)
        .images_tensor(&thumbnails);
    writer.add_embedding(&embedding, 0u32)?;
    Ok(())
}

fn main() -> Result<(), tensorboard_writer::Error> {
    let logdir = std::env::args().nth(1).unwrap_or_else(|| "runs".to_owned());
    let run = std::path::Path::new(&logdir).join("custom_tensor");
    let writer = SummaryWriter::new(&run)?;
    for step in 0..3 {
        log_everything(&writer, step)?;
    }
    log_embedding(&writer)?;
    writer.close()?;
    println!(
        "wrote {}; view it with: tensorboard --logdir {logdir}",
        run.display()
    );
    Ok(())
}
