//! Images and video: every layout and element type, grids, encoded files, a scope with a
//! merged step, and animated GIFs.
//!
//! Manifest section "images": `{tag: [point]}` with, per step,
//! `{"step", "width", "height", "blobs": [blob, ...]}` (one blob per sample). A blob is
//! `{"mime", "hex", "pixels"?, "delays_cs"?}`:
//! - `hex`: the encoded bytes as stored in the event file (read back after writing);
//!   TensorBoard must serve exactly these.
//! - `pixels`: `[[x, y, [channel values]]]` for PNGs, `[[frame, x, y, [r, g, b, a]]]` for
//!   GIFs, computed here from the input data, not from the encoder: the checker decodes the
//!   served image itself and compares.
//! - `delays_cs`: per GIF frame, the delay in hundredths of a second.
//!
//! The checker also checks the decoded width and height against `width` and `height`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::reader::read_events;
use tensorboard_writer::summary::image::{
    BatchLayout, GridOptions, ImageBox, ImageLayout, encode_png,
};
use tensorboard_writer::summary::video::VideoLayout;
use tensorboard_writer::{SummaryWriter, proto};

use crate::{Error, Manifest};

const RUN: &str = "images";
const SECTION: &str = "images";

/// A 5×3 grey JPEG (value 90), as Pillow writes it.
const TINY_JPEG_HEX: &str = "ffd8ffe000104a46494600010100000100010000ffdb004300030202030202030303\
    0304030304050805050404050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b101610111314151515\
    0c0f171816141812141514ffc0000b080003000501011100ffc40014000100000000000000000000000000000007\
    ffc40014100100000000000000000000000000000000ffda0008010100003f001a7fffd9";

fn unhex(s: &str) -> Result<Vec<u8>, Error> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| Ok(u8::from_str_radix(std::str::from_utf8(p)?, 16)?))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What one step of one tag must look like; the bytes are filled in after reading back.
struct Expect {
    tag: String,
    step: i64,
    width: usize,
    height: usize,
    mime: &'static str,
    pixels: Vec<Value>,
    delays_cs: Option<Vec<u16>>,
}

impl Expect {
    fn png(tag: &str, step: i64, width: usize, height: usize, pixels: Vec<Value>) -> Self {
        Expect {
            tag: tag.into(),
            step,
            width,
            height,
            mime: "image/png",
            pixels,
            delays_cs: None,
        }
    }
}

/// `(tag, step) -> samples` (encoded images).
type Stored = BTreeMap<(String, i64), Vec<Vec<u8>>>;

