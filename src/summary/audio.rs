//! Audio: clips of `f32` samples, encoded as 16-bit PCM WAV and played in the Audio
//! dashboard.
//!
//! Each clip is written in the form both of TensorBoard's loaders read (docs/FORMAT.md §3,
//! Traps, 16): a rank-1 `DT_STRING` tensor of shape `[1]` holding the WAV file, with plugin
//! `audio`, `AudioPluginData { version: 0, encoding: WAV }` and data class
//! `BLOB_SEQUENCE`. TensorBoard serves it as `audio/wav`.
//!
//! # Samples
//!
//! Samples are `f32` values in `[-1, 1]`. Values outside that range (±infinity included) are
//! clipped to it; NaN is an error. Each clipped sample `s` becomes the 16-bit value
//! `round(s × 32768)` (halves rounded away from zero) clamped to `[-32768, 32767]`, the
//! conversion TensorFlow's `tf.audio.encode_wav` uses; so `1.0` becomes `32767` and `-1.0`
//! becomes `-32768`. Multichannel audio is given as interleaved frames (`l0 r0 l1 r1 …` for
//! stereo), which is also how WAV stores it.

use crate::error::{Error, Result};
use crate::proto::{AudioPluginData, DataClass, audio_plugin_data::Encoding, summary};
use crate::tensor::{FloatData, HostTensor, TensorInput, bad, floats};
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::{content, metadata, string_tensor, tensor_value};

/// Size of the RIFF/WAVE header [`encode_wav`] writes before the samples.
pub const WAV_HEADER_LEN: usize = 44;

/// Encodes interleaved `f32` samples as a 16-bit PCM WAV file (RIFF, little-endian): a
/// 44-byte header ([`WAV_HEADER_LEN`]) followed by the samples.
///
/// `samples` holds `frames × channels` values, frame by frame. Values outside `[-1, 1]` are
/// clipped (see the [module documentation](self) for the exact conversion).
///
/// Errors ([`Error::InvalidInput`]): no samples, `channels` of 0 or above 32767, a sample
/// count that is not a multiple of `channels`, a sample rate of 0 or one whose byte rate
/// (`sample_rate × channels × 2`) overflows the header's 32-bit field, a NaN sample, or a
/// clip too long for WAV's 32-bit sizes.
///
/// ```
/// use tensorboard_writer::summary::audio::{encode_wav, WAV_HEADER_LEN};
///
/// let wav = encode_wav(&[0.0, 0.5, -1.0, 2.0], 2, 8000)?;
/// assert_eq!(&wav[..4], b"RIFF");
/// assert_eq!(wav.len(), WAV_HEADER_LEN + 4 * 2);
/// let pcm: Vec<i16> = wav[WAV_HEADER_LEN..]
///     .chunks(2)
///     .map(|b| i16::from_le_bytes([b[0], b[1]]))
///     .collect();
/// assert_eq!(pcm, [0, 16384, -32768, 32767]); // 2.0 is clipped to 1.0
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_wav(samples: &[f32], channels: usize, sample_rate: u32) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::InvalidInput {
        what: "audio",
        reason,
    };
    if channels == 0 || channels > 32767 {
        return Err(bad(format!(
            "channel count {channels} is not between 1 and 32767 (WAV stores channels × 2 \
             bytes per frame in 16 bits)"
        )));
    }
    if samples.is_empty() {
        return Err(bad("a clip needs at least one sample".into()));
    }
    if samples.len() % channels != 0 {
        return Err(bad(format!(
            "{} samples do not make whole frames of {channels} channels",
            samples.len()
        )));
    }
    if sample_rate == 0 {
        return Err(bad("the sample rate must be positive".into()));
    }
    // channels <= 32767, so block_align fits a u16.
    let block_align = (channels * 2) as u16;
    let byte_rate =
        u32::try_from(u64::from(sample_rate) * u64::from(block_align)).map_err(|_| {
            bad(format!(
                "sample rate {sample_rate} × {channels} channels × 2 bytes overflows WAV's \
                 32-bit byte rate"
            ))
        })?;
    if let Some(i) = samples.iter().position(|s| s.is_nan()) {
        return Err(bad(format!("sample {i} is NaN")));
    }
    let data_len = samples
        .len()
        .checked_mul(2)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= u32::MAX - 36)
        .ok_or_else(|| {
            bad(format!(
                "{} samples are too many for WAV's 32-bit sizes",
                samples.len()
            ))
        })?;

    let mut out = Vec::with_capacity(WAV_HEADER_LEN + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&(channels as u16).to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        out.extend_from_slice(&to_i16(s).to_le_bytes());
    }
    Ok(out)
}

