#!/usr/bin/env python3
"""Check that a running TensorBoard serves exactly what a manifest says.

Usage: check.py --url http://127.0.0.1:PORT --manifest MANIFEST.json [--loader NAME]

Standard library only. The manifest (written by the Rust example
`compat_logdir`, or by hand) looks like:

    {"version": 1,
     "runs": {"<run>": {"scalars": {"<tag>": [{"step": 3, "value": 0.5,
                                               "wall_time": 1700000000.25}, ...]}}}}

`value` is a number or "NaN" / "Infinity" / "-Infinity"; `wall_time` is
optional per point. Points are listed in step order without duplicate steps.

The check polls until the server's answer matches the manifest exactly (or
the timeout runs out), then re-checks once after a settle delay so that data
arriving late (an extra point, run or tag) is caught too. On failure every
mismatch is printed.

Adding a section: write `check_<name>(client, expected_by_run) -> [mismatch]`
and register it in RUN_SECTIONS (per-run sections such as "histograms") or
TOP_SECTIONS (logdir-wide sections such as a future "hparams"). A manifest
section that has no checker makes the check fail, so nothing goes unchecked.
"""

import argparse
import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MANIFEST_VERSION = 1
# Default per-tag retention of both loaders (docs/FORMAT.md §1.8). With more points
# than this the server downsamples, so an exact comparison cannot hold.
SCALAR_RETENTION = 1000


class Client:
    """Tiny JSON-over-HTTP client for the TensorBoard API."""

    def __init__(self, base_url):
        self.base = base_url.rstrip("/")

    def get(self, path, **params):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def post_json(self, path, body):
        """POST `body` as JSON (Content-Type application/json) and decode the JSON answer."""
        req = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))


# ---------------------------------------------------------------- values


