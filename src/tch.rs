//! [tch](https://github.com/LaurentMazare/tch-rs) (libtorch) support (crate feature `tch`).
//!
//! A `tch::Tensor` can be logged wherever the API takes numbers, with the same calls, shapes
//! and element types as a candle tensor (see the [`tensor`] module's table):
//! a scalar (`add_scalar("loss", &loss, step)`, any one-element tensor), a histogram
//! (`add_histogram("w", &w, step)`), an image (`[C, H, W]` or `[H, W]`,
//! [`add_image_tensor`](SummaryWriter::add_image_tensor)), a grid of images (`[N, C, H, W]`,
//! [`add_images_tensor`](SummaryWriter::add_images_tensor)), audio (`[L]` or `[C, L]`,
//! [`add_audio_tensor`](SummaryWriter::add_audio_tensor)) and an embedding (`[N, D]`,
//! [`Embedding::from_tensor`](crate::projector::Embedding::from_tensor)).
//!
//! Element kinds: `Uint8`, `Int8`, `Int16`, `Int`, `Int64`, `Half`, `BFloat16`, `Float` and
//! `Double` are read as they are, `Bool` as `u8` 0 and 1, and the 8-bit float kinds as
//! `f32`; complex and quantized tensors are an [`Error::InvalidInput`], and so is an
//! undefined tensor. Tensors on a GPU are copied to the CPU, non-contiguous ones are read in
//! their logical order, and tensors that require gradients are read without touching the
//! autograd graph. [`add_varstore_histograms`](SummaryWriter::add_varstore_histograms) logs
//! every variable of a `VarStore` in one event.
//!
//! Building with this feature needs libtorch 2.13.0 (what tch 0.26 is made for): see the
//! README's "candle and tch" section, or `scripts/tch-env.sh`.
//!
//! ```
//! use tch::{nn, Device, Kind, Tensor};
//! use tensorboard_writer::SummaryWriter;
//!
//! # let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! let vs = nn::VarStore::new(Device::Cpu);
//! let fc1 = nn::linear(vs.root() / "fc1", 4, 3, Default::default());
//!
//! let x = Tensor::rand([8, 1, 2, 2], (Kind::Float, Device::Cpu)); // 8 grey 2×2 images
//! let out = nn::Module::forward(&fc1, &x.flatten(1, -1));
//! let loss = out.square().mean(Kind::Float); // rank 0
//! writer.add_scalar("loss", &loss, 0u32)?;
//! writer.add_histogram("fc1/out", &out, 0u32)?;
//! writer.add_images_tensor("inputs", &x, 0u32)?;
//! writer.add_varstore_histograms(&vs, 0u32)?; // fc1/weight and fc1/bias
//! assert!(writer.add_scalar("not_a_scalar", &out, 0u32).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ::tch::{Device, Kind, Tensor, nn::VarStore};

use crate::error::{Error, Result};
use crate::tensor::{self, HostTensor, TensorData, TensorInput};
use crate::writer::{Step, StepBuilder, SummaryWriter};

/// The error for a tensor tch fails to read.
fn tch_error(e: ::tch::TchError) -> Error {
    tensor::bad(
        "tch tensor",
        format!("reading the tensor into host memory failed: {e}"),
    )
}

/// The shape of a defined tensor, or an error for an undefined one.
fn shape(t: &Tensor) -> Result<Vec<usize>> {
    if !t.defined() {
        return Err(tensor::bad(
            "tch tensor",
            "the tensor is undefined (it holds no data)".into(),
        ));
    }
    t.size()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| tensor::bad("tch tensor", format!("negative size in {:?}", t.size())))
}

/// Copies the `n` elements of `t` (whose kind is `E`'s) into a new vector.
fn copy<E: ::tch::kind::Element>(t: &Tensor, n: usize) -> Result<Vec<E>> {
    let mut v = vec![E::ZERO; n];
    t.f_copy_data(&mut v, n).map_err(tch_error)?;
    Ok(v)
}

