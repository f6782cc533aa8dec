//! Embeddings for TensorBoard's Projector: a matrix of N points in D dimensions, with
//! optional per-point metadata (labels, or a table of named columns) and thumbnail images,
//! written as the files and the `projector_config.pbtxt` the projector plugin reads.
//!
//! ```
//! use tensorboard_writer::projector::{Embedding, Metadata};
//! use tensorboard_writer::{BatchLayout, SummaryWriter};
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path().join("run"))?;
//! // 4 points in 3 dimensions, row-major.
//! let points = [0.0f32, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0];
//! let labels = Metadata::labels(["north", "east", "up", "corner"]);
//! // One 8×8 RGB thumbnail per point (NHWC, values 0–255).
//! let thumbs: Vec<u8> = (0..4 * 8 * 8 * 3).map(|i| (i * 7 % 256) as u8).collect();
//! let files = writer.add_embedding(
//!     &Embedding::new("corners", &points, [4, 3])
//!         .metadata(&labels)
//!         .images(&thumbs, BatchLayout::Nhwc(4, 8, 8, 3)),
//!     10u32,
//! )?;
//! assert_eq!(files.tensor_name, "corners:00010");
//! # let run = dir.path().join("run");
//! # assert_eq!(std::fs::read_to_string(run.join("00010/corners/metadata.tsv"))?, "north\neast\nup\ncorner\n");
//! # assert_eq!(std::fs::read_to_string(run.join("00010/corners/tensors.tsv"))?, "0\t0\t1\n1\t0\t0\n0\t1\t0\n1\t1\t1\n");
//! # assert!(std::fs::read_to_string(run.join("projector_config.pbtxt"))?.contains("tensor_name: \"corners:00010\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Then `tensorboard --logdir <parent of run>` and open the Projector tab.
//!
//! # Files written
//!
//! For an embedding with tag `words` logged at step 5 by a writer on run directory `run/`:
//!
//! ```text
//! run/
//!   events.out.tfevents.…            the writer's event file: it makes run/ a run
//!   projector_config.pbtxt           every embedding logged into run/ so far
//!   00005/words/tensors.tsv          the matrix (or tensors.bin, see below)
//!   00005/words/metadata.tsv         if metadata was given
//!   00005/words/sprite.png           if thumbnails were given
//! ```
//!
//! This is tensorboardX's layout. The step is formatted with at least 5 digits (`{:05}`,
//! so `-0003` for step −3). The tag (with the writer's [scope](crate::SummaryWriter::scope))
//! becomes one directory name: ASCII letters, digits, `-`, `_` and non-leading `.` are kept
//! and every other byte is written as `%XX` (`enc/words` → `enc%2Fwords`); a name longer than
//! 100 bytes is cut to 91 and ends with `~` and 8 hexadecimal digits of a CRC-32C of the tag.
//! The paths in the config are relative to the run directory: TensorBoard 2.21 refuses
//! paths that resolve outside the directory of the config file.
//!
//! The **tensor name**, which the Projector lists in its tensor menu and the HTTP API takes
//! as `name`, is `<tag>:<step as above>` (`words:00005`), as with tensorboardX. (The plugin
//! drops a trailing `:0` from names; these never end that way.)
//!
//! # The config file
//!
//! `projector_config.pbtxt` lists every embedding of the run, across tags and steps: each
//! call reads the file, replaces the entry with the same tensor name (logging the same tag
//! and step again replaces its files and its entry) or adds one, and writes the file anew.
//! Entries written by other tools are kept as they are. The new file is written under a
//! temporary name in the same directory and renamed over the old one, so TensorBoard never
//! reads half a file; the asset files are replaced the same way, and are all in place before
//! the config names them. Because the file itself is the record, a later writer on the same
//! run (after a restart, say) adds to it rather than starting over.
//!
//! Calls from any number of writers and threads in one process are serialized. Two
//! *processes* adding embeddings to one run at the same moment can lose one of the two
//! entries (as two writers should not share a run anyway).
//!
//! A config that cannot be read back (a syntax error, a field `ProjectorConfig` does not
//! have) is an error, and nothing is written: the file is never overwritten with less than
//! it held. So is a `plugins/org_tensorflow_tensorboard_projector/projector_config.pbtxt`
//! in the run directory, which TensorBoard would read *instead of* the run directory's.
//!
//! # Metadata
//!
//! [`Metadata::labels`] gives one label per point, written one per line **without** a
//! header. [`Metadata::table`] (and [`Metadata::add_column`]) give several named columns,
//! written as a header line of column names and then one line per point, cells separated by
//! tabs. The projector tells the two forms apart by whether the first line contains a tab,
//! which is why a one-column table is written like labels, without its header (the Projector
//! calls that column `label`).
//!
//! So that a label can neither shift columns nor rows:
//! - tab, line feed and carriage return in labels, cells and column names are written as the
//!   two characters `\t`, `\n` and `\r` (a backslash itself is written as it is, so the
//!   escaping is not reversible, but labels read naturally);
//! - the Projector skips blank lines (empty or white space only), which would move every
//!   later row onto the wrong point; a line that would be blank (an empty label, or a row
//!   whose cells are all empty or white space) starts with an invisible U+200B ZERO WIDTH
//!   SPACE instead.
//!
//! An empty cell in a table is a missing value for the Projector. Columns of numbers get a
//! colour gradient; other columns can colour points when they hold at most 50 distinct
//! values. The Projector reads at most 100,000 rows.
//!
//! # Thumbnails (sprite)
//!
//! [`Embedding::images`] takes one image per point in any layout and element type the images
//! API accepts ([`BatchLayout::Nchw`] or [`BatchLayout::Nhwc`]; grey, RGB or RGBA; `u8`
//! 0–255 or floats 0–1, see [`crate::summary::image`]). They are assembled into one PNG, the
//! sprite: a grid of `k × k` cells with `k = ⌈√N⌉`, filled row by row from the top left,
//! without padding; unused cells are black (transparent for RGBA). The grid is square
//! because the Projector's shader only places thumbnails correctly in a square grid.
//!
//! The Projector refuses sprites larger than [`MAX_SPRITE_SIDE`] (8192) pixels on a side.
//! When `k` thumbnails of `w × h` do not fit, every thumbnail is **scaled down** by the same
//! factor, `8192 / (k · max(w, h))`, each side rounded down to at least 1 pixel, with a box
//! filter (each new pixel is the mean of the pixels it covers; RGBA weighted by alpha). The
//! config's `single_image_dim` gives the size used, which
//! [`EmbeddingFiles::thumbnail_size`] reports too. For example 10,000 thumbnails of 100 × 100
//! become 81 × 81 in an 8100 × 8100 sprite. The Projector draws every thumbnail as a square.
//!
//! # Tensor file: TSV or binary
//!
//! By default ([`TensorFormat::Tsv`]) the matrix is written as text, one point per line,
//! values separated by tabs, no header. Each value is written with the fewest digits that
//! read back as the same `f32` the way TensorBoard reads them (Python's `float`, then
//! numpy's `float32`), so the Projector gets the exact values; in the rare cases where that
//! shortest text would be rounded to the neighbouring `f32` through `f64` (`7.038531e-26`
//! is the classic one), 9 significant digits are written instead. `f64` and [`half::f16`]
//! matrices are converted to `f32` first, which is what TensorBoard stores; an `f64` beyond
//! the `f32` range is an error. Large matrices are formatted on all cores.
//!
//! [`TensorFormat::Binary`] writes the raw little-endian `float32` values, row-major
//! (`tensors.bin`): 4 bytes a value instead of about 11, and faster to write and to load.
//! TensorBoard reads a tensor file as text first and as binary only when it is not valid
//! UTF-8, and an all-zero matrix, or one of small integers, is valid UTF-8 (TensorBoard then
//! fails to load it, or worse, reads other numbers). So the binary form is written only
//! when its first line (the bytes up to the first `0x0A`) is not valid UTF-8, which is
//! what makes TensorBoard take the binary path whether or not TensorFlow is installed;
//! otherwise the TSV form is written instead. [`EmbeddingFiles::format`] tells which.
//! Random data almost always takes the binary form.
//!
//! # Errors
//!
//! Each of these is an [`Error::InvalidInput`] (or [`Error::InvalidTag`]) returned before
//! anything is written: a matrix whose length is not `N × D`; fewer than 2 points or
//! 2 dimensions (the Projector does not list such tensors), or more than `u32::MAX` of
//! either; a NaN or infinite value (the error names its row and column); metadata or
//! thumbnails for a different number of points than the matrix; metadata with no column,
//! duplicate or empty column names; images with a bad shape, channel count or value; a
//! sprite too large to allocate; a config that cannot be read back. File system errors are
//! [`Error::Io`].
//!
//! # TensorBoard's side
//!
//! - The projector plugin reads the config files when the set of runs changes, not when a
//!   config changes. Embeddings added to a run TensorBoard has already loaded appear after
//!   TensorBoard is restarted (or once another run appears).
//! - The plugin starts in the background: the Projector tab may appear a few seconds after
//!   TensorBoard starts.
//! - No TensorFlow checkpoint is needed: the config points at the tensor files.
//!
//! # From tensorboardX
//!
//! tensorboardX's `add_embedding(mat, metadata, label_img, global_step, tag,
//! metadata_header)` becomes
//!
//! ```
//! # use tensorboard_writer::projector::{Embedding, Metadata};
//! # use tensorboard_writer::{BatchLayout, SummaryWriter};
//! # let dir = tempfile::tempdir()?;
//! # let writer = SummaryWriter::new(dir.path())?;
//! # let (n, d) = (3, 2);
//! # let mat = vec![0.5f64; n * d];
//! # let label_img = vec![0.25f32; n * 3 * 4 * 4];
//! // metadata with metadata_header: rows of cells
//! let metadata = Metadata::table(["word", "count"], [["to", "12"], ["be", "7"], ["or", "5"]])?;
//! writer.add_embedding(
//!     &Embedding::new("default", &mat, [n, d])
//!         .metadata(&metadata)
//!         .images(&label_img, BatchLayout::Nchw(n, 3, 4, 4)),
//!     0u32,
//! )?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod pbtxt;
mod shortest;
mod sprite;
mod tensor;
mod tsv;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::summary::image::{check_shape, convert, BatchLayout, Pixel};
use crate::tag::validate_tag;
use crate::writer::{Step, SummaryWriter};