/// The image samples as stored in the run's event files.
fn stored(dir: &Path) -> Result<Stored, Error> {
    let mut out = BTreeMap::new();
    for e in read_events(dir)? {
        let Some(proto::event::What::Summary(s)) = e.what else {
            continue;
        };
        for v in s.value {
            if let Some(proto::summary::value::Value::Tensor(t)) = v.value {
                let is_image = v
                    .metadata
                    .as_ref()
                    .and_then(|m| m.plugin_data.as_ref())
                    .is_some_and(|p| p.plugin_name == "images");
                if is_image {
                    out.insert((v.tag, e.step), t.string_val[2..].to_vec());
                }
            }
        }
    }
    Ok(out)
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let dir = logdir.join(RUN);
    let w = SummaryWriter::new(&dir)?;
    let mut exp: Vec<Expect> = Vec::new();

    // Non-square RGB u8 (HWC), 7 wide and 5 high, three steps: pixel (x, y) is
    // (30x + 10s, 40y, 7 + x + y). A transposed image would be 5 wide and fail.
    let (iw, ih) = (7usize, 5usize);
    for s in 0..3i64 {
        let mut hwc = Vec::new();
        for y in 0..ih {
            for x in 0..iw {
                hwc.extend_from_slice(&[
                    (30 * x) as u8 + 10 * s as u8,
                    (40 * y) as u8,
                    (7 + x + y) as u8,
                ]);
            }
        }
        w.add_image("rgb/hwc_u8", &hwc, ImageLayout::Hwc(ih, iw, 3), s)?;
        let px = |x: usize, y: usize| json!([x, y, hwc[(y * iw + x) * 3..][..3]]);
        exp.push(Expect::png(
            "rgb/hwc_u8",
            s,
            iw,
            ih,
            vec![px(0, 0), px(6, 0), px(0, 4), px(6, 4), px(3, 2)],
        ));
    }

    // Grey f32 (HW), 4 wide and 9 high: v = (x + 4y) / 35, stored as round(255 v).
    let (gw, gh) = (4usize, 9usize);
    let grey: Vec<f32> = (0..gh * gw).map(|i| i as f32 / 35.0).collect();
    w.add_image("grey/hw_f32", &grey, ImageLayout::Hw(gh, gw), 0u32)?;
    let level = |i: usize| (f64::from(i as u32) / 35.0 * 255.0).round() as u8;
    let px = |x: usize, y: usize| json!([x, y, [level(y * gw + x)]]);
    exp.push(Expect::png(
        "grey/hw_f32",
        0,
        gw,
        gh,
        vec![px(0, 0), px(3, 0), px(0, 8), px(3, 8), px(1, 5)],
    ));

    // RGBA f16, planar (CHW), 3 wide and 2 high: channel c at (x, y) is (c + 1)(x + 3y) / 24,
    // rounded to f16; the expected bytes are round(255 v) of the f16 values.
    let (rw, rh) = (3usize, 2usize);
    let val = |c: usize, x: usize, y: usize| {
        half::f16::from_f64((c + 1) as f64 * (x + 3 * y) as f64 / 24.0)
    };
    let mut chw = Vec::new();
    for c in 0..4 {
        for y in 0..rh {
            for x in 0..rw {
                chw.push(val(c, x, y));
            }
        }
    }
    w.add_image("rgba/chw_f16", &chw, ImageLayout::Chw(4, rh, rw), 5u32)?;
    let px = |x: usize, y: usize| {
        let v: Vec<u8> = (0..4)
            .map(|c| (val(c, x, y).to_f64() * 255.0).round() as u8)
            .collect();
        json!([x, y, v])
    };
    exp.push(Expect::png(
        "rgba/chw_f16",
        5,
        rw,
        rh,
        vec![px(0, 0), px(2, 0), px(1, 1), px(2, 1)],
    ));

    // A batch of 5 RGB images of 3 high × 4 wide, NCHW; image k is (40k, 255 - 40k, 100)
    // with (0, 0) = (1, 2, 3). Step 0: 3 columns, padding 2, white: a 2 × 3 grid,
    // 2·(3+2)+2 = 12 high, 3·(4+2)+2 = 20 wide. Step 1: defaults (8 columns, padding 2, black):
    // one row, 7 high, 32 wide.
    let (n, bh, bw) = (5usize, 3usize, 4usize);
    let colour = |k: usize, i: usize| -> [u8; 3] {
        if i == 0 {
            [1, 2, 3]
        } else {
            [(40 * k) as u8, (255 - 40 * k) as u8, 100]
        }
    };
    let mut nchw = vec![0u8; n * 3 * bh * bw];
    for k in 0..n {
        for i in 0..bh * bw {
            for c in 0..3 {
                nchw[(k * 3 + c) * bh * bw + i] = colour(k, i)[c];
            }
        }
    }
    let layout = BatchLayout::Nchw(n, 3, bh, bw);
    let grid = GridOptions::new().columns(3).padding(2).pad_value(255);
    w.add_images_with("batch/nchw_grid", &nchw, layout, &grid, 0u32)?;
    w.add_images("batch/nchw_grid", &nchw, layout, 1u32)?;
    for (step, cols, pad) in [(0i64, 3usize, 255u8), (1, 8, 0)] {
        let cols_used = cols.min(n);
        let rows = n.div_ceil(cols_used);
        let (gw, gh) = (cols_used * (bw + 2) + 2, rows * (bh + 2) + 2);
        let mut pixels = Vec::new();
        for k in 0..n {
            let (x0, y0) = (
                2 + (k % cols_used) * (bw + 2),
                2 + (k / cols_used) * (bh + 2),
            );
            pixels.push(json!([x0, y0, colour(k, 0)]));
            pixels.push(json!([x0 + bw - 1, y0 + bh - 1, colour(k, 1)]));
            pixels.push(json!([x0 - 1, y0, [pad, pad, pad]]));
        }
        pixels.push(json!([gw - 1, gh - 1, [pad, pad, pad]]));
        exp.push(Expect::png("batch/nchw_grid", step, gw, gh, pixels));
    }

    // Already-encoded files, stored as given.
    let png = encode_png(&[0u8, 255, 128, 64, 32, 16], ImageLayout::Hw(3, 2))?;
    w.add_image_encoded("encoded/png", &png, 0u32)?;
    exp.push(Expect::png(
        "encoded/png",
        0,
        2,
        3,
        vec![json!([1, 0, [255]]), json!([0, 2, [32]])],
    ));
    w.add_image_encoded("encoded/jpeg", &unhex(TINY_JPEG_HEX)?, 0u32)?;
    exp.push(Expect {
        mime: "image/jpeg",
        ..Expect::png("encoded/jpeg", 0, 5, 3, vec![])
    });

    // Boxes on a grey image (which becomes RGB): outline pixels in the box's colour, the
    // inside and the outside untouched, the label's tab above the box.
    let (bh, bw) = (40usize, 48usize);
    let grey = vec![60u8; bh * bw];
    let boxes = [
        ImageBox::new(4.0, 20.0, 30.0, 35.0).label("a"),
        ImageBox::new(34.0, 2.0, 45.0, 12.0)
            .color([0, 200, 90])
            .thickness(1),
    ];
    w.add_image_with_boxes("boxes/grey", &grey, ImageLayout::Hw(bh, bw), &boxes, 2u32)?;
    exp.push(Expect::png(
        "boxes/grey",
        2,
        bw,
        bh,
        vec![
            json!([4, 20, [255, 0, 0]]),
            json!([5, 21, [255, 0, 0]]),
            json!([30, 35, [255, 0, 0]]),
            json!([6, 22, [60, 60, 60]]),
            json!([17, 27, [60, 60, 60]]),
            json!([4, 10, [255, 0, 0]]), // the label's tab: rows 10..=19, columns 4..=13
            json!([13, 19, [255, 0, 0]]),
            json!([14, 15, [60, 60, 60]]),
            json!([34, 2, [0, 200, 90]]),
            json!([45, 12, [0, 200, 90]]),
            json!([35, 3, [60, 60, 60]]),
            json!([47, 39, [60, 60, 60]]),
        ],
    ));

    // A scope and a merged step holding an image and a scalar.
    let eval = w.scope("eval")?;
    eval.step(3u32)
        .image("sample", &[10u8, 20, 30, 40, 50, 60], ImageLayout::Hw(2, 3))
        .scalar("score", 0.5f32)
        .write()?;
    exp.push(Expect::png(
        "eval/sample",
        3,
        3,
        2,
        vec![json!([2, 0, [30]]), json!([0, 1, [40]])],
    ));
    m.expect(RUN, "eval/score", 3, 0.5, None);

    // Video, RGB u8 (THWC): 4 frames, 6 wide and 5 high, at 4 fps; frame f is dark blue
    // with a red pixel at (f, 1) and a green one at (5, 4): few colours, so exact.
    let (t, vw, vh) = (4usize, 6usize, 5usize);
    let mut thwc = vec![0u8; t * vh * vw * 3];
    for f in 0..t {
        for i in 0..vh * vw {
            thwc[(f * vh * vw + i) * 3..][..3].copy_from_slice(&[0, 0, 90]);
        }
        thwc[(f * vh * vw + vw + f) * 3..][..3].copy_from_slice(&[255, 0, 0]);
        thwc[(f * vh * vw + 4 * vw + 5) * 3..][..3].copy_from_slice(&[0, 255, 0]);
    }
    w.add_video(
        "video/rgb_thwc",
        &thwc,
        VideoLayout::Thwc(t, vh, vw, 3),
        4.0,
        0u32,
    )?;
    let mut pixels = Vec::new();
    for f in 0..t {
        pixels.push(json!([f, f, 1, [255, 0, 0, 255]]));
        pixels.push(json!([f, 5, 4, [0, 255, 0, 255]]));
        pixels.push(json!([f, (f + 1) % vw, 1, [0, 0, 90, 255]]));
    }
    exp.push(Expect {
        mime: "image/gif",
        delays_cs: Some(vec![25; t]),
        ..Expect::png("video/rgb_thwc", 0, vw, vh, pixels)
    });

    // Video, grey f32 (TCHW): 3 frames, 8 wide and 3 high, at 10 fps; pixel i of frame f is
    // ((7(24f + i)) mod 256) / 255, exact in a grey GIF.
    let (t, vw, vh) = (3usize, 8usize, 3usize);
    let level = |f: usize, i: usize| ((7 * (f * vw * vh + i)) % 256) as u8;
    let grey: Vec<f32> = (0..t * vw * vh)
        .map(|j| f32::from(level(j / (vw * vh), j % (vw * vh))) / 255.0)
        .collect();
    w.step(2u32)
        .video(
            "video/grey_tchw",
            &grey,
            VideoLayout::Tchw(t, 1, vh, vw),
            10.0,
        )
        .write()?;
    let mut pixels = Vec::new();
    for f in 0..t {
        for (x, y) in [(0, 0), (7, 0), (3, 2), (7, 2)] {
            let v = level(f, y * vw + x);
            pixels.push(json!([f, x, y, [v, v, v, 255]]));
        }
    }
    exp.push(Expect {
        mime: "image/gif",
        delays_cs: Some(vec![10; t]),
        ..Expect::png("video/grey_tchw", 2, vw, vh, pixels)
    });

    w.close()?;

    let blobs = stored(&dir)?;
    for e in exp {
        let Some(samples) = blobs.get(&(e.tag.clone(), e.step)) else {
            return Err(format!("images: {} step {} was not written", e.tag, e.step).into());
        };
        let blobs: Vec<Value> = samples
            .iter()
            .map(|b| {
                let mut blob = json!({"mime": e.mime, "hex": hex(b), "pixels": e.pixels});
                if let Some(d) = &e.delays_cs {
                    blob["delays_cs"] = json!(d);
                }
                blob
            })
            .collect();
        m.point(
            RUN,
            SECTION,
            &e.tag,
            json!({"step": e.step, "width": e.width, "height": e.height, "blobs": blobs}),
        );
    }
    Ok(())
}
