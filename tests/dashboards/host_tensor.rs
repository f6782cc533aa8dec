//! `HostTensor` (no feature needed): every tensor call is read back from disk and compared
//! with what the slice call writes for the same numbers, and bad shapes are errors.

use half::f16;
use tensorboard_writer::summary::image::{BatchLayout, ImageBox, ImageLayout};
use tensorboard_writer::tensor::HostTensor;
use tensorboard_writer::{Error, SummaryWriter};

use crate::common::{same, unit, written};

#[test]
fn host_tensors_write_what_the_slice_calls_write() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();

    // Images: CHW floats, HW grey bytes, f16.
    let chw = unit(3 * 5 * 7, 1);
    w.add_image_tensor(
        "tensor/chw",
        &HostTensor::new([3, 5, 7], chw.clone()).unwrap(),
        1u32,
    )
    .unwrap();
    w.add_image("slice/chw", &chw, ImageLayout::Chw(3, 5, 7), 1u32)
        .unwrap();
    let grey: Vec<u8> = (0..6 * 4).map(|i| (i * 10) as u8).collect();
    w.add_image_tensor(
        "tensor/hw",
        &HostTensor::new([6, 4], grey.clone()).unwrap(),
        2u32,
    )
    .unwrap();
    w.add_image("slice/hw", &grey, ImageLayout::Hw(6, 4), 2u32)
        .unwrap();
    let halves: Vec<f16> = unit(2 * 3, 2).into_iter().map(f16::from_f32).collect();
    let as_f32: Vec<f32> = halves.iter().map(|h| h.to_f32()).collect();
    w.add_image_tensor(
        "tensor/f16",
        &HostTensor::new([1, 2, 3], halves).unwrap(),
        3u32,
    )
    .unwrap();
    w.add_image("slice/f16", &as_f32, ImageLayout::Chw(1, 2, 3), 3u32)
        .unwrap();

    // Boxes on a grey tensor image.
    let boxes = [ImageBox::new(0.0, 1.0, 3.0, 4.0).label("b")];
    w.add_image_tensor_with_boxes(
        "tensor/boxes",
        &HostTensor::new([6, 4], grey.clone()).unwrap(),
        &boxes,
        2u32,
    )
    .unwrap();
    w.add_image_with_boxes("slice/boxes", &grey, ImageLayout::Hw(6, 4), &boxes, 2u32)
        .unwrap();

    // A batch as a grid.
    let batch = unit(5 * 4 * 4, 3); // N=5, C=1, 4x4
    w.add_images_tensor(
        "tensor/batch",
        &HostTensor::new([5, 1, 4, 4], batch.clone()).unwrap(),
        4u32,
    )
    .unwrap();
    w.add_images("slice/batch", &batch, BatchLayout::Nchw(5, 1, 4, 4), 4u32)
        .unwrap();

    // Audio: mono and two channels (rows become interleaved frames).
    let mono: Vec<f32> = unit(50, 4).iter().map(|x| x * 2.0 - 1.0).collect();
    w.add_audio_tensor(
        "tensor/mono",
        &HostTensor::new([50], mono.clone()).unwrap(),
        8000,
        5u32,
    )
    .unwrap();
    w.add_audio("slice/mono", &mono, 8000, 5u32).unwrap();
    let rows = unit(2 * 30, 5);
    let frames: Vec<f32> = (0..30).flat_map(|i| [rows[i], rows[30 + i]]).collect();
    w.add_audio_tensor(
        "tensor/stereo",
        &HostTensor::new([2, 30], rows).unwrap(),
        16000,
        6u32,
    )
    .unwrap();
    w.add_audio_channels("slice/stereo", &frames, 2, 16000, 6u32)
        .unwrap();

    // Histograms of every element, whatever the shape.
    let weights = unit(4 * 25, 6);
    w.add_histogram(
        "tensor/hist",
        &HostTensor::new([4, 25], weights.clone()).unwrap(),
        7u32,
    )
    .unwrap();
    w.add_histogram("slice/hist", &weights[..], 7u32).unwrap();

    w.close().unwrap();
    let got = written(dir.path());
    for name in [
        "chw", "hw", "f16", "boxes", "batch", "mono", "stereo", "hist",
    ] {
        same(&got, name);
    }
}

#[test]
fn shapes_that_do_not_fit_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // Data and shape disagree.
    assert!(HostTensor::new([2, 3], vec![0.0f32; 5]).is_err());
    // An image needs [C, H, W] or [H, W]; a batch [N, C, H, W]; audio [L] or [C, L].
    let flat = HostTensor::new([12], vec![0.5f32; 12]).unwrap();
    let cube = HostTensor::new([2, 2, 2, 2, 2], vec![0.5f32; 32]).unwrap();
    for r in [
        w.add_image_tensor("img", &flat, 0u32),
        w.add_images_tensor("batch", &flat, 0u32),
        w.add_audio_tensor("audio", &cube, 8000, 0u32),
    ] {
        assert!(
            matches!(r, Err(Error::InvalidInput { .. })),
            "expected InvalidInput, got {r:?}"
        );
    }
    w.close().unwrap();
    assert!(
        written(dir.path()).is_empty(),
        "a refused call wrote something"
    );
}
