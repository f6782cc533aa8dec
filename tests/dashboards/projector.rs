//! Projector embeddings as written to disk: the config TensorBoard reads, the tensor,
//! metadata and sprite files, read back and compared with values computed here.

use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::Path;

use tensorboard_writer::projector::{CONFIG_FILE, Embedding, Metadata, TensorFormat};
use tensorboard_writer::summary::image::BatchLayout;
use tensorboard_writer::{Error, SummaryWriter};

/// Every file under `run` (relative, `/`-separated), except event files.
fn files(run: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().to_str().unwrap();
                if !rel.contains("tfevents") {
                    out.insert(rel.replace('\\', "/"));
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(run, run, &mut out);
    out
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Pseudo-random values with all the digits an f32 has, of both signs and many magnitudes.
fn awkward_values(n: usize, seed: u32) -> Vec<f32> {
    let mut x = seed | 1;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let mantissa = (x >> 9) as f32 / (1 << 23) as f32 + 1.0;
            let exp = (i % 41) as i32 - 20;
            let sign = if x & 1 == 0 { 1.0 } else { -1.0 };
            sign * mantissa * 2f32.powi(exp)
        })
        .collect()
}

/// The TSV tensor file read as TensorBoard reads it: Python's `float` (nearest f64), then
/// `float32`; blank lines skipped.
fn read_tsv_as_tensorboard(text: &str) -> Vec<Vec<f32>> {
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split('\t')
                .map(|v| v.parse::<f64>().unwrap() as f32)
                .collect()
        })
        .collect()
}

/// Decodes a PNG: `(width, height, channels, pixels)`.
fn decode_png(bytes: &[u8]) -> (usize, usize, usize, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width as usize, info.height as usize, channels, buf)
}

fn invalid(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::InvalidInput { what, reason }) => format!("{what}: {reason}"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn labels_and_sprite_layout_config_and_contents() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let writer = SummaryWriter::new(&run).unwrap();
    let (n, d) = (5, 3);
    let matrix = awkward_values(n * d, 1);
    let labels = Metadata::labels(["zero", "one", "two", "three", "four"]);
    // RGB 2×3 (h×w) thumbnails, NCHW: image i, channel c, pixel p has value 40i + 10c + p.
    let mut thumbs = Vec::new();
    for i in 0..n {
        for c in 0..3 {
            for p in 0..6 {
                thumbs.push((40 * i + 10 * c + p) as u8);
            }
        }
    }
    let files_written = writer
        .add_embedding(
            &Embedding::new("words", &matrix, [n, d])
                .metadata(&labels)
                .images(&thumbs, BatchLayout::Nchw(n, 3, 2, 3)),
            42u32,
        )
        .unwrap();
    assert_eq!(files_written.tensor_name, "words:00042");
    assert_eq!(files_written.format, TensorFormat::Tsv);
    assert_eq!(files_written.thumbnail_size, Some((3, 2)));
    assert_eq!(files_written.dir, run.join("00042/words"));
    assert_eq!(files_written.config, run.join(CONFIG_FILE));

    assert_eq!(
        files(&run),
        set(&[
            "projector_config.pbtxt",
            "00042/words/tensors.tsv",
            "00042/words/metadata.tsv",
            "00042/words/sprite.png",
        ])
    );
    assert_eq!(
        read(run.join(CONFIG_FILE)),
        "embeddings {\n\
         \x20 tensor_name: \"words:00042\"\n\
         \x20 tensor_path: \"00042/words/tensors.tsv\"\n\
         \x20 tensor_shape: 5\n\
         \x20 tensor_shape: 3\n\
         \x20 metadata_path: \"00042/words/metadata.tsv\"\n\
         \x20 sprite {\n\
         \x20   image_path: \"00042/words/sprite.png\"\n\
         \x20   single_image_dim: 3\n\
         \x20   single_image_dim: 2\n\
         \x20 }\n\
         }\n"
    );
    // One label per line, no header.
    assert_eq!(
        read(run.join("00042/words/metadata.tsv")),
        "zero\none\ntwo\nthree\nfour\n"
    );
    // Every value reads back bit for bit, one point per line.
    let text = read(run.join("00042/words/tensors.tsv"));
    assert!(text.ends_with('\n') && !text.contains("\n\n"));
    let rows = read_tsv_as_tensorboard(&text);
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        let want: Vec<u32> = matrix[i * d..(i + 1) * d]
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let got: Vec<u32> = row.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "row {i}");
    }
    // Sprite: 3×3 grid (⌈√5⌉ = 3) of 3×2 cells, so 9×6 RGB; thumbnail i at column i % 3,
    // row i / 3; cells 5 to 8 black.
    let png = std::fs::read(run.join("00042/words/sprite.png")).unwrap();
    let (w, h, c, px) = decode_png(&png);
    assert_eq!((w, h, c), (9, 6, 3));
    for y in 0..6 {
        for x in 0..9 {
            let i = (y / 2) * 3 + x / 3;
            let p = (y % 2) * 3 + x % 3;
            for ch in 0..3 {
                let want = if i < n {
                    (40 * i + 10 * ch + p) as u8
                } else {
                    0
                };
                assert_eq!(px[(y * 9 + x) * 3 + ch], want, "x {x} y {y} channel {ch}");
            }
        }
    }
}

