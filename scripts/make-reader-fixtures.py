#!/usr/bin/env python3
"""Write small logdirs with other libraries' own TensorBoard writers, for the reader's tests.

    python scripts/make-reader-fixtures.py --writers tensorboard,torch,tensorboardX [OUTDIR]
    python scripts/make-reader-fixtures.py --writers tf [OUTDIR]

OUTDIR defaults to tests/fixtures/readers/. Each fixture is OUTDIR/<writer>/<kind>/ with
`logdir/` (what the writer wrote) and `manifest.json` (what this script gave it: the
runs, tags, steps and the values the reader must find). Writers and the packages they need:

  tensorboard    tensorboard.summary.Writer (scalars) and tensorboard's summary protobuf
                 functions written through its EventFileWriter (histograms, text,
                 hparams; its PR curve, custom scalar and mesh functions import
                 TensorFlow, so those kinds come from tf): no TensorFlow needed
  tf             tf.summary (pip tensorflow-cpu), with tensorboard's plugin summary ops
  torch          torch.utils.tensorboard.SummaryWriter (pip torch)
  tensorboardX   tensorboardX.SummaryWriter (pip tensorboardX)

A writer whose package cannot be imported is an error (never skipped). Event files are
renamed to fixed names (events.out.tfevents.<n>.fixture, in write order) so no host name
is checked in; wall times are the writers' own. Keep the fixtures small: the whole
directory is checked in (well under 1 MB).
"""

import argparse
import json
import math
import os
import shutil
import sys

import numpy as np

KINDS = [
    "scalars",
    "histograms",
    "images",
    "audio",
    "text",
    "pr_curves",
    "hparams",
    "graphs",
    "custom_scalars",
    "meshes",
    "embeddings",
]

# The data every writer is given.
SCALAR_STEPS = [0, 1, 2, 5, 10]
SCALAR_VALUES = {
    "loss": [1.0, 0.5, 0.25, 0.125, 0.1],
    "acc": [0.0, 0.3, 0.6, 0.9, float("nan")],
}
HIST_STEPS = [0, 1, 2]


def hist_data(step):
    rng = np.random.default_rng(100 + step)
    return rng.normal(loc=step, scale=1.0, size=50).astype(np.float64)


IMG_H, IMG_W = 3, 4


def image_hwc(step):
    """A 3×4 RGB image whose pixels depend on the step."""
    a = np.arange(IMG_H * IMG_W * 3, dtype=np.int64).reshape(IMG_H, IMG_W, 3)
    return ((a * 7 + step * 40) % 256).astype(np.uint8)


AUDIO_RATE = 8000
AUDIO_FRAMES = 200


def audio_clip(step):
    t = np.arange(AUDIO_FRAMES) / AUDIO_RATE
    return (0.5 * np.sin(2 * math.pi * (440 + 110 * step) * t)).astype(np.float32)


TEXTS = ["hello *world*", "second step", "third"]
PR_LABELS = np.array([True, False, True, True, False, False, True, False])
PR_PREDS = np.array([0.9, 0.1, 0.8, 0.4, 0.6, 0.2, 0.7, 0.3], dtype=np.float32)
PR_THRESHOLDS = 11
HPARAMS = {"lr": 0.01, "optimizer": "adam", "layers": 3}
METRICS = {"hp/accuracy": 0.75}
LAYOUT = {"Training": {"losses": ["Multiline", ["loss", "acc"]]}}
MESH_VERTICES = np.array([[[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]], dtype=np.float32)
MESH_FACES = np.array([[[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]], dtype=np.int32)
MESH_COLORS = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]]], dtype=np.uint8)
EMB = np.arange(12, dtype=np.float32).reshape(4, 3) / 4.0
EMB_LABELS = ["a", "b", "c", "d"]


def f32(x):
    return float(np.float32(x))


def jnum(x):
    """JSON has no NaN: write it as a string, as tests/fixtures/python does."""
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return x


class Manifest:
    def __init__(self, writer, version, kind):
        self.data = {"writer": writer, "version": version, "kind": kind, "runs": {}}

    def point(self, run, tag, kind, step, **expected):
        tags = self.data["runs"].setdefault(run, {})
        series = tags.setdefault(tag, {"kind": kind, "points": []})
        series["points"].append(dict(step=step, **expected))

    def set(self, key, value):
        self.data[key] = value


def scalar_points(m, run="."):
    for tag, values in SCALAR_VALUES.items():
        for step, v in zip(SCALAR_STEPS, values):
            m.point(run, tag, "scalars", step, value=jnum(f32(v)))


def hist_points(m, form, run="."):
    for step in HIST_STEPS:
        d = hist_data(step)
        m.point(
            run,
            "weights",
            "histograms",
            step,
            form=form,
            count=len(d),
            min=float(d.min()),
            max=float(d.max()),
            sum=float(d.sum()),
        )


