//! candle tensors logged directly (feature `candle`): every tensor call is read back from
//! disk and compared with what the slice call writes for the same numbers.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use half::{bf16, f16};
use prost::Message;
use tensorboard_writer::projector::Embedding;
use tensorboard_writer::proto::summary::value::Value as V;
use tensorboard_writer::summary::image::{BatchLayout, GridOptions, ImageLayout};
use tensorboard_writer::{Error, SummaryWriter};

const CPU: Device = Device::Cpu;

fn simple_value(w: &BTreeMap<String, (i64, Vec<u8>)>, tag: &str) -> f32 {
    let v = tensorboard_writer::proto::summary::Value::decode(&w[tag].1[..]).unwrap();
    match v.value {
        Some(V::SimpleValue(x)) => x,
        other => panic!("{tag}: not a simple value: {other:?}"),
    }
}

use crate::common::{self, invalid, same, unit, written};

#[test]
fn scalars_of_every_dtype_and_one_element_shape() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let cases: Vec<(&str, Tensor, f32)> = vec![
        ("f32", Tensor::new(0.25f32, &CPU).unwrap(), 0.25),
        (
            "f64",
            Tensor::new(1.0f64 / 3.0, &CPU).unwrap(),
            (1.0f64 / 3.0) as f32,
        ),
        ("f16", Tensor::new(f16::from_f32(0.5), &CPU).unwrap(), 0.5),
        (
            "bf16",
            Tensor::new(bf16::from_f32(-2.0), &CPU).unwrap(),
            -2.0,
        ),
        ("u8", Tensor::new(200u8, &CPU).unwrap(), 200.0),
        ("i64", Tensor::new(-7i64, &CPU).unwrap(), -7.0),
        ("u32", Tensor::new(&[9u32], &CPU).unwrap(), 9.0),
        ("rank2", Tensor::new(&[[1.5f32]], &CPU).unwrap(), 1.5),
        ("nan", Tensor::new(f32::NAN, &CPU).unwrap(), f32::NAN),
    ];
    for (name, t, want) in &cases {
        w.add_scalar(&format!("tensor/{name}"), t, 3u32).unwrap();
        w.add_scalar(&format!("slice/{name}"), *want, 3u32).unwrap();
    }
    // The merged step takes tensors too.
    let loss = Tensor::new(0.125f32, &CPU).unwrap();
    w.step(4u32)
        .scalar("tensor/merged", &loss)
        .scalar("other", 1.0f32)
        .write()
        .unwrap();
    w.add_scalar("slice/merged", 0.125f32, 4u32).unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for (name, _, want) in &cases {
        same(&got, name);
        let v = simple_value(&got, &format!("tensor/{name}"));
        assert!(v == *want || (v.is_nan() && want.is_nan()), "{name}: {v}");
    }
    same(&got, "merged");
    assert_eq!(got["tensor/merged"].0, 4);
}

#[test]
fn a_scalar_tensor_needs_exactly_one_element() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let two = Tensor::new(&[1.0f32, 2.0], &CPU).unwrap();
    let (what, reason) = invalid(w.add_scalar("x", &two, 0u32));
    assert_eq!(what, "scalar tensor");
    assert!(reason.contains("[2]"), "{reason}");
    let empty = Tensor::zeros((0, 3), DType::F32, &CPU).unwrap();
    invalid(w.add_scalar("x", &empty, 0u32));
    assert!(w.step(0u32).scalar("y", &two).write().is_err());
    // An f64 beyond the f32 range is out of range, with the scoped tag.
    let huge = Tensor::new(1e300f64, &CPU).unwrap();
    match w.scope("s").unwrap().add_scalar("big", &huge, 0u32) {
        Err(Error::ValueOutOfRange { tag, value, .. }) => {
            assert_eq!((tag.as_str(), value), ("s/big", 1e300))
        }
        other => panic!("{other:?}"),
    }
    w.flush().unwrap();
    assert!(common::values(dir.path()).is_empty());
}

