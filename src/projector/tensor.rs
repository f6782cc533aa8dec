//! Embeddings from tensors: the points from an `[N, D]` [`TensorInput`], the sprite's
//! thumbnails from an `[N, C, H, W]` one.

use std::borrow::Cow;

use crate::summary::image::{PixelData, batch_layout, convert, pixel_data};
use crate::tensor::{FloatData, TensorInput, bad, floats};

use super::embedding::{Embedding, EmbeddingValue};

impl<'a> Embedding<'a> {
    /// An embedding of the `[N, D]` tensor `matrix`: N points of D float values (`f16`,
    /// `bf16`, `f32` or `f64`), as [`Embedding::new`] takes them. Problems with the tensor
    /// are reported by [`add_embedding`](crate::SummaryWriter::add_embedding), which then writes
    /// nothing.
    ///
    /// ```
    /// use tensorboard_writer::projector::Embedding;
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let features = HostTensor::new([4, 2], vec![0.0f32, 1.0, 1.0, 0.0, 2.0, 2.0, 3.0, 1.0])?;
    /// let e = Embedding::from_tensor("features", &features);
    /// assert_eq!(e.shape(), [4, 2]);
    /// writer.add_embedding(&e, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_tensor<T: TensorInput + ?Sized>(tag: &'a str, matrix: &T) -> Self {
        const WHAT: &str = "embedding tensor";
        let host = match matrix.to_host() {
            Ok(h) => h,
            Err(e) => return Embedding::owned(tag, Err(e), [0, 0]),
        };
        let (shape, data) = host.into_parts();
        let [n, d] = shape[..] else {
            let e = bad(
                WHAT,
                format!("shape {shape:?}: an embedding tensor is [N, D] (N points of D values)"),
            );
            return Embedding::owned(tag, Err(e), [0, 0]);
        };
        let values = match floats(data) {
            Ok(FloatData::F32(v)) => Ok(v),
            Ok(FloatData::F64(v)) => f64::to_f32s(&v).map(Cow::into_owned).map_err(|(i, v)| {
                bad(
                    WHAT,
                    format!(
                        "row {}, column {} is {v:?}, beyond the f32 range TensorBoard \
                             stores embeddings in",
                        i / d.max(1),
                        i % d.max(1)
                    ),
                )
            }),
            Err(dtype) => Err(bad(
                WHAT,
                format!("{dtype} elements; embeddings are floats: convert the tensor first"),
            )),
        };
        Embedding::owned(tag, values, [n, d])
    }

    /// One thumbnail per point from an `[N, C, H, W]` tensor (`u8` 0–255 or floats 0–1), as
    /// [`images`](Self::images) takes them.
    pub fn images_tensor<T: TensorInput + ?Sized>(self, images: &T) -> Self {
        const WHAT: &str = "embedding images tensor";
        let pixels = images.to_host().and_then(|host| {
            let layout = batch_layout(WHAT, host.shape())?;
            let px = match pixel_data(WHAT, host.into_parts().1)? {
                PixelData::U8(v) => v,
                PixelData::F16(v) => convert(WHAT, &v)?.into_owned(),
                PixelData::F32(v) => convert(WHAT, &v)?.into_owned(),
                PixelData::F64(v) => convert(WHAT, &v)?.into_owned(),
            };
            Ok((px, layout))
        });
        self.owned_images(pixels)
    }
}
