//! `add_scalar` must not allocate: it is called millions of times from training loops.
//! A counting global allocator checks the calling thread.

use tensorboard_writer::SummaryWriter;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::count_allocs;

#[test]
fn add_scalar_does_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    // A buffer that cycles many times during the loop, so swaps are covered too.
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(64 << 10)
        .build()
        .unwrap();
    let scoped = w.scope("layer1").unwrap();
    // Warm-up: the first time a thread waits on a lock, parking_lot sets up its per-thread
    // parking data once. That is not a per-call cost, so do it before counting.
    w.add_scalar("loss", 0.0f32, 0u32).unwrap();
    w.flush().unwrap();
    let n = count_allocs(|| {
        for i in 0..200_000u32 {
            w.add_scalar("loss", i as f32, i).unwrap();
            scoped
                .add_scalar("grad_norm", f64::from(i), u64::from(i))
                .unwrap();
        }
    });
    assert_eq!(n, 0, "allocations on the logging thread");
    w.close().unwrap();
    let s = tensorboard_writer::reader::read_scalars(dir.path()).unwrap();
    assert_eq!(s["loss"].len(), 200_001);
    assert_eq!(s["layer1/grad_norm"].len(), 200_000);
}

#[test]
fn many_tags_and_long_tags_do_not_allocate_either() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::builder(dir.path())
        .max_pending_bytes(64 << 10)
        .build()
        .unwrap();
    // More tags than the per-thread tag cache holds, so they keep evicting each other, and
    // a tag too long to be cached at all.
    let tags: Vec<String> = (0..40).map(|i| format!("layer{i}/grad_norm")).collect();
    let long = "t".repeat(200);
    w.add_scalar("warm_up", 0.0f32, 0u32).unwrap();
    w.flush().unwrap();
    let n = count_allocs(|| {
        for i in 0..2_000u32 {
            for tag in &tags {
                w.add_scalar(tag, i as f32, i).unwrap();
            }
            w.add_scalar(&long, i as f32, i).unwrap();
        }
    });
    assert_eq!(n, 0, "allocations on the logging thread");
    w.close().unwrap();
    let s = tensorboard_writer::reader::read_scalars(dir.path()).unwrap();
    assert_eq!(s["layer39/grad_norm"].len(), 2_000);
    assert_eq!(s[&long].len(), 2_000);
    assert_eq!(s[&long][1999].value, 1999.0);
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that counts nothing.
    let n = count_allocs(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}
