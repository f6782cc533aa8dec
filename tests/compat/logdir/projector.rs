//! Projector embeddings, all in run `projector` (the only run with a `projector_config.pbtxt`,
//! so the Projector tab opens on it):
//!
//! - `sprites` at step 0: 300 points in 16 dimensions in 10 clusters, a 3-column metadata
//!   table, and a 32×32 RGB thumbnail per point in its cluster's colour with a dark border.
//!   It has metadata and the most points, so the Projector shows it first; the checker takes
//!   a screenshot of it.
//! - `words` at steps 1 and 2 (step 1 logged twice: the second replaces the first): labels
//!   without a header, with a tab, a line break, an empty and a blank label, and the value
//!   `7.038531e-26` whose shortest text TensorBoard would misread.
//! - `binary` at step 5: raw float32 tensor file. `zeros` at step 5: binary asked, but all
//!   zeros are valid UTF-8, so TSV is written.
//! - `enc/wörds v2` at step 3 (a scoped, non-ASCII tag): RGBA `f32` planar thumbnails.
//! - `wide` at step 4: 3 grey thumbnails of 2×5000, scaled down to 4096×1 to fit the
//!   8192-pixel limit.
//!
//! Manifest section "projector": `{tag: [{"step", "tensor_name", "shape": [N, D],
//! "tensor_file": "tensors.tsv" | "tensors.bin", "tensor_hex": the matrix as little-endian
//! float32, "metadata": expected metadata.tsv text or null, "sprite": null or {"hex": the
//! PNG written, "single_image_dim": [w, h], "size": [width, height], "channels": c,
//! "pixels": [[x, y, [channel values]]]}, "screenshot"?: {"colors": [[r, g, b]...]}}]}`.
//! Every expected value except the sprite's bytes is computed here from the inputs, not by
//! the crate. `tests/compat/sections/projector.py` checks it through the plugin's HTTP API.

use std::path::Path;

use serde_json::{Value, json};
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::projector::{Embedding, EmbeddingFiles, Metadata, TensorFormat};
use tensorboard_writer::summary::image::BatchLayout;

use crate::rng::Rng;
use crate::{Error, Manifest};

const RUN: &str = "projector";
const SECTION: &str = "projector";

/// Colours of the 10 clusters: far from each other, from the Projector's axis colours
/// (red, green, blue) and from its orange header, so the screenshot check can tell them.
const COLORS: [[u8; 3]; 10] = [
    [255, 0, 255],
    [0, 230, 230],
    [250, 230, 0],
    [130, 0, 255],
    [255, 0, 120],
    [0, 120, 120],
    [120, 120, 0],
    [0, 0, 140],
    [140, 70, 10],
    [140, 255, 100],
];
const BORDER: [u8; 3] = [40, 40, 40];

fn hex(bytes: impl IntoIterator<Item = u8>) -> String {
    bytes.into_iter().map(|b| format!("{b:02x}")).collect()
}

fn f32_hex(values: &[f32]) -> String {
    hex(values.iter().flat_map(|v| v.to_le_bytes()))
}

/// The manifest point for one embedding.
fn entry(
    tag: &str,
    step: i64,
    files: &EmbeddingFiles,
    (n, d): (usize, usize),
    values: &[f32],
    metadata: Option<String>,
    sprite: Value,
) -> Value {
    let tensor_file = files
        .tensor
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("")
        .to_owned();
    json!({
        "step": step,
        "tensor_name": format!("{tag}:{step:05}"),
        "shape": [n, d],
        "tensor_file": tensor_file,
        "tensor_hex": f32_hex(values),
        "metadata": metadata,
        "sprite": sprite,
    })
}

fn sprite_json(
    files: &EmbeddingFiles,
    dim: (usize, usize),
    size: (usize, usize),
    channels: usize,
    pixels: Vec<Value>,
) -> Result<Value, Error> {
    let path = files.sprite.as_ref().ok_or("no sprite written")?;
    Ok(json!({
        "hex": hex(std::fs::read(path)?),
        "single_image_dim": [dim.0, dim.1],
        "size": [size.0, size.1],
        "channels": channels,
        "pixels": pixels,
    }))
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let w = SummaryWriter::new(logdir.join(RUN))?;
    sprites(&w, m)?;
    words(&w, m)?;
    binary(&w, m)?;
    scoped(&w, m)?;
    wide(&w, m)?;
    w.close()?;
    Ok(())
}

