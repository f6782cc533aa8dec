"""Histograms and Distributions dashboards: `/data/plugin/histograms/tags` and
`/histograms`, `/data/plugin/distributions/tags` and `/distributions`.

Manifest: {"histograms": {tag: [{"step": s, "buckets": [[left, right, count], ...],
"distribution": [[basis_point, value] x 9]}]}} per run, computed by the Rust example from
the input values (not from what the crate wrote).

Checked, per run and tag, under both dashboards:
- the tag lists of both dashboards are exactly the manifest's tags;
- `/histograms` serves exactly the manifest's steps and, at each step, exactly its buckets:
  the same number of rows, and left edge, right edge and count equal as floats (both
  loaders serve the float64 values the crate wrote, unrounded); every row has
  left <= right, and the edges of consecutive rows meet;
- `/distributions` serves the same steps and, at each step, the 9 basis points in order,
  values that never decrease, the first equal to the minimum (the first left edge), and
  every value within 1e-12 of the value range (at least 1e-12) of the manifest's.

Points marked `"form": "legacy"` (runs written with `legacy_summaries(true)`: `HistogramProto`
values) are checked the same way, except under the Python loader, which converts that form to
float32 rows: there the expected edges are rounded to float32 first (the counts are small
integers, exact in float32), and the distribution must be within 1e-6 of the value range.
"""

import struct

from ._common import compare_steps, compare_tag_sets, legacy_under, unexpected_runs

BASIS_POINTS = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]
REL_TOL = 1e-12
# The Python loader's float32 rows of an older-form histogram.
F32_REL_TOL = 1e-6


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _as_served(point):
    """The manifest point as the loader under check must serve it, and the distribution's
    tolerance: the older histogram form in float32 under the Python loader, everything else
    as written."""
    if not legacy_under(point, "python"):
        return point, REL_TOL
    point = dict(point)
    point["buckets"] = [[_f32(left), _f32(right), count] for left, right, count in point["buckets"]]
    return point, F32_REL_TOL


def _check_buckets(where, expected, got):
    problems = []
    if not isinstance(got, list) or any(len(r) != 3 for r in got):
        return ["%s: buckets are not [left, right, count] rows: %r" % (where, got)]
    if len(got) != len(expected):
        problems.append(
            "%s: expected %d buckets, got %d (first expected %r, got %r)"
            % (where, len(expected), len(got), expected[:2], got[:2])
        )
    for i, (e, g) in enumerate(zip(expected, got)):
        if [float(x) for x in g] != [float(x) for x in e]:
            problems.append("%s bucket %d: expected %r, got %r" % (where, i, e, g))
            if len(problems) > 5:
                problems.append("%s: (further bucket mismatches not shown)" % where)
                break
    for i, (left, right, count) in enumerate(got):
        if not left <= right:
            problems.append("%s bucket %d: left %r > right %r" % (where, i, left, right))
        if count < 0:
            problems.append("%s bucket %d: negative count %r" % (where, i, count))
    for i in range(1, len(got)):
        if got[i][0] != got[i - 1][1]:
            problems.append(
                "%s bucket %d: left edge %r does not meet the previous right edge %r"
                % (where, i, got[i][0], got[i - 1][1])
            )
    return problems


def _check_distribution(where, point, got):
    point, tol = _as_served(point)
    expected = point["distribution"]
    buckets = point["buckets"]
    problems = []
    if [p[0] for p in got] != BASIS_POINTS:
        return ["%s: basis points %r, expected %r" % (where, [p[0] for p in got], BASIS_POINTS)]
    values = [p[1] for p in got]
    if any(b < a for a, b in zip(values, values[1:])):
        problems.append("%s: values decrease: %r" % (where, values))
    if buckets and values[0] != buckets[0][0]:
        problems.append("%s: first value %r is not the minimum %r" % (where, values[0], buckets[0][0]))
    if buckets:
        span = max(abs(buckets[-1][1] - buckets[0][0]), 1.0)
    else:
        span = 1.0
    for (bp, exp), val in zip(expected, values):
        if abs(val - exp) > tol * span:
            problems.append(
                "%s basis point %d: expected %r, got %r (difference %g)"
                % (where, bp, exp, val, val - exp)
            )
    return problems


def check_histograms(client, expected_by_run):
    problems = []
    for dashboard in ("histograms", "distributions"):
        tags_by_run = client.get("/data/plugin/%s/tags" % dashboard)
        problems += unexpected_runs(dashboard, tags_by_run, expected_by_run)
        for run, expected in sorted(expected_by_run.items()):
            if not expected and not tags_by_run.get(run):
                continue
            problems += compare_tag_sets(dashboard, run, expected, tags_by_run.get(run, {}))

    hist_tags = client.get("/data/plugin/histograms/tags")
    dist_tags = client.get("/data/plugin/distributions/tags")
    for run, expected in sorted(expected_by_run.items()):
        for tag in sorted(expected):
            points = expected[tag]
            if tag in hist_tags.get(run, {}):
                where = "histograms: run %r tag %r" % (run, tag)
                got = client.get("/data/plugin/histograms/histograms", run=run, tag=tag)
                problems += compare_steps(where, points, [g[1] for g in got])
                by_step = {g[1]: g[2] for g in got}
                for point in points:
                    if point["step"] in by_step:
                        problems += _check_buckets(
                            "%s step %d" % (where, point["step"]),
                            _as_served(point)[0]["buckets"],
                            by_step[point["step"]],
                        )
            if tag in dist_tags.get(run, {}):
                where = "distributions: run %r tag %r" % (run, tag)
                got = client.get("/data/plugin/distributions/distributions", run=run, tag=tag)
                problems += compare_steps(where, points, [g[1] for g in got])
                by_step = {g[1]: g[2] for g in got}
                for point in points:
                    if point["step"] in by_step:
                        problems += _check_distribution(
                            "%s step %d" % (where, point["step"]), point, by_step[point["step"]]
                        )
    return problems


RUN_SECTIONS = {"histograms": check_histograms}
