"""HParams dashboard: POST `/data/plugin/hparams/experiment` and `/session_groups`.

Manifest, per run, section "hparams":
- one run has tag "experiment": [{"step": 0, "experiment": <Experiment JSON>}], the
  definition the logdir holds (hparamInfos compared in any order: TensorBoard sorts them);
- every trial run has tag "session": [{"step": 0, "hparams": {name: value},
  "status": "STATUS_...", "ended": bool,
  "metrics": [{"group": g, "tag": t, "value": v, "step": s}]}].

Checked: the experiment is exactly the one written; `/session_groups` lists exactly one group
per trial run, named after the run, holding one session of the same name (so the table links
to the run's charts), with exactly the hparams, status and metric values (the last value of
scalar `tag` in run `<session>[/<group>]`) written, for the session and its group.
"""

import math

EXPERIMENT_REQUEST = {"experimentName": "", "includeMetrics": True}
SESSION_GROUPS_REQUEST = {
    "experimentName": "",
    "allowedStatuses": [
        "STATUS_UNKNOWN",
        "STATUS_SUCCESS",
        "STATUS_FAILURE",
        "STATUS_RUNNING",
    ],
    "colParams": [],
    "startIndex": 0,
    "sliceSize": 1000,
    "includeMetrics": True,
}


def _same(a, b):
    """Exact equality of JSON values; numbers compare as floats (32 == 32.0), bools are not
    numbers, NaN equals NaN."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        fa, fb = float(a), float(b)
        return (math.isnan(fa) and math.isnan(fb)) or fa == fb
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _by_name(infos):
    return sorted(infos, key=lambda h: h.get("name", ""))


def _check_experiment(client, expected):
    where = "hparams: experiment"
    got = client.post_json("/data/plugin/hparams/experiment", EXPERIMENT_REQUEST)
    if not isinstance(got, dict):
        return ["%s: not an object: %r" % (where, got)]
    problems = []
    for key in sorted(set(expected) | set(got)):
        exp, have = expected.get(key), got.get(key)
        if key == "hparamInfos" and isinstance(have, list):
            exp, have = _by_name(exp or []), _by_name(have)
        if not _same(exp, have):
            problems.append("%s: %s: expected %r, got %r" % (where, key, exp, have))
    return problems


def _metric_key(mv):
    name = mv.get("name", {})
    return (name.get("group", ""), name.get("tag", ""))


def _check_metrics(where, expected, got):
    """expected: manifest metrics; got: the server's metricValues."""
    problems = []
    got_by_key = {}
    for mv in got:
        key = _metric_key(mv)
        if key in got_by_key:
            problems.append("%s: metric %r served twice" % (where, key))
        got_by_key[key] = mv
    exp_by_key = {(m["group"], m["tag"]): m for m in expected}
    for key in sorted(set(got_by_key) - set(exp_by_key)):
        problems.append("%s: unexpected metric %r = %r" % (where, key, got_by_key[key]))
    for key, m in sorted(exp_by_key.items()):
        mv = got_by_key.get(key)
        if mv is None:
            problems.append("%s: missing metric %r" % (where, key))
            continue
        if not _same(m["value"], mv.get("value")):
            problems.append(
                "%s: metric %r: expected value %r, got %r" % (where, key, m["value"], mv.get("value"))
            )
        try:
            step = int(mv.get("trainingStep", 0))
        except (TypeError, ValueError):
            step = None
        if step != m["step"]:
            problems.append(
                "%s: metric %r: expected step %r, got %r"
                % (where, key, m["step"], mv.get("trainingStep"))
            )
        if not isinstance(mv.get("wallTimeSecs"), (int, float)) or mv["wallTimeSecs"] <= 0:
            problems.append("%s: metric %r: bad wallTimeSecs %r" % (where, key, mv.get("wallTimeSecs")))
    return problems


def _check_sessions(client, expected_sessions):
    got = client.post_json("/data/plugin/hparams/session_groups", SESSION_GROUPS_REQUEST)
    if not isinstance(got, dict):
        return ["hparams: session_groups: not an object: %r" % (got,)]
    problems = []
    groups = got.get("sessionGroups", [])
    if got.get("totalSize") != len(expected_sessions):
        problems.append(
            "hparams: totalSize %r, expected %d" % (got.get("totalSize"), len(expected_sessions))
        )
    runs = set(client.get("/data/runs"))
    by_name = {}
    for g in groups:
        if g.get("name") in by_name:
            problems.append("hparams: session group %r listed twice" % g.get("name"))
        by_name[g.get("name")] = g
    for name in sorted(set(by_name) - set(expected_sessions), key=str):
        problems.append("hparams: unexpected session group %r" % name)
    for run, exp in sorted(expected_sessions.items()):
        where = "hparams: session %r" % run
        g = by_name.get(run)
        if g is None:
            problems.append("%s: no session group" % where)
            continue
        if run not in runs:
            problems.append("%s: not a run, so the row links to no charts" % where)
        if not _same(exp["hparams"], g.get("hparams", {})):
            problems.append(
                "%s: expected hparams %r, got %r" % (where, exp["hparams"], g.get("hparams"))
            )
        sessions = g.get("sessions", [])
        if [s.get("name") for s in sessions] != [run]:
            problems.append(
                "%s: expected one session named after the run, got %r"
                % (where, [s.get("name") for s in sessions])
            )
            continue
        s = sessions[0]
        status = s.get("status", "STATUS_UNKNOWN")
        if status != exp["status"]:
            problems.append("%s: expected status %s, got %s" % (where, exp["status"], status))
        if not isinstance(s.get("startTimeSecs"), (int, float)) or s["startTimeSecs"] <= 0:
            problems.append("%s: bad startTimeSecs %r" % (where, s.get("startTimeSecs")))
        end = s.get("endTimeSecs", 0)
        if exp["ended"] != (isinstance(end, (int, float)) and end >= s.get("startTimeSecs", 0) > 0):
            problems.append(
                "%s: endTimeSecs %r (start %r), ended=%s expected"
                % (where, end, s.get("startTimeSecs"), exp["ended"])
            )
        problems += _check_metrics(where, exp["metrics"], s.get("metricValues", []))
        problems += _check_metrics(where + " (group)", exp["metrics"], g.get("metricValues", []))
    return problems


def check_hparams(client, expected_by_run):
    experiments = []
    sessions = {}
    problems = []
    for run, section in sorted(expected_by_run.items()):
        for tag, points in sorted(section.items()):
            if tag == "experiment":
                experiments.append(points[0]["experiment"])
            elif tag == "session":
                sessions[run] = points[0]
            else:
                problems.append("hparams: manifest run %r: unknown tag %r" % (run, tag))
    if len(experiments) > 1:
        problems.append("hparams: manifest has %d experiments; a logdir holds one" % len(experiments))
    listing = client.get("/data/plugins_listing")
    if not listing.get("hparams", {}).get("enabled"):
        problems.append("hparams: plugin not enabled in /data/plugins_listing")
    if experiments:
        problems += _check_experiment(client, experiments[0])
    problems += _check_sessions(client, sessions)
    return problems


RUN_SECTIONS = {"hparams": check_hparams}