pub use sprite::MAX_SPRITE_SIDE;

use sprite::Thumbnails;

/// The config file's name, in the run directory.
pub const CONFIG_FILE: &str = "projector_config.pbtxt";

/// Where TensorBoard looks for a config that overrides the run directory's.
const PLUGIN_ASSETS_DIR: &str = "plugins/org_tensorflow_tensorboard_projector";

/// The asset file names this module writes in an embedding's directory.
const TENSOR_TSV: &str = "tensors.tsv";
const TENSOR_BIN: &str = "tensors.bin";
const METADATA_TSV: &str = "metadata.tsv";
const SPRITE_PNG: &str = "sprite.png";

/// Longest directory name a tag becomes (see the [module documentation](self)).
const MAX_DIR_NAME: usize = 100;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
}

/// An element type of an embedding matrix: `f32`, `f64` or [`half::f16`], stored as `f32`.
/// This trait is sealed.
pub trait EmbeddingValue: Copy + sealed::Sealed {
    /// The values as `f32`, borrowing when they already are; on a finite value beyond the
    /// `f32` range, its index and value.
    #[doc(hidden)]
    fn to_f32s(data: &[Self]) -> std::result::Result<Cow<'_, [f32]>, (usize, f64)>;
}

impl EmbeddingValue for f32 {
    fn to_f32s(data: &[f32]) -> std::result::Result<Cow<'_, [f32]>, (usize, f64)> {
        Ok(Cow::Borrowed(data))
    }
}

