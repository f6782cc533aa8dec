//! A tensor type that implements `TensorInput` and nothing else (the `Dense` type of
//! `examples/custom_tensor.rs`) goes to every tensor-taking call, and each call writes byte
//! for byte what the slice call writes for the same numbers. A type whose `to_host` fails
//! gets that error back from every call, and nothing is written.

#[path = "../../examples/custom_tensor.rs"]
#[allow(dead_code)]
mod example;

use example::Dense;
use tensorboard_writer::projector::{Embedding, Metadata};
use tensorboard_writer::summary::image::{BatchLayout, ImageBox, ImageLayout};
use tensorboard_writer::summary::video::VideoLayout;
use tensorboard_writer::tensor::{HostTensor, TensorInput};
use tensorboard_writer::{Error, SummaryWriter};

use crate::common::{self, same, unit, written};

fn dense(shape: &[usize], data: &[f32]) -> Dense {
    Dense::from_fn(shape, |i| data[i])
}

#[test]
fn a_type_with_only_tensor_input_writes_what_the_slice_calls_write() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();

    let one = [0.25f32];
    w.add_scalar("tensor/scalar", &dense(&[], &one), 1u32)
        .unwrap();
    w.add_scalar("slice/scalar", one[0], 1u32).unwrap();

    let weights = unit(6 * 5, 1);
    w.add_histogram("tensor/histogram", &dense(&[6, 5], &weights), 1u32)
        .unwrap();
    w.add_histogram("slice/histogram", &weights, 1u32).unwrap();

    let chw = unit(3 * 4 * 5, 2);
    w.add_image_tensor("tensor/image", &dense(&[3, 4, 5], &chw), 1u32)
        .unwrap();
    w.add_image("slice/image", &chw, ImageLayout::Chw(3, 4, 5), 1u32)
        .unwrap();

    let boxes = [ImageBox::new(0.0, 1.0, 3.0, 2.0).label("b")];
    w.add_image_tensor_with_boxes("tensor/boxes", &dense(&[3, 4, 5], &chw), &boxes, 1u32)
        .unwrap();
    w.add_image_with_boxes("slice/boxes", &chw, ImageLayout::Chw(3, 4, 5), &boxes, 1u32)
        .unwrap();

    let batch = unit(4 * 3 * 3, 3); // [4, 1, 3, 3]
    w.add_images_tensor("tensor/images", &dense(&[4, 1, 3, 3], &batch), 1u32)
        .unwrap();
    w.add_images("slice/images", &batch, BatchLayout::Nchw(4, 1, 3, 3), 1u32)
        .unwrap();

    let frames = unit(3 * 3 * 4 * 4, 4);
    w.add_video_tensor("tensor/video", &dense(&[3, 3, 4, 4], &frames), 5.0, 1u32)
        .unwrap();
    w.add_video(
        "slice/video",
        &frames,
        VideoLayout::Tchw(3, 3, 4, 4),
        5.0,
        1u32,
    )
    .unwrap();

    // Planar [C, L] in the tensor, interleaved frames in the slice call.
    let (left, right) = (unit(50, 5), unit(50, 6));
    let planar: Vec<f32> = left.iter().chain(&right).map(|v| v * 2.0 - 1.0).collect();
    let frames_lr: Vec<f32> = (0..50).flat_map(|i| [planar[i], planar[50 + i]]).collect();
    w.add_audio_tensor("tensor/audio", &dense(&[2, 50], &planar), 8000, 1u32)
        .unwrap();
    w.add_audio_channels("slice/audio", &frames_lr, 2, 8000, 1u32)
        .unwrap();

    w.step(2u32)
        .scalar("tensor/step_scalar", &dense(&[1, 1], &one))
        .histogram("tensor/step_histogram", &dense(&[30], &weights))
        .image_tensor("tensor/step_image", &dense(&[3, 4, 5], &chw))
        .images_tensor("tensor/step_images", &dense(&[4, 1, 3, 3], &batch))
        .video_tensor("tensor/step_video", &dense(&[3, 3, 4, 4], &frames), 5.0)
        .audio_tensor("tensor/step_audio", &dense(&[2, 50], &planar), 8000)
        .write()
        .unwrap();
    w.step(2u32)
        .scalar("slice/step_scalar", one[0])
        .histogram("slice/step_histogram", &weights)
        .image("slice/step_image", &chw, ImageLayout::Chw(3, 4, 5))
        .images("slice/step_images", &batch, BatchLayout::Nchw(4, 1, 3, 3))
        .video(
            "slice/step_video",
            &frames,
            VideoLayout::Tchw(3, 3, 4, 4),
            5.0,
        )
        .audio_channels("slice/step_audio", &frames_lr, 2, 8000)
        .write()
        .unwrap();
    w.close().unwrap();

    let out = written(dir.path());
    for name in [
        "scalar",
        "histogram",
        "image",
        "boxes",
        "images",
        "video",
        "audio",
        "step_scalar",
        "step_histogram",
        "step_image",
        "step_images",
        "step_video",
        "step_audio",
    ] {
        same(&out, name);
    }
    assert_eq!(out.len(), 26);
}

