//! What `add_histogram` takes: [`HistogramInput`].

use std::borrow::Cow;

use crate::error::Result;
use crate::tensor::{TensorInput, each_variant};

use super::accumulator::{Histogram, HistogramValue};

mod sealed {
    /// Keeps [`HistogramInput`](super::HistogramInput) closed: tensors come in through
    /// [`TensorInput`](crate::tensor::TensorInput), the crate's one extension point.
    pub trait Sealed {}
}

/// What [`SummaryWriter::add_histogram`](crate::SummaryWriter::add_histogram) logs: a slice,
/// `Vec` or array of any [`HistogramValue`] type (bucketed over TensorFlow's default edges), a
/// prepared [`Histogram`] (logged as it is, with its own bins), or any
/// [`TensorInput`] (candle's and tch's `Tensor` with their features, a
/// [`HostTensor`](crate::tensor::HostTensor), or a tensor type of your own), all of whose
/// elements are bucketed.
///
/// The trait is sealed: to log your own tensor type, implement [`TensorInput`] for it, and
/// `add_histogram` (like every other tensor-taking call) takes it:
///
/// ```
/// use tensorboard_writer::tensor::{HostTensor, TensorInput};
///
/// struct Matrix { rows: usize, cols: usize, data: Vec<f32> }
///
/// impl TensorInput for Matrix {
///     fn to_host(&self) -> tensorboard_writer::Result<HostTensor> {
///         HostTensor::new([self.rows, self.cols], self.data.clone())
///     }
/// }
/// # let dir = tempfile::tempdir()?;
/// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
/// let t = Matrix { rows: 2, cols: 3, data: vec![0.5; 6] };
/// writer.add_histogram("t", &t, 0u32)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HistogramInput: sealed::Sealed {
    /// The histogram to log: borrowed when it exists already, built otherwise. An error
    /// (such as a tensor that cannot be copied from its device) is returned by the logging
    /// call, which then writes nothing.
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>>;
}

impl<T: HistogramValue> sealed::Sealed for [T] {}
impl<T: HistogramValue> HistogramInput for [T] {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl<T: HistogramValue> sealed::Sealed for Vec<T> {}
impl<T: HistogramValue> HistogramInput for Vec<T> {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl<T: HistogramValue, const N: usize> sealed::Sealed for [T; N] {}
impl<T: HistogramValue, const N: usize> HistogramInput for [T; N] {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Owned(Histogram::from_values(self)))
    }
}

impl sealed::Sealed for Histogram {}
impl HistogramInput for Histogram {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        Ok(Cow::Borrowed(self))
    }
}

/// Every element of the tensor, whatever its shape.
impl<T: TensorInput + ?Sized> sealed::Sealed for T {}
impl<T: TensorInput + ?Sized> HistogramInput for T {
    fn to_histogram(&self) -> Result<Cow<'_, Histogram>> {
        let host = self.to_host()?;
        Ok(Cow::Owned(
            each_variant!(host.data(), v => Histogram::from_values(v)),
        ))
    }
}
