//! Embeddings: the entries of a run's `projector_config.pbtxt`, which the projector plugin
//! reads (no event file holds them).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::projector::pbtxt::Config;

/// The name of the projector plugin's config file in a run directory.
pub const PROJECTOR_CONFIG: &str = "projector_config.pbtxt";

/// One embedding of a projector config, its paths resolved against the run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingEntry {
    /// The name the projector shows.
    pub tensor_name: String,
    /// The tensor file (TSV or float32 binary).
    pub tensor_path: PathBuf,
    /// The tensor's shape as the config states it (empty when not stated).
    pub tensor_shape: Vec<u32>,
    /// The metadata TSV, if any.
    pub metadata_path: Option<PathBuf>,
    /// The sprite image, if any.
    pub sprite_path: Option<PathBuf>,
    /// The size of one sprite thumbnail, `[width, height]` (empty without a sprite).
    pub sprite_single_image_dim: Vec<u32>,
}

/// The embeddings of `run_dir`'s `projector_config.pbtxt` (none when the run has no such
/// file). Relative paths in the config are resolved against `run_dir`, as the projector
/// plugin resolves them.
pub fn read_embeddings(run_dir: impl AsRef<Path>) -> Result<Vec<EmbeddingEntry>> {
    let dir = run_dir.as_ref();
    let path = dir.join(PROJECTOR_CONFIG);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::read("reading", path, e)),
    };
    let config = Config::parse(&text).map_err(|reason| Error::InvalidProjectorConfig {
        path: path.clone(),
        reason,
    })?;
    let resolve = |p: &str| (!p.is_empty()).then(|| dir.join(p));
    Ok(config
        .embeddings
        .into_iter()
        .map(|e| EmbeddingEntry {
            tensor_path: dir.join(&e.tensor_path),
            metadata_path: resolve(&e.metadata_path),
            sprite_path: e.sprite.as_ref().and_then(|s| resolve(&s.image_path)),
            sprite_single_image_dim: e.sprite.map(|s| s.single_image_dim).unwrap_or_default(),
            tensor_shape: e.tensor_shape,
            tensor_name: e.tensor_name,
        })
        .collect())
}