impl EmbeddingValue for f64 {
    fn to_f32s(data: &[f64]) -> std::result::Result<Cow<'_, [f32]>, (usize, f64)> {
        let out: Vec<f32> = data.iter().map(|&v| v as f32).collect();
        // NaN and infinities are reported later, with the row and column.
        if let Some(i) = out
            .iter()
            .zip(data)
            .position(|(f, d)| f.is_infinite() && d.is_finite())
        {
            return Err((i, data[i]));
        }
        Ok(Cow::Owned(out))
    }
}

impl EmbeddingValue for half::f16 {
    fn to_f32s(data: &[half::f16]) -> std::result::Result<Cow<'_, [f32]>, (usize, f64)> {
        Ok(Cow::Owned(data.iter().map(|v| v.to_f32()).collect()))
    }
}

/// How the matrix is written (see [Tensor file](self#tensor-file-tsv-or-binary)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TensorFormat {
    /// Text, one point per line, tab-separated (`tensors.tsv`). The default.
    #[default]
    Tsv,
    /// Raw little-endian `float32` (`tensors.bin`), when TensorBoard is certain to read it
    /// as such; otherwise TSV.
    Binary,
}

/// Per-point metadata: one label per point, or a table of named columns (see
/// [Metadata](self#metadata)).
///
/// ```
/// use tensorboard_writer::projector::Metadata;
/// let labels = Metadata::labels(["cat", "dog", "cat"]);
/// let table = Metadata::table(["animal", "legs"], [["cat", "4"], ["bird", "2"]])?;
/// let mut columns = Metadata::new();
/// columns.add_column("animal", ["cat", "bird"])?.add_column("legs", [4, 2])?;
/// assert_eq!(columns, table);
/// assert_eq!((labels.len(), table.len()), (3, 2));
/// # Ok::<(), tensorboard_writer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Whether a header of column names is written (tables of 2 columns or more).
    table: bool,
    names: Vec<String>,
    /// Column-major cells, all columns of the same length.
    columns: Vec<Vec<String>>,
}