def image_points(m, run=".", tag="image"):
    for step in (0, 1):
        m.point(
            run,
            tag,
            "images",
            step,
            width=IMG_W,
            height=IMG_H,
            rgb=image_hwc(step).reshape(-1).tolist(),
        )


def audio_points(m, run=".", tag="sound"):
    for step in (0, 1):
        m.point(run, tag, "audio", step, sample_rate=AUDIO_RATE, frames=AUDIO_FRAMES, channels=1)


def text_points(m, run=".", tag="note"):
    for step, t in enumerate(TEXTS):
        m.point(run, tag, "text", step, strings=[t])


def pr_points(m, run=".", tag="pr"):
    # At threshold 0 every prediction is positive: TP = positives, FP = negatives.
    m.point(
        run,
        tag,
        "pr_curves",
        0,
        thresholds=PR_THRESHOLDS,
        tp0=int(PR_LABELS.sum()),
        fp0=int((~PR_LABELS).sum()),
    )


def mesh_points(m, run=".", with_colors=True, suffixes=("VERTEX", "FACE", "COLOR")):
    vertex, face, color = (f"mesh_{s}" for s in suffixes)
    m.point(run, vertex, "meshes", 0, name="mesh", component="vertices",
            shape=list(MESH_VERTICES.shape), values=MESH_VERTICES.reshape(-1).tolist())
    m.point(run, face, "meshes", 0, name="mesh", component="faces",
            shape=list(MESH_FACES.shape), values=MESH_FACES.reshape(-1).tolist())
    if with_colors:
        m.point(run, color, "meshes", 0, name="mesh", component="colors",
                shape=list(MESH_COLORS.shape), values=MESH_COLORS.reshape(-1).tolist())


def layout_manifest(m):
    m.set("layout", [{"title": "Training", "charts": ["losses"]}])


# ---------------------------------------------------------------- torch / tensorboardX


def write_torch_like(module_name, SummaryWriter, version, out):
    import torch

    made = {}

    def fixture(kind):
        d = os.path.join(out, kind, "logdir")
        os.makedirs(d)
        made[kind] = Manifest(module_name, version, kind)
        return d, made[kind]

    d, m = fixture("scalars")
    w = SummaryWriter(d)
    for tag, values in SCALAR_VALUES.items():
        for step, v in zip(SCALAR_STEPS, values):
            w.add_scalar(tag, v, step)
    w.close()
    scalar_points(m)

    d, m = fixture("histograms")
    w = SummaryWriter(d)
    for step in HIST_STEPS:
        w.add_histogram("weights", hist_data(step), step)
    w.close()
    hist_points(m, "legacy")

    d, m = fixture("images")
    w = SummaryWriter(d)
    for step in (0, 1):
        w.add_image("image", image_hwc(step), step, dataformats="HWC")
    w.close()
    image_points(m)

    d, m = fixture("audio")
    w = SummaryWriter(d)
    for step in (0, 1):
        # torch takes [1, L]; tensorboardX [L, channels].
        shape = (1, -1) if module_name == "torch" else (-1, 1)
        w.add_audio("sound", torch.from_numpy(audio_clip(step)).reshape(shape), step,
                    sample_rate=AUDIO_RATE)
    w.close()
    audio_points(m)

    d, m = fixture("text")
    w = SummaryWriter(d)
    for step, t in enumerate(TEXTS):
        w.add_text("note", t, step)
    w.close()
    # Both write the tag as "<tag>/text_summary".
    text_points(m, tag="note/text_summary")

    d, m = fixture("pr_curves")
    w = SummaryWriter(d)
    w.add_pr_curve("pr", PR_LABELS, PR_PREDS, 0, num_thresholds=PR_THRESHOLDS)
    w.close()
    pr_points(m)

    d, m = fixture("hparams")
    w = SummaryWriter(d)
    if module_name == "torch":
        w.add_hparams(HPARAMS, METRICS, run_name="trial")
    else:
        w.add_hparams(HPARAMS, METRICS, name="trial")
    w.close()
    m.set("hparams", {"run": "trial", "values": HPARAMS, "status": "success",
                      "metrics": sorted(METRICS)})
    for tag, v in METRICS.items():
        m.point("trial", tag, "scalars", 0, value=f32(v))

    d, m = fixture("graphs")
    w = SummaryWriter(d)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    w.add_graph(model, torch.zeros(1, 3))
    w.close()
    m.set("graph", {"run": ".", "contains": ["Linear"]})

    d, m = fixture("custom_scalars")
    w = SummaryWriter(d)
    w.add_custom_scalars(LAYOUT)
    w.close()
    layout_manifest(m)

    d, m = fixture("meshes")
    w = SummaryWriter(d)
    w.add_mesh("mesh", vertices=torch.from_numpy(MESH_VERTICES),
               colors=torch.from_numpy(MESH_COLORS), faces=torch.from_numpy(MESH_FACES))
    w.close()
    # tensorboardX suffixes the content type's number, torch its name.
    mesh_points(m, suffixes=("VERTEX", "FACE", "COLOR") if module_name == "torch" else "123")

    d, m = fixture("embeddings")
    w = SummaryWriter(d)
    w.add_scalar("marker", 1.0, 0)  # the projector config is read only in a run
    w.add_embedding(torch.from_numpy(EMB), metadata=EMB_LABELS, global_step=0, tag="emb")
    w.close()
    m.set("embeddings", [{"run": ".", "tensor_shape": list(EMB.shape), "metadata": EMB_LABELS,
                          "values": EMB.reshape(-1).tolist()}])
    m.point(".", "marker", "scalars", 0, value=1.0)
    return made