#[test]
fn histograms_of_every_dtype_shape_and_layout() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let vals: Vec<f32> = unit(6 * 40, 1).iter().map(|v| v * 4.0 - 2.0).collect();
    let t = Tensor::from_vec(vals.clone(), (6, 40), &CPU).unwrap();
    w.add_histogram("tensor/f32", &t, 1u32).unwrap();
    w.add_histogram("slice/f32", &vals, 1u32).unwrap();

    let f64s: Vec<f64> = vals.iter().map(|&v| f64::from(v) * 1.5).collect();
    let t64 = Tensor::from_vec(f64s.clone(), (2, 3, 40), &CPU).unwrap();
    w.add_histogram("tensor/f64", &t64, 1u32).unwrap();
    w.add_histogram("slice/f64", &f64s, 1u32).unwrap();

    let halves: Vec<f16> = vals.iter().map(|&v| f16::from_f32(v)).collect();
    let th = Tensor::from_vec(halves.clone(), 240, &CPU).unwrap();
    w.add_histogram("tensor/f16", &th, 1u32).unwrap();
    w.add_histogram("slice/f16", &halves, 1u32).unwrap();

    let brains: Vec<bf16> = vals.iter().map(|&v| bf16::from_f32(v)).collect();
    let tb = Tensor::from_vec(brains.clone(), (240, 1), &CPU).unwrap();
    w.add_histogram("tensor/bf16", &tb, 1u32).unwrap();
    w.add_histogram("slice/bf16", &brains, 1u32).unwrap();

    let ints: Vec<i64> = (0..100).map(|i| (i * 37) % 11 - 5).collect();
    let ti = Tensor::from_vec(ints.clone(), (10, 10), &CPU).unwrap();
    w.add_histogram("tensor/i64", &ti, 1u32).unwrap();
    w.add_histogram("slice/i64", &ints, 1u32).unwrap();

    let bytes: Vec<u8> = (0..2000).map(|i| (i * 7 % 256) as u8).collect();
    let tu = Tensor::from_vec(bytes.clone(), (2000,), &CPU).unwrap();
    w.add_histogram("tensor/u8", &tu, 1u32).unwrap();
    w.add_histogram("slice/u8", &bytes, 1u32).unwrap();

    // A transposed (non-contiguous) tensor is read in its logical order; a histogram does
    // not depend on the order, but every element must be there exactly once.
    let tt = t.t().unwrap();
    assert!(!tt.is_contiguous());
    w.add_histogram("tensor/transposed", &tt, 1u32).unwrap();
    w.add_histogram("slice/transposed", &vals, 1u32).unwrap();

    // A rank-0 tensor is a histogram of one value; a Var is a tensor.
    let var = Var::from_tensor(&t).unwrap();
    w.add_histogram("tensor/var", var.as_tensor(), 1u32)
        .unwrap();
    w.add_histogram("slice/var", &vals, 1u32).unwrap();
    w.step(2u32).histogram("tensor/merged", &t).write().unwrap();
    w.step(2u32)
        .histogram("slice/merged", &vals)
        .write()
        .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in [
        "f32",
        "f64",
        "f16",
        "bf16",
        "i64",
        "u8",
        "transposed",
        "var",
        "merged",
    ] {
        same(&got, name);
    }
}

