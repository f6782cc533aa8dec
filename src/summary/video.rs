//! Video: a sequence of frames logged as an animated GIF, shown (and played) in the Images
//! dashboard.
//!
//! TensorBoard has no video dashboard. Like tensorboardX's `add_video`, this crate encodes
//! the frames as an animated GIF, which the Images dashboard serves as `image/gif` (it detects
//! the format from the bytes) and the browser plays in a loop. The value is written exactly
//! like an image ([`image`](super::image#form-written)): plugin `images`, a `[width, height,
//! gif]` string tensor.
//!
//! | layout | dimensions of the slice |
//! |---|---|
//! | [`VideoLayout::Thwc`] | frames × height × width × channels |
//! | [`VideoLayout::Tchw`] | frames × channels × height × width |
//!
//! Element types, value ranges and channel counts are those of images: `u8` 0–255, or
//! `f32`/`f64`/`half::f16` 0.0–1.0 (outside is an error, never clipped); 1 (grey), 3 (RGB)
//! or 4 (RGBA) channels. Width and height are at most 65 535 (the GIF limit).
//!
//! GIF limits what survives:
//!
//! - **Colours:** each frame has its own palette of at most 256 colours. A grey video is
//!   exact (a 256-level grey palette). An RGB or RGBA frame with at most 256 distinct colours
//!   is exact too; a frame with more is quantized with NeuQuant (the `gif` crate, speed 10).
//! - **Alpha:** one bit. A pixel with alpha 0 is transparent, any other alpha is opaque.
//! - **Timing:** frame delays are whole hundredths of a second, so `fps` is rounded to
//!   `100 / round(100 / fps)` (4 fps plays exactly; 30 fps plays at 33.3). Browsers show
//!   delays below 2/100 s as 1/10 s, so more than 66 fps plays at 10 fps. The GIF loops
//!   forever.
//!
//! ```
//! use tensorboard_writer::summary::video::VideoLayout;
//! # let dir = tempfile::tempdir()?;
//! # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
//! // 8 frames of a 32×48 grey square moving right, 4 frames per second.
//! let (t, h, w) = (8, 32, 48);
//! let mut frames = vec![0u8; t * h * w];
//! for f in 0..t {
//!     for y in 8..24 {
//!         for x in 4 * f..4 * f + 16 {
//!             frames[(f * h + y) * w + x] = 255;
//!         }
//!     }
//! }
//! writer.add_video("rollout", &frames, VideoLayout::Thwc(t, h, w, 1), 4.0, 0u32)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::proto::summary;
use crate::writer::{Step, StepBuilder, SummaryWriter};

use crate::tensor::{TensorInput, bad};

use super::image::{
    Pixel, PixelData, bad_dataformats, check_shape, convert, image_value, interleave, pixel_data,
};

const WHAT: &str = "video";

/// NeuQuant's speed for frames of more than 256 colours (1 best and slowest, 30 fastest);
/// 10 is the `gif` crate's suggested compromise.
const QUANTIZE_SPEED: i32 = 10;

/// The layout and sizes of a video's frame slice (see the [module table](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoLayout {
    /// `(frames, height, width, channels)`: interleaved channels.
    Thwc(usize, usize, usize, usize),
    /// `(frames, channels, height, width)`: planar channels, as PyTorch tensors are laid out.
    Tchw(usize, usize, usize, usize),
}

impl VideoLayout {
    /// The layout named by a `dataformats`-style string (`"THWC"` or `"TCHW"`, in any case)
    /// with the sizes of a tensor's `shape`, in that order.
    pub fn from_dataformats(dataformats: &str, shape: &[usize]) -> Result<Self> {
        let layout = match (dataformats.to_ascii_uppercase().as_str(), shape) {
            ("THWC", &[t, h, w, c]) => VideoLayout::Thwc(t, h, w, c),
            ("TCHW", &[t, c, h, w]) => VideoLayout::Tchw(t, c, h, w),
            _ => return Err(bad_dataformats(WHAT, dataformats, shape, "THWC or TCHW")),
        };
        Ok(layout)
    }

    /// The number of frames.
    pub fn frames(&self) -> usize {
        self.dims().0
    }

    /// `(frames, height, width, channels, planar)`.
    fn dims(&self) -> (usize, usize, usize, usize, bool) {
        match *self {
            VideoLayout::Thwc(t, h, w, c) => (t, h, w, c, false),
            VideoLayout::Tchw(t, c, h, w) => (t, h, w, c, true),
        }
    }
}