/// 300 points in 10 clusters with a table and coloured thumbnails (the screenshot's).
fn sprites(w: &SummaryWriter, m: &mut Manifest) -> Result<(), Error> {
    let (n, d, s) = (300usize, 16usize, 32usize);
    let mut rng = Rng(0x5EED);
    let centres: Vec<f32> = (0..10 * d).map(|_| rng.normal() * 2.5).collect();
    let mut values = Vec::with_capacity(n * d);
    for i in 0..n {
        let c = i % 10;
        for j in 0..d {
            values.push(centres[c * d + j] + rng.normal());
        }
    }
    let names = [
        "magenta", "cyan", "yellow", "violet", "rose", "teal", "olive", "navy", "brown", "lime",
    ];
    let mut meta = Metadata::new();
    meta.add_column("label", (0..n).map(|i| format!("{} #{i}", names[i % 10])))?
        .add_column("cluster", (0..n).map(|i| names[i % 10]))?
        .add_column("index", 0..n)?;
    let mut expected_meta = String::from("label\tcluster\tindex\n");
    for i in 0..n {
        expected_meta.push_str(&format!("{} #{i}\t{}\t{i}\n", names[i % 10], names[i % 10]));
    }
    // NHWC u8: a 3-pixel border, the cluster's colour inside.
    let colour = |i: usize, x: usize, y: usize| {
        if x < 3 || y < 3 || x >= s - 3 || y >= s - 3 {
            BORDER
        } else {
            COLORS[i % 10]
        }
    };
    let mut thumbs = Vec::with_capacity(n * s * s * 3);
    for i in 0..n {
        for y in 0..s {
            for x in 0..s {
                thumbs.extend_from_slice(&colour(i, x, y));
            }
        }
    }
    let files = w.add_embedding(
        &Embedding::new("sprites", &values, [n, d])
            .metadata(&meta)
            .images(&thumbs, BatchLayout::Nhwc(n, s, s, 3)),
        0u32,
    )?;
    // ⌈√300⌉ = 18 per row and column: 576×576. Thumbnail i at (i % 18, i / 18).
    let k = 18;
    let mut pixels = Vec::new();
    for i in [0usize, 1, 17, 18, 150, 299] {
        let (x0, y0) = ((i % k) * s, (i / k) * s);
        for (x, y) in [(0, 0), (16, 16), (31, 5), (4, 30)] {
            pixels.push(json!([x0 + x, y0 + y, colour(i, x, y)]));
        }
    }
    // Unused cells (300..324) are black.
    pixels.push(json!([(300 % k) * s + 10, (300 / k) * s + 10, [0, 0, 0]]));
    pixels.push(json!([575, 575, [0, 0, 0]]));
    let sprite = sprite_json(&files, (s, s), (k * s, k * s), 3, pixels)?;
    let mut e = entry(
        "sprites",
        0,
        &files,
        (n, d),
        &values,
        Some(expected_meta),
        sprite,
    );
    e["screenshot"] = json!({"colors": COLORS, "points": n});
    m.point(RUN, SECTION, "sprites", e);
    Ok(())
}

/// Labels with awkward characters, two steps, one replaced.
fn words(w: &SummaryWriter, m: &mut Manifest) -> Result<(), Error> {
    let (n, d) = (8usize, 3usize);
    // Step 1, first version: replaced below, so never served.
    let first = vec![9.0f32; n * d];
    let labels = Metadata::labels((0..n).map(|i| format!("old {i}")));
    w.add_embedding(
        &Embedding::new("words", &first, [n, d]).metadata(&labels),
        1u32,
    )?;

    let labels = [
        "plain",
        "tab\there",
        "two\nlines",
        "",
        "   ",
        "#hash",
        "back\\slash",
        "ünïcødé",
    ];
    // The writer's documented escaping, spelled out: \t \n \r as two characters, blank lines
    // get a leading U+200B.
    let expected =
        "plain\ntab\\there\ntwo\\nlines\n\u{200B}\n\u{200B}   \n#hash\nback\\slash\nünïcødé\n";
    for step in [1i64, 2] {
        let mut rng = Rng(0xD0 + step as u64);
        let mut values: Vec<f32> = (0..n * d)
            .map(|_| rng.normal() * 10f32.powi(step as i32))
            .collect();
        values[4] = 7.038_531e-26; // decimal -> f64 -> f32 differs from decimal -> f32
        values[5] = -0.0;
        values[6] = f32::MAX;
        values[7] = f32::from_bits(1); // smallest subnormal
        let meta = Metadata::labels(labels);
        let files = w.add_embedding(
            &Embedding::new("words", &values, [n, d]).metadata(&meta),
            step,
        )?;
        m.point(
            RUN,
            SECTION,
            "words",
            entry(
                "words",
                step,
                &files,
                (n, d),
                &values,
                Some(expected.into()),
                Value::Null,
            ),
        );
    }
    Ok(())
}

/// The binary form, and its fallback for all zeros.
fn binary(w: &SummaryWriter, m: &mut Manifest) -> Result<(), Error> {
    let (n, d) = (50usize, 8usize);
    let mut rng = Rng(0xB1);
    let values: Vec<f32> = (0..n * d).map(|_| rng.normal()).collect();
    let files = w.add_embedding(
        &Embedding::new("binary", &values, [n, d]).format(TensorFormat::Binary),
        5u32,
    )?;
    if files.format != TensorFormat::Binary {
        return Err("random data should be written in binary".into());
    }
    m.point(
        RUN,
        SECTION,
        "binary",
        entry("binary", 5, &files, (n, d), &values, None, Value::Null),
    );

    let zeros = vec![0.0f32; 6 * 4];
    let files = w.add_embedding(
        &Embedding::new("zeros", &zeros, [6, 4]).format(TensorFormat::Binary),
        5u32,
    )?;
    if files.format != TensorFormat::Tsv {
        return Err("all zeros must fall back to TSV".into());
    }
    m.point(
        RUN,
        SECTION,
        "zeros",
        entry("zeros", 5, &files, (6, 4), &zeros, None, Value::Null),
    );
    Ok(())
}

