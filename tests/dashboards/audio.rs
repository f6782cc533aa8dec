//! Audio summaries as written to disk: WAV bytes, tensor form and metadata.

use prost::Message;
use tensorboard_writer::reader::read_events;
use tensorboard_writer::{Error, SummaryWriter, proto};

use crate::common::{dims, tensor, values};

/// A WAV file parsed chunk by chunk (independently of the writer's layout).
struct Wav {
    format: u16,
    channels: u16,
    rate: u32,
    byte_rate: u32,
    block_align: u16,
    bits: u16,
    pcm: Vec<i16>,
}

fn parse_wav(b: &[u8]) -> Wav {
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(u32_at(4) as usize, b.len() - 8, "RIFF size");
    assert_eq!(&b[8..12], b"WAVE");
    let mut i = 12;
    let mut fmt = None;
    let mut pcm = None;
    while i < b.len() {
        let id = &b[i..i + 4];
        let len = u32_at(i + 4) as usize;
        let body = i + 8;
        if id == b"fmt " {
            fmt = Some((
                u16_at(body),
                u16_at(body + 2),
                u32_at(body + 4),
                u32_at(body + 8),
                u16_at(body + 12),
                u16_at(body + 14),
            ));
        } else if id == b"data" {
            pcm = Some(
                b[body..body + len]
                    .chunks_exact(2)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect(),
            );
        }
        i = body + len + (len & 1);
    }
    assert_eq!(i, b.len(), "chunks end exactly at the end of the file");
    let (format, channels, rate, byte_rate, block_align, bits) = fmt.expect("fmt chunk");
    Wav {
        format,
        channels,
        rate,
        byte_rate,
        block_align,
        bits,
        pcm: pcm.expect("data chunk"),
    }
}

fn check_audio_metadata(v: &proto::summary::Value) {
    let md = v.metadata.as_ref().unwrap();
    let pd = md.plugin_data.as_ref().unwrap();
    assert_eq!(pd.plugin_name, "audio");
    let content = proto::AudioPluginData::decode(&pd.content[..]).unwrap();
    assert_eq!(content.version, 0);
    assert_eq!(content.encoding, 11, "WAV");
    assert_eq!(md.data_class, proto::DataClass::BlobSequence as i32);
    let t = tensor(v);
    assert_eq!(t.dtype, proto::DataType::DtString as i32);
    assert_eq!(dims(t), [1]);
    assert_eq!(t.string_val.len(), 1);
}

#[test]
fn mono_clip_is_16_bit_pcm_wav() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let samples = [
        0.0,
        0.5,
        -0.5,
        1.0,
        -1.0,
        2.0,
        -3.0,
        0.25,
        f32::INFINITY,
        1e-6,
    ];
    w.add_audio("speech", &samples, 16_000, 7u32).unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 1);
    let (step, v) = &vals[0];
    assert_eq!((*step, v.tag.as_str()), (7, "speech"));
    check_audio_metadata(v);
    let wav = parse_wav(&tensor(v).string_val[0]);
    assert_eq!((wav.format, wav.channels, wav.bits), (1, 1, 16));
    assert_eq!(
        (wav.rate, wav.byte_rate, wav.block_align),
        (16_000, 32_000, 2)
    );
    // x * 32768 rounded, clipped to [-32768, 32767]; 1e-6 * 32768 = 0.033 rounds to 0.
    assert_eq!(
        wav.pcm,
        [
            0, 16384, -16384, 32767, -32768, 32767, -32768, 8192, 32767, 0
        ]
    );
}

#[test]
fn stereo_clip_keeps_interleaved_frames() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    // Three frames: left ramps up, right ramps down.
    let samples = [0.0, -0.0, 0.125, -0.125, 0.25, -0.25];
    w.add_audio_channels("stereo", &samples, 2, 44_100, 1u32)
        .unwrap();
    // Six channels, one frame, at an unusual rate.
    w.add_audio_channels("surround", &[0.5; 6], 6, 7, 2u32)
        .unwrap();
    w.close().unwrap();
    let vals = values(dir.path());
    assert_eq!(vals.len(), 2);
    let stereo = parse_wav(&tensor(&vals[0].1).string_val[0]);
    assert_eq!((stereo.channels, stereo.rate), (2, 44_100));
    assert_eq!((stereo.byte_rate, stereo.block_align), (44_100 * 4, 4));
    assert_eq!(stereo.pcm, [0, 0, 4096, -4096, 8192, -8192]);
    let surround = parse_wav(&tensor(&vals[1].1).string_val[0]);
    assert_eq!((surround.channels, surround.rate), (6, 7));
    assert_eq!((surround.byte_rate, surround.block_align), (7 * 12, 12));
    assert_eq!(surround.pcm, [16384; 6]);
    for (_, v) in &vals {
        check_audio_metadata(v);
    }
}

#[test]
fn step_builder_scopes_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let eval = w.scope("eval").unwrap();
    eval.step(3u32)
        .audio("sample", &[0.5, -0.5], 8000)
        .audio_channels("pair", &[0.5, -0.5], 2, 8000)
        .scalar("loss", 0.5f32)
        .write()
        .unwrap();
    w.close().unwrap();
    let events: Vec<_> = read_events(dir.path())
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            Some(proto::event::What::Summary(s)) => Some((e.step, s)),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "one merged event");
    let (step, s) = &events[0];
    assert_eq!(*step, 3);
    let tags: Vec<&str> = s.value.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(tags, ["eval/sample", "eval/pair", "eval/loss"]);
    let mono = parse_wav(&tensor(&s.value[0]).string_val[0]);
    let pair = parse_wav(&tensor(&s.value[1]).string_val[0]);
    assert_eq!((mono.channels, mono.pcm.len()), (1, 2));
    assert_eq!((pair.channels, pair.pcm.len()), (2, 2));
    assert_eq!(mono.pcm, pair.pcm);
}

#[test]
fn bad_audio_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let w = SummaryWriter::new(dir.path()).unwrap();
    let invalid =
        |r: Result<(), Error>| matches!(r, Err(Error::InvalidInput { what: "audio", .. }));
    assert!(invalid(w.add_audio("a", &[0.0, f32::NAN], 8000, 0u32)));
    assert!(invalid(w.add_audio("a", &[], 8000, 0u32)));
    assert!(invalid(w.add_audio("a", &[0.0], 0, 0u32)));
    assert!(invalid(w.add_audio_channels("a", &[0.0; 3], 2, 8000, 0u32)));
    assert!(invalid(w.add_audio_channels("a", &[0.0; 3], 0, 8000, 0u32)));
    assert!(invalid(w.add_audio_channels(
        "a",
        &[0.0; 2],
        2,
        u32::MAX,
        0u32
    )));
    assert!(matches!(
        w.add_audio("bad tag(", &[0.0], 8000, 0u32),
        Err(Error::InvalidTag { .. })
    ));
    // A valid clip merged with a bad one: the whole event is refused.
    assert!(invalid(
        w.step(1u32)
            .audio("good", &[0.1], 8000)
            .audio("bad", &[f32::NAN], 8000)
            .write()
    ));
    w.close().unwrap();
    assert!(values(dir.path()).is_empty());
}
