//! Histogram benchmarks.
//!
//! - `histogram/1M_f32`, `histogram/1M_f64`: bucket 1,000,000 normally distributed values
//!   over TensorFlow's default edges and log them with `add_histogram` into a writer (the
//!   whole call: bucketing, rows, encoding, queueing the event). The writer is flushed
//!   between samples, outside the timed region.
//! - `histogram/accumulate_1M_f32`: `Histogram::add` alone (no writer).
//! - `histogram/accumulate_1M_f32_one_thread`: the same values added in slices of 200,000,
//!   each below the size from which `Histogram::add` spreads its parts over the cores: the
//!   cost on one core.
//! - `histogram/1M_f32_linear_30`: 1,000,000 `f32` over `Bins::linear(-5, 5, 30)`.
//! - `histogram/1M_u8`: 1,000,000 bytes (counted per distinct value first).
//! - `histogram/binary_search_1M_f32`: the reference the fast bucketing replaces, a binary
//!   search over the default edges per value (counts only).
//!
//! Run with `cargo bench -p tensorboard-writer-benches --bench histogram`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::histogram::{Bins, Histogram};

const N: usize = 1_000_000;

/// Deterministic standard normal values (xorshift64* and Box-Muller).
fn normal(n: usize) -> Vec<f64> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let writer = SummaryWriter::builder(dir.path())
        .max_pending_bytes(1 << 30)
        .flush_interval(Duration::from_secs(3600))
        .build()
        .expect("writer");
    let f64s = normal(N);
    let f32s: Vec<f32> = f64s.iter().map(|&x| x as f32).collect();
    let bytes: Vec<u8> = f64s.iter().map(|&x| (x * 40.0 + 128.0) as u8).collect();

    let mut g = c.benchmark_group("histogram");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(50);
    let mut step = 0u64;
    g.bench_function("1M_f32", |b| {
        b.iter_custom(|iters| {
            writer.flush().expect("flush");
            let t = std::time::Instant::now();
            for _ in 0..iters {
                step += 1;
                writer
                    .add_histogram("f32", black_box(&f32s[..]), step)
                    .expect("log");
            }
            t.elapsed()
        })
    });
    g.bench_function("1M_f64", |b| {
        b.iter_custom(|iters| {
            writer.flush().expect("flush");
            let t = std::time::Instant::now();
            for _ in 0..iters {
                step += 1;
                writer
                    .add_histogram("f64", black_box(&f64s[..]), step)
                    .expect("log");
            }
            t.elapsed()
        })
    });
    g.bench_function("accumulate_1M_f32", |b| {
        b.iter(|| {
            let mut h = Histogram::new();
            h.add(black_box(&f32s[..]));
            h
        })
    });
    g.bench_function("accumulate_1M_f32_one_thread", |b| {
        b.iter(|| {
            let mut h = Histogram::new();
            for slice in black_box(&f32s[..]).chunks(200_000) {
                h.add(slice);
            }
            h
        })
    });
    let linear = Bins::linear(-5.0, 5.0, 30).expect("bins");
    g.bench_function("1M_f32_linear_30", |b| {
        b.iter(|| {
            let mut h = Histogram::with_bins(linear.clone());
            h.add(black_box(&f32s[..]));
            h
        })
    });
    g.bench_function("1M_u8", |b| {
        b.iter(|| Histogram::from_values(black_box(&bytes[..])))
    });
    let edges = Bins::tensorflow().edges().to_vec();
    g.bench_function("binary_search_1M_f32", |b| {
        b.iter(|| {
            let mut counts = vec![0u64; edges.len()];
            for &v in black_box(&f32s[..]) {
                counts[edges.partition_point(|&e| e <= f64::from(v))] += 1;
            }
            counts
        })
    });
    g.finish();
    writer.close().expect("close");
}

criterion_group!(benches, bench);
criterion_main!(benches);