# ---------------------------------------------------------------- tensorboard (no TF)


def write_tensorboard(out):
    import tensorboard
    from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: F401
    from tensorboard.plugins.histogram import summary_v2 as hist_v2
    from tensorboard.plugins.hparams import summary_v2 as hp_v2
    from tensorboard.plugins.text import summary_v2 as text_v2
    from tensorboard.summary import DirectoryOutput, Writer
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    version = tensorboard.__version__
    made = {}

    def fixture(kind):
        d = os.path.join(out, kind, "logdir")
        os.makedirs(d)
        made[kind] = Manifest("tensorboard", version, kind)
        return d, made[kind]

    def write_pbs(d, pbs):
        w = EventFileWriter(d)
        for step, summary in pbs:
            w.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary))
        w.close()

    d, m = fixture("scalars")
    w = Writer(DirectoryOutput(d))
    for tag, values in SCALAR_VALUES.items():
        for step, v in zip(SCALAR_STEPS, values):
            w.add_scalar(tag, np.float32(v), step)
    w.close()
    scalar_points(m)

    d, m = fixture("histograms")
    write_pbs(d, [(s, hist_v2.histogram_pb("weights", hist_data(s), buckets=10))
                  for s in HIST_STEPS])
    hist_points(m, "tensor")

    d, m = fixture("text")
    write_pbs(d, [(s, text_v2.text_pb("note", t)) for s, t in enumerate(TEXTS)])
    text_points(m)

    # PR curves: pr_curve.summary.pb and raw_data_pb both import TensorFlow (see tf).

    d, m = fixture("hparams")
    run = os.path.join(d, "trial")
    os.makedirs(run)
    write_pbs(run, [(0, hp_v2.hparams_pb(HPARAMS, start_time_secs=1.7e9))])
    m.set("hparams", {"run": "trial", "values": HPARAMS, "status": None, "metrics": []})

    # Custom scalars: custom_scalar.summary.pb imports TensorFlow (see tf).

    # Meshes: mesh_pb needs TensorFlow too (see tf).
    return made


# ---------------------------------------------------------------- tf.summary


