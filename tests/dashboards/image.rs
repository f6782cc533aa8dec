//! Images and videos as written to disk: the tensor TensorBoard reads, and the pixels that
//! decoding the stored PNG or GIF gives back.

use std::io::Cursor;

use tensorboard_writer::summary::image::{
    BatchLayout, GridOptions, ImageBox, ImageLayout, encode_png,
};
use tensorboard_writer::summary::video::VideoLayout;
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::values;

/// Checks the `images` plugin form and returns `(width, height, encoded bytes)`.
fn image_blob(v: &proto::summary::Value) -> (u64, u64, Vec<u8>) {
    let md = v.metadata.as_ref().expect("metadata on every value");
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "images");
    // ImagePluginData{version: 0, converted_to_tensor: false} encodes as no bytes at all.
    assert_eq!(pd.content, b"");
    assert_eq!(md.data_class, proto::DataClass::BlobSequence as i32);
    let Some(proto::summary::value::Value::Tensor(t)) = &v.value else {
        panic!("not a tensor: {:?}", v.value)
    };
    assert_eq!(t.dtype, proto::DataType::DtString as i32);
    let dims: Vec<i64> = t
        .tensor_shape
        .as_ref()
        .unwrap()
        .dim
        .iter()
        .map(|d| d.size)
        .collect();
    assert_eq!(dims, [3]);
    assert_eq!(t.string_val.len(), 3);
    let num = |b: &[u8]| -> u64 {
        let s = std::str::from_utf8(b).expect("ASCII decimal");
        assert!(s.bytes().all(|c| c.is_ascii_digit()), "{s:?}");
        s.parse().unwrap()
    };
    (
        num(&t.string_val[0]),
        num(&t.string_val[1]),
        t.string_val[2].clone(),
    )
}

/// Decodes a PNG: `(width, height, channels, pixels)`.
fn decode_png(bytes: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width, info.height, channels, buf)
}

fn only_image(dir: &std::path::Path) -> (i64, String, (u64, u64, Vec<u8>)) {
    let vals = values(dir);
    assert_eq!(vals.len(), 1, "{vals:?}");
    let (step, v) = &vals[0];
    (*step, v.tag.clone(), image_blob(v))
}

fn no_summaries(dir: &std::path::Path) {
    assert!(values(dir).is_empty(), "something was written");
}

/// The pixel at column `x`, row `y` of an interleaved image `w` wide.
fn at(px: &[u8], w: usize, c: usize, x: usize, y: usize) -> &[u8] {
    &px[(y * w + x) * c..][..c]
}

#[test]
fn non_square_rgb_is_not_transposed() {
    // 7 wide, 5 high; pixel (x, y) = (30x, 40y, 7 + x + y).
    let (w, h) = (7usize, 5usize);
    let mut hwc = Vec::new();
    for y in 0..h {
        for x in 0..w {
            hwc.extend_from_slice(&[30 * x as u8, 40 * y as u8, (7 + x + y) as u8]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_image("rgb", &hwc, ImageLayout::Hwc(h, w, 3), 3u32)
        .unwrap();
    writer.close().unwrap();
    let (step, tag, (sw, sh, png)) = only_image(dir.path());
    assert_eq!((step, tag.as_str(), sw, sh), (3, "rgb", 7, 5));
    let (pw, ph, c, px) = decode_png(&png);
    assert_eq!((pw, ph, c), (7, 5, 3));
    assert_eq!(at(&px, w, 3, 6, 0), [180, 0, 13]);
    assert_eq!(at(&px, w, 3, 0, 4), [0, 160, 11]);
    assert_eq!(at(&px, w, 3, 2, 3), [60, 120, 12]);
    assert_eq!(px, hwc);
}

#[test]
fn chw_floats_map_to_rounded_bytes() {
    // 3 × 2 × 4 planar; channel c at (x, y) holds (c + 1)(x + 4y) / 36.
    let (c, h, w) = (3usize, 2usize, 4usize);
    let value = |ch: usize, x: usize, y: usize| (ch + 1) as f64 * (x + 4 * y) as f64 / 36.0;
    let mut chw64 = Vec::new();
    for ch in 0..c {
        for y in 0..h {
            for x in 0..w {
                chw64.push(value(ch, x, y));
            }
        }
    }
    let chw32: Vec<f32> = chw64.iter().map(|&v| v as f32).collect();
    let chw16: Vec<half::f16> = chw64.iter().map(|&v| half::f16::from_f64(v)).collect();
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let layout = ImageLayout::Chw(c, h, w);
    writer.add_image("f64", &chw64, layout, 0u32).unwrap();
    writer.add_image("f32", &chw32, layout, 0u32).unwrap();
    writer.add_image("f16", &chw16, layout, 0u32).unwrap();
    writer.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 3);
    for (_, v) in &vals {
        let (sw, sh, png) = image_blob(v);
        assert_eq!((sw, sh), (4, 2), "{}", v.tag);
        let (pw, ph, pc, px) = decode_png(&png);
        assert_eq!((pw, ph, pc), (4, 2, 3));
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    // f16 keeps 11 significant bits: convert what it stores, then round.
                    let v64 = match v.tag.as_str() {
                        "f16" => half::f16::from_f64(value(ch, x, y)).to_f64(),
                        _ => value(ch, x, y),
                    };
                    let want = (v64 * 255.0).round() as u8;
                    assert_eq!(at(&px, w, 3, x, y)[ch], want, "{} ({x},{y}) c{ch}", v.tag);
                }
            }
        }
    }
}