def decode_value(v):
    """Manifest/server value -> float (the non-finite strings included)."""
    if isinstance(v, str):
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if v not in special:
            raise ValueError("bad value string %r" % v)
        return special[v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError("bad value %r" % (v,))
    return float(v)


def same_float(a, b):
    """Exact equality; NaN equals NaN, and 0.0 / -0.0 are told apart."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def fmt(x):
    return repr(x) if isinstance(x, float) else json.dumps(x)


# ---------------------------------------------------------------- sections


def check_scalars(client, expected_by_run):
    """`/data/plugin/scalars/tags` and `/scalars` against the manifest.

    expected_by_run: {run: {tag: [point, ...]}} for every manifest run (runs
    without a "scalars" section map to {} and must have no scalar tags).
    """
    problems = []
    tags_by_run = client.get("/data/plugin/scalars/tags")
    for run in sorted(set(tags_by_run) - set(expected_by_run)):
        if tags_by_run[run]:
            problems.append(
                "scalars: run %r (not in manifest) has tags %s"
                % (run, sorted(tags_by_run[run]))
            )
    for run, expected_tags in sorted(expected_by_run.items()):
        got_tags = set(tags_by_run.get(run, {}))
        for tag in sorted(set(expected_tags) - got_tags):
            problems.append("scalars: run %r: missing tag %r" % (run, tag))
        for tag in sorted(got_tags - set(expected_tags)):
            problems.append("scalars: run %r: unexpected tag %r" % (run, tag))
        for tag in sorted(set(expected_tags) & got_tags):
            got = client.get("/data/plugin/scalars/scalars", run=run, tag=tag)
            problems.extend(_compare_series(run, tag, expected_tags[tag], got))
    return problems


def _compare_series(run, tag, expected, got):
    """Compare manifest points with the server's [[wall_time, step, value]]."""
    where = "scalars: run %r tag %r" % (run, tag)
    problems = []
    got_by_step = {}
    for wall_time, step, value in got:
        if step in got_by_step:
            problems.append("%s step %d: served more than once" % (where, step))
        got_by_step.setdefault(step, (wall_time, value))
    got_steps = [p[1] for p in got]
    exp_steps = [p["step"] for p in expected]
    if got_steps != sorted(got_steps):
        problems.append("%s: steps not in order: %s" % (where, got_steps))
    for step in sorted(set(got_by_step) - set(exp_steps)):
        problems.append(
            "%s step %d: expected nothing, got value %s"
            % (where, step, fmt(got_by_step[step][1]))
        )
    for point in expected:
        step = point["step"]
        if step not in got_by_step:
            problems.append(
                "%s step %d: expected value %s, got no point"
                % (where, step, fmt(point["value"]))
            )
            continue
        got_wall, got_value = got_by_step[step]
        try:
            ok = same_float(decode_value(point["value"]), decode_value(got_value))
        except ValueError as e:
            ok, got_value = False, "%s (%s)" % (fmt(got_value), e)
        if not ok:
            problems.append(
                "%s step %d: expected value %s, got %s"
                % (where, step, fmt(point["value"]), fmt(got_value))
            )
        if "wall_time" in point and not (
            isinstance(got_wall, (int, float))
            and not isinstance(got_wall, bool)
            and float(got_wall) == float(point["wall_time"])
        ):
            problems.append(
                "%s step %d: expected wall_time %s, got %s"
                % (where, step, fmt(point["wall_time"]), fmt(got_wall))
            )
    return problems


# Per-run sections: name -> checker(client, {run: section or {}}).
RUN_SECTIONS = {"scalars": check_scalars}
# Run sections checked even when no run mentions them (so that data the
# manifest forgot is reported): scalars are the core of every logdir.
ALWAYS_CHECKED = {"scalars"}
# Logdir-wide sections: name -> checker(client, section).
TOP_SECTIONS = {}


def _load_section_modules():
    """Add the checkers of every dashboard module in sections/ (one file per dashboard).

    Each module may define RUN_SECTIONS and TOP_SECTIONS dicts like the ones above; a name
    defined twice is an error, so no section is silently replaced.
    """
    import importlib
    import pathlib

    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    for path in sorted((here / "sections").glob("*.py")):
        if path.stem.startswith("_"):
            continue
        mod = importlib.import_module("sections." + path.stem)
        for target, extra in ((RUN_SECTIONS, "RUN_SECTIONS"), (TOP_SECTIONS, "TOP_SECTIONS")):
            for name, fn in getattr(mod, extra, {}).items():
                if name in target:
                    raise SystemExit("section %r defined twice (%s)" % (name, path.name))
                target[name] = fn


_load_section_modules()


# ---------------------------------------------------------------- manifest


def validate_manifest(manifest):
    """Return a list of problems with the manifest itself."""
    problems = []
    if manifest.get("version") != MANIFEST_VERSION:
        problems.append("manifest: version must be %d" % MANIFEST_VERSION)
    runs = manifest.get("runs")
    if not isinstance(runs, dict):
        return problems + ["manifest: 'runs' must be an object"]
    for key in sorted(set(manifest) - {"version", "runs"} - set(TOP_SECTIONS)):
        problems.append("manifest: unknown top-level section %r (no checker)" % key)
    for run, sections in sorted(runs.items()):
        if not isinstance(sections, dict):
            problems.append("manifest: run %r must be an object" % run)
            continue
        for key in sorted(set(sections) - set(RUN_SECTIONS)):
            problems.append("manifest: run %r: unknown section %r (no checker)" % (run, key))
        for key, tags in sorted(sections.items()):
            if key == "scalars" or not isinstance(tags, dict):
                continue
            for tag, points in sorted(tags.items()):
                steps = [p.get("step") for p in points if isinstance(p, dict)]
                if len(steps) != len(points) or not all(isinstance(x, int) for x in steps):
                    problems.append("manifest: run %r %s tag %r: every point needs an integer step" % (run, key, tag))
                elif any(b <= a for a, b in zip(steps, steps[1:])):
                    problems.append("manifest: run %r %s tag %r: steps not strictly increasing" % (run, key, tag))
        for tag, points in sorted(sections.get("scalars", {}).items()):
            where = "manifest: run %r scalar tag %r" % (run, tag)
            steps = []
            for p in points:
                try:
                    decode_value(p["value"])
                    steps.append(int(p["step"]))
                except (KeyError, TypeError, ValueError) as e:
                    problems.append("%s: bad point %r (%s)" % (where, p, e))
            if any(b <= a for a, b in zip(steps, steps[1:])):
                problems.append("%s: steps not strictly increasing" % where)
            if len(points) > SCALAR_RETENTION:
                # Not an error by itself (--samples_per_plugin=scalars=0 keeps
                # everything), but explains the mismatches otherwise.
                print(
                    "NOTE %s: %d points, more than the default retention of %d; "
                    "without --samples_per_plugin the server downsamples"
                    % (where, len(points), SCALAR_RETENTION)
                )
    return problems


def check_once(client, manifest):
    """All mismatches between the server and the manifest, [] if none."""
    runs = manifest["runs"]
    problems = []
    got_runs = client.get("/data/runs")
    for run in sorted(set(runs) - set(got_runs)):
        problems.append("runs: missing run %r" % run)
    for run in sorted(set(got_runs) - set(runs)):
        problems.append("runs: unexpected run %r" % run)
    if len(got_runs) != len(set(got_runs)):
        problems.append("runs: duplicate run names in %s" % got_runs)
    present = {key for sections in runs.values() for key in sections}
    for name, checker in RUN_SECTIONS.items():
        if name in present or name in ALWAYS_CHECKED:
            problems.extend(checker(client, {r: s.get(name, {}) for r, s in runs.items()}))
    for name, checker in TOP_SECTIONS.items():
        if name in manifest:
            problems.extend(checker(client, manifest[name]))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="TensorBoard base URL")
    parser.add_argument("--manifest", required=True, help="manifest JSON file")
    parser.add_argument("--loader", default="?", help="name used in messages")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for data")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before the re-check")
    args = parser.parse_args()
    tag = "[%s]" % args.loader
    from sections import _common

    _common.LOADER = args.loader

    with open(args.manifest) as f:
        manifest = json.load(f)
    problems = validate_manifest(manifest)
    if problems:
        for p in problems:
            print("%s MISMATCH %s" % (tag, p))
        print("%s FAIL: bad manifest (%d problems)" % (tag, len(problems)))
        return 1

    client = Client(args.url)
    deadline = time.monotonic() + args.timeout
    polls = 0
    rechecked = False
    while True:
        polls += 1
        try:
            problems = check_once(client, manifest)
        except (urllib.error.URLError, OSError, ValueError) as e:
            problems = ["request failed: %s" % e]
        if not problems and rechecked:
            break
        if not problems:
            # Matched once: look again after the server's next reload.
            rechecked = True
            time.sleep(args.settle)
            continue
        rechecked = False
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)

    n_points = sum(
        len(pts) for s in manifest["runs"].values() for pts in s.get("scalars", {}).values()
    )
    if problems:
        for p in problems:
            print("%s MISMATCH %s" % (tag, p))
        print(
            "%s FAIL: %d mismatches after %.0f s (%d polls)"
            % (tag, len(problems), args.timeout, polls)
        )
        return 1
    n_other = sum(
        len(pts)
        for s in manifest["runs"].values()
        for name, sec in s.items()
        if name != "scalars"
        for pts in sec.values()
    )
    print(
        "%s OK: %d runs, %d scalar points and %d other points match exactly (%d polls)"
        % (tag, len(manifest["runs"]), n_points, n_other, polls)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