/// A scoped, non-ASCII tag with a 3-column table and RGBA f32 planar thumbnails.
fn scoped(w: &SummaryWriter, m: &mut Manifest) -> Result<(), Error> {
    let enc = w.scope("enc")?;
    let (n, d, s) = (5usize, 4usize, 6usize);
    let values: Vec<f32> = (0..n * d).map(|i| (i as f32 - 7.5) / 3.0).collect();
    let meta = Metadata::table(
        ["name", "group", "score"],
        (0..n).map(|i| {
            [
                format!("w{i}"),
                ["a", "b"][i % 2].to_owned(),
                format!("{}", i as f32 * 0.25),
            ]
        }),
    )?;
    let expected_meta =
        "name\tgroup\tscore\nw0\ta\t0\nw1\tb\t0.25\nw2\ta\t0.5\nw3\tb\t0.75\nw4\ta\t1\n";
    // NCHW f32: channel c of image i at (x, y) is ((i + 1)(c + 1) + x + y) / 41, alpha
    // (x + y + 1) / 13; stored as round(255 v). (Odd denominators: 255 v is never within
    // f32 rounding of a half, so f32 and f64 arithmetic round alike.)
    let val = |i: usize, c: usize, x: usize, y: usize| -> f32 {
        if c == 3 {
            (x + y + 1) as f32 / 13.0
        } else {
            ((i + 1) * (c + 1) + x + y) as f32 / 41.0
        }
    };
    let mut thumbs = Vec::new();
    for i in 0..n {
        for c in 0..4 {
            for y in 0..s {
                for x in 0..s {
                    thumbs.push(val(i, c, x, y));
                }
            }
        }
    }
    let tag = "wörds v2";
    let files = enc.add_embedding(
        &Embedding::new(tag, &values, [n, d])
            .metadata(&meta)
            .images(&thumbs, BatchLayout::Nchw(n, 4, s, s)),
        3u32,
    )?;
    // 3×3 grid of 6×6: 18×18 RGBA.
    let k = 3;
    let mut pixels = Vec::new();
    for i in 0..n {
        for (x, y) in [(0, 0), (5, 2), (3, 5)] {
            let px: Vec<u8> = (0..4)
                .map(|c| (f64::from(val(i, c, x, y)) * 255.0 + 0.5).floor() as u8)
                .collect();
            pixels.push(json!([(i % k) * s + x, (i / k) * s + y, px]));
        }
    }
    pixels.push(json!([17, 17, [0, 0, 0, 0]]));
    let sprite = sprite_json(&files, (s, s), (k * s, k * s), 4, pixels)?;
    let full = format!("enc/{tag}");
    m.point(
        RUN,
        SECTION,
        &full,
        entry(
            &full,
            3,
            &files,
            (n, d),
            &values,
            Some(expected_meta.into()),
            sprite,
        ),
    );
    Ok(())
}

/// Thumbnails too wide for the 8192-pixel limit: scaled down by a box filter.
fn wide(w: &SummaryWriter, m: &mut Manifest) -> Result<(), Error> {
    let (n, h, iw) = (3usize, 2usize, 5000usize);
    let level = |i: usize, x: usize, y: usize| ((x * 7 + y * 50 + i * 30) % 256) as u8;
    let mut thumbs = Vec::with_capacity(n * h * iw);
    for i in 0..n {
        for y in 0..h {
            for x in 0..iw {
                thumbs.push(level(i, x, y));
            }
        }
    }
    let values: Vec<f32> = (0..n * 2).map(|i| i as f32 + 0.5).collect();
    let files = w.add_embedding(
        &Embedding::new("wide", &values, [n, 2]).images(&thumbs, BatchLayout::Nchw(n, 1, h, iw)),
        4u32,
    )?;
    // A 2×2 grid would be 10,000 wide: scaled by 8192/10,000 to 4096×1 (1.6 rounds down).
    let (tw, th) = (4096usize, 1usize);
    let mut pixels = Vec::new();
    for i in 0..n {
        for x in [0usize, 1, 2047, 4095] {
            let (x0, x1) = (x * iw / tw, (x + 1) * iw / tw);
            let mut sum = 0usize;
            for y in 0..h {
                for sx in x0..x1 {
                    sum += usize::from(level(i, sx, y));
                }
            }
            let count = h * (x1 - x0);
            pixels.push(json!([
                (i % 2) * tw + x,
                i / 2,
                [(sum + count / 2) / count]
            ]));
        }
    }
    pixels.push(json!([4096 + 100, 1, [0]]));
    let sprite = sprite_json(&files, (tw, th), (2 * tw, 2 * th), 1, pixels)?;
    m.point(
        RUN,
        SECTION,
        "wide",
        entry("wide", 4, &files, (n, 2), &values, None, sprite),
    );
    Ok(())
}
