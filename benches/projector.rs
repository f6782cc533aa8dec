//! Projector benchmarks: one whole `add_embedding` call (checks, encoding, writing the files
//! and rewriting `projector_config.pbtxt`, all on the caller's thread) into a temporary run
//! directory. Every iteration logs the same tag and step, so it replaces the previous files,
//! as a training loop re-logging an embedding would.
//!
//! - `projector/tsv_10000x128_f32`: 10,000 points of 128 `f32` values, TSV (about 12.5 MB of
//!   text). The budget is 100 ms.
//! - `projector/binary_10000x128_f32`: the same matrix as raw float32 (5.12 MB). The budget
//!   is 100 ms.
//! - `projector/tsv_1000x64_labels_sprite`: 1,000 points of 64 values with labels and 1,000
//!   RGB thumbnails of 28×28 (an 896×896 sprite).
//!
//! The matrix is pseudo-random, normally distributed-like values (sums of uniforms) with
//! the full 7–9 significant digits of `f32`, which is the slow case for text.
//!
//! Run with `cargo bench -p tensorboard-writer-benches --bench projector`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::projector::{Embedding, Metadata, TensorFormat};
use tensorboard_writer::summary::image::BatchLayout;

/// `n` pseudo-random values, roughly normal with mean 0 and standard deviation 1.
fn matrix(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    let mut uniform = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|_| (0..4).map(|_| uniform()).sum::<f32>() * 1.732 - 3.464)
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let writer = SummaryWriter::new(dir.path().join("run")).expect("writer");
    let (n, d) = (10_000, 128);
    let m = matrix(n * d, 7);

    let mut g = c.benchmark_group("projector");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements((n * d) as u64));
    for (name, format) in [
        ("tsv_10000x128_f32", TensorFormat::Tsv),
        ("binary_10000x128_f32", TensorFormat::Binary),
    ] {
        let e = Embedding::new("bench", &m, [n, d]).format(format);
        let files = writer.add_embedding(&e, 0u32).expect("add_embedding");
        assert_eq!(
            files.format, format,
            "the matrix should be written as asked"
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                writer
                    .add_embedding(black_box(&e), 0u32)
                    .expect("add_embedding")
            })
        });
    }
    g.finish();

    let (n, d) = (1000, 64);
    let m = matrix(n * d, 11);
    let labels = Metadata::labels((0..n).map(|i| format!("point {i}")));
    let thumbs: Vec<u8> = (0..n * 28 * 28 * 3).map(|i| (i * 31 % 251) as u8).collect();
    let e = Embedding::new("sprite", &m, [n, d])
        .metadata(&labels)
        .images(&thumbs, BatchLayout::Nhwc(n, 28, 28, 3));
    let mut g = c.benchmark_group("projector");
    g.sample_size(20);
    g.bench_function("tsv_1000x64_labels_sprite", |b| {
        b.iter(|| {
            writer
                .add_embedding(black_box(&e), 1u32)
                .expect("add_embedding")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