#[test]
fn config_lists_every_embedding_once_across_calls_and_writers() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    // A config another tool wrote: its embedding and checkpoint path must survive.
    std::fs::write(
        run.join(CONFIG_FILE),
        "# from elsewhere\nmodel_checkpoint_path: \"model.ckpt\"\n\
         embeddings { tensor_name: \"foreign\" tensor_path: \"f.tsv\" tensor_shape: [2, 2] }\n",
    )
    .unwrap();
    let writer = SummaryWriter::new(&run).unwrap();
    let m4 = vec![0.5f32; 4 * 2];
    let m3 = vec![0.25f32; 3 * 2];
    writer
        .add_embedding(&Embedding::new("a", &m4, [4, 2]), 1u32)
        .unwrap();
    writer
        .add_embedding(&Embedding::new("b", &m4, [4, 2]), 1u32)
        .unwrap();
    writer
        .add_embedding(&Embedding::new("a", &m4, [4, 2]), 2u32)
        .unwrap();
    // Same tag and step again: replaces the first entry, in place.
    writer
        .add_embedding(&Embedding::new("a", &m3, [3, 2]), 1u32)
        .unwrap();
    drop(writer);
    // A second writer on the same run (a restarted job) adds to the config.
    let writer = SummaryWriter::new(&run).unwrap();
    writer
        .add_embedding(&Embedding::new("c", &m3, [3, 2]), 0u32)
        .unwrap();

    let text = read(run.join(CONFIG_FILE));
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tensor_name: "))
        .collect();
    assert_eq!(
        names,
        [
            "\"foreign\"",
            "\"a:00001\"",
            "\"b:00001\"",
            "\"a:00002\"",
            "\"c:00000\""
        ]
    );
    assert!(
        text.starts_with("model_checkpoint_path: \"model.ckpt\"\n"),
        "{text}"
    );
    assert!(text.contains(
        "  tensor_name: \"a:00001\"\n  tensor_path: \"00001/a/tensors.tsv\"\n  \
         tensor_shape: 3\n  tensor_shape: 2\n"
    ));
    assert_eq!(
        read(run.join("00001/a/tensors.tsv")),
        "0.25\t0.25\n".repeat(3)
    );
    // No temporary file is left behind.
    assert!(
        files(&run).iter().all(|f| !f.contains(".tmp")),
        "{:?}",
        files(&run)
    );
}

#[test]
fn relogging_removes_files_the_new_entry_does_not_use() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let m = awkward_values(4 * 2, 3);
    let labels = Metadata::labels(["a", "b", "c", "d"]);
    let imgs = vec![128u8; 4 * 2 * 2];
    let e = Embedding::new("t", &m, [4, 2])
        .metadata(&labels)
        .images(&imgs, BatchLayout::Nhwc(4, 2, 2, 1));
    writer.add_embedding(&e, 7i64).unwrap();
    assert_eq!(
        files(dir.path()),
        set(&[
            "projector_config.pbtxt",
            "00007/t/tensors.tsv",
            "00007/t/metadata.tsv",
            "00007/t/sprite.png"
        ])
    );
    let e = Embedding::new("t", &m, [4, 2]).format(TensorFormat::Binary);
    let out = writer.add_embedding(&e, 7i64).unwrap();
    assert_eq!(out.format, TensorFormat::Binary);
    assert_eq!(
        files(dir.path()),
        set(&["projector_config.pbtxt", "00007/t/tensors.bin"])
    );
    let text = read(dir.path().join(CONFIG_FILE));
    assert!(
        !text.contains("metadata_path") && !text.contains("sprite"),
        "{text}"
    );
}

