//! Audio: mono and multichannel clips at several sample rates, through the writer, a scope
//! and a merged step, with samples outside [-1, 1] to exercise clipping.
//!
//! Manifest section "audio" (run `audio`): `{tag: [{"step": s, "channels": c,
//! "sample_rate": r, "frames": f, "samples": [f32 as written, interleaved],
//! "wav_hex": hex of the WAV bytes the crate wrote}]}`. The expected WAV bytes travel in the
//! manifest (this module gets no other path the checker also sees). The check
//! (`tests/compat/sections/audio.py`) asserts the served clip is `audio/wav`, byte for byte
//! the WAV written, and that Python's `wave` module reads the channels, rate, frame count
//! and 16-bit samples computed independently from `samples`.

use std::path::Path;

use serde_json::json;
use tensorboard_writer::SummaryWriter;
use tensorboard_writer::summary::audio::encode_wav;

use crate::{Error, Manifest, json_f32};

const RUN: &str = "audio";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tone of `frames` frames over `channels` channels, each channel a different frequency,
/// with amplitude `amp` (above 1 clips).
fn tone(frames: usize, channels: usize, rate: u32, amp: f32) -> Vec<f32> {
    (0..frames)
        .flat_map(|i| {
            (0..channels).map(move |c| {
                let f = 220.0 * (c + 1) as f32;
                amp * (2.0 * std::f32::consts::PI * f * i as f32 / rate as f32).sin()
            })
        })
        .collect()
}

fn record(
    m: &mut Manifest,
    tag: &str,
    step: i64,
    samples: &[f32],
    channels: usize,
    rate: u32,
) -> Result<(), Error> {
    let wav = encode_wav(samples, channels, rate)?;
    m.point(
        RUN,
        "audio",
        tag,
        json!({
            "step": step,
            "channels": channels,
            "sample_rate": rate,
            "frames": samples.len() / channels,
            "samples": samples.iter().map(|&s| json_f32(s)).collect::<Vec<_>>(),
            "wav_hex": hex(&wav),
        }),
    );
    Ok(())
}

pub fn write(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let w = SummaryWriter::new(logdir.join(RUN))?;

    // Mono at two steps; the second one loud enough to clip.
    for (step, amp) in [(0i64, 0.5f32), (1, 1.5)] {
        let s = tone(400, 1, 8000, amp);
        w.add_audio("tone", &s, 8000, step)?;
        record(m, "tone", step, &s, 1, 8000)?;
    }

    // Stereo with hand-picked extremes on the left channel.
    let mut stereo = tone(300, 2, 22_050, 0.8);
    stereo[..8].copy_from_slice(&[1.0, -1.0, -1.0, 2.0, f32::INFINITY, 0.5, -0.0, 1e-6]);
    w.add_audio_channels("stereo", &stereo, 2, 22_050, 3u32)?;
    record(m, "stereo", 3, &stereo, 2, 22_050)?;

    // Six channels, five frames, at an unusual rate.
    let six = tone(5, 6, 1234, 0.9);
    w.add_audio_channels("six_channels", &six, 6, 1234, 2u32)?;
    record(m, "six_channels", 2, &six, 6, 1234)?;

    // A scoped, merged step with a scalar beside the clip.
    let eval = w.scope("eval")?;
    let clip = tone(200, 1, 16_000, 0.3);
    eval.step(5u32)
        .audio("clip", &clip, 16_000)
        .scalar("loss", 0.25f32)
        .write()?;
    record(m, "eval/clip", 5, &clip, 1, 16_000)?;
    m.expect(RUN, "eval/loss", 5, 0.25, None);

    w.close()?;
    Ok(())
}
