#!/usr/bin/env python3
"""Check that tbparse reads the histograms, images and audio of the runs written in the older
summary forms (`legacy_summaries(true)`), value for value, and nothing from the tensor forms.

Usage: check_tbparse.py --logdir LOGDIR --manifest MANIFEST.json

Needs tbparse 0.0.9 and TensorFlow (tbparse decodes images and audio with it, and leaves
`.images` and `.audio` out without it). For every run of the manifest whose points carry
`"form": "legacy"` (written by tests/compat/logdir), `SummaryReader(<run>)` must give
exactly the manifest's (tag, step) pairs and:
- `.histograms`: `limits` equal to the right edges of the manifest's buckets and `counts` to
  their counts (as float64, exactly), `min` the first left edge, `max` the last right edge,
  `num` the total count;
- `.images`: the decoded image of the right shape (height, width, channels for PNG and
  JPEG; frames, height, width, 3 for GIF) with every pixel the manifest lists (PNG exactly;
  GIF its RGB where the manifest's alpha is 255), `width` and `height`;
- `.audio`: the decoded samples equal to the 16-bit values computed from the manifest's float
  samples, divided by 32768 (`tf.audio.decode_wav`), shape (frames, channels), `sample_rate`,
  `length_frames` and `content_type` "audio/wav".
The same dashboards of the runs written in the tensor forms must come back empty: tbparse
reads only the older forms of these three (README, "Which tools read what").

Ends with `tbparse: OK ...` or the mismatches and `tbparse: FAIL ...`, exit status 1.
"""

import argparse
import json
import os
import sys

import numpy as np
from tbparse import SummaryReader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sections.audio import _decode_sample, _pcm16  # noqa: E402

SECTIONS = ("histograms", "images", "audio")
EXTRA = {
    "histograms": {"min", "max", "num"},
    "images": {"width", "height"},
    "audio": {"sample_rate", "length_frames", "content_type"},
}


def rows_by_key(df):
    """{(tag, step): row} of a tbparse DataFrame; duplicates are a problem of their own."""
    out, dups = {}, []
    for _, row in df.iterrows():
        key = (row["tag"], int(row["step"]))
        if key in out:
            dups.append(key)
        out[key] = row
    return out, dups


def check_histogram(where, point, row):
    buckets = point["buckets"]
    problems = []
    limits = [float(x) for x in row["limits"]]
    counts = [float(x) for x in row["counts"]]
    if limits != [float(b[1]) for b in buckets]:
        problems.append("%s: limits %s, expected %s" % (where, limits[:4], [b[1] for b in buckets][:4]))
    if counts != [float(b[2]) for b in buckets]:
        problems.append("%s: counts %s, expected %s" % (where, counts[:4], [b[2] for b in buckets][:4]))
    if buckets:
        want = (float(buckets[0][0]), float(buckets[-1][1]), float(sum(b[2] for b in buckets)))
        got = (float(row["min"]), float(row["max"]), float(row["num"]))
        if got != want:
            problems.append("%s: (min, max, num) %s, expected %s" % (where, got, want))
    elif float(row["num"]) != 0.0:
        problems.append("%s: num %r for an empty histogram" % (where, row["num"]))
    return problems


def check_image(where, point, row):
    problems = []
    blob = point["blobs"][0]
    value = np.asarray(row["value"])
    w, h = point["width"], point["height"]
    if (int(row["width"]), int(row["height"])) != (w, h):
        problems.append("%s: width, height %s, expected %s" % (where, (row["width"], row["height"]), (w, h)))
    if blob["mime"] == "image/gif":
        frames = len(blob["delays_cs"])
        if value.shape != (frames, h, w, 3):
            return problems + ["%s: shape %s, expected %s" % (where, value.shape, (frames, h, w, 3))]
        for f, x, y, rgba in blob.get("pixels", []):
            if rgba[3] == 255 and list(value[f, y, x]) != rgba[:3]:
                problems.append("%s: frame %d pixel (%d, %d) %s, expected %s" % (where, f, x, y, list(value[f, y, x]), rgba[:3]))
        return problems
    if value.ndim != 3 or value.shape[:2] != (h, w):
        return problems + ["%s: shape %s, expected (%d, %d, channels)" % (where, value.shape, h, w)]
    if blob["mime"] == "image/png":
        for x, y, want in blob.get("pixels", []):
            got = [int(v) for v in value[y, x]]
            if got != want:
                problems.append("%s: pixel (%d, %d) %s, expected %s" % (where, x, y, got, want))
    return problems


def check_audio(where, point, row):
    problems = []
    value = np.asarray(row["value"])
    channels, frames = point["channels"], point["frames"]
    if value.shape != (frames, channels):
        return ["%s: shape %s, expected %s" % (where, value.shape, (frames, channels))]
    want = np.array([_pcm16(_decode_sample(v)) / 32768.0 for v in point["samples"]], dtype=np.float32)
    got = value.reshape(-1)
    if not np.array_equal(got, want):
        i = int(np.argmax(got != want))
        problems.append("%s: sample %d is %r, expected %r" % (where, i, got[i], want[i]))
    meta = (float(row["sample_rate"]), int(row["length_frames"]), row["content_type"])
    if meta != (float(point["sample_rate"]), frames, "audio/wav"):
        problems.append("%s: (sample_rate, length_frames, content_type) %s" % (where, meta))
    return problems


CHECKS = {"histograms": check_histogram, "images": check_image, "audio": check_audio}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logdir", required=True)
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args()
    with open(args.manifest) as f:
        runs = json.load(f)["runs"]

    problems, checked, legacy_runs = [], 0, 0
    for run, sections in sorted(runs.items()):
        for section in SECTIONS:
            expected = sections.get(section)
            if not expected:
                continue
            points = [p for pts in expected.values() for p in pts]
            legacy = {p.get("form") == "legacy" for p in points}
            if len(legacy) != 1:
                problems.append("%s %s: mixes older and tensor forms" % (run, section))
                continue
            reader = SummaryReader(os.path.join(args.logdir, run), extra_columns=EXTRA[section])
            got, dups = rows_by_key(getattr(reader, section))
            where = "%s: run %r" % (section, run)
            if not legacy.pop():
                if got:
                    problems.append("%s (tensor form): tbparse reads %d values" % (where, len(got)))
                continue
            legacy_runs += 1
            problems += ["%s: (tag, step) %s twice" % (where, k) for k in dups]
            want = {(tag, p["step"]): p for tag, pts in expected.items() for p in pts}
            for key in sorted(set(want) - set(got)):
                problems.append("%s: missing %s" % (where, key))
            for key in sorted(set(got) - set(want)):
                problems.append("%s: unexpected %s" % (where, key))
            for key in sorted(set(want) & set(got)):
                problems += CHECKS[section]("%s tag %r step %d" % ((where,) + key), want[key], got[key])
                checked += 1
    if legacy_runs < len(SECTIONS):
        problems.append("only %d runs in the older forms; expected one per dashboard" % legacy_runs)
    for p in problems:
        print("tbparse: MISMATCH %s" % p)
    if problems:
        print("tbparse: FAIL (%d mismatches)" % len(problems))
        return 1
    print("tbparse: OK: %d values of %d runs in the older forms match; the tensor forms read as empty" % (checked, legacy_runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
