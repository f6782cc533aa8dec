#!/usr/bin/env python3
"""Check that a running TensorBoard serves every dashboard of a short MNIST example run.

Usage: check_mnist.py --url http://127.0.0.1:PORT --steps N [--batch-size B]
                      [--data-dir data/mnist] [--stdout FILE] [--loader NAME]

The server must be started on the example's `<logdir>/mnist` after
`cargo run --example mnist -- --steps N --logdir <logdir>` (default settings otherwise:
lr 1e-3, two conv blocks, two dense layers, so one run named `lr_1E-03,conv=2,fc=2`).
Standard library only.

The example is not deterministic across machines (thread counts change float sums), so
this check does not compare against a manifest: it derives what must be served from the
example's schedule (examples/mnist/main.rs: training scalars every 10 steps, test metrics,
histograms and images every 100 steps, and the final evaluation at step N), from the model's
shapes (examples/mnist/model.rs), and from the shipped data (`--data-dir`, the IDX files the
example read: labels and pixels of the test digits), and asserts on the values served:

- runs: exactly the one run; plugins_listing: every dashboard the example feeds is active;
- Scalars: exactly xent/train, accuracy/train, train/learning_rate at steps 0, 10, …;
  xent/test, accuracy/test at 0, 100, … and N; accuracies in [0, 1], the final test accuracy
  in (0, 1] and equal to the "Final test accuracy" the example printed (`--stdout`),
  cross-entropies finite and positive, the learning rate the cosine schedule's; with
  N >= 50, the test accuracy rises and the test cross-entropy falls;
- Histograms and Distributions: exactly `<layer>/weights`, `/biases` (0, 100, … and N) and
  `/activations` (0, 100, …) of conv1, conv2, fc1, fc2; each histogram counts exactly the
  layer's parameter or activation count, its buckets meet, ReLU activations are >= 0 and
  the initial biases lie within ±1/√fan-in; 9 ordered basis points per distribution within
  the histogram's range;
- Images: `input` (a grid of min(32, batch) digits, 8 a row) at 0, 100, … and
  `test/misclassified` at every test step, a grid of min(32, digits wrong) whose first tile,
  at step N, is exactly the first test digit the Projector's metadata marks wrong;
- Graphs: the run graph's top-level scopes are exactly input, labels, conv1, conv2, fc1,
  fc2, xent, train, accuracy, with the layers' ops and `_output_shapes`, the variables'
  shapes and `train/step` depending on one ApplyAdam per variable;
- Projector: one embedding, `fc1` at step N, 1,024 × 256, non-negative finite values (ReLU
  output), metadata columns label / prediction / correct where label is the shipped test
  labels and correct = (label == prediction), and a 896×896 sprite whose tiles are exactly
  the test digits;
- PR curves: pr/digit_0 … pr/digit_9 at step N; at threshold 0 every test digit is a
  positive (tp = digits with that label, fp = the others), precision and recall in [0, 1];
- Text: `config` at step 0 renders the settings and layer tables (steps, batch size, digit
  counts, every layer);
- Custom scalars: the "train vs test" layout, and its regexes match exactly the train and
  test tags with the Scalars dashboard's steps and values;
- HParams: the run's session (named after the run) with its hparams, STATUS_SUCCESS, an end
  time, and final metrics equal to the scalars' last values (accuracy/test at step N).

Polls until everything matches or the timeout runs out; on failure prints every mismatch
and exits 1.
"""

import argparse
import math
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from check import Client  # noqa: E402
from example_common import poll, product, read_idx  # noqa: E402
from sections.graphs import graph_nodes  # noqa: E402
from sections.hparams import EXPERIMENT_REQUEST, SESSION_GROUPS_REQUEST  # noqa: E402
from sections.images import decode_png, fetch as fetch_image  # noqa: E402
from sections.projector import fetch  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

