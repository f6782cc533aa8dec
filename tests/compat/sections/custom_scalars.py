"""Custom scalars dashboard: `/data/plugin/custom_scalars/layout` and `/scalars`.

Manifest: {"custom_scalars": {"custom_scalars__config__": [{"step": 0, "layout": <Layout
JSON, default fields included, as TensorBoard serves it>, "queries": {regex: {tag:
[[step, value], ...]}}}]}} per run that has a layout.

Checked: `/layout` equals the layouts of all runs merged the way TensorBoard merges them
(runs in sorted order; a category whose title was seen before gets the charts it does not
have yet); for each run and regex, `/scalars?run=&tag=REGEX` answers `regex_valid: true`
and exactly the matching tags with exactly these steps and values.
"""

import copy
import math

CONFIG_TAG = "custom_scalars__config__"


def _merge(layouts):
    merged = None
    by_title = {}
    for layout in layouts:
        layout = copy.deepcopy(layout)
        if merged is None:
            merged = layout
            for c in layout.get("category", []):
                by_title[c["title"]] = c
            continue
        for c in layout.get("category", []):
            if c["title"] in by_title:
                seen = by_title[c["title"]]
                seen["chart"].extend(ch for ch in c["chart"] if ch not in seen["chart"])
            else:
                merged.setdefault("category", []).append(c)
                by_title[c["title"]] = c
    return merged or {}


def _same_value(a, b):
    if isinstance(a, str) or isinstance(b, str):
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        a, b = special.get(a, a), special.get(b, b)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def check_custom_scalars(client, expected_by_run):
    problems = []
    layouts = []
    for run in sorted(expected_by_run):
        points = expected_by_run[run].get(CONFIG_TAG, [])
        if points:
            layouts.append(points[-1]["layout"])
    want = _merge(layouts)
    got = client.get("/data/plugin/custom_scalars/layout")
    if got != want:
        problems.append("custom_scalars: layout is %r, expected %r" % (got, want))

    for run, expected in sorted(expected_by_run.items()):
        for point in expected.get(CONFIG_TAG, []):
            for regex, tags in sorted(point.get("queries", {}).items()):
                where = "custom_scalars: run %r regex %r" % (run, regex)
                got = client.get("/data/plugin/custom_scalars/scalars", run=run, tag=regex)
                if got.get("regex_valid") is not True:
                    problems.append("%s: regex_valid is %r" % (where, got.get("regex_valid")))
                served = got.get("tag_to_events", {})
                if sorted(served) != sorted(tags):
                    problems.append(
                        "%s: matched tags %s, expected %s" % (where, sorted(served), sorted(tags))
                    )
                    continue
                for tag, want_points in sorted(tags.items()):
                    have = [(s, v) for _, s, v in served[tag]]
                    want_pts = [(s, v) for s, v in want_points]
                    if len(have) != len(want_pts) or not all(
                        hs == ws and _same_value(hv, wv)
                        for (hs, hv), (ws, wv) in zip(have, want_pts)
                    ):
                        problems.append(
                            "%s tag %r: served %r, expected %r" % (where, tag, have, want_pts)
                        )
    return problems


RUN_SECTIONS = {"custom_scalars": check_custom_scalars}