/// A sample (not NaN) as 16-bit PCM: clipped to `[-1, 1]`, scaled by 32768, rounded half
/// away from zero and clamped to the `i16` range.
fn to_i16(s: f32) -> i16 {
    // Scaling by a power of two is exact, so this rounds once.
    (s.clamp(-1.0, 1.0) * 32768.0)
        .round()
        .clamp(-32768.0, 32767.0) as i16
}

/// The `Summary.Value` for one WAV clip under `tag`.
fn audio_value(
    tag: String,
    samples: &[f32],
    channels: usize,
    sample_rate: u32,
) -> Result<summary::Value> {
    let wav = encode_wav(samples, channels, sample_rate)?;
    let md = metadata(
        "audio",
        content(&AudioPluginData {
            version: 0,
            encoding: Encoding::Wav as i32,
            converted_to_tensor: false,
        }),
        DataClass::BlobSequence,
    );
    Ok(tensor_value(tag, md, string_tensor(&[1], vec![wav])))
}

impl SummaryWriter {
    /// Logs a mono audio clip under `tag` at `step`, played in the Audio dashboard.
    ///
    /// `samples` are `f32` values in `[-1, 1]` at `sample_rate` samples per second; values
    /// outside the range are clipped, NaN is an error (see the
    /// [module documentation](crate::summary::audio)). The clip is stored as a 16-bit PCM WAV
    /// file. On error nothing is written.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let rate = 16_000;
    /// let tone: Vec<f32> = (0..rate / 2)
    ///     .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin())
    ///     .collect();
    /// writer.add_audio("a440", &tone, rate, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_audio(
        &self,
        tag: &str,
        samples: &[f32],
        sample_rate: u32,
        step: impl Step,
    ) -> Result<()> {
        self.step(step).audio(tag, samples, sample_rate).write()
    }

    /// Logs a clip with `channels` channels, given as interleaved frames
    /// (`l0 r0 l1 r1 …` for stereo): `samples.len()` must be a multiple of `channels`.
    /// Otherwise as [`add_audio`](Self::add_audio).
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// // 0.1 s of stereo: a ramp on the left, silence on the right.
    /// let frames = 4410;
    /// let stereo: Vec<f32> = (0..frames)
    ///     .flat_map(|i| [i as f32 / frames as f32, 0.0])
    ///     .collect();
    /// writer.add_audio_channels("stereo", &stereo, 2, 44_100, 3u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_audio_channels(
        &self,
        tag: &str,
        samples: &[f32],
        channels: usize,
        sample_rate: u32,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .audio_channels(tag, samples, channels, sample_rate)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds a mono audio clip (see [`SummaryWriter::add_audio`]).
    pub fn audio(self, tag: &str, samples: &[f32], sample_rate: u32) -> Self {
        self.audio_channels(tag, samples, 1, sample_rate)
    }

    /// Adds an audio clip of interleaved frames (see [`SummaryWriter::add_audio_channels`]).
    pub fn audio_channels(
        self,
        tag: &str,
        samples: &[f32],
        channels: usize,
        sample_rate: u32,
    ) -> Self {
        self.tagged(tag, |tag| audio_value(tag, samples, channels, sample_rate))
    }
}

/// Audio samples as interleaved `f32` frames and the channel count.
fn audio_samples(host: HostTensor) -> Result<(Vec<f32>, usize)> {
    const WHAT: &str = "audio tensor";
    let (shape, data) = host.into_parts();
    let samples: Vec<f32> = match floats(data) {
        Ok(FloatData::F32(v)) => v,
        // Clipped to [-1, 1] afterwards, so rounding to f32 loses nothing that is kept.
        Ok(FloatData::F64(v)) => v.iter().map(|&x| x as f32).collect(),
        Err(dtype) => {
            return Err(bad(
                WHAT,
                format!("{dtype} elements; audio samples are floats in [-1, 1]"),
            ));
        }
    };
    match *shape {
        [_] => Ok((samples, 1)),
        [channels, len] => {
            // Planar [C, L] → interleaved frames.
            let mut out = Vec::with_capacity(samples.len());
            for i in 0..len {
                out.extend((0..channels).map(|c| samples[c * len + i]));
            }
            Ok((out, channels))
        }
        _ => Err(bad(
            WHAT,
            format!("shape {shape:?}: an audio tensor is [L] (mono) or [C, L] (C channels)"),
        )),
    }
}

