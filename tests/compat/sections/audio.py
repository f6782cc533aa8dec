"""Audio dashboard: `/data/plugin/audio/tags`, `/audio` and `/individualAudio`.

Manifest: {"audio": {tag: [{"step": s, "channels": c, "sample_rate": r, "frames": f,
"samples": [float, ...] (interleaved, as given to the writer), "wav_hex": hex}]}} per run.

Checked for every tag: one clip per step (`samples` 1 in /tags), the served steps, content
type `audio/wav`, the served bytes equal to the WAV the crate wrote, and the WAV as read by
Python's `wave` module: channels, rate, 16-bit width, frame count, and every sample equal to
the value computed here from the float samples (clip to [-1, 1], times 32768, round half
away from zero, clamp to the int16 range: `tf.audio.encode_wav`'s conversion).

Points marked `"form": "legacy"` (runs written with `legacy_summaries(true)`: `Summary.Audio`
values) are checked the same way, except that TensorBoard's Rust loader serves that form as
`application/octet-stream` (it does not mark the converted clip as WAV); the bytes must still
be the WAV written.
"""

import io
import math
import struct
import urllib.request
import wave

from ._common import compare_steps, compare_tag_sets, legacy_under, unexpected_runs


def _fetch_bytes(client, path_and_query):
    with urllib.request.urlopen(client.base + path_and_query, timeout=30) as resp:
        return resp.headers.get("Content-Type", ""), resp.read()


def _pcm16(x):
    """The int16 value a float sample must become."""
    x = min(1.0, max(-1.0, x))
    y = x * 32768.0  # exact: a power-of-two scaling of a float32
    r = math.floor(abs(y) + 0.5)
    r = r if y >= 0 else -r
    return int(min(32767, max(-32768, r)))


def _decode_sample(v):
    if isinstance(v, str):
        return {"Infinity": math.inf, "-Infinity": -math.inf}[v]
    return float(v)


def _expected_type(point):
    """The content type the loader under check serves the clip as."""
    if legacy_under(point, "rust", "rust-checksum"):
        return "application/octet-stream"
    return "audio/wav"


def _check_clip(where, point, content_type, data):
    problems = []
    if content_type.split(";")[0].strip() != _expected_type(point):
        problems.append(
            "%s: served as %r, not %s" % (where, content_type, _expected_type(point))
        )
    expected = bytes.fromhex(point["wav_hex"])
    if data != expected:
        problems.append(
            "%s: served %d bytes that differ from the %d written"
            % (where, len(data), len(expected))
        )
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            got = (wav.getnchannels(), wav.getframerate(), wav.getsampwidth(), wav.getnframes())
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as e:
        return problems + ["%s: not a WAV file Python can read: %s" % (where, e)]
    want = (point["channels"], point["sample_rate"], 2, point["frames"])
    if got != want:
        problems.append(
            "%s: (channels, rate, sample width, frames) is %s, expected %s" % (where, got, want)
        )
        return problems
    pcm = list(struct.unpack("<%dh" % (len(frames) // 2), frames))
    want_pcm = [_pcm16(_decode_sample(v)) for v in point["samples"]]
    if pcm != want_pcm:
        bad = next(i for i, (a, b) in enumerate(zip(pcm + [None], want_pcm + [None])) if a != b)
        problems.append(
            "%s: sample %d is %r, expected %r"
            % (where, bad, (pcm + [None])[bad], (want_pcm + [None])[bad])
        )
    return problems


def check_audio(client, expected_by_run):
    problems = []
    tags_by_run = client.get("/data/plugin/audio/tags")
    problems += unexpected_runs("audio", tags_by_run, expected_by_run)
    for run, expected in sorted(expected_by_run.items()):
        if not expected and not tags_by_run.get(run):
            continue
        got_tags = tags_by_run.get(run, {})
        problems += compare_tag_sets("audio", run, expected, got_tags)
        for tag in sorted(set(expected) & set(got_tags)):
            where = "audio: run %r tag %r" % (run, tag)
            samples = got_tags[tag].get("samples")
            if samples != 1:
                problems.append("%s: /tags reports %r clips per step, expected 1" % (where, samples))
            got = client.get("/data/plugin/audio/audio", run=run, tag=tag, sample=0)
            problems += compare_steps(where, expected[tag], [g["step"] for g in got])
            by_step = {g["step"]: g for g in got}
            for point in expected[tag]:
                entry = by_step.get(point["step"])
                if entry is None:
                    continue
                w = "%s step %d" % (where, point["step"])
                if entry.get("contentType") != _expected_type(point):
                    problems.append("%s: contentType %r" % (w, entry.get("contentType")))
                content_type, data = _fetch_bytes(
                    client, "/data/plugin/audio/individualAudio?" + entry["query"]
                )
                problems += _check_clip(w, point, content_type, data)
    return problems


RUN_SECTIONS = {"audio": check_audio}