#[test]
fn images_chw_and_hw_of_u8_and_every_float() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (c, h, wd) = (3, 5, 7);
    let px = unit(c * h * wd, 2);
    let t = Tensor::from_vec(px.clone(), (c, h, wd), &CPU).unwrap();
    w.add_image_tensor("tensor/chw_f32", &t, 0u32).unwrap();
    w.add_image("slice/chw_f32", &px, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();

    let px64: Vec<f64> = px.iter().map(|&v| f64::from(v)).collect();
    let t64 = t.to_dtype(DType::F64).unwrap();
    w.add_image_tensor("tensor/chw_f64", &t64, 0u32).unwrap();
    w.add_image("slice/chw_f64", &px64, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();

    let pxh: Vec<f16> = px.iter().map(|&v| f16::from_f32(v)).collect();
    let th = t.to_dtype(DType::F16).unwrap();
    w.add_image_tensor("tensor/chw_f16", &th, 0u32).unwrap();
    w.add_image("slice/chw_f16", &pxh, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();

    // bf16 has no slice path of its own: it is logged as the f32 values it holds exactly.
    let tb = t.to_dtype(DType::BF16).unwrap();
    let pxb: Vec<f32> = tb
        .flatten_all()
        .unwrap()
        .to_vec1::<bf16>()
        .unwrap()
        .iter()
        .map(|v| v.to_f32())
        .collect();
    w.add_image_tensor("tensor/chw_bf16", &tb, 0u32).unwrap();
    w.add_image("slice/chw_bf16", &pxb, ImageLayout::Chw(c, h, wd), 0u32)
        .unwrap();

    let grey: Vec<u8> = (0..h * wd).map(|i| (i * 9) as u8).collect();
    let tg = Tensor::from_vec(grey.clone(), (h, wd), &CPU).unwrap();
    w.add_image_tensor("tensor/hw_u8", &tg, 0u32).unwrap();
    w.add_image("slice/hw_u8", &grey, ImageLayout::Hw(h, wd), 0u32)
        .unwrap();

    // An HWC tensor permuted to CHW (non-contiguous) is the same image as the HWC slice.
    let hwc: Vec<u8> = (0..h * wd * 4).map(|i| (i * 5 % 256) as u8).collect();
    let thwc = Tensor::from_vec(hwc.clone(), (h, wd, 4), &CPU).unwrap();
    let perm = thwc.permute((2, 0, 1)).unwrap();
    w.add_image_tensor("tensor/permuted_rgba", &perm, 0u32)
        .unwrap();
    w.add_image(
        "slice/permuted_rgba",
        &hwc,
        ImageLayout::Hwc(h, wd, 4),
        0u32,
    )
    .unwrap();

    w.step(1u32)
        .image_tensor("tensor/merged", &tg)
        .write()
        .unwrap();
    w.step(1u32)
        .image("slice/merged", &grey, ImageLayout::Hw(h, wd))
        .write()
        .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    for name in [
        "chw_f32",
        "chw_f64",
        "chw_f16",
        "chw_bf16",
        "hw_u8",
        "permuted_rgba",
        "merged",
    ] {
        same(&got, name);
    }
}

#[test]
fn image_batches_nchw_as_a_grid() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (n, c, h, wd) = (10, 1, 6, 4);
    let px = unit(n * c * h * wd, 3);
    let t = Tensor::from_vec(px.clone(), (n, c, h, wd), &CPU).unwrap();
    w.add_images_tensor("tensor/grey", &t, 5u32).unwrap();
    w.add_images("slice/grey", &px, BatchLayout::Nchw(n, c, h, wd), 5u32)
        .unwrap();
    let grid = GridOptions::new().columns(3).padding(1).pad_value(255);
    let rgb: Vec<u8> = (0..4 * 3 * h * wd).map(|i| (i % 251) as u8).collect();
    let tr = Tensor::from_vec(rgb.clone(), (4, 3, h, wd), &CPU).unwrap();
    w.add_images_tensor_with("tensor/rgb", &tr, &grid, 5u32)
        .unwrap();
    w.add_images_with(
        "slice/rgb",
        &rgb,
        BatchLayout::Nchw(4, 3, h, wd),
        &grid,
        5u32,
    )
    .unwrap();
    w.flush().unwrap();
    let got = written(dir.path());
    same(&got, "grey");
    same(&got, "rgb");
}

#[test]
fn bad_image_tensors_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let rank1 = Tensor::zeros(10, DType::F32, &CPU).unwrap();
    let (what, reason) = invalid(w.add_image_tensor("a", &rank1, 0u32));
    assert_eq!(what, "image tensor");
    assert!(reason.contains("[C, H, W]"), "{reason}");
    let two_channels = Tensor::zeros((2, 4, 4), DType::F32, &CPU).unwrap();
    invalid(w.add_image_tensor("b", &two_channels, 0u32));
    let ints = Tensor::zeros((4, 4), DType::I64, &CPU).unwrap();
    let (_, reason) = invalid(w.add_image_tensor("c", &ints, 0u32));
    assert!(reason.contains("i64"), "{reason}");
    let too_bright = Tensor::full(1.5f32, (4, 4), &CPU).unwrap();
    invalid(w.add_image_tensor("d", &too_bright, 0u32));
    let chw = Tensor::zeros((3, 4, 4), DType::F32, &CPU).unwrap();
    let (what, _) = invalid(w.add_images_tensor("e", &chw, 0u32));
    assert_eq!(what, "image batch tensor");
    let empty = Tensor::zeros((0, 1, 4, 4), DType::U8, &CPU).unwrap();
    invalid(w.add_images_tensor("f", &empty, 0u32));
    assert!(
        w.step(0u32)
            .image_tensor("g", &rank1)
            .scalar("h", 1.0f32)
            .write()
            .is_err()
    );
    // An invalid tag is still reported as such.
    assert!(matches!(
        w.add_image_tensor("bad//tag", &chw, 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.flush().unwrap();
    assert!(common::values(dir.path()).is_empty());
}

#[test]
fn audio_mono_and_channel_rows() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let mono: Vec<f32> = unit(800, 4).iter().map(|v| v * 2.2 - 1.1).collect();
    let t = Tensor::from_vec(mono.clone(), 800, &CPU).unwrap();
    w.add_audio_tensor("tensor/mono", &t, 8000, 0u32).unwrap();
    w.add_audio("slice/mono", &mono, 8000, 0u32).unwrap();

    // [2, 400]: channel rows, written as interleaved frames.
    let t2 = Tensor::from_vec(mono.clone(), (2, 400), &CPU).unwrap();
    let frames: Vec<f32> = (0..400).flat_map(|i| [mono[i], mono[400 + i]]).collect();
    w.add_audio_tensor("tensor/stereo", &t2, 8000, 0u32)
        .unwrap();
    w.add_audio_channels("slice/stereo", &frames, 2, 8000, 0u32)
        .unwrap();

    let t64 = t.to_dtype(DType::F64).unwrap();
    w.add_audio_tensor("tensor/f64", &t64, 8000, 0u32).unwrap();
    w.add_audio("slice/f64", &mono, 8000, 0u32).unwrap();

    let (what, _) = invalid(w.add_audio_tensor(
        "bad",
        &Tensor::zeros((1, 2, 3), DType::F32, &CPU).unwrap(),
        8000,
        0u32,
    ));
    assert_eq!(what, "audio tensor");
    invalid(w.add_audio_tensor(
        "bad",
        &Tensor::zeros(10, DType::U8, &CPU).unwrap(),
        8000,
        0u32,
    ));
    w.flush().unwrap();
    let got = written(dir.path());
    same(&got, "mono");
    same(&got, "stereo");
    same(&got, "f64");
    assert!(!got.contains_key("bad"));
}

#[test]
fn embeddings_and_sprites_from_tensors() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let (n, d) = (12, 5);
    let m: Vec<f32> = unit(n * d, 5).iter().map(|v| v * 10.0 - 5.0).collect();
    let t = Tensor::from_vec(m.clone(), (n, d), &CPU).unwrap();
    let thumbs = unit(n * 3 * 4 * 4, 6);
    let tt = Tensor::from_vec(thumbs.clone(), (n, 3, 4, 4), &CPU).unwrap();
    let a = w
        .add_embedding(
            &Embedding::from_tensor("tensor", &t).images_tensor(&tt),
            1u32,
        )
        .unwrap();
    let b = w
        .add_embedding(
            &Embedding::new("slice", &m, [n, d]).images(&thumbs, BatchLayout::Nchw(n, 3, 4, 4)),
            1u32,
        )
        .unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&a.tensor), read(&b.tensor));
    assert_eq!(
        read(a.sprite.as_ref().unwrap()),
        read(b.sprite.as_ref().unwrap())
    );

    // f64 and bf16 matrices, and a transposed one.
    let t64 = t.to_dtype(DType::F64).unwrap();
    let c = w
        .add_embedding(&Embedding::from_tensor("f64", &t64), 1u32)
        .unwrap();
    assert_eq!(read(&c.tensor), read(&b.tensor));
    let mt: Vec<f32> = (0..d)
        .flat_map(|j| (0..n).map(move |i| (i, j)))
        .map(|(i, j)| m[i * d + j])
        .collect();
    let e = w
        .add_embedding(&Embedding::from_tensor("transposed", &t.t().unwrap()), 1u32)
        .unwrap();
    let f = w
        .add_embedding(&Embedding::new("transposed_slice", &mt, [d, n]), 1u32)
        .unwrap();
    assert_eq!(read(&e.tensor), read(&f.tensor));

    // Wrong rank or element type: an error, and no files.
    let (what, _) = invalid(w.add_embedding(
        &Embedding::from_tensor(
            "rank3",
            &Tensor::zeros((2, 2, 2), DType::F32, &CPU).unwrap(),
        ),
        1u32,
    ));
    assert_eq!(what, "embedding tensor");
    invalid(w.add_embedding(
        &Embedding::from_tensor("ints", &Tensor::zeros((4, 2), DType::U32, &CPU).unwrap()),
        1u32,
    ));
    invalid(w.add_embedding(
        &Embedding::from_tensor("thumbs", &t).images_tensor(&t),
        1u32,
    ));
    for tag in ["rank3", "ints", "thumbs"] {
        assert!(!dir.path().join("00001").join(tag).exists(), "{tag}");
    }
}

