"""PR curves dashboard: `/data/plugin/pr_curves/tags` and `/pr_curves`.

Manifest: {"pr_curves": {tag: [{"step": s, "num_thresholds": n,
"rows": {"tp", "fp", "tn", "fn", "precision", "recall": [n floats]} (as written),
"input": {"labels": [bool], "predictions": [float], "weights": null | [float]}
         | {"raw": {same keys as rows}}}]}} per run.

Checked:
- the written rows equal the curve recomputed here from the input, the way TensorBoard's
  `pr_curve.summary.pb` computes it (bucket floor(p * (n - 1)) in float32, weighted sums in
  float64 in blocks of 65536, reversed cumulative sums, tn = fp[0] - fp, fn = tp[0] - tp,
  precision = tp / max(1e-7, tp + fp), recall = tp / max(1e-7, tp + fn), then float32), or
  the raw rows given;
- `/pr_curves` serves exactly those rows, counts truncated to integers and the thresholds
  after the last one with int(tp) + int(fp) > 0 trimmed, with thresholds i / (n - 1).
"""

import math
import struct

from ._common import compare_steps, compare_tag_sets, unexpected_runs

ROWS = ("tp", "fp", "tn", "fn", "precision", "recall")
SERVED = {
    "tp": "true_positives",
    "fp": "false_positives",
    "tn": "true_negatives",
    "fn": "false_negatives",
    "precision": "precision",
    "recall": "recall",
}
NUMPY_BLOCK = 65536


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def recompute(labels, predictions, weights, n):
    """The six rows, as float32 values, computed from scratch."""
    tp_buckets = [0.0] * n
    fp_buckets = [0.0] * n
    for start in range(0, len(labels), NUMPY_BLOCK):
        tp_block = [0.0] * n
        fp_block = [0.0] * n
        for i in range(start, min(len(labels), start + NUMPY_BLOCK)):
            # float32 product: the exact double product of two float32 values rounded once.
            bucket = int(math.floor(_f32(float(predictions[i]) * (n - 1))))
            w = 1.0 if weights is None else float(weights[i])
            if labels[i]:
                tp_block[bucket] += w
            else:
                fp_block[bucket] += w
        for b in range(n):
            tp_buckets[b] += tp_block[b]
            fp_buckets[b] += fp_block[b]
    tp, fp = [0.0] * n, [0.0] * n
    acc_tp = acc_fp = 0.0
    for i in reversed(range(n)):
        acc_tp += tp_buckets[i]
        acc_fp += fp_buckets[i]
        tp[i], fp[i] = acc_tp, acc_fp
    tn = [fp[0] - x for x in fp]
    fn = [tp[0] - x for x in tp]
    precision = [tp[i] / max(1e-7, tp[i] + fp[i]) for i in range(n)]
    recall = [tp[i] / max(1e-7, tp[i] + fn[i]) for i in range(n)]
    rows = (tp, fp, tn, fn, precision, recall)
    return {name: [_f32(x) for x in row] for name, row in zip(ROWS, rows)}


def _check_written(where, point):
    n = point["num_thresholds"]
    rows = point["rows"]
    problems = []
    for name in ROWS:
        if len(rows[name]) != n:
            problems.append("%s: row %s has %d values, expected %d" % (where, name, len(rows[name]), n))
    if problems:
        return problems
    inp = point["input"]
    if "raw" in inp:
        want = inp["raw"]
    else:
        want = recompute(inp["labels"], inp["predictions"], inp["weights"], n)
    for name in ROWS:
        if [float(x) for x in rows[name]] != [float(x) for x in want[name]]:
            i = next(i for i, (a, b) in enumerate(zip(rows[name], want[name])) if a != b)
            problems.append(
                "%s: written %s[%d] = %r, TensorBoard's computation gives %r"
                % (where, name, i, rows[name][i], want[name][i])
            )
    return problems


def _check_served(where, point, got):
    n = point["num_thresholds"]
    rows = point["rows"]
    positives = [int(a) + int(b) for a, b in zip(rows["tp"], rows["fp"])]
    end = n - 1
    while end > 0 and positives[end] == 0:
        end -= 1
    end += 1
    problems = []
    for name in ROWS:
        want = rows[name][:end]
        if name in ("tp", "fp", "tn", "fn"):
            want = [int(x) for x in want]
        have = got.get(SERVED[name])
        if have != want:
            problems.append(
                "%s: %s is %s, expected %s" % (where, SERVED[name], _short(have), _short(want))
            )
    thresholds = got.get("thresholds", [])
    if len(thresholds) != end or any(
        abs(t - i / (n - 1)) > 1e-12 for i, t in enumerate(thresholds)
    ):
        problems.append(
            "%s: thresholds %s, expected %d values i/%d" % (where, _short(thresholds), end, n - 1)
        )
    return problems


def _short(v):
    s = repr(v)
    return s if len(s) < 200 else s[:200] + "..."


def check_pr_curves(client, expected_by_run):
    problems = []
    tags_by_run = client.get("/data/plugin/pr_curves/tags")
    problems += unexpected_runs("pr_curves", tags_by_run, expected_by_run)
    for run, expected in sorted(expected_by_run.items()):
        if not expected and not tags_by_run.get(run):
            continue
        got_tags = tags_by_run.get(run, {})
        problems += compare_tag_sets("pr_curves", run, expected, got_tags)
        for tag, points in sorted(expected.items()):
            where = "pr_curves: run %r tag %r" % (run, tag)
            for point in points:
                problems += _check_written("%s step %d (manifest)" % (where, point["step"]), point)
            if tag not in got_tags:
                continue
            got = client.get("/data/plugin/pr_curves/pr_curves", run=run, tag=tag).get(run, [])
            problems += compare_steps(where, points, [g["step"] for g in got])
            by_step = {g["step"]: g for g in got}
            for point in points:
                if point["step"] in by_step:
                    problems += _check_served(
                        "%s step %d" % (where, point["step"]), point, by_step[point["step"]]
                    )
    return problems


RUN_SECTIONS = {"pr_curves": check_pr_curves}