#[test]
fn grey_and_rgba_keep_their_channels() {
    let grey: Vec<u8> = (0..6 * 2).map(|i| i as u8 * 20).collect(); // 2 high, 6 wide
    let rgba: Vec<u8> = (0..3 * 4).map(|i| i as u8).collect(); // 3 high, 1 wide, RGBA
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .step(9u32)
        .image("grey", &grey, ImageLayout::Hw(2, 6))
        .image("rgba", &rgba, ImageLayout::Hwc(3, 1, 4))
        .image("grey_chw", &grey, ImageLayout::Chw(1, 2, 6))
        .write()
        .unwrap();
    writer.close().unwrap();
    let vals = values(dir.path());
    let tags: Vec<&str> = vals.iter().map(|(_, v)| v.tag.as_str()).collect();
    assert_eq!(tags, ["grey", "rgba", "grey_chw"]);
    let (w, h, png) = image_blob(&vals[0].1);
    assert_eq!((w, h), (6, 2));
    assert_eq!(decode_png(&png), (6, 2, 1, grey.clone()));
    let (w, h, png) = image_blob(&vals[1].1);
    assert_eq!((w, h), (1, 3));
    assert_eq!(decode_png(&png), (1, 3, 4, rgba));
    assert_eq!(
        image_blob(&vals[2].1).2,
        png_of(&grey, ImageLayout::Hw(2, 6))
    );
}

fn png_of(data: &[u8], layout: ImageLayout) -> Vec<u8> {
    encode_png(data, layout).unwrap()
}

/// `n` RGB images of `h`×`w`, image `k` filled with colour (10k, 100 + k, 200 - k) except
/// pixel (0, 0), which is (1, 2, 3); interleaved (NHWC).
fn batch_nhwc(n: usize, h: usize, w: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for k in 0..n {
        for i in 0..h * w {
            if i == 0 {
                out.extend_from_slice(&[1, 2, 3]);
            } else {
                out.extend_from_slice(&[10 * k as u8, 100 + k as u8, 200 - k as u8]);
            }
        }
    }
    out
}

fn nhwc_to_nchw(data: &[u8], n: usize, h: usize, w: usize, c: usize) -> Vec<u8> {
    let mut out = vec![0; data.len()];
    for k in 0..n {
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    out[((k * c + ch) * h + y) * w + x] = data[((k * h + y) * w + x) * c + ch];
                }
            }
        }
    }
    out
}

