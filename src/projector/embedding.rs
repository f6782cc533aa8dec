//! [`Embedding`]: one matrix to log, its element types and the file format it is written in.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, Result};
use crate::summary::image::{BatchLayout, Pixel, check_shape, convert};

use super::metadata::Metadata;
use super::sprite::Thumbnails;

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

/// How the matrix is written (see [Tensor file](super#tensor-file-tsv-or-binary)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TensorFormat {
    /// Text, one point per line, tab-separated (`tensors.tsv`). The default.
    #[default]
    Tsv,
    /// Raw little-endian `float32` (`tensors.bin`), when TensorBoard is certain to read it
    /// as such; otherwise TSV.
    Binary,
}

/// One embedding to log with [`SummaryWriter::add_embedding`](crate::SummaryWriter::add_embedding): a tag, an N × D matrix, and
/// optionally metadata, thumbnails and the tensor file format.
///
/// Problems with the data (a shape that does not match, values out of range) are reported
/// by `add_embedding`, which writes nothing then.
pub struct Embedding<'a> {
    pub(super) tag: &'a str,
    pub(super) shape: [usize; 2],
    pub(super) values: std::result::Result<Cow<'a, [f32]>, Error>,
    pub(super) metadata: Option<&'a Metadata>,
    pub(super) images: Option<std::result::Result<Thumbnails<'a>, Error>>,
    pub(super) format: TensorFormat,
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

    /// Per-point labels or columns (see [Metadata](super#metadata)); one row per point.
    pub fn metadata(mut self, metadata: &'a Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// One thumbnail per point, assembled into the sprite (see
    /// [Thumbnails](super#thumbnails-sprite)). `data` is in `layout`, as for
    /// [`add_images`](crate::SummaryWriter::add_images): grey, RGB or RGBA, `u8` or floats in
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

pub(super) fn thumbnails<P: Pixel>(data: &[P], layout: BatchLayout) -> Result<Thumbnails<'_>> {
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