/// The GIF frame delay in hundredths of a second for `fps`.
fn frame_delay(fps: f64) -> Result<u16> {
    let delay = (100.0 / fps).round();
    if fps.is_finite() && fps > 0.0 && (1.0..=f64::from(u16::MAX)).contains(&delay) {
        Ok(delay as u16)
    } else {
        Err(Error::InvalidInput {
            what: WHAT,
            reason: format!(
                "fps {fps}: GIF frame delays are 1 to 65535 hundredths of a second, \
                 so fps must lie between 0.0016 and 200"
            ),
        })
    }
}

/// Encodes the frames as a looping animated GIF; returns `(width, height, gif)`.
pub(crate) fn encode_gif<T: Pixel>(
    data: &[T],
    layout: VideoLayout,
    fps: f64,
) -> Result<(u16, u16, Vec<u8>)> {
    let (t, h, w, c, planar) = layout.dims();
    let dims = match layout {
        VideoLayout::Thwc(..) => [t, h, w, c],
        VideoLayout::Tchw(..) => [t, c, h, w],
    };
    check_shape(WHAT, &layout, &dims, c, data.len())?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::InvalidInput {
            what: WHAT,
            reason: format!("frames of {w}×{h}: a GIF side is at most 65535"),
        });
    };
    let delay = frame_delay(fps)?;
    let bytes = convert(WHAT, data)?;

    let gif_err = |e: gif::EncodingError| Error::InvalidInput {
        what: WHAT,
        reason: format!("GIF encoding failed: {e}"),
    };
    let grey_palette: Vec<u8> = (0..=255u8).flat_map(|v| [v, v, v]).collect();
    let global: &[u8] = if c == 1 { &grey_palette } else { &[] };
    let mut out = Vec::new();
    let mut enc = gif::Encoder::new(&mut out, w16, h16, global).map_err(gif_err)?;
    enc.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
    let frame_len = h * w * c;
    // RGBA scratch for the quantizer (it also marks alpha as 0 or 255 in place).
    let mut rgba = vec![0u8; if c == 1 { 0 } else { h * w * 4 }];
    let mut interleaved = vec![0u8; if planar && c > 1 { frame_len } else { 0 }];
    for src in bytes.chunks_exact(frame_len) {
        let px: &[u8] = if planar && c > 1 {
            interleave(src, c, &mut interleaved);
            &interleaved
        } else {
            src
        };
        let mut frame = if c == 1 {
            gif::Frame::from_indexed_pixels(w16, h16, px.to_vec(), None)
        } else {
            if c == 3 {
                for (d, s) in rgba.chunks_exact_mut(4).zip(px.chunks_exact(3)) {
                    d.copy_from_slice(&[s[0], s[1], s[2], 255]);
                }
            } else {
                rgba.copy_from_slice(px);
            }
            gif::Frame::from_rgba_speed(w16, h16, &mut rgba, QUANTIZE_SPEED)
        };
        frame.delay = delay;
        if c == 4 {
            // Clear each frame to the background before drawing the next, so transparent
            // pixels show through instead of the previous frame.
            frame.dispose = gif::DisposalMethod::Background;
        }
        enc.write_frame(&frame).map_err(gif_err)?;
    }
    enc.into_inner().map_err(gif_err)?;
    Ok((w16, h16, out))
}

impl SummaryWriter {
    /// Logs frames as an animated GIF under `tag` at `step`, playing at `fps` frames per
    /// second in the Images dashboard (see the [module documentation](super::video) for
    /// layouts, value ranges and what GIF keeps).
    ///
    /// A shape that does not match the data, an unsupported channel count, a zero-sized
    /// dimension, a float outside `[0, 1]`, a side above 65 535 or an `fps` that is not
    /// between 0.0016 and 200 is an [`Error::InvalidInput`], and nothing is written.
    ///
    /// ```
    /// use tensorboard_writer::summary::video::VideoLayout;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // 4 RGB frames of 24×32 in [0, 1], planar (T, C, H, W): fading from black to red.
    /// let (t, h, w) = (4, 24, 32);
    /// let mut frames = vec![0.0f32; t * 3 * h * w];
    /// for f in 0..t {
    ///     let red = &mut frames[f * 3 * h * w..][..h * w];
    ///     red.fill(f as f32 / (t - 1) as f32);
    /// }
    /// writer.add_video("fade", &frames, VideoLayout::Tchw(t, 3, h, w), 4.0, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_video<T: Pixel>(
        &self,
        tag: &str,
        frames: &[T],
        layout: VideoLayout,
        fps: f64,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).video(tag, frames, layout, fps).write()
    }
}