#[test]
fn batch_is_one_grid_like_make_grid() {
    let (n, h, w) = (11usize, 3usize, 5usize);
    let nhwc = batch_nhwc(n, h, w);
    let nchw = nhwc_to_nchw(&nhwc, n, h, w, 3);
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_images("nhwc", &nhwc, BatchLayout::Nhwc(n, h, w, 3), 1u32)
        .unwrap();
    writer
        .add_images("nchw", &nchw, BatchLayout::Nchw(n, 3, h, w), 1u32)
        .unwrap();
    let grid = GridOptions::new().columns(4).padding(1).pad_value(255);
    writer
        .add_images_with("custom", &nhwc, BatchLayout::Nhwc(n, h, w, 3), &grid, 1u32)
        .unwrap();
    writer.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 3);

    // Defaults: 8 columns, 2 rows, padding 2: 2·(3+2)+2 = 12 high, 8·(5+2)+2 = 58 wide.
    let (gw, gh) = (58usize, 12usize);
    let (w0, h0, png0) = image_blob(&vals[0].1);
    let (w1, h1, png1) = image_blob(&vals[1].1);
    assert_eq!((w0, h0, w1, h1), (58, 12, 58, 12));
    let (pw, ph, c, px) = decode_png(&png0);
    assert_eq!((pw as usize, ph as usize, c), (gw, gh, 3));
    assert_eq!(decode_png(&png1).3, px, "NCHW and NHWC give the same grid");
    for k in 0..n {
        let (x0, y0) = (2 + (k % 8) * 7, 2 + (k / 8) * 5);
        assert_eq!(at(&px, gw, 3, x0, y0), [1, 2, 3], "image {k} corner");
        let fill = [10 * k as u8, 100 + k as u8, 200 - k as u8];
        assert_eq!(at(&px, gw, 3, x0 + 4, y0 + 2), fill, "image {k}");
        assert_eq!(at(&px, gw, 3, x0 - 1, y0), [0, 0, 0], "padding left of {k}");
    }
    // Cells 11..16 of the second row are empty: padding colour.
    assert_eq!(at(&px, gw, 3, 2 + 3 * 7 + 1, 7 + 1), [0, 0, 0]);
    assert_eq!(at(&px, gw, 3, gw - 1, gh - 1), [0, 0, 0]);

    // 4 columns, 3 rows, padding 1: 3·(3+1)+1 = 13 high, 4·(5+1)+1 = 25 wide; white padding.
    let (cw, ch, png2) = image_blob(&vals[2].1);
    assert_eq!((cw, ch), (25, 13));
    let (_, _, _, px) = decode_png(&png2);
    for k in 0..n {
        let (x0, y0) = (1 + (k % 4) * 6, 1 + (k / 4) * 4);
        assert_eq!(at(&px, 25, 3, x0, y0), [1, 2, 3], "image {k} corner");
        assert_eq!(at(&px, 25, 3, x0 - 1, y0), [255, 255, 255]);
    }
}

#[test]
fn single_image_batch_has_no_padding() {
    let one = batch_nhwc(1, 4, 2);
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_images("one", &one, BatchLayout::Nhwc(1, 4, 2, 3), 0u32)
        .unwrap();
    writer.close().unwrap();
    let (_, _, (w, h, png)) = only_image(dir.path());
    assert_eq!((w, h), (2, 4));
    assert_eq!(decode_png(&png), (2, 4, 3, one));
}

