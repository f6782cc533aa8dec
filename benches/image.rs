//! Image benchmarks: one whole `add_image` call (checks, conversion, PNG encoding, encoding
//! the event, queueing it) on the caller's thread, into a writer with default settings. The
//! writer is flushed between samples, outside the timed region.
//!
//! - `image/640x480_rgb_u8`: a 640×480 RGB `u8` image, interleaved (HWC). The budget is
//!   10 ms; tensorboardX takes 52–96 ms for the same call.
//! - `image/28x28_grey_u8`: a 28×28 grey `u8` image (MNIST-sized).
//! - `image/640x480_rgb_f32`: a 640×480 RGB `f32` image in [0, 1], planar (CHW, as PyTorch
//!   tensors come), so it also pays for the range check, the conversion and interleaving.
//! - `image/encode_png_640x480_rgb_u8`: `encode_png` alone, no writer.
//! - `image/tensorboard-rs_640x480_rgb_u8`: the crates.io peer's `add_image` on the same
//!   bytes (it encodes with the `image` crate's default PNG settings, and writes the image
//!   transposed).
//! - `video/16x64x64_rgb_u8`: `add_video` of 16 RGB frames of 64×64 (GIF, NeuQuant).
//!
//! The test images are smooth gradients with a little pseudo-random noise, which compress
//! about as well as photographs do.
//!
//! Run with `cargo bench -p tensorboard-writer-benches --bench image`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tensorboard_rs::summary_writer::SummaryWriter as PeerWriter;
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::image::{ImageLayout, encode_png};
use tensorboard_writer::summary::video::VideoLayout;

/// A `h`×`w` RGB image (HWC): gradients plus noise of ±8 levels.
fn photo_like(h: usize, w: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut noise = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % 17) as i32 - 8
    };
    let mut out = Vec::with_capacity(h * w * 3);
    for y in 0..h {
        for x in 0..w {
            let base = [
                (x * 255 / w) as i32,
                (y * 255 / h) as i32,
                ((x + y) * 255 / (w + h)) as i32,
            ];
            for b in base {
                out.push((b + noise()).clamp(0, 255) as u8);
            }
        }
    }
    out
}

fn hwc_to_chw_f32(hwc: &[u8], h: usize, w: usize) -> Vec<f32> {
    let mut out = vec![0f32; hwc.len()];
    for i in 0..h * w {
        for c in 0..3 {
            out[c * h * w + i] = f32::from(hwc[i * 3 + c]) / 255.0;
        }
    }
    out
}

/// Times `iters` calls of `log(step)` and flushes afterwards, untimed.
fn timed(writer: &SummaryWriter, iters: u64, mut log: impl FnMut(u64)) -> Duration {
    let mut total = Duration::ZERO;
    for i in 0..iters {
        let start = Instant::now();
        log(i);
        total += start.elapsed();
        // Keep the buffer from filling (a 640×480 PNG is ~0.5 MB), outside the timed region.
        if i % 8 == 7 {
            writer.flush().expect("flush");
        }
    }
    writer.flush().expect("flush");
    total
}

fn images(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let writer = SummaryWriter::new(tmp.path().join("ours")).expect("creating writer");
    let (h, w) = (480, 640);
    let rgb = photo_like(h, w, 1);
    let rgb_f32 = hwc_to_chw_f32(&rgb, h, w);
    let grey: Vec<u8> = photo_like(28, 28, 2).iter().step_by(3).copied().collect();

    let mut group = c.benchmark_group("image");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40);
    group.throughput(Throughput::Bytes((h * w * 3) as u64));
    group.bench_function("640x480_rgb_u8", |b| {
        b.iter_custom(|iters| {
            timed(&writer, iters, |step| {
                writer
                    .add_image("rgb", black_box(&rgb), ImageLayout::Hwc(h, w, 3), step)
                    .expect("add_image")
            })
        })
    });
    group.bench_function("640x480_rgb_f32", |b| {
        b.iter_custom(|iters| {
            timed(&writer, iters, |step| {
                writer
                    .add_image(
                        "rgb_f32",
                        black_box(&rgb_f32),
                        ImageLayout::Chw(3, h, w),
                        step,
                    )
                    .expect("add_image")
            })
        })
    });
    group.bench_function("encode_png_640x480_rgb_u8", |b| {
        b.iter(|| encode_png(black_box(&rgb), ImageLayout::Hwc(h, w, 3)).expect("encode"))
    });
    group.throughput(Throughput::Bytes(28 * 28));
    group.bench_function("28x28_grey_u8", |b| {
        b.iter_custom(|iters| {
            timed(&writer, iters, |step| {
                writer
                    .add_image("grey", black_box(&grey), ImageLayout::Hw(28, 28), step)
                    .expect("add_image")
            })
        })
    });

    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    group.throughput(Throughput::Bytes((h * w * 3) as u64));
    group.bench_function("tensorboard-rs_640x480_rgb_u8", |b| {
        let mut peer = PeerWriter::new(tmp.path().join("peer"));
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters {
                peer.add_image("rgb", black_box(&rgb), &[3, h, w], i as usize);
            }
            let elapsed = start.elapsed();
            peer.flush();
            elapsed
        })
    });
    group.finish();

    let frames: Vec<u8> = (0..16u64).flat_map(|f| photo_like(64, 64, f + 3)).collect();
    let mut group = c.benchmark_group("video");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    group.bench_function("16x64x64_rgb_u8", |b| {
        b.iter_custom(|iters| {
            timed(&writer, iters, |step| {
                writer
                    .add_video(
                        "video",
                        black_box(&frames),
                        VideoLayout::Thwc(16, 64, 64, 3),
                        4.0,
                        step,
                    )
                    .expect("add_video")
            })
        })
    });
    group.finish();
    writer.close().expect("close");
}

criterion_group!(benches, images);
criterion_main!(benches);