impl SummaryWriter {
    /// Logs an audio clip tensor: `[L]` samples (mono) or `[C, L]` (C channels, one row
    /// each), float elements in `[-1, 1]` (clipped), at `sample_rate` samples per second.
    /// [`add_audio`](Self::add_audio) / [`add_audio_channels`](Self::add_audio_channels) with
    /// the channels read from the shape.
    ///
    /// ```
    /// use tensorboard_writer::tensor::HostTensor;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let stereo = HostTensor::new([2, 4], vec![0.0f32, 0.1, 0.2, 0.3, 0.0, -0.1, -0.2, -0.3])?;
    /// writer.add_audio_tensor("stereo", &stereo, 8000, 0u32)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_audio_tensor<T: TensorInput + ?Sized>(
        &self,
        tag: &str,
        samples: &T,
        sample_rate: u32,
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .audio_tensor(tag, samples, sample_rate)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds an audio clip tensor (see [`SummaryWriter::add_audio_tensor`]).
    pub fn audio_tensor<T: TensorInput + ?Sized>(
        self,
        tag: &str,
        samples: &T,
        sample_rate: u32,
    ) -> Self {
        match samples.to_host().and_then(audio_samples) {
            Ok((v, channels)) => self.audio_channels(tag, &v, channels, sample_rate),
            Err(e) => self.tagged(tag, |_| Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_clips_rounds_half_away_and_saturates() {
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(-0.0), 0);
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(-1.0), -32768);
        assert_eq!(to_i16(7.5), 32767);
        assert_eq!(to_i16(f32::INFINITY), 32767);
        assert_eq!(to_i16(f32::NEG_INFINITY), -32768);
        // 0.5 / 32768 scales to exactly 0.5: rounded away from zero.
        assert_eq!(to_i16(0.5 / 32768.0), 1);
        assert_eq!(to_i16(-0.5 / 32768.0), -1);
        assert_eq!(to_i16(1.5 / 32768.0), 2);
        assert_eq!(to_i16(0.25), 8192);
    }

    #[test]
    fn header_fields() {
        let wav = encode_wav(&[0.0; 6], 3, 22_050).unwrap();
        let u32_at = |i: usize| u32::from_le_bytes([wav[i], wav[i + 1], wav[i + 2], wav[i + 3]]);
        let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u32_at(4) as usize, wav.len() - 8);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(16), 16);
        assert_eq!(u16_at(20), 1);
        assert_eq!(u16_at(22), 3);
        assert_eq!(u32_at(24), 22_050);
        assert_eq!(u32_at(28), 22_050 * 3 * 2);
        assert_eq!(u16_at(32), 6);
        assert_eq!(u16_at(34), 16);
        assert_eq!(&wav[36..40], b"data");
        assert_eq!(u32_at(40), 12);
        assert_eq!(wav.len(), 44 + 12);
    }

    #[test]
    fn bad_input() {
        for (samples, channels, rate) in [
            (&[][..], 1, 8000),
            (&[0.0, 0.1, 0.2][..], 2, 8000),
            (&[0.0][..], 0, 8000),
            (&[0.0; 40000][..], 40000, 8000),
            (&[0.0][..], 1, 0),
            (&[0.0, f32::NAN][..], 1, 8000),
            (&[0.0, 0.0][..], 2, u32::MAX / 2),
        ] {
            assert!(
                matches!(
                    encode_wav(samples, channels, rate),
                    Err(Error::InvalidInput { what: "audio", .. })
                ),
                "{channels} {rate}"
            );
        }
        // The largest byte rate that fits.
        assert!(encode_wav(&[0.0], 1, u32::MAX / 2).is_ok());
    }

    #[test]
    fn audio_rows_become_interleaved_frames() {
        let t = HostTensor::new([2, 3], vec![1.0f32, 2.0, 3.0, -1.0, -2.0, -3.0]).unwrap();
        let (v, c) = audio_samples(t).unwrap();
        assert_eq!(c, 2);
        assert_eq!(v, [1.0, -1.0, 2.0, -2.0, 3.0, -3.0]);
    }
}