#[test]
fn encoded_images_are_stored_as_given() {
    let png = png_of(&[9u8; 3 * 8 * 4], ImageLayout::Hwc(3, 8, 4));
    // A hand-made JPEG header: SOI, APP0, SOF0 with height 600 and width 800.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03]);
    jpeg.extend_from_slice(&[0; 9]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer.add_image_encoded("png", &png, 0u32).unwrap();
    writer.add_image_encoded("jpeg", &jpeg, 0u32).unwrap();
    let err = writer.add_image_encoded("junk", b"BM not supported", 0u32);
    assert!(matches!(err, Err(Error::InvalidInput { .. })), "{err:?}");
    writer.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 2);
    assert_eq!(image_blob(&vals[0].1), (8, 3, png));
    assert_eq!(image_blob(&vals[1].1), (800, 600, jpeg));
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let reason = |r: tensorboard_writer::Result<()>| match r {
        Err(Error::InvalidInput { reason, .. }) => reason,
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    let r = reason(writer.add_image("a", &[0u8; 10], ImageLayout::Hwc(2, 2, 3), 0u32));
    assert!(r.contains("needs 12 values, the data has 10"), "{r}");
    let r = reason(writer.add_image("a", &[0u8; 8], ImageLayout::Hwc(2, 2, 2), 0u32));
    assert!(r.contains("2 channels"), "{r}");
    let r = reason(writer.add_image("a", &[0u8; 0], ImageLayout::Chw(3, 0, 4), 0u32));
    assert!(r.contains("zero-sized"), "{r}");
    let mut data = vec![0.5f32; 12];
    data[7] = 1.25;
    data[9] = -3.0;
    let r = reason(writer.add_image("a", &data, ImageLayout::Chw(3, 2, 2), 0u32));
    assert!(r.contains("element 7 is 1.25"), "{r}");
    data[7] = f32::NAN;
    let r = reason(writer.add_image("a", &data, ImageLayout::Chw(3, 2, 2), 0u32));
    assert!(r.contains("element 7 is NaN"), "{r}");
    let r = reason(writer.add_images("a", &[0u8; 0], BatchLayout::Nchw(0, 3, 2, 2), 0u32));
    assert!(r.contains("zero-sized"), "{r}");
    let r = reason(writer.add_video("a", &[0u8; 12], VideoLayout::Thwc(1, 2, 2, 3), -1.0, 0u32));
    assert!(r.contains("fps"), "{r}");
    // One bad image spoils the whole merged step, scalars included.
    let r = writer
        .step(1u32)
        .scalar("loss", 0.5f32)
        .image("ok", &[0u8; 4], ImageLayout::Hw(2, 2))
        .image("bad", &[2.0f64; 4], ImageLayout::Hw(2, 2))
        .write();
    assert!(reason(r).contains("element 0 is 2"));
    // An invalid tag is reported before any encoding.
    let r = writer.add_image("bad(tag)", &[0u8; 4], ImageLayout::Hw(2, 2), 0u32);
    assert!(matches!(r, Err(Error::InvalidTag { .. })), "{r:?}");
    writer.close().unwrap();
    no_summaries(dir.path());
}

#[test]
fn boxes_are_drawn_on_the_logged_image() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // CHW floats, 3 × 24 × 32, a dark blue everywhere.
    let (h, wd) = (24, 32);
    let mut chw = vec![0.0f32; 3 * h * wd];
    chw[2 * h * wd..].fill(0.4);
    let boxes = [
        ImageBox::new(2.0, 12.0, 20.0, 22.0).label("x"),
        ImageBox::new(25.0, 1.0, 30.0, 6.0)
            .color([255, 255, 0])
            .thickness(1),
    ];
    w.add_image_with_boxes("det", &chw, ImageLayout::Chw(3, h, wd), &boxes, 4u32)
        .unwrap();
    w.flush().unwrap();
    let (step, tag, (iw, ih, png)) = only_image(dir.path());
    assert_eq!((step, tag.as_str(), iw, ih), (4, "det", 32, 24));
    let (pw, ph, c, px) = decode_png(&png);
    assert_eq!((pw, ph, c), (32, 24, 3));
    let blue = [0u8, 0, 102];
    let p = |x, y| at(&px, 32, 3, x, y).to_vec();
    // First box: 2 px thick, red, its label's tab (10 rows) right above it.
    for (x, y) in [(2, 12), (3, 13), (20, 22), (19, 21), (2, 22), (20, 12)] {
        assert_eq!(p(x, y), [255, 0, 0], "({x}, {y})");
    }
    assert_eq!(p(4, 14), blue, "inside");
    assert_eq!(p(2, 2), [255, 0, 0], "the tab's top-left corner");
    assert_eq!(p(12, 2), blue, "past the tab (one glyph: columns 2..=11)");
    // Second box: 1 px thick, yellow.
    assert_eq!(p(25, 1), [255, 255, 0]);
    assert_eq!(p(30, 6), [255, 255, 0]);
    assert_eq!(p(26, 2), blue);
    assert_eq!(p(31, 0), blue);

    // The same image without boxes differs only where the boxes are.
    let plain = encode_png(&chw, ImageLayout::Chw(3, h, wd)).unwrap();
    let (_, _, _, plain_px) = decode_png(&plain);
    let differ = px
        .chunks(3)
        .zip(plain_px.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    // Box 1's outline (19 × 11 rectangle, 2 px) plus its tab; box 2's outline (6 × 6, 1 px).
    let outline1 = 19 * 11 - 15 * 7;
    let outline2 = 6 * 6 - 4 * 4;
    let tab = 10 * 10;
    assert_eq!(differ, outline1 + outline2 + tab);
}

#[test]
fn bad_boxes_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let img = vec![0u8; 8 * 8 * 3];
    let layout = ImageLayout::Hwc(8, 8, 3);
    for b in [
        ImageBox::new(f32::NAN, 0.0, 1.0, 1.0),
        ImageBox::new(5.0, 0.0, 1.0, 1.0),
        ImageBox::new(0.0, 0.0, 1.0, 1.0).thickness(0),
    ] {
        let e = w
            .add_image_with_boxes("det", &img, layout, &[b], 0u32)
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { what: "image boxes", reason } if reason.starts_with("box 0: ")),
            "{e}"
        );
    }
    // A bad image is refused the same way, boxes or not.
    let e = w
        .add_image_with_boxes("det", &img[1..], layout, &[], 0u32)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    w.flush().unwrap();
    no_summaries(dir.path());
}