#[test]
fn binary_form_is_raw_little_endian_f32_unless_tensorboard_would_read_it_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let (n, d) = (50, 8);
    // (With seed 5 the bytes start 50 0A: "P\n" is a valid first line, and the TSV form is
    // written, as it should be.)
    let m = awkward_values(n * d, 12345);
    let out = writer
        .add_embedding(
            &Embedding::new("bin", &m, [n, d]).format(TensorFormat::Binary),
            0u32,
        )
        .unwrap();
    assert_eq!(out.format, TensorFormat::Binary);
    assert_eq!(out.tensor, dir.path().join("00000/bin/tensors.bin"));
    let bytes = std::fs::read(&out.tensor).unwrap();
    let want: Vec<u8> = m.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(bytes, want);
    // TensorBoard decodes the file as UTF-8 first; these bytes must fail that.
    assert!(std::str::from_utf8(&bytes).is_err());
    let config = read(dir.path().join(CONFIG_FILE));
    assert!(config.contains(
        "tensor_path: \"00000/bin/tensors.bin\"\n  tensor_shape: 50\n  tensor_shape: 8\n"
    ));

    // All zeros, and small integers, are valid UTF-8 as float32 bytes: written as TSV.
    for (tag, m) in [
        ("zeros", vec![0.0f32; 12]),
        ("ints", vec![2.0f32, 0.5, 3.0, 2.5, 8.0, 10.0]),
    ] {
        let n = m.len() / 2;
        let out = writer
            .add_embedding(
                &Embedding::new(tag, &m, [n, 2]).format(TensorFormat::Binary),
                0u32,
            )
            .unwrap();
        assert_eq!(out.format, TensorFormat::Tsv, "{tag}");
        assert_eq!(
            out.tensor,
            dir.path().join(format!("00000/{tag}/tensors.tsv"))
        );
        let rows = read_tsv_as_tensorboard(&read(&out.tensor));
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        assert_eq!(flat, m);
    }
}

#[test]
fn f64_and_f16_matrices_and_rows_are_stored_as_f32() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let m64 = [0.1f64, -2.5, 1e-30, 123_456_789.123, 0.0, -0.0];
    let out = writer
        .add_embedding(&Embedding::new("f64", &m64, [3, 2]), 0u32)
        .unwrap();
    let got: Vec<u32> = read_tsv_as_tensorboard(&read(&out.tensor))
        .into_iter()
        .flatten()
        .map(f32::to_bits)
        .collect();
    let want: Vec<u32> = m64.iter().map(|&v| (v as f32).to_bits()).collect();
    assert_eq!(got, want);
    assert_eq!(read(&out.tensor), "0.1\t-2.5\n1e-30\t123456790\n0\t-0\n");

    let m16: Vec<half::f16> = [1.5f32, -0.25, 65504.0, 0.0009765625]
        .iter()
        .map(|&v| half::f16::from_f32(v))
        .collect();
    let out = writer
        .add_embedding(&Embedding::new("f16", &m16, [2, 2]), 0u32)
        .unwrap();
    assert_eq!(read(&out.tensor), "1.5\t-0.25\n65504\t0.0009765625\n");

    let rows = vec![vec![1.0f32, 2.0, 3.0], vec![4.0, 5.0, 6.0]];
    let out = writer
        .add_embedding(&Embedding::from_rows("rows", &rows), 0u32)
        .unwrap();
    assert_eq!(read(&out.tensor), "1\t2\t3\n4\t5\t6\n");
}

