#!/usr/bin/env python3
"""Write reference event files with TensorBoard's OWN Python writer.

Needs the `tensorboard` package (2.21.0; no TensorFlow). Run it with the venv
that scripts/tensorboard-compat.sh creates:

    target/compat-venv/bin/python scripts/make-python-fixtures.py [OUTDIR]

OUTDIR defaults to tests/fixtures/python/. Everything in it is regenerated and
the output is byte-identical from run to run: file names, wall times, host
name and pid are all fixed. It writes:

  scalars/            v2 scalars (rank-0 DT_FLOAT tensors + scalars metadata),
                      written with `tensorboard.summary.Writer` and with
                      `tensorboard.plugins.scalar.summary_v2.scalar_pb`
  legacy/             TF1-style `Summary.Value.simple_value` scalars (two tags
                      per event, as tf.summary.merge_all wrote them)
  truncated/          legacy/'s file cut in the middle of its last record
  corrupt/length_crc/ legacy/'s file with one bit flipped in a length CRC
  corrupt/payload/    legacy/'s file with one bit flipped in a payload (inside
                      a simple_value float, so the payload still parses)
  expected.json       tags and (step, value, wall_time) points per fixture, and
                      the damage done to the damaged copies

Each fixture is its own directory, i.e. its own TensorBoard run when OUTDIR is
used as --logdir (run names: "scalars", "legacy", "truncated",
"corrupt/length_crc", "corrupt/payload").
"""

import contextlib
import json
import math
import os
import shutil
import socket
import struct
import sys
import time
from unittest import mock

import numpy as np

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.scalar import summary_v2 as scalar_summary_v2
from tensorboard.summary import DirectoryOutput, Writer
from tensorboard.summary.writer import event_file_writer

FIXED_HOST = "fixture"
FIXED_PID = 4242
# Wall time of each file's first (file_version) event; also the %010d time in
# the file name.
FILE_START = 1700000000.5
# Wall time of the point at step s: BASE + s * 0.1 (deliberately not
# representable exactly in binary, to prove wall times round-trip exactly).
BASE_WALL = 1700000001.0


@contextlib.contextmanager
def _frozen_writer_identity():
    """Make EventFileWriter's name and first event deterministic.

    EventFileWriter names its file events.out.tfevents.<time>.<host>.<pid>.<uid>
    and stamps the file_version event with time.time(); we pin those while the
    writer is constructed (the uid is a per-process counter, so it is
    deterministic given the fixed order in which this script opens writers).
    """
    with mock.patch.object(time, "time", return_value=FILE_START), mock.patch.object(
        socket, "gethostname", return_value=FIXED_HOST
    ), mock.patch.object(os, "getpid", return_value=FIXED_PID):
        yield


def f32(x):
    """The float64 widening of x rounded to float32 (what servers return)."""
    return float(np.float32(x))


def json_value(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def point(step, value, wall_time):
    return {"step": int(step), "value": json_value(value), "wall_time": wall_time}


def only_file(run_dir):
    names = [n for n in os.listdir(run_dir) if "tfevents" in n]
    assert len(names) == 1, names
    return os.path.join(run_dir, names[0])


def record_spans(data):
    """Yield (offset, payload_len) for each TFRecord in `data`."""
    off = 0
    while off < len(data):
        (n,) = struct.unpack_from("<Q", data, off)
        yield off, n
        off += 8 + 4 + n + 4
    assert off == len(data), "trailing garbage"


def write_scalars(run_dir):
    """v2 scalars, as tf.summary.scalar / tensorboard.summary.Writer emit."""
    expected = {"loss": [], "accuracy": [], "special/edge_values": []}
    with _frozen_writer_identity():
        output = DirectoryOutput(run_dir)
    writer = Writer(output)
    for step in range(20):
        wall = BASE_WALL + step * 0.1
        loss = 1.0 / (step + 1)
        acc = 1.0 - 0.5**step
        writer.add_scalar("loss", loss, step, wall_time=wall)
        writer.add_scalar("accuracy", acc, step, wall_time=wall)
        expected["loss"].append(point(step, f32(loss), wall))
        expected["accuracy"].append(point(step, f32(acc), wall))

    # Edge values via the TF-free summary_v2.scalar_pb helper (same Summary
    # that tf.summary.scalar writes: rank-0 DT_FLOAT + ScalarPluginData), put
    # into the same file. Includes a step beyond 2**32 and non-finite values.
    edge = [
        (0, 0.0),
        (1, -0.0),
        (2, float("nan")),
        (3, float("inf")),
        (4, float("-inf")),
        (5, 3.4028234663852886e38),  # float32 max
        (6, 1e-45),  # smallest float32 subnormal
        (7, -1.5),
        (2**40, 0.1),
    ]
    ev_writer = output._ev_writer  # the EventFileWriter behind the Writer
    for i, (step, value) in enumerate(edge):
        wall = BASE_WALL + 100 + i * 0.1
        summary = scalar_summary_v2.scalar_pb("special/edge_values", value)
        ev_writer.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary))
        expected["special/edge_values"].append(point(step, f32(value), wall))
    writer.close()
    return expected


