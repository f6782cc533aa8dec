//! tch tensors logged directly (feature `tch`, needs libtorch): every tensor call is read
//! back from disk and compared with what the slice call writes for the same numbers.

use std::path::Path;

use half::{bf16, f16};
use prost::Message;
use tch::{Device, Kind, Tensor, nn};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::projector::Embedding;
use tensorboard_writer::proto::summary::value::Value as V;
use tensorboard_writer::summary::image::{BatchLayout, ImageLayout};

const CPU: (Kind, Device) = (Kind::Float, Device::Cpu);

use crate::common::{self, invalid, same, unit, written};

fn tensor<T: tch::kind::Element>(data: &[T], shape: &[i64]) -> Tensor {
    Tensor::from_slice(data).reshape(shape)
}

#[test]
fn scalars_of_every_kind_and_one_element_shape() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let cases: Vec<(&str, Tensor, f32)> = vec![
        ("f32", Tensor::scalar_tensor(0.25, CPU), 0.25),
        (
            "f64",
            Tensor::scalar_tensor(1.0 / 3.0, (Kind::Double, Device::Cpu)),
            (1.0f64 / 3.0) as f32,
        ),
        ("f16", tensor(&[f16::from_f32(0.5)], &[]), 0.5),
        ("bf16", tensor(&[bf16::from_f32(-2.0)], &[1]), -2.0),
        ("u8", tensor(&[200u8], &[]), 200.0),
        ("i64", tensor(&[-7i64], &[1, 1]), -7.0),
        ("bool", tensor(&[true], &[]), 1.0),
    ];
    for (name, t, want) in &cases {
        w.add_scalar(&format!("tensor/{name}"), t, 3u32).unwrap();
        w.add_scalar(&format!("slice/{name}"), *want, 3u32).unwrap();
    }
    // A loss that requires gradients is read without touching autograd.
    let x = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
    let loss = (&x * &x).sum(Kind::Float);
    w.step(4u32).scalar("tensor/loss", &loss).write().unwrap();
    w.add_scalar("slice/loss", 5.0f32, 4u32).unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for (name, _, _) in &cases {
        same(&got, name);
    }
    same(&got, "loss");
    let v = tensorboard_writer::proto::summary::Value::decode(&got["tensor/f64"].1[..]).unwrap();
    assert_eq!(v.value, Some(V::SimpleValue((1.0f64 / 3.0) as f32)));
}

#[test]
fn bad_tensors_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let two = Tensor::from_slice(&[1.0f32, 2.0]);
    let (what, _) = invalid(w.add_scalar("a", &two, 0u32));
    assert_eq!(what, "scalar tensor");
    let undefined = Tensor::new();
    let (what, reason) = invalid(w.add_histogram("b", &undefined, 0u32));
    assert_eq!(what, "tch tensor");
    assert!(reason.contains("undefined"), "{reason}");
    invalid(w.add_scalar("c", &undefined, 0u32));
    invalid(w.add_image_tensor("d", &undefined, 0u32));
    let complex = Tensor::zeros([2, 2], (Kind::ComplexFloat, Device::Cpu));
    let (_, reason) = invalid(w.add_histogram("e", &complex, 0u32));
    assert!(reason.contains("ComplexFloat"), "{reason}");
    invalid(w.add_image_tensor("f", &Tensor::zeros([10], CPU), 0u32));
    invalid(w.add_image_tensor(
        "g",
        &Tensor::zeros([4, 4], (Kind::Int64, Device::Cpu)),
        0u32,
    ));
    invalid(w.add_images_tensor("h", &Tensor::zeros([3, 4, 4], CPU), 0u32));
    invalid(w.add_audio_tensor("i", &Tensor::zeros([1, 2, 3], CPU), 8000, 0u32));
    invalid(w.add_embedding(&Embedding::from_tensor("j", &Tensor::zeros([8], CPU)), 0u32));
    w.flush().unwrap();
    assert!(common::values(dir.path()).is_empty());
}