impl Default for Metadata {
    fn default() -> Self {
        Self::new()
    }
}

impl Metadata {
    /// A table with no columns yet; add them with [`add_column`](Self::add_column).
    pub fn new() -> Self {
        Metadata {
            table: true,
            names: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// One label per point, written without a header. Anything with `to_string` will do:
    /// `&str`, `String`, numbers.
    pub fn labels<I>(labels: I) -> Self
    where
        I: IntoIterator,
        I::Item: ToString,
    {
        Metadata {
            table: false,
            names: vec!["label".to_owned()],
            columns: vec![labels.into_iter().map(|l| l.to_string()).collect()],
        }
    }

    /// A table: the column names, then one row of cells per point (tensorboardX's
    /// `metadata_header` and `metadata`). Every row must have one cell per column; names
    /// must be distinct and not empty.
    pub fn table<H, R, Row>(header: H, rows: R) -> Result<Self>
    where
        H: IntoIterator,
        H::Item: ToString,
        R: IntoIterator<Item = Row>,
        Row: IntoIterator,
        Row::Item: ToString,
    {
        let names: Vec<String> = header.into_iter().map(|h| h.to_string()).collect();
        check_names(&names)?;
        let mut columns = vec![Vec::new(); names.len()];
        for (i, row) in rows.into_iter().enumerate() {
            let mut count = 0;
            for cell in row {
                if let Some(col) = columns.get_mut(count) {
                    col.push(cell.to_string());
                }
                count += 1;
            }
            if count != names.len() {
                return Err(bad_metadata(format!(
                    "row {i} has {count} cells, the header has {} columns",
                    names.len()
                )));
            }
        }
        Ok(Metadata {
            table: true,
            names,
            columns,
        })
    }

    /// Adds a column of one value per point. Its length must match the columns already
    /// there and its name must be new and not empty. Adding a column to
    /// [`labels`](Self::labels) makes a table whose first column is named `label`.
    pub fn add_column<I>(&mut self, name: &str, values: I) -> Result<&mut Self>
    where
        I: IntoIterator,
        I::Item: ToString,
    {
        let values: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        if let Some(first) = self.columns.first() {
            if first.len() != values.len() {
                return Err(bad_metadata(format!(
                    "column {name:?} has {} values, the other columns have {}",
                    values.len(),
                    first.len()
                )));
            }
        }
        let mut names = self.names.clone();
        names.push(name.to_owned());
        check_names(&names)?;
        self.names = names;
        self.columns.push(values);
        self.table = true;
        Ok(self)
    }

    /// The number of rows (points).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column names (`["label"]` for [`labels`](Self::labels)).
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// The file's text, as written to `metadata.tsv`.
    fn to_tsv(&self) -> String {
        let header = (self.table && self.names.len() > 1).then_some(self.names.as_slice());
        tsv::metadata_tsv(header, &self.columns)
    }
}

fn bad_metadata(reason: String) -> Error {
    Error::InvalidInput {
        what: "embedding metadata",
        reason,
    }
}

fn check_names(names: &[String]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(bad_metadata(format!("column {i} has an empty name")));
        }
        if names[..i].contains(n) {
            return Err(bad_metadata(format!("column name {n:?} appears twice")));
        }
    }
    Ok(())
}