impl StepBuilder<'_> {
    /// Adds frames as an animated GIF (see [`SummaryWriter::add_video`]).
    pub fn video<T: Pixel>(self, tag: &str, frames: &[T], layout: VideoLayout, fps: f64) -> Self {
        self.tagged(tag, |tag| video_value(tag, frames, layout, fps))
    }
}

impl SummaryWriter {
    /// Logs a video tensor as an animated GIF: [`add_video`](Self::add_video) with the
    /// layout read from the shape, `[T, C, H, W]` (frames, then channels first, as image
    /// tensors are). `u8` elements are 0–255, float elements (`f16`, `bf16`, `f32`, `f64`)
    /// 0–1; 1, 3 or 4 channels.
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // 6 grey frames of 8×8 getting brighter, 2 frames per second.
    /// let frames: Vec<u8> = (0..6u8).flat_map(|f| [f * 40; 64]).collect();
    /// let clip = HostTensor::new([6, 1, 8, 8], frames)?; // TCHW
    /// writer.add_video_tensor("fade_in", &clip, 2.0, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_video_tensor<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        frames: &T,
        fps: f64,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).video_tensor(tag, frames, fps).write()
    }
}

impl StepBuilder<'_> {
    /// Adds a video tensor as an animated GIF (see [`SummaryWriter::add_video_tensor`]).
    pub fn video_tensor<T: TensorInput + ?Sized>(self, tag: &str, frames: &T, fps: f64) -> Self {
        const WHAT: &str = "video tensor";
        let host = match frames.to_host() {
            Ok(h) => h,
            Err(e) => return self.tagged(tag, |_| Err(e)),
        };
        let layout = match *host.shape() {
            [t, c, h, w] => VideoLayout::Tchw(t, c, h, w),
            _ => {
                let e = bad(
                    WHAT,
                    format!(
                        "shape {:?}: a video tensor is [T, C, H, W] (frames, channels first); \
                         unsqueeze a grey [T, H, W] clip to [T, 1, H, W]",
                        host.shape()
                    ),
                );
                return self.tagged(tag, |_| Err(e));
            }
        };
        match pixel_data(WHAT, host.into_parts().1) {
            Ok(PixelData::U8(v)) => self.video(tag, &v, layout, fps),
            Ok(PixelData::F16(v)) => self.video(tag, &v, layout, fps),
            Ok(PixelData::F32(v)) => self.video(tag, &v, layout, fps),
            Ok(PixelData::F64(v)) => self.video(tag, &v, layout, fps),
            Err(e) => self.tagged(tag, |_| Err(e)),
        }
    }
}

fn video_value<T: Pixel>(
    tag: String,
    frames: &[T],
    layout: VideoLayout,
    fps: f64,
) -> Result<summary::Value> {
    let (w, h, gif) = encode_gif(frames, layout, fps)?;
    Ok(image_value(tag, u64::from(w), u64::from(h), gif))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fps_to_delay() {
        assert_eq!(frame_delay(4.0).unwrap(), 25);
        assert_eq!(frame_delay(30.0).unwrap(), 3);
        assert_eq!(frame_delay(200.0).unwrap(), 1);
        assert_eq!(frame_delay(0.002).unwrap(), 50000);
        for bad in [0.0, -1.0, 201.0, 0.001, f64::NAN, f64::INFINITY] {
            assert!(frame_delay(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_videos_are_errors() {
        let d = [0u8; 24];
        assert!(encode_gif(&d, VideoLayout::Thwc(2, 2, 2, 2), 4.0).is_err()); // 2 channels
        assert!(encode_gif(&d, VideoLayout::Thwc(2, 2, 2, 4), 4.0).is_err()); // 32 values
        assert!(encode_gif(&d[..0], VideoLayout::Thwc(0, 2, 2, 3), 4.0).is_err());
        assert!(encode_gif(&d, VideoLayout::Thwc(2, 2, 2, 3), 0.0).is_err());
        let big = vec![0u8; 70_000];
        assert!(encode_gif(&big, VideoLayout::Thwc(1, 1, 70_000, 1), 4.0).is_err());
        assert!(encode_gif(&[0.5f32, 1.5], VideoLayout::Thwc(2, 1, 1, 1), 4.0).is_err());
    }
}