#[test]
fn histograms_images_audio_match_the_slice_calls() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let vals: Vec<f32> = unit(6 * 40, 1).iter().map(|v| v * 4.0 - 2.0).collect();
    let t = tensor(&vals, &[6, 40]);
    w.add_histogram("tensor/f32", &t, 1u32).unwrap();
    w.add_histogram("slice/f32", &vals, 1u32).unwrap();
    let f64s: Vec<f64> = vals.iter().map(|&v| f64::from(v)).collect();
    w.add_histogram("tensor/f64", &t.to_kind(Kind::Double), 1u32)
        .unwrap();
    w.add_histogram("slice/f64", &f64s, 1u32).unwrap();
    let ints: Vec<i32> = (0..100).map(|i| (i * 37) % 11 - 5).collect();
    w.add_histogram("tensor/i32", &tensor(&ints, &[10, 10]), 1u32)
        .unwrap();
    w.add_histogram("slice/i32", &ints, 1u32).unwrap();
    // Transposed (non-contiguous): every element once.
    w.add_histogram("tensor/transposed", &t.tr(), 1u32).unwrap();
    w.add_histogram("slice/transposed", &vals, 1u32).unwrap();

    // Images: CHW float, HW u8, an HWC tensor permuted to CHW, and an NCHW batch.
    let (c, h, wd) = (3, 5, 7);
    let px = unit(c * h * wd, 2);
    w.add_image_tensor("tensor/chw", &tensor(&px, &[3, 5, 7]), 0u32)
        .unwrap();
    w.add_image("slice/chw", &px, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();
    let pxh: Vec<f16> = px.iter().map(|&v| f16::from_f32(v)).collect();
    w.add_image_tensor("tensor/chw_f16", &tensor(&pxh, &[3, 5, 7]), 0u32)
        .unwrap();
    w.add_image("slice/chw_f16", &pxh, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();
    let grey: Vec<u8> = (0..h * wd).map(|i| (i * 9) as u8).collect();
    w.add_image_tensor("tensor/hw", &tensor(&grey, &[5, 7]), 0u32)
        .unwrap();
    w.add_image("slice/hw", &grey, ImageLayout::Hw(h, wd), 0u32)
        .unwrap();
    let hwc: Vec<u8> = (0..h * wd * 3).map(|i| (i * 5 % 256) as u8).collect();
    let perm = tensor(&hwc, &[5, 7, 3]).permute([2, 0, 1]);
    w.add_image_tensor("tensor/permuted", &perm, 0u32).unwrap();
    w.add_image("slice/permuted", &hwc, ImageLayout::Hwc(h, wd, 3), 0u32)
        .unwrap();
    let batch = unit(10 * 6 * 4, 3);
    w.add_images_tensor("tensor/batch", &tensor(&batch, &[10, 1, 6, 4]), 0u32)
        .unwrap();
    w.add_images("slice/batch", &batch, BatchLayout::Nchw(10, 1, 6, 4), 0u32)
        .unwrap();

    // Audio: [L] and [C, L].
    let mono: Vec<f32> = unit(800, 4).iter().map(|v| v * 2.2 - 1.1).collect();
    w.add_audio_tensor("tensor/mono", &tensor(&mono, &[800]), 8000, 0u32)
        .unwrap();
    w.add_audio("slice/mono", &mono, 8000, 0u32).unwrap();
    let frames: Vec<f32> = (0..400).flat_map(|i| [mono[i], mono[400 + i]]).collect();
    w.add_audio_tensor("tensor/stereo", &tensor(&mono, &[2, 400]), 8000, 0u32)
        .unwrap();
    w.add_audio_channels("slice/stereo", &frames, 2, 8000, 0u32)
        .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in [
        "f32",
        "f64",
        "i32",
        "transposed",
        "chw",
        "chw_f16",
        "hw",
        "permuted",
        "batch",
        "mono",
        "stereo",
    ] {
        same(&got, name);
    }
}

#[test]
fn embeddings_from_tensors() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (n, d) = (12, 5);
    let m: Vec<f32> = unit(n * d, 5).iter().map(|v| v * 10.0 - 5.0).collect();
    let thumbs: Vec<u8> = (0..n * 16).map(|i| (i * 3 % 256) as u8).collect();
    let a = w
        .add_embedding(
            &Embedding::from_tensor("tensor", &tensor(&m, &[12, 5]))
                .images_tensor(&tensor(&thumbs, &[12, 1, 4, 4])),
            1u32,
        )
        .unwrap();
    let b = w
        .add_embedding(
            &Embedding::new("slice", &m, [n, d]).images(&thumbs, BatchLayout::Nchw(n, 1, 4, 4)),
            1u32,
        )
        .unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&a.tensor), read(&b.tensor));
    assert_eq!(
        read(a.sprite.as_ref().unwrap()),
        read(b.sprite.as_ref().unwrap())
    );
}

#[test]
fn varstore_histograms_are_tagged_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let _fc1 = nn::linear(&root / "fc1", 8, 4, Default::default());
    let _fc2 = nn::linear(&root / "head" / "fc2", 4, 2, Default::default());
    w.scope("weights")
        .unwrap()
        .add_varstore_histograms(&vs, 3u32)
        .unwrap();
    let vars = vs.variables();
    for (name, t) in &vars {
        let n = t.numel();
        let mut v = vec![0f32; n];
        t.copy_data(&mut v, n);
        w.add_histogram(&format!("slice/{}", name.replace('.', "/")), &v, 3u32)
            .unwrap();
    }
    w.flush().unwrap();
    let events = tensorboard_writer::reader::read_events(dir.path()).unwrap();
    let Some(tensorboard_writer::proto::event::What::Summary(s)) = &events[1].what else {
        panic!("no summary")
    };
    let tags: Vec<&str> = s.value.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(
        tags,
        [
            "weights/fc1/bias",
            "weights/fc1/weight",
            "weights/head/fc2/bias",
            "weights/head/fc2/weight"
        ]
    );
    let got = written(dir.path());
    for name in vars.keys() {
        let tag = name.replace('.', "/");
        assert_eq!(
            got[&format!("weights/{tag}")],
            got[&format!("slice/{tag}")],
            "{name}"
        );
    }
}