/// One embedding to log with [`SummaryWriter::add_embedding`]: a tag, an N × D matrix, and
/// optionally metadata, thumbnails and the tensor file format.
///
/// Problems with the data (a shape that does not match, values out of range) are reported
/// by `add_embedding`, which writes nothing then.
pub struct Embedding<'a> {
    tag: &'a str,
    shape: [usize; 2],
    values: std::result::Result<Cow<'a, [f32]>, Error>,
    metadata: Option<&'a Metadata>,
    images: Option<std::result::Result<Thumbnails<'a>, Error>>,
    format: TensorFormat,
}

impl fmt::Debug for Embedding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedding")
            .field("tag", &self.tag)
            .field("shape", &self.shape)
            .field("metadata", &self.metadata.map(Metadata::len))
            .field(
                "images",
                &self.images.as_ref().map(|t| t.as_ref().map(|t| t.n).ok()),
            )
            .field("format", &self.format)
            .finish()
    }
}

impl<'a> Embedding<'a> {
    /// `matrix` holds N points of D values, row-major: point `i` is
    /// `matrix[i * D..(i + 1) * D]`, and `shape` is `[N, D]`.
    pub fn new<T: EmbeddingValue>(tag: &'a str, matrix: &'a [T], shape: [usize; 2]) -> Self {
        let values = T::to_f32s(matrix).map_err(|(i, v)| Error::InvalidInput {
            what: "embedding",
            reason: format!(
                "element {i} is {v:?}, beyond the f32 range TensorBoard stores embeddings in"
            ),
        });
        Embedding {
            tag,
            shape,
            values,
            metadata: None,
            images: None,
            format: TensorFormat::Tsv,
        }
    }

    /// The matrix given as one slice (or `Vec`, or array) per point, all of the same length.
    /// The values are copied.
    ///
    /// ```
    /// use tensorboard_writer::projector::Embedding;
    /// let rows = vec![vec![1.0f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    /// let e = Embedding::from_rows("points", &rows);
    /// assert_eq!(e.shape(), [3, 2]);
    /// ```
    pub fn from_rows<T: EmbeddingValue, R: AsRef<[T]>>(tag: &'a str, rows: &[R]) -> Self {
        let d = rows.first().map_or(0, |r| r.as_ref().len());
        let shape = [rows.len(), d];
        if let Some(i) = rows.iter().position(|r| r.as_ref().len() != d) {
            let len = rows[i].as_ref().len();
            let mut e = Embedding::new::<f32>(tag, &[], shape);
            e.values = Err(Error::InvalidInput {
                what: "embedding",
                reason: format!("row {i} has {len} values, row 0 has {d}"),
            });
            return e;
        }
        let flat: Vec<T> = rows
            .iter()
            .flat_map(|r| r.as_ref().iter().copied())
            .collect();
        let mut e = Embedding::new::<f32>(tag, &[], shape);
        e.values = T::to_f32s(&flat)
            .map(|c| Cow::Owned(c.into_owned()))
            .map_err(|(i, v)| Error::InvalidInput {
                what: "embedding",
                reason: format!(
                    "row {}, column {} is {v:?}, beyond the f32 range TensorBoard stores \
                     embeddings in",
                    i / d.max(1),
                    i % d.max(1)
                ),
            });
        e
    }