#[test]
fn layouts_from_dataformats() {
    assert_eq!(
        ImageLayout::from_dataformats("hwc", &[4, 5, 3]).unwrap(),
        ImageLayout::Hwc(4, 5, 3)
    );
    assert_eq!(
        ImageLayout::from_dataformats("HW", &[4, 5])
            .unwrap()
            .width(),
        5
    );
    assert!(ImageLayout::from_dataformats("CHW", &[3, 4]).is_err());
    assert!(ImageLayout::from_dataformats("WHC", &[3, 4, 5]).is_err());
    assert_eq!(
        BatchLayout::from_dataformats("NCHW", &[2, 3, 4, 5]).unwrap(),
        BatchLayout::Nchw(2, 3, 4, 5)
    );
    assert_eq!(
        VideoLayout::from_dataformats("TCHW", &[2, 3, 4, 5]).unwrap(),
        VideoLayout::Tchw(2, 3, 4, 5)
    );
    assert!(VideoLayout::from_dataformats("NTCHW", &[1, 2, 3, 4, 5]).is_err());
}

#[test]
fn scoped_tags() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let eval = writer.scope("eval").unwrap();
    eval.add_image("sample", &[1u8, 2], ImageLayout::Hw(1, 2), 4u32)
        .unwrap();
    writer.close().unwrap();
    let (step, tag, (w, h, _)) = only_image(dir.path());
    assert_eq!((step, tag.as_str(), w, h), (4, "eval/sample", 2, 1));
}

/// Decoded GIF frames: `(width, height, repeat, [(delay, rgba)])`.
type Gif = (u16, u16, gif::Repeat, Vec<(u16, Vec<u8>)>);

fn decode_gif(bytes: &[u8]) -> Gif {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(bytes).unwrap();
    let (w, h) = (d.width(), d.height());
    let mut frames = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        assert_eq!((f.left, f.top, f.width, f.height), (0, 0, w, h));
        frames.push((f.delay, f.buffer.to_vec()));
    }
    (w, h, d.repeat(), frames)
}

#[test]
fn video_is_a_looping_gif_with_exact_few_colours() {
    // 3 frames, 4 high, 6 wide, RGB; frame f is dark blue with a red pixel at (2f, 1) and a
    // green one at (5, 3).
    let (t, h, w) = (3usize, 4usize, 6usize);
    let mut thwc = vec![0u8; t * h * w * 3];
    for f in 0..t {
        for i in 0..h * w {
            thwc[(f * h * w + i) * 3..][..3].copy_from_slice(&[0, 0, 90]);
        }
        thwc[(f * h * w + w + 2 * f) * 3..][..3].copy_from_slice(&[255, 0, 0]);
        thwc[(f * h * w + 3 * w + 5) * 3..][..3].copy_from_slice(&[0, 255, 0]);
    }
    let tchw = nhwc_to_nchw(&thwc, t, h, w, 3);
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_video("thwc", &thwc, VideoLayout::Thwc(t, h, w, 3), 4.0, 2u32)
        .unwrap();
    writer
        .step(2u32)
        .video("tchw", &tchw, VideoLayout::Tchw(t, 3, h, w), 10.0)
        .write()
        .unwrap();
    writer.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 2);
    let (sw, sh, gif0) = image_blob(&vals[0].1);
    assert_eq!((sw, sh), (6, 4));
    assert!(gif0.starts_with(b"GIF89a"));
    let (gw, gh, repeat, frames) = decode_gif(&gif0);
    assert_eq!((gw, gh, repeat), (6, 4, gif::Repeat::Infinite));
    assert_eq!(frames.len(), 3);
    for (f, (delay, rgba)) in frames.iter().enumerate() {
        assert_eq!(*delay, 25, "4 fps = 25/100 s");
        assert_eq!(at(rgba, w, 4, 2 * f, 1), [255, 0, 0, 255], "frame {f}");
        assert_eq!(at(rgba, w, 4, 5, 3), [0, 255, 0, 255], "frame {f}");
        assert_eq!(at(rgba, w, 4, 0, 0), [0, 0, 90, 255], "frame {f}");
    }
    let (_, _, gif1) = image_blob(&vals[1].1);
    let (_, _, _, frames1) = decode_gif(&gif1);
    assert_eq!(frames1.len(), 3);
    for (a, b) in frames.iter().zip(&frames1) {
        assert_eq!(b.0, 10, "10 fps = 10/100 s");
        assert_eq!(a.1, b.1, "TCHW and THWC give the same frames");
    }
}

