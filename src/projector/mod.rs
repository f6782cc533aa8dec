//! Embeddings for TensorBoard's Projector: a matrix of N points in D dimensions, with
//! optional per-point metadata (labels, or a table of named columns) and thumbnail images,
//! written as the files and the `projector_config.pbtxt` the projector plugin reads.
//!
//! ```
//! use tensorboard_writer::projector::{Embedding, Metadata};
//! use tensorboard_writer::SummaryWriter;
//! use tensorboard_writer::summary::image::BatchLayout;
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
//! API accepts ([`BatchLayout::Nchw`](crate::summary::image::BatchLayout::Nchw) or [`BatchLayout::Nhwc`](crate::summary::image::BatchLayout::Nhwc); grey, RGB or RGBA; `u8`
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
//! Each of these is an [`Error::InvalidInput`](crate::Error::InvalidInput) (or [`Error::InvalidTag`](crate::Error::InvalidTag)) returned before
//! anything is written: a matrix whose length is not `N × D`; fewer than 2 points or
//! 2 dimensions (the Projector does not list such tensors), or more than `u32::MAX` of
//! either; a NaN or infinite value (the error names its row and column); metadata or
//! thumbnails for a different number of points than the matrix; metadata with no column,
//! duplicate or empty column names; images with a bad shape, channel count or value; a
//! sprite too large to allocate; a config that cannot be read back. File system errors are
//! [`Error::Io`](crate::Error::Io).
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
//! # use tensorboard_writer::SummaryWriter;
//! # use tensorboard_writer::summary::image::BatchLayout;
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

mod embedding;
mod files;
mod metadata;
pub(crate) mod pbtxt;
mod shortest;
mod sprite;
mod tensor;
mod tsv;
mod write;

pub use embedding::{Embedding, EmbeddingValue, TensorFormat};
pub use files::{CONFIG_FILE, EmbeddingFiles};
pub use metadata::Metadata;
pub use sprite::MAX_SPRITE_SIDE;

#[cfg(test)]
mod tests;