def write_legacy(run_dir):
    """TF1-style simple_value scalars, two tags per event."""
    expected = {"legacy/loss": [], "legacy/lr": []}
    with _frozen_writer_identity():
        ev_writer = event_file_writer.EventFileWriter(run_dir)
    for step in range(12):
        wall = BASE_WALL + step * 0.1
        loss = 2.0 / (step + 1)
        lr = float("nan") if step == 7 else 0.5 * 0.9**step
        summary = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag="legacy/loss", simple_value=loss),
                summary_pb2.Summary.Value(tag="legacy/lr", simple_value=lr),
            ]
        )
        ev_writer.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary))
        expected["legacy/loss"].append(point(step, f32(loss), wall))
        expected["legacy/lr"].append(point(step, f32(lr), wall))
    ev_writer.close()
    return expected


def _dump_json(obj, indent=""):
    """Indented JSON with sorted keys, but each point dict on one line."""
    if isinstance(obj, dict) and not set(obj) <= {"step", "value", "wall_time"}:
        inner = indent + " "
        items = [
            "%s%s: %s" % (inner, json.dumps(k), _dump_json(obj[k], inner))
            for k in sorted(obj)
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        inner = indent + " "
        return (
            "[\n"
            + ",\n".join(inner + _dump_json(x, inner) for x in obj)
            + "\n"
            + indent
            + "]"
        )
    return json.dumps(obj, sort_keys=True)


def main():
    root = os.path.abspath(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "python")
    )
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)

    fixtures = {}
    scalars = write_scalars(os.path.join(root, "scalars"))
    fixtures["scalars"] = {
        "file": os.path.relpath(only_file(os.path.join(root, "scalars")), root),
        "scalars": scalars,
    }
    legacy = write_legacy(os.path.join(root, "legacy"))
    legacy_file = only_file(os.path.join(root, "legacy"))
    fixtures["legacy"] = {"file": os.path.relpath(legacy_file, root), "scalars": legacy}

    with open(legacy_file, "rb") as f:
        data = f.read()
    spans = list(record_spans(data))  # record 0 is the file_version event
    base = os.path.basename(legacy_file)

    def damaged_copy(run, new_data, damage, intact):
        os.makedirs(os.path.join(root, run))
        path = os.path.join(root, run, base)
        with open(path, "wb") as f:
            f.write(new_data)
        fixtures[run] = {
            "file": os.path.relpath(path, root),
            "source": fixtures["legacy"]["file"],
            "damage": damage,
            # What a loader shows when it stops at the damaged record: the
            # points of the intact records before it (record 0, the
            # file_version event, holds none), i.e. the first
            # `points_per_tag` points of each tag of fixture "legacy".
            "scalars_prefix_of": "legacy",
            "points_per_tag": intact - 1,
        }

    # (c) cut in the middle of the last record's payload.
    off, n = spans[-1]
    cut = off + 12 + n // 2
    damaged_copy(
        "truncated",
        data[:cut],
        {
            "kind": "truncated",
            "record_index": len(spans) - 1,
            "record_offset": off,
            "file_size": cut,
            "intact_records_before": len(spans) - 1,
            "note": "last record cut in the middle of its payload (a writer mid-flush)",
        },
        len(spans) - 1,
    )

    # (d1) one bit flipped in the length CRC of a record in the middle.
    k = len(spans) // 2
    off, n = spans[k]
    buf = bytearray(data)
    buf[off + 8] ^= 0x01
    damaged_copy(
        "corrupt/length_crc",
        bytes(buf),
        {
            "kind": "length_crc_bit_flip",
            "record_index": k,
            "record_offset": off,
            "flipped_byte_offset": off + 8,
            "flipped_bit": 0,
            "intact_records_before": k,
            "records_total": len(spans),
        },
        k,
    )

    # (d2) one bit flipped in the payload of the same record: the most
    # significant mantissa bit of legacy/loss's simple_value (field 2,
    # fixed32: tag byte 0x15). The payload still parses, with a different
    # value, but its data CRC no longer matches.
    payload = data[off + 12 : off + 12 + n]
    old = struct.pack("<f", np.float32(legacy["legacy/loss"][k - 1]["value"]))
    pos = payload.find(b"\x15" + old)
    assert pos >= 0 and payload.count(b"\x15" + old) == 1
    flip_at = off + 12 + pos + 1 + 2  # byte 2 of the LE float holds bit 22 at bit 6
    buf = bytearray(data)
    buf[flip_at] ^= 0x40
    (altered,) = struct.unpack_from("<f", buf, off + 12 + pos + 1)
    damaged_copy(
        "corrupt/payload",
        bytes(buf),
        {
            "kind": "payload_bit_flip",
            "record_index": k,
            "record_offset": off,
            "flipped_byte_offset": flip_at,
            "flipped_bit": 6,
            "intact_records_before": k,
            "records_total": len(spans),
            "payload_still_parses": True,
            "step": legacy["legacy/loss"][k - 1]["step"],
            "tag": "legacy/loss",
            "original_value": legacy["legacy/loss"][k - 1]["value"],
            "altered_value": float(altered),
            "note": "Python loader and the Rust loader with --checksum stop at this "
            "record; the Rust loader without --checksum (TensorBoard's default) "
            "accepts the altered value and reads on",
        },
        k,
    )

    expected = {
        "version": 1,
        "writer": "tensorboard 2.21.0 (tensorboard.summary.Writer / EventFileWriter)",
        "value_encoding": "float32 widened to float64; NaN/Infinity/-Infinity as strings",
        "fixtures": fixtures,
    }
    with open(os.path.join(root, "expected.json"), "w") as f:
        f.write(_dump_json(expected) + "\n")

    total = sum(
        os.path.getsize(os.path.join(d, name)) for d, _, names in os.walk(root) for name in names
    )
    print("wrote %s (%d bytes)" % (root, total))


if __name__ == "__main__":
    main()
