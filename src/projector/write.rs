//! The projector's logging call on the writer.

use crate::error::Result;
use crate::tag::validate_tag;
use crate::writer::{Step, SummaryWriter};

use super::embedding::Embedding;
use super::files::{EmbeddingFiles, prepare, write_embedding};

impl SummaryWriter {
    /// Logs an embedding for the Projector at `step`: writes its files into this writer's
    /// run directory and adds it to the run's `projector_config.pbtxt` (see the
    /// [module documentation](crate::projector) for the files, the metadata and sprite
    /// rules, and the binary form).
    ///
    /// The tag gets this handle's scope and follows the [tag rules](crate::tag). Logging the
    /// same tag at the same step again replaces the earlier embedding. Everything is checked
    /// before anything is written; see [Errors](crate::projector#errors). Returns the files
    /// written and the tensor name TensorBoard shows.
    ///
    /// ```
    /// use tensorboard_writer::projector::{Embedding, Metadata, TensorFormat};
    /// use tensorboard_writer::SummaryWriter;
    /// use tensorboard_writer::summary::image::BatchLayout;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::new(dir.path().join("run"))?;
    /// // 100 points in 16 dimensions, in two clusters, as f64.
    /// let (n, d) = (100, 16);
    /// let matrix: Vec<f64> = (0..n * d)
    ///     .map(|i| if i / d < 50 { 1.0 } else { -1.0 } + (i % 7) as f64 * 0.1)
    ///     .collect();
    /// let mut meta = Metadata::new();
    /// meta.add_column("id", 0..n)?
    ///     .add_column("cluster", (0..n).map(|i| if i < 50 { "a" } else { "b" }))?;
    /// // Grey 10×10 thumbnails in [0, 1] (NCHW): a 100×100 sprite of 10×10 cells.
    /// let thumbs: Vec<f32> = (0..n * 100).map(|i| (i / 100) as f32 / n as f32).collect();
    /// let files = writer.add_embedding(
    ///     &Embedding::new("clusters", &matrix, [n, d])
    ///         .metadata(&meta)
    ///         .images(&thumbs, BatchLayout::Nchw(n, 1, 10, 10))
    ///         .format(TensorFormat::Binary),
    ///     3u32,
    /// )?;
    /// assert_eq!(files.tensor_name, "clusters:00003");
    /// assert_eq!(files.format, TensorFormat::Binary);
    /// assert_eq!(files.thumbnail_size, Some((10, 10)));
    /// assert_eq!(std::fs::metadata(&files.tensor)?.len(), (n * d * 4) as u64);
    /// let tsv = std::fs::read_to_string(files.metadata.as_ref().unwrap())?;
    /// assert!(tsv.starts_with("id\tcluster\n0\ta\n1\ta\n"));
    ///
    /// // Wrong sizes are refused, and nothing is written.
    /// let short = Metadata::labels(["only", "three", "labels"]);
    /// let e = Embedding::new("bad", &matrix, [n, d]).metadata(&short);
    /// assert!(writer.add_embedding(&e, 3u32).is_err());
    /// assert!(!dir.path().join("run/00003/bad").exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_embedding(
        &self,
        embedding: &Embedding<'_>,
        step: impl Step,
    ) -> Result<EmbeddingFiles> {
        let step = step.to_step()?;
        let tag = self.full_tag(embedding.tag);
        validate_tag(&tag)?;
        self.check_open()?;
        let prepared = prepare(embedding)?;
        write_embedding(self.logdir(), &tag, step, prepared, self.is_durable())
    }
}