#[test]
fn grey_video_is_exact_and_rgba_keeps_transparency() {
    // Grey: every level 0..=255 appears (more than a quantizer would keep exactly).
    let (t, h, w) = (2usize, 16usize, 16usize);
    let grey: Vec<f32> = (0..t * h * w)
        .map(|i| ((i * 7) % 256) as f32 / 255.0)
        .collect();
    let mut rgba = vec![0u8; 2 * 2 * 3 * 4];
    for (i, px) in rgba.chunks_exact_mut(4).enumerate() {
        px.copy_from_slice(&[200, 100, 50, if i % 2 == 0 { 255 } else { 0 }]);
    }
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_video("grey", &grey, VideoLayout::Tchw(t, 1, h, w), 25.0, 0u32)
        .unwrap();
    writer
        .add_video("rgba", &rgba, VideoLayout::Thwc(2, 2, 3, 4), 1.0, 0u32)
        .unwrap();
    writer.close().unwrap();
    let vals = values(dir.path());
    let (_, _, gif0) = image_blob(&vals[0].1);
    let (_, _, _, frames) = decode_gif(&gif0);
    assert_eq!(frames.len(), 2);
    for (f, (delay, px)) in frames.iter().enumerate() {
        assert_eq!(*delay, 4);
        for i in 0..h * w {
            let v = ((f * h * w + i) * 7 % 256) as u8;
            assert_eq!(&px[i * 4..][..4], [v, v, v, 255], "frame {f} pixel {i}");
        }
    }
    let (sw, sh, gif1) = image_blob(&vals[1].1);
    assert_eq!((sw, sh), (3, 2));
    let (_, _, _, frames) = decode_gif(&gif1);
    assert_eq!(frames.len(), 2);
    for (delay, px) in &frames {
        assert_eq!(*delay, 100);
        for (i, p) in px.chunks_exact(4).enumerate() {
            if i % 2 == 0 {
                assert_eq!(p, [200, 100, 50, 255]);
            } else {
                assert_eq!(p[3], 0, "pixel {i} transparent");
            }
        }
    }
}

#[test]
fn many_colour_video_is_quantized_close() {
    // 40 × 40 smooth RGB gradient: 1600 colours, so NeuQuant picks 256.
    let (h, w) = (40usize, 40usize);
    let mut frame = Vec::new();
    for y in 0..h {
        for x in 0..w {
            frame.extend_from_slice(&[(x * 6) as u8, (y * 6) as u8, 128]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer
        .add_video("grad", &frame, VideoLayout::Thwc(1, h, w, 3), 4.0, 0u32)
        .unwrap();
    writer.close().unwrap();
    let (_, _, (_, _, gif)) = only_image(dir.path());
    let (_, _, _, frames) = decode_gif(&gif);
    let px = &frames[0].1;
    let errors: Vec<i32> = (0..h * w)
        .flat_map(|i| (0..3).map(move |c| (i, c)))
        .map(|(i, c)| (i32::from(px[i * 4 + c]) - i32::from(frame[i * 3 + c])).abs())
        .collect();
    // NeuQuant (speed 10) measured a mean error of 7.7 levels on this frame; a transposed or
    // garbled frame would be off by about 80.
    let mean = f64::from(errors.iter().sum::<i32>()) / errors.len() as f64;
    assert!(mean < 12.0, "mean channel error {mean}");
    assert!(px.chunks_exact(4).all(|p| p[3] == 255), "opaque");
}