# The example's schedule and model (examples/mnist/main.rs, model.rs); keep in step.
LOG_EVERY, HIST_EVERY, TEST_EVERY = 10, 100, 100
LR = 1e-3
RUN = "lr_1E-03,conv=2,fc=2"
GRID, GRID_COLUMNS, GRID_PADDING = 32, 8, 2
EMBEDDING_POINTS = 1024
SIDE = 28
# name -> (weight shape, activation shape without the batch, ReLU?)
LAYERS = {
    "conv1": ([16, 1, 5, 5], [16, 24, 24], True),
    "conv2": ([32, 16, 5, 5], [32, 8, 8], True),
    "fc1": ([256, 512], [256], True),
    "fc2": ([10, 256], [10], False),
}
DASHBOARDS = [
    "scalars", "timeseries", "histograms", "distributions", "images", "graphs",
    "projector", "pr_curves", "text", "custom_scalars", "hparams",
]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Expect:
    """What the run must hold, from the settings and the data."""

    def __init__(self, steps, batch_size, data_dir):
        self.steps = steps
        self.batch = batch_size
        _, self.test_labels = read_idx(data_dir, "t10k-labels-idx1-ubyte")
        dims, self.test_images = read_idx(data_dir, "t10k-images-idx3-ubyte")
        train_dims, _ = read_idx(data_dir, "train-labels-idx1-ubyte")
        self.n_test, self.n_train = dims[0], train_dims[0]
        self.train_steps = list(range(0, steps, LOG_EVERY))
        self.test_steps = sorted(set(range(0, steps, TEST_EVERY)) | {steps})
        self.hist_steps = list(range(0, steps, HIST_EVERY))
        self.param_steps = sorted(set(self.hist_steps) | {steps})
        self.points = min(EMBEDDING_POINTS, self.n_test)
        # The first step's batch (the example draws min(batch, training digits)).
        self.first_batch = min(batch_size, self.n_train)

    def image(self, i):
        return self.test_images[i * SIDE * SIDE:(i + 1) * SIDE * SIDE]


def grid_size(n):
    cols = min(GRID_COLUMNS, n)
    rows = (n + cols - 1) // cols
    return (cols * SIDE + (cols + 1) * GRID_PADDING, rows * SIDE + (rows + 1) * GRID_PADDING)