#[test]
fn tsv_survives_tensorboards_double_rounding() {
    // 7.038531e-26 is the shortest text for this f32, but read as f64 first and then
    // rounded to f32 (as TensorBoard does) it gives the neighbouring f32.
    let v = 7.038_531e-26f32;
    assert_ne!(
        ("7.038531e-26".parse::<f64>().unwrap() as f32).to_bits(),
        v.to_bits()
    );
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let m = [v, 1.0, -v, 2.0];
    let out = writer
        .add_embedding(&Embedding::new("dr", &m, [2, 2]), 0u32)
        .unwrap();
    let got: Vec<u32> = read_tsv_as_tensorboard(&read(&out.tensor))
        .into_iter()
        .flatten()
        .map(f32::to_bits)
        .collect();
    assert_eq!(got, m.map(f32::to_bits));
}

#[test]
fn metadata_tables_escaping_and_blank_rows() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let m = vec![1.0f32; 5 * 2];
    let table = Metadata::table(
        ["word", "tab\there"],
        [
            ["plain", "1"],
            ["with\ttab", "2"],
            ["multi\nline\r\n", "3"],
            ["", ""],
            ["  ", "\t"],
        ],
    )
    .unwrap();
    let out = writer
        .add_embedding(&Embedding::new("t", &m, [5, 2]).metadata(&table), 0u32)
        .unwrap();
    assert_eq!(
        read(out.metadata.as_ref().unwrap()),
        "word\ttab\\there\n\
         plain\t1\n\
         with\\ttab\t2\n\
         multi\\nline\\r\\n\t3\n\
         \u{200B}\t\n\
         \x20 \t\\t\n"
    );
    // The file has exactly one header line and one line per point, and no line is blank.
    let text = read(out.metadata.as_ref().unwrap());
    let lines: Vec<&str> = text.strip_suffix('\n').unwrap().split('\n').collect();
    assert_eq!(lines.len(), 6);
    assert!(
        lines
            .iter()
            .all(|l| !l.trim().is_empty() && l.split('\t').count() == 2)
    );

    // Labels: empty and white space labels keep their line; a tab in a label must not turn
    // the first line into a header.
    let labels = Metadata::labels(["a\tb", "", " ", "x", "y"]);
    let out = writer
        .add_embedding(&Embedding::new("l", &m, [5, 2]).metadata(&labels), 0u32)
        .unwrap();
    let text = read(out.metadata.as_ref().unwrap());
    assert_eq!(text, "a\\tb\n\u{200B}\n\u{200B} \nx\ny\n");
    assert!(!text.lines().next().unwrap().contains('\t'));

    // Columns added one by one, of any displayable type.
    let mut cols = Metadata::new();
    cols.add_column("i", 0..5)
        .unwrap()
        .add_column("x", [0.5, 1.5, 2.5, 3.5, 4.5])
        .unwrap();
    let out = writer
        .add_embedding(&Embedding::new("c", &m, [5, 2]).metadata(&cols), 0u32)
        .unwrap();
    assert_eq!(
        read(out.metadata.as_ref().unwrap()),
        "i\tx\n0\t0.5\n1\t1.5\n2\t2.5\n3\t3.5\n4\t4.5\n"
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let writer = SummaryWriter::new(&run).unwrap();
    let m = vec![0.5f32; 4 * 3];
    let labels3 = Metadata::labels(["a", "b", "c"]);
    let imgs3 = vec![0u8; 3 * 2 * 2 * 3];
    let imgs4_bad_channels = vec![0u8; 4 * 2 * 2 * 2];
    let floats_out_of_range = vec![1.5f32; 4 * 2 * 2];
    let mut nan = m.clone();
    nan[7] = f32::NAN;
    let mut inf = m.clone();
    inf[11] = f32::NEG_INFINITY;
    let one_point = vec![0.5f32; 3];
    let cases: Vec<(Embedding<'_>, &str)> = vec![
        (
            Embedding::new("t", &m, [4, 4]),
            "shape [4, 4] needs 16 values, the matrix has 12",
        ),
        (
            Embedding::new("t", &m, [12, 0]),
            "at least 2 points of at least 2 dimensions",
        ),
        (Embedding::new("t", &m, [12, 1]), "at least 2 points"),
        (Embedding::new("t", &one_point, [1, 3]), "at least 2 points"),
        (Embedding::new("t", &m, [usize::MAX, 2]), "32-bit"),
        (Embedding::new("t", &nan, [4, 3]), "row 2, column 1 is NaN"),
        (Embedding::new("t", &inf, [4, 3]), "row 3, column 2 is -inf"),
        (
            Embedding::new("t", &m, [4, 3]).metadata(&labels3),
            "3 rows for 4 points",
        ),
        (
            Embedding::new("t", &m, [4, 3]).images(&imgs3, BatchLayout::Nhwc(3, 2, 2, 3)),
            "3 images for 4 points",
        ),
        (
            Embedding::new("t", &m, [4, 3]).images(&imgs3, BatchLayout::Nhwc(4, 2, 2, 3)),
            "needs 48 values, the data has 36",
        ),
        (
            Embedding::new("t", &m, [4, 3])
                .images(&imgs4_bad_channels, BatchLayout::Nhwc(4, 2, 2, 2)),
            "2 channels",
        ),
        (
            Embedding::new("t", &m, [4, 3])
                .images(&floats_out_of_range, BatchLayout::Nchw(4, 1, 2, 2)),
            "element 0 is 1.5",
        ),
        (
            Embedding::from_rows("t", &[vec![1.0f32, 2.0], vec![3.0]]),
            "row 1 has 1 values, row 0 has 2",
        ),
        (
            Embedding::new("t", &[1e300f64, 0.0, 0.0, 0.0], [2, 2]),
            "beyond the f32 range",
        ),
    ];
    for (e, want) in &cases {
        let msg = invalid(writer.add_embedding(e, 1u32));
        assert!(msg.contains(want), "{e:?}: {msg}");
    }
    let empty = Metadata::new();
    let msg =
        invalid(writer.add_embedding(&Embedding::new("t", &m, [4, 3]).metadata(&empty), 1u32));
    assert!(msg.contains("no columns"), "{msg}");
    // Tags follow the tag rules.
    let r = writer.add_embedding(&Embedding::new("bad(tag)", &m, [4, 3]), 1u32);
    assert!(matches!(r, Err(Error::InvalidTag { .. })), "{r:?}");
    let r = writer.add_embedding(&Embedding::new("t", &m, [4, 3]), u64::MAX);
    assert!(matches!(r, Err(Error::StepOutOfRange { .. })), "{r:?}");
    // Metadata constructors check their own shape.
    assert!(
        invalid(Metadata::table(
            ["a", "b"],
            [["1", "2"], ["3", "4"], ["5", "6"]].iter().map(|r| &r[..1])
        ))
        .contains("row 0 has 1 cells")
    );
    assert!(invalid(Metadata::table(["a", "a"], [["1", "2"]])).contains("\"a\" appears twice"));
    assert!(invalid(Metadata::table(["a", ""], [["1", "2"]])).contains("empty name"));
    let mut cols = Metadata::labels(["x", "y"]);
    assert!(invalid(cols.add_column("n", [1, 2, 3])).contains("3 values"));
    assert!(invalid(cols.add_column("label", [1, 2])).contains("appears twice"));

    assert_eq!(files(&run), BTreeSet::new(), "something was written");
}

