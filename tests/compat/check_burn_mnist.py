#!/usr/bin/env python3
"""Check that a running TensorBoard serves every dashboard of a short burn_mnist run.

Usage: check_burn_mnist.py --url http://127.0.0.1:PORT --epochs E --digits D --valid V
                           [--data-dir data/mnist] [--loader NAME] [--timeout S]

The server must be started on the example's logdir after
`cargo run --features burn --example burn_mnist -- --epochs E --digits D --valid V --logdir <logdir>`.
Standard library only.

Training is not deterministic across machines, so what must be served is derived from the
example's settings (examples/burn_mnist.rs: batches of 64 training and 256 validation digits,
the model's layers, 16 input digits, 500 projected digits) and from the shipped data:

- runs: exactly model, train, train/iteration, valid, valid/iteration (the metric logger's
  splits, each with its per-iteration run); every dashboard the example feeds is active;
- Scalars: `epoch/Loss` and `epoch/Accuracy` at steps 1..E in train and valid, with the
  tags' descriptions from burn's metric definitions; `iteration/Loss` and
  `iteration/Accuracy` at steps 1..E×batches, growing across epochs; each epoch value is
  the batch values' mean weighted by the batch sizes (burn's epoch aggregate, to f32
  precision), losses positive, accuracies in [0, 100];
- Custom scalars: the logger's layout (one chart per metric, epoch and iteration), and the
  epoch charts' regexes serve the train and valid series the Scalars dashboard serves;
- Histograms and Distributions: every parameter of the model by path (`conv1/weight`, …)
  at steps 0 and E, each counting exactly the parameter's elements;
- Images: `inputs` at step 0, a grid of 16 digits whose first tile is the first training
  digit, pixel for pixel;
- Graphs: the parameters as `VariableV2` nodes in their layers' scopes with their shapes, and
  the layers' ops;
- Projector: `fc1` at step E, 500 × 64 non-negative values (ReLU), metadata = the first 500
  test labels, a sprite whose tiles are the test digits.

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
from sections.images import decode_png, fetch as fetch_image  # noqa: E402
from sections.projector import fetch  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

# examples/burn_mnist.rs; keep in step.
TRAIN_BATCH, VALID_BATCH = 64, 256
INPUTS, POINTS, SIDE = 16, 500, 28
GRID_COLUMNS, GRID_PADDING = 8, 2
PARAMS = {
    "conv1/weight": [8, 1, 5, 5], "conv1/bias": [8],
    "conv2/weight": [16, 8, 5, 5], "conv2/bias": [16],
    "fc1/weight": [256, 64], "fc1/bias": [64],
    "fc2/weight": [64, 10], "fc2/bias": [10],
}
RUNS = ["model", "train", "train/iteration", "valid", "valid/iteration"]
METRICS = ["Accuracy", "Loss"]
DESCRIPTIONS = {"Accuracy": "unit: %, higher is better", "Loss": "lower is better"}
DASHBOARDS = ["scalars", "histograms", "distributions", "images", "graphs", "projector",
              "custom_scalars"]


def batches(n, size):
    return [min(size, n - i) for i in range(0, n, size)]


class Checker:
    def __init__(self, client, epochs, digits, valid, data_dir):
        self.c = client
        self.epochs = epochs
        _, self.train_images = read_idx(data_dir, "train-images-idx3-ubyte")
        dims, self.test_images = read_idx(data_dir, "t10k-images-idx3-ubyte")
        _, self.test_labels = read_idx(data_dir, "t10k-labels-idx1-ubyte")
        self.sizes = {"train": batches(digits, TRAIN_BATCH),
                      "valid": batches(min(valid, dims[0]), VALID_BATCH)}
        self.problems = []
        self.scalars = {}  # (run, tag) -> [[wall, step, value]]

    def fail(self, msg, *args):
        self.problems.append(msg % args if args else msg)

    def expect_equal(self, what, got, want):
        if got != want:
            self.fail("%s: expected %r, got %r", what, want, got)
            return False
        return True

    def runs_and_plugins(self):
        self.expect_equal("runs", sorted(self.c.get("/data/runs")), RUNS)
        listing = self.c.get("/data/plugins_listing")
        off = [d for d in DASHBOARDS if not listing.get(d, {}).get("enabled")]
        if off:
            self.fail("plugins_listing: not active: %s", off)

    def scalars_(self):
        tags = self.c.get("/data/plugin/scalars/tags")
        for split in ("train", "valid"):
            n = len(self.sizes[split])
            for run, prefix, steps in ((split, "epoch/", list(range(1, self.epochs + 1))),
                                       (split + "/iteration", "iteration/",
                                        list(range(1, self.epochs * n + 1)))):
                want = sorted(prefix + m for m in METRICS)
                if not self.expect_equal("scalars: %s: tags" % run, sorted(tags.get(run, {})), want):
                    continue
                for m in METRICS:
                    tag = prefix + m
                    where = "scalars: %s %s" % (run, tag)
                    d = tags[run][tag].get("description", "")
                    if DESCRIPTIONS[m] not in d:
                        self.fail("%s: description %r does not say %r", where, d, DESCRIPTIONS[m])
                    series = self.c.get("/data/plugin/scalars/scalars", run=run, tag=tag)
                    self.scalars[(run, tag)] = series
                    if not self.expect_equal(where + ": steps", [p[1] for p in series], steps):
                        continue
                    for _, step, v in series:
                        ok = math.isfinite(v) and (0 <= v <= 100 if m == "Accuracy" else v > 0)
                        if not ok:
                            self.fail("%s step %d: %r out of range", where, step, v)
            if self.problems:
                continue
            # burn's epoch aggregate: the batch values' mean weighted by the counts burn's
            # metrics give them: the batch size for Accuracy, 1 for Loss (burn's LossMetric
            # counts the dimension of the loss tensor, which is [1]).
            for m in METRICS:
                it = [p[2] for p in self.scalars[(split + "/iteration", "iteration/" + m)]]
                weights = self.sizes[split] if m == "Accuracy" else [1] * n
                for e in range(self.epochs):
                    vals = it[e * n:(e + 1) * n]
                    mean = sum(v * w for v, w in zip(vals, weights)) / sum(weights)
                    got = self.scalars[(split, "epoch/" + m)][e][2]
                    if abs(got - mean) > 1e-4 * max(1.0, abs(mean)):
                        self.fail("scalars: %s epoch/%s at %d is %r, the batches' weighted mean %r",
                                  split, m, e + 1, got, mean)

    def custom_scalars(self):
        layout = self.c.get("/data/plugin/custom_scalars/layout")
        cats = {c["title"]: [(ch["title"], ch["multiline"]["tag"]) for ch in c["chart"]]
                for c in layout.get("category", [])}
        want = {
            "burn: epoch aggregates": [(m, ["^epoch/%s$" % m]) for m in METRICS],
            "burn: iterations": [(m, ["^iteration/%s$" % m]) for m in METRICS],
        }
        # Charts appear in the order the metrics first came; compare as sets of charts.
        got = {k: sorted(v) for k, v in cats.items()}
        self.expect_equal("custom_scalars: layout", got, want)
        for split in ("train", "valid"):
            for m in METRICS:
                regex = "^epoch/%s$" % m
                r = self.c.get("/data/plugin/custom_scalars/scalars", run=split, tag=regex)
                served = r.get("tag_to_events", {})
                where = "custom_scalars: %s %r" % (split, regex)
                if self.expect_equal(where + ": tags", sorted(served), ["epoch/" + m]):
                    self.expect_equal(where + ": points", [e[1:] for e in served["epoch/" + m]],
                                      [p[1:] for p in self.scalars.get((split, "epoch/" + m), [])])

    def histograms(self):
        steps = [0, self.epochs]
        for dashboard in ("histograms", "distributions"):
            tags = self.c.get("/data/plugin/%s/tags" % dashboard)
            self.expect_equal("%s: runs" % dashboard, sorted(tags), ["model"])
            self.expect_equal("%s: tags" % dashboard, sorted(tags.get("model", {})), sorted(PARAMS))
        if self.problems:
            return
        for tag, shape in sorted(PARAMS.items()):
            got = self.c.get("/data/plugin/histograms/histograms", run="model", tag=tag)
            where = "histograms: %s" % tag
            if not self.expect_equal(where + ": steps", [g[1] for g in got], steps):
                continue
            for _, step, buckets in got:
                self.expect_equal("%s step %d: values counted" % (where, step),
                                  sum(b[2] for b in buckets), product(shape))
            dist = self.c.get("/data/plugin/distributions/distributions", run="model", tag=tag)
            self.expect_equal("distributions: %s: steps" % tag, [d[1] for d in dist], steps)

    def images(self):
        tags = self.c.get("/data/plugin/images/tags")
        if not self.expect_equal("images: tags", {r: sorted(t) for r, t in tags.items() if t},
                                 {"model": ["inputs"]}):
            return
        got = self.c.get("/data/plugin/images/images", run="model", tag="inputs", sample=0)
        if not self.expect_equal("images: inputs: steps", [g["step"] for g in got], [0]):
            return
        data, ctype = fetch_image(self.c, "/data/plugin/images/individualImage?" + got[0]["query"])
        self.expect_equal("images: content type", ctype, "image/png")
        width, height, channels, rows = decode_png(data)
        cols = min(GRID_COLUMNS, INPUTS)
        nrows = (INPUTS + cols - 1) // cols
        size = (cols * SIDE + (cols + 1) * GRID_PADDING, nrows * SIDE + (nrows + 1) * GRID_PADDING)
        self.expect_equal("images: inputs: size", (width, height), size)
        self.expect_equal("images: inputs: channels", channels, 1)
        p = GRID_PADDING
        tile = b"".join(bytes(rows[p + y][p:p + SIDE]) for y in range(SIDE))
        if tile != self.train_images[:SIDE * SIDE]:
            self.fail("images: inputs: the first tile is not the first training digit")

    def graph(self):
        info = self.c.get("/data/plugin/graphs/info").get("model", {})
        if not self.expect_equal("graphs: run_graph", info.get("run_graph"), True):
            return
        status, body = fetch(self.c, "/data/plugin/graphs/graph", run="model")
        if status != 200:
            self.fail("graphs: HTTP %d", status)
            return
        nodes = {n["name"]: n for n in graph_nodes(body.decode("utf-8"))}
        self.expect_equal("graphs: top-level names", sorted({n.split("/")[0] for n in nodes}),
                          ["conv1", "conv2", "fc1", "fc2", "input"])
        for name, shape in PARAMS.items():
            n = nodes.get(name)
            if n is None:
                self.fail("graphs: no node %s", name)
                continue
            self.expect_equal("graphs: %s op" % name, n["op"], "VariableV2")
            self.expect_equal("graphs: %s _output_shapes" % name, n.get("output_shapes"), [shape])
        for name, op in (("conv1/Conv2D", "Conv2D"), ("conv2/Relu", "Relu"),
                         ("fc1/MatMul", "MatMul"), ("fc2/MatMul", "MatMul")):
            self.expect_equal("graphs: %s op" % name, nodes.get(name, {}).get("op"), op)

    def projector(self):
        plugin = "/data/plugin/projector"
        if not self.expect_equal("projector: runs", self.c.get(plugin + "/runs"), ["model"]):
            return
        embeddings = self.c.get(plugin + "/info", run="model").get("embeddings", [])
        if len(embeddings) != 1:
            self.fail("projector: %d embeddings, expected 1", len(embeddings))
            return
        info = embeddings[0]
        name = info.get("tensorName", "")
        if not re.fullmatch(r"fc1:0*%d" % self.epochs, name):
            self.fail("projector: tensor %r, expected fc1 at step %d", name, self.epochs)
        self.expect_equal("projector: tensorShape", info.get("tensorShape"), [POINTS, 64])
        self.expect_equal("projector: singleImageDim",
                          (info.get("sprite") or {}).get("singleImageDim"), [SIDE, SIDE])
        status, body = fetch(self.c, plugin + "/tensor", run="model", name=name)
        if status != 200 or len(body) != POINTS * 64 * 4:
            self.fail("projector: tensor: HTTP %d, %d bytes", status, len(body))
        else:
            values = struct.unpack("<%df" % (POINTS * 64), body)
            if any(not (math.isfinite(v) and v >= 0) for v in values):
                self.fail("projector: fc1's ReLU output has negative or non-finite values")
        status, body = fetch(self.c, plugin + "/metadata", run="model", name=name)
        labels = body.decode("utf-8").rstrip("\n").split("\n")
        self.expect_equal("projector: metadata", labels,
                          [str(x) for x in self.test_labels[:POINTS]])
        status, body = fetch(self.c, plugin + "/sprite_image", run="model", name=name)
        width, height, channels, sprite = decode_png(body)
        side = math.ceil(math.sqrt(POINTS))
        self.expect_equal("projector: sprite size", (width, height, channels),
                          (side * SIDE, side * SIDE, 1))
        for i in (0, 1, POINTS - 1):
            x0, y0 = (i % side) * SIDE, (i // side) * SIDE
            tile = b"".join(bytes(sprite[y0 + y][x0:x0 + SIDE]) for y in range(SIDE))
            if tile != self.test_images[i * SIDE * SIDE:(i + 1) * SIDE * SIDE]:
                self.fail("projector: sprite tile %d is not test digit %d", i, i)

    def run(self):
        for part in (self.runs_and_plugins, self.scalars_, self.custom_scalars, self.histograms,
                     self.images, self.graph, self.projector):
            part()
        return self.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--digits", type=int, required=True)
    parser.add_argument("--valid", type=int, required=True)
    parser.add_argument("--data-dir", default=os.path.join(REPO, "data", "mnist"))
    parser.add_argument("--loader", default="?")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    tag = "[%s burn_mnist]" % args.loader
    client = Client(args.url)
    checker, polls = poll(
        tag, lambda: Checker(client, args.epochs, args.digits, args.valid, args.data_dir),
        args.timeout)
    if checker is None:
        return 1
    print("%s OK: %d epochs, every dashboard as expected (%d polls)" % (tag, args.epochs, polls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