class Checker:
    def __init__(self, client, expect, printed_accuracy):
        self.c = client
        self.e = expect
        self.printed_accuracy = printed_accuracy
        self.problems = []
        self.scalars = {}  # tag -> [[wall, step, value]]
        self.wrong_in_metadata = None  # first test digit marked wrong, from the Projector
        self.misclassified_tile = None  # rows of the test/misclassified grid at step N

    def fail(self, msg, *args):
        self.problems.append(msg % args if args else msg)

    def expect_equal(self, what, got, want):
        if got != want:
            self.fail("%s: expected %r, got %r", what, want, got)
            return False
        return True

    # ---------------------------------------------------------------- runs, plugins

    def runs_and_plugins(self):
        self.expect_equal("runs", self.c.get("/data/runs"), [RUN])
        listing = self.c.get("/data/plugins_listing")
        off = [d for d in DASHBOARDS if not listing.get(d, {}).get("enabled")]
        if off:
            self.fail("plugins_listing: not active: %s", off)

    # ---------------------------------------------------------------- scalars

    def scalar_tags(self):
        e = self.e
        want = {
            "xent/train": e.train_steps,
            "accuracy/train": e.train_steps,
            "train/learning_rate": e.train_steps,
            "xent/test": e.test_steps,
            "accuracy/test": e.test_steps,
        }
        return want

    def scalars_(self):
        want = self.scalar_tags()
        tags = self.c.get("/data/plugin/scalars/tags").get(RUN, {})
        if not self.expect_equal("scalars: tags", sorted(tags), sorted(want)):
            return
        for tag, steps in sorted(want.items()):
            series = self.c.get("/data/plugin/scalars/scalars", run=RUN, tag=tag)
            self.scalars[tag] = series
            where = "scalars: %s" % tag
            if not self.expect_equal(where + ": steps", [p[1] for p in series], steps):
                continue
            for _, step, v in series:
                if not (isinstance(v, (int, float)) and math.isfinite(v)):
                    self.fail("%s step %d: value %r is not finite", where, step, v)
                elif tag.startswith("accuracy/") and not 0 <= v <= 1:
                    self.fail("%s step %d: accuracy %r outside [0, 1]", where, step, v)
                elif tag.startswith("xent/") and not v > 0:
                    self.fail("%s step %d: cross-entropy %r is not positive", where, step, v)
                elif tag == "train/learning_rate":
                    lr = f32(LR * 0.5 * (1 + math.cos(math.pi * step / self.e.steps)))
                    if abs(v - lr) > 1e-6 * LR:
                        self.fail("%s step %d: %r, the cosine schedule gives %r", where, step, v, lr)
        if self.problems:
            return
        acc = self.scalars["accuracy/test"]
        xent = self.scalars["xent/test"]
        final = acc[-1][2]
        if not 0 < final <= 1:
            self.fail("scalars: final test accuracy %r is not in (0, 1]", final)
        if self.printed_accuracy is not None and abs(final * 100 - self.printed_accuracy) > 0.005001:
            self.fail("scalars: final test accuracy %r, the example printed %.2f%%",
                      final, self.printed_accuracy)
        if self.e.steps >= 50:
            if not final > acc[0][2]:
                self.fail("scalars: test accuracy did not rise: %r at step 0, %r at the end",
                          acc[0][2], final)
            if not xent[-1][2] < xent[0][2]:
                self.fail("scalars: test cross-entropy did not fall: %r at step 0, %r at the end",
                          xent[0][2], xent[-1][2])

    # ---------------------------------------------------------------- histograms

    def histograms(self):
        e = self.e
        want = {}
        for layer, (wshape, ashape, _) in LAYERS.items():
            want[layer + "/weights"] = (e.param_steps, product(wshape))
            want[layer + "/biases"] = (e.param_steps, wshape[0])
            want[layer + "/activations"] = (e.hist_steps, e.first_batch * product(ashape))
        for dashboard in ("histograms", "distributions"):
            tags = self.c.get("/data/plugin/%s/tags" % dashboard)
            self.expect_equal("%s: runs with tags" % dashboard, sorted(tags), [RUN])
            self.expect_equal("%s: tags" % dashboard, sorted(tags.get(RUN, {})), sorted(want))
        if self.problems:
            return
        for tag, (steps, count) in sorted(want.items()):
            layer, kind = tag.split("/")
            where = "histograms: %s" % tag
            got = self.c.get("/data/plugin/histograms/histograms", run=RUN, tag=tag)
            if not self.expect_equal(where + ": steps", [g[1] for g in got], steps):
                continue
            ranges = {}
            for _, step, buckets in got:
                w = "%s step %d" % (where, step)
                total = sum(b[2] for b in buckets)
                self.expect_equal(w + ": values counted", total, count)
                if any(b[0] > b[1] for b in buckets) or any(
                        buckets[i][0] != buckets[i - 1][1] for i in range(1, len(buckets))):
                    self.fail("%s: buckets do not meet: %r", w, buckets[:4])
                lo, hi = buckets[0][0], buckets[-1][1]
                ranges[step] = (lo, hi)
                if kind == "activations" and LAYERS[layer][2] and lo < 0:
                    self.fail("%s: ReLU output has negative values (min %r)", w, lo)
                if kind == "biases" and step == 0:
                    bound = 1 / math.sqrt(product(LAYERS[layer][0][1:]))
                    if lo < -bound or hi > bound:
                        self.fail("%s: initial biases span [%r, %r], outside ±%r", w, lo, hi, bound)
            dist = self.c.get("/data/plugin/distributions/distributions", run=RUN, tag=tag)
            dwhere = "distributions: %s" % tag
            if not self.expect_equal(dwhere + ": steps", [d[1] for d in dist], steps):
                continue
            for _, step, points in dist:
                w = "%s step %d" % (dwhere, step)
                bps = [p[0] for p in points]
                vals = [p[1] for p in points]
                self.expect_equal(w + ": basis points", bps,
                                  [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000])
                lo, hi = ranges[step]
                if any(b < a for a, b in zip(vals, vals[1:])) or vals[0] != lo or not (
                        lo <= vals[-1] <= hi):
                    self.fail("%s: values %r not ordered within the histogram's [%r, %r]",
                              w, vals, lo, hi)

    # ---------------------------------------------------------------- images

    def images(self):
        e = self.e
        tags = self.c.get("/data/plugin/images/tags").get(RUN, {})
        if not self.expect_equal("images: tags", sorted(tags), ["input", "test/misclassified"]):
            return
        for tag in tags:
            self.expect_equal("images: %s: samples" % tag, tags[tag].get("samples"), 1)
        acc = {s: v for _, s, v in self.scalars.get("accuracy/test", [])}
        wrong_steps = [s for s in e.test_steps if acc.get(s, 0) < 1]
        for tag, steps in (("input", e.hist_steps), ("test/misclassified", wrong_steps)):
            where = "images: %s" % tag
            got = self.c.get("/data/plugin/images/images", run=RUN, tag=tag, sample=0)
            if not self.expect_equal(where + ": steps", [g["step"] for g in got], steps):
                continue
            for g in got:
                w = "%s step %d" % (where, g["step"])
                data, ctype = fetch_image(self.c, "/data/plugin/images/individualImage?" + g["query"])
                self.expect_equal(w + ": content type", ctype, "image/png")
                try:
                    width, height, channels, rows = decode_png(data)
                except ValueError as err:
                    self.fail("%s: not a PNG we can decode: %s", w, err)
                    continue
                if tag == "input":
                    n = min(GRID, e.first_batch)
                else:
                    n = min(GRID, round((1 - acc[g["step"]]) * e.n_test))
                self.expect_equal(w + ": size", (width, height), grid_size(n))
                self.expect_equal(w + ": channels", channels, 1)
                ink = sum(1 for r in rows for v in r if v > 128)
                if ink < n * 40:  # an MNIST digit has ~100 pixels of ink
                    self.fail("%s: only %d ink pixels for %d digits", w, ink, n)
                if tag == "test/misclassified" and g["step"] == e.steps:
                    self.misclassified_tile = rows
        # Checked in projector(): the first tile is the first digit marked wrong there.

    # ---------------------------------------------------------------- graph

    def graph(self):
        info = self.c.get("/data/plugin/graphs/info").get(RUN, {})
        if not self.expect_equal("graphs: run_graph", info.get("run_graph"), True):
            return
        status, body = fetch(self.c, "/data/plugin/graphs/graph", run=RUN)
        if status != 200:
            self.fail("graphs: HTTP %d", status)
            return
        try:
            nodes = {n["name"]: n for n in graph_nodes(body.decode("utf-8"))}
        except ValueError as err:
            self.fail("graphs: unparsable pbtxt: %s", err)
            return
        scopes = {name.split("/")[0] for name in nodes}
        self.expect_equal("graphs: top-level names", sorted(scopes), sorted(
            ["input", "labels", "conv1", "conv2", "fc1", "fc2", "xent", "train", "accuracy"]))

        def node(name, op, shapes=None):
            n = nodes.get(name)
            if n is None:
                self.fail("graphs: no node %s", name)
                return None
            self.expect_equal("graphs: %s op" % name, n["op"], op)
            if shapes is not None:
                self.expect_equal("graphs: %s _output_shapes" % name, n.get("output_shapes"), shapes)
            return n

        node("input", "Placeholder", [[-1, 1, SIDE, SIDE]])
        for layer, (wshape, ashape, relu) in LAYERS.items():
            node(layer + "/weight", "VariableV2", [wshape])
            node(layer + "/bias", "VariableV2", [[wshape[0]]])
            if layer.startswith("conv"):
                node(layer + "/Conv2D", "Conv2D", [[-1] + ashape])
                node(layer + "/Relu", "Relu", [[-1] + ashape])
                node(layer + "/MaxPool", "MaxPool", [[-1, ashape[0], ashape[1] // 2, ashape[2] // 2]])
            else:
                node(layer + "/MatMul", "MatMul", [[-1] + ashape])
                node(layer + "/BiasAdd", "BiasAdd", [[-1] + ashape])
                if relu:
                    node(layer + "/Relu", "Relu", [[-1] + ashape])
        node("fc1/Flatten", "Reshape", [[-1, 512]])
        node("xent/Mean", "Mean", [[]])
        node("accuracy/Mean", "Mean", [[]])
        step = node("train/step", "NoOp")
        if step is not None:
            want = sorted("^train/Adam_%s_%s" % (layer, v) for layer in LAYERS for v in ("weight", "bias"))
            self.expect_equal("graphs: train/step inputs", sorted(step["input"]), want)
            for dep in want:
                node(dep[1:], "ApplyAdam")

    # ---------------------------------------------------------------- projector

    def projector(self):
        e = self.e
        plugin = "/data/plugin/projector"
        if not self.expect_equal("projector: runs", self.c.get(plugin + "/runs"), [RUN]):
            return
        embeddings = self.c.get(plugin + "/info", run=RUN).get("embeddings", [])
        if len(embeddings) != 1:
            self.fail("projector: %d embeddings, expected 1: %r", len(embeddings), embeddings)
            return
        info = embeddings[0]
        name = info.get("tensorName", "")
        if not re.fullmatch(r"fc1:0*%d" % e.steps, name):
            self.fail("projector: tensor %r, expected fc1 at step %d", name, e.steps)
        self.expect_equal("projector: tensorShape", info.get("tensorShape"), [e.points, 256])
        self.expect_equal("projector: singleImageDim",
                          (info.get("sprite") or {}).get("singleImageDim"), [SIDE, SIDE])

        status, body = fetch(self.c, plugin + "/tensor", run=RUN, name=name)
        if status != 200 or len(body) != e.points * 256 * 4:
            self.fail("projector: tensor: HTTP %d, %d bytes, expected %d", status, len(body),
                      e.points * 256 * 4)
        else:
            values = struct.unpack("<%df" % (e.points * 256), body)
            bad = [v for v in values if not (math.isfinite(v) and v >= 0)]
            if bad:
                self.fail("projector: %d values of fc1's ReLU output are negative or not finite "
                          "(%r…)", len(bad), bad[:3])
            if sum(1 for v in values if v > 0) < len(values) // 20:
                self.fail("projector: fc1's output is almost all zero")

        status, body = fetch(self.c, plugin + "/metadata", run=RUN, name=name)
        lines = body.decode("utf-8", "replace").rstrip("\n").split("\n")
        if status != 200 or not self.expect_equal("projector: metadata header", lines[0],
                                                  "label\tprediction\tcorrect"):
            return
        rows = [line.split("\t") for line in lines[1:]]
        if not self.expect_equal("projector: metadata rows", len(rows), e.points):
            return
        labels = [int(r[0]) for r in rows]
        self.expect_equal("projector: metadata labels are the test labels",
                          labels == list(e.test_labels[:e.points]), True)
        for i, (label, prediction, correct) in enumerate(rows):
            if prediction not in "0123456789" or len(prediction) != 1 or correct != (
                    "true" if label == prediction else "false"):
                self.fail("projector: metadata row %d is %r", i, rows[i])
                break
        wrong = [i for i, r in enumerate(rows) if r[2] == "false"]
        self.wrong_in_metadata = wrong[0] if wrong else None

        status, body = fetch(self.c, plugin + "/sprite_image", run=RUN, name=name)
        try:
            width, height, channels, sprite = decode_png(body)
        except ValueError as err:
            self.fail("projector: sprite (HTTP %d) is not a PNG we can decode: %s", status, err)
            return
        side = math.ceil(math.sqrt(e.points))
        self.expect_equal("projector: sprite size", (width, height, channels),
                          (side * SIDE, side * SIDE, 1))
        for i in sorted({0, 1, e.points // 2, e.points - 1}):
            x0, y0 = (i % side) * SIDE, (i // side) * SIDE
            tile = b"".join(bytes(sprite[y0 + y][x0:x0 + SIDE]) for y in range(SIDE))
            if tile != e.image(i):
                self.fail("projector: sprite tile %d is not test digit %d", i, i)

    def misclassified_first_tile(self):
        rows = self.misclassified_tile
        i = self.wrong_in_metadata
        if rows is None or i is None:
            return
        # The grid's first tile, inside the padding, is the first test digit got wrong; the
        # metadata's first wrong digit is it (it covers the first 1,024 test digits).
        p = GRID_PADDING
        tile = b"".join(bytes(rows[p + y][p:p + SIDE]) for y in range(SIDE))
        if tile != self.e.image(i):
            self.fail("images: test/misclassified step %d: first tile is not test digit %d, the "
                      "first the Projector marks wrong", self.e.steps, i)

    # ---------------------------------------------------------------- PR curves

    def pr_curves(self):
        e = self.e
        tags = self.c.get("/data/plugin/pr_curves/tags").get(RUN, {})
        want = ["pr/digit_%d" % d for d in range(10)]
        if not self.expect_equal("pr_curves: tags", sorted(tags), want):
            return
        for d, tag in enumerate(want):
            where = "pr_curves: %s" % tag
            got = self.c.get("/data/plugin/pr_curves/pr_curves", run=RUN, tag=tag).get(RUN, [])
            if not self.expect_equal(where + ": steps", [g["step"] for g in got], [e.steps]):
                continue
            g = got[0]
            positives = sum(1 for label in e.test_labels if label == d)
            first = (g["true_positives"][0], g["false_positives"][0], g["true_negatives"][0],
                     g["false_negatives"][0])
            self.expect_equal(where + ": tp, fp, tn, fn at threshold 0", first,
                              (positives, e.n_test - positives, 0, 0))
            for key in ("precision", "recall"):
                if any(not 0 <= v <= 1 for v in g[key]):
                    self.fail("%s: %s outside [0, 1]", where, key)
            if any(b > a for a, b in zip(g["recall"], g["recall"][1:])):
                self.fail("%s: recall rises with the threshold", where)
            n = len(g["thresholds"])
            if not 2 <= n <= 127 or any(len(g[k]) != n for k in ("precision", "recall", "true_positives")):
                self.fail("%s: %d thresholds, rows of %s", where, n,
                          [len(g[k]) for k in ("precision", "recall", "true_positives")])

    # ---------------------------------------------------------------- text

    def text(self):
        e = self.e
        tags = self.c.get("/data/plugin/text/tags").get(RUN, [])
        if not self.expect_equal("text: tags", tags, ["config"]):
            return
        got = self.c.get("/data/plugin/text/text", run=RUN, tag="config")
        if not self.expect_equal("text: config steps", [g["step"] for g in got], [0]):
            return
        html = got[0]["text"]
        for frag in ["<td>steps</td>\n<td>%d</td>" % e.steps,
                     "<td>batch size</td>\n<td>%d</td>" % e.batch,
                     "<td>training / test digits</td>\n<td>%d / %d</td>" % (e.n_train, e.n_test),
                     "<th>layer</th>"] + ["<td>%s</td>" % layer for layer in LAYERS]:
            if frag not in html:
                self.fail("text: config: %r not in the rendered HTML %r", frag, html[:300])

    # ---------------------------------------------------------------- custom scalars

    def custom_scalars(self):
        layout = self.c.get("/data/plugin/custom_scalars/layout")
        want = {"category": [{"title": "train vs test", "chart": [
            {"title": "accuracy", "multiline": {"tag": ["accuracy/"]}},
            {"title": "cross-entropy", "multiline": {"tag": ["xent/"]}}], "closed": False}],
            "version": 0}
        self.expect_equal("custom_scalars: layout", layout, want)
        for regex in ("accuracy/", "xent/"):
            got = self.c.get("/data/plugin/custom_scalars/scalars", run=RUN, tag=regex)
            where = "custom_scalars: %r" % regex
            self.expect_equal(where + ": regex_valid", got.get("regex_valid"), True)
            served = got.get("tag_to_events", {})
            if self.expect_equal(where + ": tags", sorted(served),
                                 sorted([regex + "test", regex + "train"])):
                for tag, events in served.items():
                    self.expect_equal("%s %s: points" % (where, tag),
                                      [e[1:] for e in events],
                                      [p[1:] for p in self.scalars.get(tag, [])])

    # ---------------------------------------------------------------- hparams

    def hparams(self):
        e = self.e
        exp = self.c.post_json("/data/plugin/hparams/experiment", EXPERIMENT_REQUEST)
        self.expect_equal("hparams: hparamInfos", sorted(h["name"] for h in exp.get("hparamInfos", [])),
                          ["batch_size", "conv_layers", "fc_layers", "lr", "steps"])
        got = self.c.post_json("/data/plugin/hparams/session_groups", SESSION_GROUPS_REQUEST)
        groups = got.get("sessionGroups", [])
        if not self.expect_equal("hparams: session groups", [g.get("name") for g in groups], [RUN]):
            return
        g = groups[0]
        self.expect_equal("hparams: values", g.get("hparams"), {
            "lr": LR, "conv_layers": 2.0, "fc_layers": 2.0, "batch_size": float(e.batch),
            "steps": float(e.steps)})
        sessions = g.get("sessions", [])
        if not self.expect_equal("hparams: sessions", [s.get("name") for s in sessions], [RUN]):
            return
        s = sessions[0]
        self.expect_equal("hparams: status", s.get("status"), "STATUS_SUCCESS")
        if not s.get("endTimeSecs", 0) >= s.get("startTimeSecs", 0) > 0:
            self.fail("hparams: start %r, end %r", s.get("startTimeSecs"), s.get("endTimeSecs"))
        metrics = {m["name"]["tag"]: m for m in s.get("metricValues", []) if not m["name"].get("group")}
        self.expect_equal("hparams: metrics", sorted(metrics), sorted(self.scalar_tags()))
        for tag in ("accuracy/test", "xent/test", "accuracy/train", "xent/train"):
            series = self.scalars.get(tag)
            if tag not in metrics or not series:
                continue
            m = metrics[tag]
            self.expect_equal("hparams: %s (step %s)" % (tag, m.get("trainingStep")),
                              (m.get("value"), int(m.get("trainingStep", -1))),
                              (series[-1][2], series[-1][1]))
        final = metrics.get("accuracy/test", {}).get("value")
        if final is not None and not 0 < final <= 1:
            self.fail("hparams: final test accuracy %r not in (0, 1]", final)

    # ---------------------------------------------------------------- all

    def run(self):
        for part in (self.runs_and_plugins, self.scalars_, self.histograms, self.images,
                     self.graph, self.projector, self.misclassified_first_tile, self.pr_curves,
                     self.text, self.custom_scalars, self.hparams):
            part()
        return self.problems


def printed_accuracy(path):
    """The percentage in the example's "Final test accuracy: 87.00%" line."""
    with open(path) as f:
        found = re.findall(r"^Final test accuracy: ([0-9.]+)%$", f.read(), re.M)
    if len(found) != 1:
        raise SystemExit("check_mnist: no single 'Final test accuracy' line in %s" % path)
    return float(found[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="TensorBoard base URL")
    parser.add_argument("--steps", type=int, required=True, help="the example's --steps")
    parser.add_argument("--batch-size", type=int, default=64, help="the example's --batch-size")
    parser.add_argument("--data-dir", default=os.path.join(REPO, "data", "mnist"),
                        help="the MNIST files the example read")
    parser.add_argument("--stdout", help="the example's output, for its final accuracy")
    parser.add_argument("--loader", default="?", help="name used in messages")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for data")
    args = parser.parse_args()
    tag = "[%s mnist]" % args.loader

    expect = Expect(args.steps, args.batch_size, args.data_dir)
    accuracy = printed_accuracy(args.stdout) if args.stdout else None
    client = Client(args.url)
    checker, polls = poll(tag, lambda: Checker(client, expect, accuracy), args.timeout)
    if checker is None:
        return 1
    acc = checker.scalars["accuracy/test"][-1][2]
    print("%s OK: run %s, %d steps, every dashboard as expected, final test accuracy %.4f (%d polls)"
          % (tag, RUN, args.steps, acc, polls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