def write_tf(out):
    import tensorflow as tf
    from tensorboard.plugins import projector
    from tensorboard.plugins.custom_scalar import layout_pb2
    from tensorboard.plugins.custom_scalar import summary as cs_summary
    from tensorboard.plugins.hparams import api as hp
    from tensorboard.plugins.mesh import summary_v2 as mesh_v2
    from tensorboard.plugins.pr_curve import summary as pr_summary

    version = tf.__version__
    made = {}

    def fixture(kind):
        d = os.path.join(out, kind, "logdir")
        os.makedirs(d)
        made[kind] = Manifest("tf", version, kind)
        return d, made[kind]

    d, m = fixture("scalars")
    with tf.summary.create_file_writer(d).as_default():
        for tag, values in SCALAR_VALUES.items():
            for step, v in zip(SCALAR_STEPS, values):
                tf.summary.scalar(tag, v, step=step)
    scalar_points(m)

    d, m = fixture("histograms")
    with tf.summary.create_file_writer(d).as_default():
        for step in HIST_STEPS:
            tf.summary.histogram("weights", hist_data(step), step=step, buckets=10)
    hist_points(m, "tensor")

    d, m = fixture("images")
    with tf.summary.create_file_writer(d).as_default():
        for step in (0, 1):
            tf.summary.image("image", image_hwc(step)[None], step=step)
    image_points(m)

    d, m = fixture("audio")
    with tf.summary.create_file_writer(d).as_default():
        for step in (0, 1):
            tf.summary.audio("sound", audio_clip(step).reshape(1, -1, 1), AUDIO_RATE, step=step)
    audio_points(m)

    d, m = fixture("text")
    with tf.summary.create_file_writer(d).as_default():
        for step, t in enumerate(TEXTS):
            tf.summary.text("note", t, step=step)
    text_points(m)

    d, m = fixture("pr_curves")
    with tf.summary.create_file_writer(d).as_default():
        tf.summary.experimental.write_raw_pb(
            pr_summary.pb("pr", PR_LABELS, PR_PREDS, num_thresholds=PR_THRESHOLDS)
            .SerializeToString(), step=0)
    pr_points(m, tag="pr/pr_curves")

    d, m = fixture("hparams")
    with tf.summary.create_file_writer(os.path.join(d, "trial")).as_default():
        hp.hparams(HPARAMS, trial_id="trial", start_time_secs=1.7e9)
        for tag, v in METRICS.items():
            tf.summary.scalar(tag, v, step=0)
    m.set("hparams", {"run": "trial", "values": HPARAMS, "status": None, "metrics": []})
    for tag, v in METRICS.items():
        m.point("trial", tag, "scalars", 0, value=f32(v))

    d, m = fixture("graphs")
    writer = tf.summary.create_file_writer(d)

    @tf.function
    def double_plus_one(x):
        return tf.add(tf.multiply(x, 2.0), 1.0, name="plus_one")

    tf.summary.trace_on(graph=True)
    double_plus_one(tf.constant(1.0))
    with writer.as_default():
        tf.summary.trace_export("trace", step=0)
    writer.close()
    m.set("graph", {"run": ".", "contains": ["plus_one"]})

    d, m = fixture("custom_scalars")
    layout = layout_pb2.Layout(category=[layout_pb2.Category(
        title="Training",
        chart=[layout_pb2.Chart(title="losses",
                                multiline=layout_pb2.MultilineChartContent(tag=["loss", "acc"]))],
    )])
    with tf.summary.create_file_writer(d).as_default():
        tf.summary.experimental.write_raw_pb(cs_summary.pb(layout).SerializeToString(), step=0)
    layout_manifest(m)

    d, m = fixture("meshes")
    with tf.summary.create_file_writer(d).as_default():
        mesh_v2.mesh("mesh", vertices=MESH_VERTICES, faces=MESH_FACES, colors=MESH_COLORS,
                     step=0)
    mesh_points(m)

    d, m = fixture("embeddings")
    with tf.summary.create_file_writer(d).as_default():
        tf.summary.scalar("marker", 1.0, step=0)
    np.savetxt(os.path.join(d, "tensor.tsv"), EMB, delimiter="\t", fmt="%.8g")
    with open(os.path.join(d, "metadata.tsv"), "w") as f:
        f.write("\n".join(EMB_LABELS) + "\n")
    config = projector.ProjectorConfig()
    e = config.embeddings.add()
    e.tensor_name = "emb"
    e.tensor_path = "tensor.tsv"
    e.metadata_path = "metadata.tsv"
    e.tensor_shape.extend(EMB.shape)
    projector.visualize_embeddings(d, config)
    m.set("embeddings", [{"run": ".", "tensor_shape": list(EMB.shape), "metadata": EMB_LABELS,
                          "values": EMB.reshape(-1).tolist()}])
    m.point(".", "marker", "scalars", 0, value=1.0)
    return made


# ---------------------------------------------------------------- common


def rename_event_files(logdir):
    """events.out.tfevents.<secs>.<host>.<pid>… → events.out.tfevents.<n>.fixture (name
    order kept), so no host name is checked in."""
    for root, _, names in os.walk(logdir):
        events = sorted(n for n in names if "tfevents" in n)
        for i, n in enumerate(events):
            os.rename(os.path.join(root, n),
                      os.path.join(root, f"events.out.tfevents.{1700000000 + i}.fixture"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writers", required=True,
                    help="comma-separated: tensorboard, tf, torch, tensorboardX")
    ap.add_argument("outdir", nargs="?",
                    default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                                         "readers"))
    args = ap.parse_args()
    for writer in args.writers.split(","):
        out = os.path.join(args.outdir, writer)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        if writer == "tensorboard":
            made = write_tensorboard(out)
        elif writer == "tf":
            made = write_tf(out)
        elif writer == "torch":
            import torch
            from torch.utils.tensorboard import SummaryWriter

            made = write_torch_like("torch", SummaryWriter, torch.__version__.split("+")[0], out)
        elif writer == "tensorboardX":
            import tensorboardX

            made = write_torch_like("tensorboardX", tensorboardX.SummaryWriter,
                                    tensorboardX.__version__, out)
        else:
            sys.exit(f"unknown writer {writer!r}")
        for kind, manifest in made.items():
            rename_event_files(os.path.join(out, kind, "logdir"))
            with open(os.path.join(out, kind, "manifest.json"), "w") as f:
                json.dump(manifest.data, f, indent=1, sort_keys=True)
                f.write("\n")
        print(f"{writer}: {', '.join(sorted(made))}")


if __name__ == "__main__":
    main()