#[test]
fn a_config_it_cannot_read_back_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let garbage = "embeddings { tensor_name: \"x\" unknown_field: 3 }\n";
    std::fs::write(dir.path().join(CONFIG_FILE), garbage).unwrap();
    let m = vec![1.0f32; 4];
    let msg = invalid(writer.add_embedding(&Embedding::new("t", &m, [2, 2]), 0u32));
    assert!(
        msg.contains("unknown EmbeddingInfo field \"unknown_field\""),
        "{msg}"
    );
    assert!(msg.contains("not overwriting it"), "{msg}");
    assert_eq!(read(dir.path().join(CONFIG_FILE)), garbage);
    assert_eq!(files(dir.path()), set(&["projector_config.pbtxt"]));

    // TensorBoard would read the plugin assets config instead of the run's: refused.
    std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();
    let assets = dir
        .path()
        .join("plugins/org_tensorflow_tensorboard_projector");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join(CONFIG_FILE), "").unwrap();
    let msg = invalid(writer.add_embedding(&Embedding::new("t", &m, [2, 2]), 0u32));
    assert!(msg.contains("reads it instead"), "{msg}");
    assert_eq!(
        files(dir.path()),
        set(&["plugins/org_tensorflow_tensorboard_projector/projector_config.pbtxt"])
    );
}