#[test]
fn varmap_histograms_are_tagged_by_scope() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &CPU);
    let _conv = candle_nn::conv2d(1, 4, 3, Default::default(), vb.pp("conv1")).unwrap();
    let _fc = candle_nn::linear(16, 2, vb.pp("model").pp("fc1")).unwrap();
    let scoped = w.scope("weights").unwrap();
    scoped.add_varmap_histograms(&varmap, 7u32).unwrap();
    // The same variables through the slice path.
    let data = varmap.data().lock().unwrap().clone();
    for (path, var) in &data {
        let vals = var
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        w.add_histogram(&format!("slice/{}", path.replace('.', "/")), &vals, 7u32)
            .unwrap();
    }
    // An empty VarMap writes nothing.
    w.add_varmap_histograms(&VarMap::new(), 8u32).unwrap();
    w.flush().unwrap();

    let events = tensorboard_writer::reader::read_events(dir.path()).unwrap();
    let merged: Vec<Vec<String>> = events
        .iter()
        .filter_map(|e| match &e.what {
            Some(tensorboard_writer::proto::event::What::Summary(s)) => {
                Some(s.value.iter().map(|v| v.tag.clone()).collect())
            }
            _ => None,
        })
        .collect();
    // One event holding every variable, sorted by path.
    assert_eq!(
        merged[0],
        [
            "weights/conv1/bias",
            "weights/conv1/weight",
            "weights/model/fc1/bias",
            "weights/model/fc1/weight"
        ]
    );
    assert_eq!(merged.len(), 1 + data.len());
    let got = written(dir.path());
    for path in data.keys() {
        let tag = path.replace('.', "/");
        assert_eq!(
            got[&format!("weights/{tag}")],
            got[&format!("slice/{tag}")],
            "{path}"
        );
    }
}

#[test]
fn varmap_paths_that_are_not_tags_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &CPU);
    let _ok = candle_nn::linear(2, 2, vb.pp("fc")).unwrap();
    let _bad = vb
        .get_with_hints(3, "odd..name", candle_nn::Init::Const(0.0))
        .unwrap();
    assert!(matches!(
        w.add_varmap_histograms(&varmap, 0u32),
        Err(Error::InvalidTag { .. })
    ));
    w.flush().unwrap();
    assert!(common::values(dir.path()).is_empty());
}
