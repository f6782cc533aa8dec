#!/usr/bin/env python3
"""`tbw export` agrees with tbparse, value for value, on a logdir.

    python tests/compat/check_tbw_tbparse.py --tbw PATH/TO/tbw LOGDIR

Needs tbparse (0.0.9) and tensorboard in the running Python. tbparse reads each event file
on its own, through TensorBoard's EventAccumulator, so tbw is run with --no-purge (every
point as written, no restart handling across files), which is what that reading gives.

Compared:
  scalars     every (run, tag, step, wall_time, value) of tbparse's `.scalars`
              (simple_value) is one of tbw's scalar points and the reverse, for the tags
              tbparse reads; values bit for bit as float32
  histograms  every histogram of tbparse's `.histograms` (the older `histo` form, the only
              one it reads) has a tbw point with the same run, tag, step, wall time, min,
              max, num, sum, sum_squares, bucket limits (tbw's right edges) and counts; and
              tbw has no other `histo` histogram
  images      every image of tbparse's raw image events (the older `image` form;
              `.images` itself needs TensorFlow to decode the pixels) has a tbw point with
              the same run, tag, step, wall time, width, height and encoded bytes

Each file is read for one event type at a time (`event_types`): tbparse 0.0.9 fails on a
text tensor of rank 1 or 2 when it parses every type. Prints what was compared and exits 1
at the first disagreement.
"""
import argparse
import base64
import json
import math
import os
import struct
import subprocess
import sys

from tbparse import SummaryReader


def f32_bits(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    return struct.pack("<f", x).hex()


def number(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
    return float(v)


def run_name(logdir, file_path):
    rel = os.path.relpath(os.path.dirname(file_path), logdir)
    return "." if rel == "." else rel.replace(os.sep, "/")


def event_files(logdir):
    for root, _, names in os.walk(logdir):
        for n in sorted(names):
            if "tfevents" in n:
                yield os.path.join(root, n)


def fail(msg):
    print(f"check_tbw_tbparse: FAIL: {msg}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tbw", required=True)
    ap.add_argument("logdir")
    args = ap.parse_args()
    logdir = os.path.abspath(args.logdir)

    out = subprocess.run([args.tbw, "export", "--no-purge", "-f", "jsonl", logdir],
                         check=True, capture_output=True, text=True).stdout
    points = [json.loads(line) for line in out.splitlines()]

    # --- scalars: tbparse, file by file, keeps the run from the file's directory.
    want = []
    tags_read = set()
    for f in event_files(logdir):
        df = SummaryReader(f, extra_columns={"wall_time"}, event_types={"scalars"}).scalars
        if df.empty:  # (no columns at all then)
            continue
        run = run_name(logdir, f)
        for step, tag, value, wall in zip(df["step"], df["tag"], df["value"], df["wall_time"]):
            want.append((run, tag, int(step), float(wall), f32_bits(value)))
            tags_read.add((run, tag))
    got = [(p["run"], p["tag"], p["step"], p["wall_time"], f32_bits(number(p["value"])))
           for p in points if p["kind"] == "scalars" and (p["run"], p["tag"]) in tags_read]
    if sorted(got) != sorted(want):
        missing = set(want) - set(got)
        extra = set(got) - set(want)
        fail(f"scalars differ: {len(missing)} only in tbparse (e.g. {sorted(missing)[:3]}), "
             f"{len(extra)} only in tbw (e.g. {sorted(extra)[:3]})")
    print(f"check_tbw_tbparse: scalars: {len(want)} points of {len(tags_read)} series agree")

    # --- histograms (histo form)
    tbw_histo = {}
    for p in points:
        if p["kind"] == "histograms" and p.get("form") == "histo":
            key = (p["run"], p["tag"], p["step"], p["wall_time"])
            tbw_histo.setdefault(key, []).append(p)
    n = 0
    for f in event_files(logdir):
        df = SummaryReader(f, extra_columns={"wall_time", "min", "max", "num", "sum",
                                             "sum_squares"}, event_types={"histograms"}).histograms
        if df.empty:
            continue
        run = run_name(logdir, f)
        for _, row in df.iterrows():
            key = (run, row["tag"], int(row["step"]), float(row["wall_time"]))
            cands = tbw_histo.get(key, [])
            match = None
            for p in cands:
                # tbw's buckets are [left, right, count]; the histo form's bucket_limit
                # and bucket are their right edges and counts.
                if ([number(b[1]) for b in p["buckets"]] == [float(x) for x in row["limits"]]
                        and [number(b[2]) for b in p["buckets"]] == [float(x) for x in row["counts"]]
                        and all(number(p[k]) == float(row[k]) or
                                (math.isnan(number(p[k])) and math.isnan(float(row[k])))
                                for k in ("min", "max", "num", "sum", "sum_squares"))):
                    match = p
                    break
            if match is None:
                fail(f"histogram {key} of tbparse has no equal tbw point ({len(cands)} "
                     f"at that run, tag, step and wall time)")
            cands.remove(match)
            n += 1
    left = sum(len(v) for v in tbw_histo.values())
    if left:
        fail(f"{left} histo histograms of tbw are not in tbparse's output")
    print(f"check_tbw_tbparse: histograms (histo form): {n} agree")

    # --- images (image form), through tbparse's raw events (no TensorFlow needed)
    tbw_images = {}
    for p in points:
        if p["kind"] == "images":
            for im in p["images"]:
                key = (p["run"], p["tag"], p["step"], p["wall_time"], im["width"],
                       im["height"], im["data"])
                tbw_images[key] = tbw_images.get(key, 0) + 1
    n = 0
    for f in event_files(logdir):
        # (event_types: parsing "images" itself decodes the pixels with TensorFlow.)
        raw = SummaryReader(f, event_types={"scalars"}).get_raw_events("images")
        run = run_name(logdir, f)
        for tag, events in raw.items():
            for e in events:
                key = (run, tag, int(e.step), float(e.wall_time), int(e.width), int(e.height),
                       base64.b64encode(e.encoded_image_string).decode())
                if tbw_images.get(key, 0) == 0:
                    fail(f"image {key[:6]} of tbparse has no equal tbw point")
                tbw_images[key] -= 1
                n += 1
    print(f"check_tbw_tbparse: images (image form): {n} agree")


if __name__ == "__main__":
    main()