#[test]
fn sprite_larger_than_8192_is_scaled_down() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    // 3 grey thumbnails of 2×5000 (h×w): a 2×2 grid would be 10,000 px wide, so each is
    // scaled by 8192 / (2 · 5000) to 4096×1 (2 · 0.8192 = 1.6 rounds down to 1).
    let (n, h, w) = (3usize, 2usize, 5000usize);
    let mut imgs = vec![0u8; n * h * w];
    for i in 0..n {
        for y in 0..h {
            for x in 0..w {
                imgs[(i * h + y) * w + x] = ((x * 7 + y * 50 + i * 30) % 256) as u8;
            }
        }
    }
    let m = awkward_values(n * 2, 9);
    let out = writer
        .add_embedding(
            &Embedding::new("big", &m, [n, 2]).images(&imgs, BatchLayout::Nchw(n, 1, h, w)),
            0u32,
        )
        .unwrap();
    assert_eq!(out.thumbnail_size, Some((4096, 1)));
    let config = read(&out.config);
    assert!(
        config.contains("single_image_dim: 4096\n    single_image_dim: 1\n"),
        "{config}"
    );
    let (sw, sh, c, px) = decode_png(&std::fs::read(out.sprite.as_ref().unwrap()).unwrap());
    assert_eq!((sw, sh, c), (8192, 2, 1));
    // Each sprite pixel is the rounded mean of the source box it covers: columns
    // [x·5000/4096, (x+1)·5000/4096) of both rows.
    for i in 0..4 {
        let (cx, cy) = ((i % 2) * 4096, i / 2);
        for x in 0..4096 {
            let got = px[cy * sw + cx + x];
            if i >= n {
                assert_eq!(got, 0);
                continue;
            }
            let (x0, x1) = (x * w / 4096, (x + 1) * w / 4096);
            let mut sum = 0usize;
            for y in 0..h {
                for sx in x0..x1 {
                    sum += imgs[(i * h + y) * w + sx] as usize;
                }
            }
            let count = h * (x1 - x0);
            assert_eq!(got as usize, (sum + count / 2) / count, "image {i} x {x}");
        }
    }
}

#[test]
fn scoped_and_unusual_tags_become_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    let enc = writer.scope("enc").unwrap();
    let m = vec![1.0f32; 4];
    let out = enc
        .add_embedding(&Embedding::new("wörds \"v2\"", &m, [2, 2]), -3i32)
        .unwrap();
    assert_eq!(out.tensor_name, "enc/wörds \"v2\":-0003");
    assert_eq!(
        out.dir,
        dir.path().join("-0003").join("enc%2Fw%C3%B6rds%20%22v2%22")
    );
    let config = read(&out.config);
    assert!(config.is_ascii());
    assert!(
        config.contains(r#"tensor_name: "enc/w\303\266rds \"v2\":-0003""#),
        "{config}"
    );
    assert!(config.contains(r#"tensor_path: "-0003/enc%2Fw%C3%B6rds%20%22v2%22/tensors.tsv""#));
}

#[test]
fn threads_and_clones_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let w = writer.clone();
            s.spawn(move || {
                let m = vec![t as f32 + 0.5; 6];
                for step in 0..5u32 {
                    w.add_embedding(&Embedding::new(&format!("t{t}"), &m, [3, 2]), step)
                        .unwrap();
                }
            });
        }
    });
    let text = read(dir.path().join(CONFIG_FILE));
    let names: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tensor_name: "))
        .collect();
    assert_eq!(names.len(), 20, "{text}");
    assert_eq!(text.matches("embeddings {").count(), 20);
}

#[test]
fn a_closed_writer_writes_no_embedding() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    writer.close().unwrap();
    let m = vec![1.0f32; 4];
    let r = writer.add_embedding(&Embedding::new("t", &m, [2, 2]), 0u32);
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
    assert_eq!(files(dir.path()), BTreeSet::new());
}