/// The projector files of an embedding whose points and sprite come from `Dense` tensors are
/// those of the same embedding from slices.
#[test]
fn embeddings_and_sprites_from_a_custom_tensor_match_the_slice_call() {
    let points = unit(6 * 3, 7);
    let thumbs = unit(6 * 3 * 4 * 4, 8);
    let labels = Metadata::labels((0..6).map(|i| format!("p{i}")));
    let files = |use_tensor: bool| {
        let dir = tempfile::tempdir().unwrap();
        let w = SummaryWriter::new(dir.path()).unwrap();
        let (p, t) = (dense(&[6, 3], &points), dense(&[6, 3, 4, 4], &thumbs));
        let e = if use_tensor {
            Embedding::from_tensor("emb", &p).images_tensor(&t)
        } else {
            Embedding::new("emb", &points, [6, 3]).images(&thumbs, BatchLayout::Nchw(6, 3, 4, 4))
        };
        w.add_embedding(&e.metadata(&labels), 3u32).unwrap();
        w.close().unwrap();
        let mut found = Vec::new();
        let mut stack = vec![dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if !path.to_string_lossy().contains("tfevents") {
                    let rel = path.strip_prefix(dir.path()).unwrap().to_owned();
                    found.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        found.sort();
        found
    };
    let (from_tensor, from_slices) = (files(true), files(false));
    let names: Vec<_> = from_tensor.iter().map(|(p, _)| p.clone()).collect();
    assert!(
        names.iter().any(|p| p.ends_with("projector_config.pbtxt")),
        "{names:?}"
    );
    assert!(names.iter().any(|p| p.ends_with("sprite.png")), "{names:?}");
    assert_eq!(from_tensor, from_slices);
}

/// A tensor whose copy to the host fails, as a device error would.
struct Unreadable;

impl TensorInput for Unreadable {
    fn to_host(&self) -> tensorboard_writer::Result<HostTensor> {
        Err(Error::InvalidInput {
            what: "test tensor",
            reason: "the device is gone".into(),
        })
    }
}

#[test]
fn a_failing_to_host_is_returned_by_every_call_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let t = Unreadable;
    let results = [
        w.add_scalar("a", &t, 0u32),
        w.add_histogram("b", &t, 0u32),
        w.add_image_tensor("c", &t, 0u32),
        w.add_image_tensor_with_boxes("d", &t, &[], 0u32),
        w.add_images_tensor("e", &t, 0u32),
        w.add_video_tensor("f", &t, 4.0, 0u32),
        w.add_audio_tensor("g", &t, 8000, 0u32),
        w.add_embedding(&Embedding::from_tensor("h", &t), 0u32)
            .map(drop),
        w.add_embedding(
            &Embedding::new("i", &[0.0f32, 1.0, 2.0, 3.0], [2, 2]).images_tensor(&t),
            0u32,
        )
        .map(drop),
        w.step(0u32)
            .scalar("j", 1.0f32)
            .image_tensor("k", &t)
            .write(),
    ];
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Err(Error::InvalidInput { what, reason }) => {
                assert_eq!(
                    (what, reason.as_str()),
                    ("test tensor", "the device is gone"),
                    "call {i}"
                )
            }
            other => panic!("call {i}: expected the tensor's error, got {other:?}"),
        }
    }
    w.close().unwrap();
    assert!(
        written(dir.path()).is_empty(),
        "{:?}",
        written(dir.path()).keys()
    );
    // No projector files either.
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains("tfevents"))
        .collect();
    assert!(entries.is_empty(), "{entries:?}");
}

/// The shapes a call cannot take are errors naming the call, for a custom type as for any.
#[test]
fn wrong_shapes_from_a_custom_tensor_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let v = unit(24, 9);
    let (what, _) = common::invalid(w.add_scalar("s", &dense(&[2], &v), 0u32));
    assert_eq!(what, "scalar tensor");
    let (what, _) = common::invalid(w.add_image_tensor("i", &dense(&[2, 3, 4], &v), 0u32));
    assert_eq!(what, "image");
    let (what, _) = common::invalid(w.add_video_tensor("v", &dense(&[2, 3, 4], &v), 4.0, 0u32));
    assert_eq!(what, "video tensor");
    let (what, _) = common::invalid(w.add_audio_tensor("a", &dense(&[2, 3, 4], &v), 8000, 0u32));
    assert_eq!(what, "audio tensor");
    w.close().unwrap();
    assert!(written(dir.path()).is_empty());
}