    /// Per-point labels or columns (see [Metadata](self#metadata)); one row per point.
    pub fn metadata(mut self, metadata: &'a Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// One thumbnail per point, assembled into the sprite (see
    /// [Thumbnails](self#thumbnails-sprite)). `data` is in `layout`, as for
    /// [`add_images`](SummaryWriter::add_images): grey, RGB or RGBA, `u8` or floats in
    /// `[0, 1]`.
    pub fn images<P: Pixel>(mut self, data: &'a [P], layout: BatchLayout) -> Self {
        self.images = Some(thumbnails(data, layout));
        self
    }

    /// The tensor file format (default [`TensorFormat::Tsv`]).
    pub fn format(mut self, format: TensorFormat) -> Self {
        self.format = format;
        self
    }

    /// The tag, without the writer's scope.
    pub fn tag(&self) -> &str {
        self.tag
    }

    /// `[N, D]`.
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }
}

impl<'a> Embedding<'a> {
    /// An embedding owning its matrix, already converted (or the conversion's error): for
    /// tensors ([`Embedding::from_tensor`]).
    pub(crate) fn owned(tag: &'a str, values: Result<Vec<f32>>, shape: [usize; 2]) -> Self {
        let mut e = Embedding::new::<f32>(tag, &[], shape);
        e.values = values.map(Cow::Owned);
        e
    }

    /// Thumbnails owned as 8-bit pixels in `layout` (or the conversion's error): for tensors
    /// ([`Embedding::images_tensor`]).
    pub(crate) fn owned_images(mut self, images: Result<(Vec<u8>, BatchLayout)>) -> Self {
        self.images = Some(images.and_then(|(data, layout)| {
            let t = thumbnails(&data, layout)?;
            let (n, h, w, c, planar) = (t.n, t.h, t.w, t.c, t.planar);
            drop(t);
            Ok(Thumbnails {
                n,
                h,
                w,
                c,
                planar,
                data: Cow::Owned(data),
            })
        }));
        self
    }
}

fn thumbnails<P: Pixel>(data: &[P], layout: BatchLayout) -> Result<Thumbnails<'_>> {
    const WHAT: &str = "embedding images";
    let (n, h, w, c, planar, dims) = match layout {
        BatchLayout::Nchw(n, c, h, w) => (n, h, w, c, true, [n, c, h, w]),
        BatchLayout::Nhwc(n, h, w, c) => (n, h, w, c, false, [n, h, w, c]),
    };
    check_shape(WHAT, &layout, &dims, c, data.len())?;
    let data = convert(WHAT, data)?;
    Ok(Thumbnails {
        n,
        h,
        w,
        c,
        planar,
        data,
    })
}

/// What [`SummaryWriter::add_embedding`] wrote.
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
    /// [Tensor file](self#tensor-file-tsv-or-binary)).
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
struct Prepared {
    shape: [usize; 2],
    /// The tensor file, in consecutive parts.
    tensor: Vec<Vec<u8>>,
    format: TensorFormat,
    metadata: Option<String>,
    sprite: Option<(Vec<u8>, (usize, usize))>,
}

fn bad(reason: String) -> Error {
    Error::InvalidInput {
        what: "embedding",
        reason,
    }
}