/// The elements of `t`, row-major, in host memory, in their own type where [`TensorData`]
/// has it.
fn host_data(t: &Tensor, n: usize) -> Result<TensorData> {
    // Off the autograd graph, on the CPU and contiguous (each a no-op when it already is).
    let t = t
        .f_detach()
        .and_then(|t| t.f_to_device(Device::Cpu))
        .and_then(|t| t.f_contiguous())
        .map_err(tch_error)?;
    let kind = t.f_kind().map_err(tch_error)?;
    Ok(match kind {
        Kind::Uint8 => TensorData::U8(copy(&t, n)?),
        Kind::Int8 => TensorData::I8(copy(&t, n)?),
        Kind::Int16 => TensorData::I16(copy(&t, n)?),
        Kind::Int => TensorData::I32(copy(&t, n)?),
        Kind::Int64 => TensorData::I64(copy(&t, n)?),
        Kind::Half => TensorData::F16(copy(&t, n)?),
        Kind::BFloat16 => TensorData::BF16(copy(&t, n)?),
        Kind::Float => TensorData::F32(copy(&t, n)?),
        Kind::Double => TensorData::F64(copy(&t, n)?),
        Kind::Bool => TensorData::U8(copy::<bool>(&t, n)?.into_iter().map(u8::from).collect()),
        Kind::Float8e5m2 | Kind::Float8e4m3fn | Kind::Float8e5m2fnuz | Kind::Float8e4m3fnuz => {
            let f = t.f_to_kind(Kind::Float).map_err(tch_error)?;
            TensorData::F32(copy(&f, n)?)
        }
        other => {
            return Err(tensor::bad(
                "tch tensor",
                format!("{other:?} tensors cannot be logged; convert to a real kind first"),
            ));
        }
    })
}

/// The shape, the elements and the kind conversions are described in the
/// [module documentation](self).
impl TensorInput for Tensor {
    fn to_host(&self) -> Result<HostTensor> {
        let shape = shape(self)?;
        let n = shape.iter().product();
        let data = host_data(self, n)?;
        HostTensor::new(shape, data)
    }
}

/// The tag for a `VarStore` variable name: tch separates scopes with `.`
/// (`fc1.weight` → `fc1/weight`).
fn var_tag(name: &str) -> String {
    name.replace('.', "/")
}

impl SummaryWriter {
    /// Logs the histogram of every variable of `vs` at `step`, in one event, sorted by name
    /// and tagged by it with `.` turned into `/` (`fc1.weight` → `fc1/weight`, under this
    /// handle's scope). A name that makes an invalid tag is an error, and then nothing is
    /// written. An empty `VarStore` writes nothing.
    ///
    /// ```
    /// use tch::{nn, Device};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let vs = nn::VarStore::new(Device::Cpu);
    /// let _fc1 = nn::linear(vs.root() / "fc1", 16, 4, Default::default());
    /// // weights/fc1/bias and weights/fc1/weight
    /// writer.scope("weights")?.add_varstore_histograms(&vs, 100u32)?;
    /// # writer.flush()?;
    /// # use tensorboard_writer::proto::event::What;
    /// # let events = tensorboard_writer::reader::read_events(dir.path())?;
    /// # let Some(What::Summary(s)) = &events[1].what else { panic!() };
    /// # let tags: Vec<_> = s.value.iter().map(|v| v.tag.as_str()).collect();
    /// # assert_eq!(tags, ["weights/fc1/bias", "weights/fc1/weight"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_varstore_histograms(&self, vs: &VarStore, step: impl Step) -> Result<()> {
        self.step(step).varstore_histograms(vs).write()
    }
}

impl StepBuilder<'_> {
    /// Adds the histogram of every variable of `vs`, sorted by name (see
    /// [`SummaryWriter::add_varstore_histograms`]).
    pub fn varstore_histograms(self, vs: &VarStore) -> Self {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        vars.iter()
            .fold(self, |b, (name, t)| b.histogram(&var_tag(name), t))
    }
}
