//! The files an embedding is written as: the checks and encoding ([`Prepared`]), the
//! directory per tag, atomic writes and the run's `projector_config.pbtxt`.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

use super::embedding::{Embedding, TensorFormat};
use super::metadata::bad_metadata;
use super::pbtxt;
use super::sprite;
use super::tsv;

/// The config file's name, in the run directory.
pub const CONFIG_FILE: &str = "projector_config.pbtxt";

/// Where TensorBoard looks for a config that overrides the run directory's.
pub(super) const PLUGIN_ASSETS_DIR: &str = "plugins/org_tensorflow_tensorboard_projector";

/// The asset file names this module writes in an embedding's directory.
pub(super) const TENSOR_TSV: &str = "tensors.tsv";
pub(super) const TENSOR_BIN: &str = "tensors.bin";
pub(super) const METADATA_TSV: &str = "metadata.tsv";
pub(super) const SPRITE_PNG: &str = "sprite.png";

/// Longest directory name a tag becomes (see the [module documentation](self)).
pub(super) const MAX_DIR_NAME: usize = 100;

/// What [`SummaryWriter::add_embedding`](crate::SummaryWriter::add_embedding) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmbeddingFiles {
    /// The name TensorBoard lists the embedding under: `<tag>:<step, 5 digits or more>`.
    pub tensor_name: String,
    /// The run's `projector_config.pbtxt`.
    pub config: PathBuf,
    /// The directory of this embedding's files.
    pub dir: PathBuf,
    /// The tensor file (`tensors.tsv` or `tensors.bin`).
    pub tensor: PathBuf,
    /// The format actually written: [`TensorFormat::Binary`] falls back to TSV when
    /// TensorBoard would misread the binary file (see
    /// [Tensor file](super#tensor-file-tsv-or-binary)).
    pub format: TensorFormat,
    /// `metadata.tsv`, if metadata was given.
    pub metadata: Option<PathBuf>,
    /// `sprite.png`, if thumbnails were given.
    pub sprite: Option<PathBuf>,
    /// `(width, height)` of each thumbnail in the sprite: the input size, or less when it
    /// had to be scaled down to fit 8192 × 8192.
    pub thumbnail_size: Option<(usize, usize)>,
}

/// Everything to write, checked and encoded.
pub(super) struct Prepared {
    shape: [usize; 2],
    /// The tensor file, in consecutive parts.
    tensor: Vec<Vec<u8>>,
    format: TensorFormat,
    metadata: Option<String>,
    sprite: Option<(Vec<u8>, (usize, usize))>,
}

pub(super) fn bad(reason: String) -> Error {
    Error::InvalidInput {
        what: "embedding",
        reason,
    }
}

pub(super) fn prepare(e: &Embedding<'_>) -> Result<Prepared> {
    let values = e.values.as_ref().map_err(Clone::clone)?;
    let [n, d] = e.shape;
    if n < 2 || d < 2 {
        return Err(bad(format!(
            "shape [{n}, {d}]: the Projector lists only embeddings of at least 2 points of \
             at least 2 dimensions"
        )));
    }
    if u32::try_from(n).is_err() || u32::try_from(d).is_err() {
        return Err(bad(format!(
            "shape [{n}, {d}]: TensorBoard stores each dimension as a 32-bit number"
        )));
    }
    match n.checked_mul(d) {
        Some(len) if len == values.len() => {}
        Some(len) => {
            return Err(bad(format!(
                "shape [{n}, {d}] needs {len} values, the matrix has {}",
                values.len()
            )));
        }
        None => return Err(bad(format!("shape [{n}, {d}] overflows usize"))),
    }
    // A branch-free pass first; only a bad matrix pays for finding the offender.
    if !values.iter().fold(true, |ok, v| ok & v.is_finite()) {
        let i = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(bad(format!(
            "row {}, column {} is {}: the Projector needs finite values",
            i / d,
            i % d,
            values[i]
        )));
    }
    let metadata = match e.metadata {
        None => None,
        Some(m) => {
            if m.names.is_empty() {
                return Err(bad_metadata("the metadata has no columns".into()));
            }
            if m.len() != n {
                return Err(bad_metadata(format!(
                    "{} rows for {n} points: one row per point is needed",
                    m.len()
                )));
            }
            Some(m.to_tsv())
        }
    };
    let sprite = match &e.images {
        None => None,
        Some(t) => {
            let t = t.as_ref().map_err(Clone::clone)?;
            if t.n != n {
                return Err(Error::InvalidInput {
                    what: "embedding images",
                    reason: format!(
                        "{} images for {n} points: one image per point is needed",
                        t.n
                    ),
                });
            }
            let (png, l) = sprite::sprite_png(t)?;
            Some((png, (l.w, l.h)))
        }
    };
    let mut format = e.format;
    let tensor = match format {
        TensorFormat::Binary => {
            let bytes = tsv::tensor_binary(values);
            if tsv::binary_is_unambiguous(&bytes) {
                vec![bytes]
            } else {
                format = TensorFormat::Tsv;
                tsv::tensor_tsv_parallel(values, d, threads())
            }
        }
        TensorFormat::Tsv => tsv::tensor_tsv_parallel(values, d, threads()),
    };
    Ok(Prepared {
        shape: e.shape,
        tensor,
        format,
        metadata,
        sprite,
    })
}

pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The directory name for a tag (see [Files written](self#files-written)).
pub(super) fn dir_name(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for (i, &b) in tag.as_bytes().iter().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > MAX_DIR_NAME {
        // All ASCII, so any byte index is a char boundary.
        out.truncate(MAX_DIR_NAME - 9);
        out.push_str(&format!("~{:08x}", crc32c::crc32c(tag.as_bytes())));
    }
    out
}

/// Serializes read-modify-write cycles of config files within the process.
pub(super) static CONFIG_LOCK: Mutex<()> = Mutex::new(());

/// Writes `parts` one after the other to `path`, through a temporary file of a random name
/// in the same directory and a rename, so that a reader sees the old file or the new one,
/// never a part. The temporary file is removed on any error. With `durable`, the file is
/// synced before the rename and the directory after it, so the new file survives a power
/// loss once this returns.
pub(super) fn write_atomic(path: &Path, parts: &[&[u8]], durable: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating a temporary file in", dir, e))?;
    for part in parts {
        tmp.write_all(part)
            .map_err(|e| Error::io("writing", tmp.path(), e))?;
    }
    if durable {
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io("syncing", tmp.path(), e))?;
    }
    tmp.persist(path)
        .map_err(|e| Error::io("renaming a temporary file to", path, e.error))?;
    if durable {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Syncs a directory's entries (a rename in it) to the disk. Windows cannot open a directory
/// as a file, and its renames need no such step.
fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(windows) {
        return Ok(());
    }
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing directory", dir, e))
}

/// Reads the run's config; a missing file is an empty config.
pub(super) fn read_config(path: &Path) -> Result<pbtxt::Config> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| Error::InvalidInput {
                what: "projector config",
                reason: format!("{} is not UTF-8; not overwriting it", path.display()),
            })?;
            pbtxt::Config::parse(&text).map_err(|why| Error::InvalidInput {
                what: "projector config",
                reason: format!("cannot read {}: {why}; not overwriting it", path.display()),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(pbtxt::Config::default()),
        Err(e) => Err(Error::io("reading", path, e)),
    }
}

pub(super) fn write_embedding(
    run: &Path,
    tag: &str,
    step: i64,
    p: Prepared,
    durable: bool,
) -> Result<EmbeddingFiles> {
    let step_dir = format!("{step:05}");
    let tag_dir = dir_name(tag);
    let rel_dir = format!("{step_dir}/{tag_dir}");
    let dir = run.join(&step_dir).join(&tag_dir);
    let config_path = run.join(CONFIG_FILE);
    let tensor_file = match p.format {
        TensorFormat::Tsv => TENSOR_TSV,
        TensorFormat::Binary => TENSOR_BIN,
    };

    let _guard = CONFIG_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let override_path = run.join(PLUGIN_ASSETS_DIR).join(CONFIG_FILE);
    if override_path.exists() {
        return Err(Error::InvalidInput {
            what: "projector config",
            reason: format!(
                "{} exists, and TensorBoard reads it instead of {}; move it away first",
                override_path.display(),
                config_path.display()
            ),
        });
    }
    let mut config = read_config(&config_path)?;

    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating directory", &dir, e))?;
    let mut written = vec![tensor_file];
    let parts: Vec<&[u8]> = p.tensor.iter().map(Vec::as_slice).collect();
    write_atomic(&dir.join(tensor_file), &parts, durable)?;
    let tensor_name = format!("{tag}:{step_dir}");
    let mut info = pbtxt::Info {
        tensor_name: tensor_name.clone(),
        tensor_path: format!("{rel_dir}/{tensor_file}"),
        // Checked to fit in u32 by prepare.
        tensor_shape: p.shape.iter().map(|&s| s as u32).collect(),
        ..pbtxt::Info::default()
    };
    if let Some(text) = &p.metadata {
        write_atomic(&dir.join(METADATA_TSV), &[text.as_bytes()], durable)?;
        written.push(METADATA_TSV);
        info.metadata_path = format!("{rel_dir}/{METADATA_TSV}");
    }
    if let Some((png, (w, h))) = &p.sprite {
        write_atomic(&dir.join(SPRITE_PNG), &[png], durable)?;
        written.push(SPRITE_PNG);
        info.sprite = Some(pbtxt::Sprite {
            image_path: format!("{rel_dir}/{SPRITE_PNG}"),
            // At most 8192 by construction.
            single_image_dim: vec![*w as u32, *h as u32],
        });
    }
    config.upsert(info);
    write_atomic(&config_path, &[config.to_text().as_bytes()], durable)?;

    // Files of an earlier call for the same tag and step that this one did not replace.
    for stale in [TENSOR_TSV, TENSOR_BIN, METADATA_TSV, SPRITE_PNG] {
        if !written.contains(&stale) {
            // Nothing refers to them any more; failing to remove one is harmless.
            let _ = std::fs::remove_file(dir.join(stale));
        }
    }

    Ok(EmbeddingFiles {
        tensor_name,
        config: config_path,
        tensor: dir.join(tensor_file),
        format: p.format,
        metadata: p.metadata.as_ref().map(|_| dir.join(METADATA_TSV)),
        sprite: p.sprite.as_ref().map(|_| dir.join(SPRITE_PNG)),
        thumbnail_size: p.sprite.as_ref().map(|(_, size)| *size),
        dir,
    })
}