fn prepare(e: &Embedding<'_>) -> Result<Prepared> {
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
            )))
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

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The directory name for a tag (see [Files written](self#files-written)).
fn dir_name(tag: &str) -> String {
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
static CONFIG_LOCK: Mutex<()> = Mutex::new(());

/// Writes `parts` one after the other to `path`, through a temporary file in the same
/// directory and a rename.
fn write_atomic(path: &Path, parts: &[&[u8]]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        for part in parts {
            f.write_all(part)?;
        }
        Ok(())
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("writing", tmp, e));
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("renaming a temporary file to", path, e));
    }
    Ok(())
}

/// Reads the run's config; a missing file is an empty config.
fn read_config(path: &Path) -> Result<pbtxt::Config> {
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

fn write_embedding(run: &Path, tag: &str, step: i64, p: Prepared) -> Result<EmbeddingFiles> {
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
    write_atomic(&dir.join(tensor_file), &parts)?;
    let tensor_name = format!("{tag}:{step_dir}");
    let mut info = pbtxt::Info {
        tensor_name: tensor_name.clone(),
        tensor_path: format!("{rel_dir}/{tensor_file}"),
        // Checked to fit in u32 by prepare.
        tensor_shape: p.shape.iter().map(|&s| s as u32).collect(),
        ..pbtxt::Info::default()
    };
    if let Some(text) = &p.metadata {
        write_atomic(&dir.join(METADATA_TSV), &[text.as_bytes()])?;
        written.push(METADATA_TSV);
        info.metadata_path = format!("{rel_dir}/{METADATA_TSV}");
    }
    if let Some((png, (w, h))) = &p.sprite {
        write_atomic(&dir.join(SPRITE_PNG), &[png])?;
        written.push(SPRITE_PNG);
        info.sprite = Some(pbtxt::Sprite {
            image_path: format!("{rel_dir}/{SPRITE_PNG}"),
            // At most 8192 by construction.
            single_image_dim: vec![*w as u32, *h as u32],
        });
    }
    config.upsert(info);
    write_atomic(&config_path, &[config.to_text().as_bytes()])?;

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
    /// use tensorboard_writer::{BatchLayout, SummaryWriter};
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
        write_embedding(self.logdir(), &tag, step, prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_names() {
        assert_eq!(dir_name("words"), "words");
        assert_eq!(dir_name("enc/words v2.1"), "enc%2Fwords%20v2.1");
        assert_eq!(dir_name(".."), "%2E.");
        assert_eq!(dir_name(".hidden"), "%2Ehidden");
        assert_eq!(dir_name("é:%"), "%C3%A9%3A%25");
        let long = "x".repeat(150);
        let name = dir_name(&long);
        assert_eq!(name.len(), MAX_DIR_NAME);
        assert!(name.starts_with(&"x".repeat(91)), "{name}");
        assert_eq!(
            name[91..],
            format!("~{:08x}", crc32c::crc32c(long.as_bytes()))
        );
        assert_ne!(dir_name(&"x".repeat(151)), name);
    }

    #[test]
    fn f64_out_of_f32_range_is_an_error_and_nan_is_reported_with_position() {
        let e = Embedding::new("t", &[1.0f64, 1e300, 0.0, 0.0], [2, 2]);
        let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
            panic!()
        };
        assert!(reason.contains("element 1 is 1e300"), "{reason}");
        let e = Embedding::new("t", &[1.0f64, 2.0, 3.0, f64::NAN], [2, 2]);
        let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
            panic!()
        };
        assert!(reason.contains("row 1, column 1 is NaN"), "{reason}");
        let e = Embedding::from_rows("t", &[[1.0f64, 2.0], [f64::MAX, 0.0]]);
        let Err(Error::InvalidInput { reason, .. }) = prepare(&e) else {
            panic!()
        };
        assert!(reason.contains("row 1, column 0"), "{reason}");
    }

    #[test]
    fn single_column_table_has_no_header() {
        let t = Metadata::table(["only"], [["a"], ["b"]]).unwrap();
        assert_eq!(t.to_tsv(), "a\nb\n");
        let mut l = Metadata::labels(["x", "y"]);
        l.add_column("n", [1, 2]).unwrap();
        assert_eq!(l.to_tsv(), "label\tn\nx\t1\ny\t2\n");
    }
}
