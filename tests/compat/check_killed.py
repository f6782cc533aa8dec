#!/usr/bin/env python3
"""Check that a running TensorBoard reads an event file whose writer was killed (SIGKILL).

Usage: check_killed.py --url http://127.0.0.1:PORT --expect RUN_DIR/killed_run.json
                       [--loader NAME] [--timeout S]

The run comes from `TBW_KILLED_RUN_DIR=RUN_DIR cargo test --test crash killed_run_for_compat`:
a child process logged the scalar `loss` at steps 0, 1, 2, ... (value = step) and a text
`note` at every step, flushing now and then, and was killed with SIGKILL; its file usually
ends in a truncated record. killed_run.json says what the file holds. The server must be
started with the parent of RUN_DIR as its logdir, so the run is named after RUN_DIR.

Asserts, polling until it holds or the timeout runs out:
- the run is listed, with the scalar tag `loss` and the text tag `note`;
- `loss` is served at steps that all lie in 0..=last_complete_step, strictly increasing,
  each with value == step, including last_complete_step itself (the newest record before
  the damage), and every step when there are at most 1,000 (the scalar reservoir keeps
  1,000 points and always the newest);
- nothing of the truncated record is shown (no step beyond last_complete_step).
Standard library only; exits 1 with every mismatch on failure.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse
import urllib.request

RESERVOIR = 1000


def get(base, path, **params):
    url = base.rstrip("/") + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def problems_once(base, run, expect):
    problems = []
    runs = get(base, "/data/runs")
    if run not in runs:
        return ["run %r not listed (runs: %s)" % (run, runs)]
    last = expect["last_complete_step"]
    scalar_tags = get(base, "/data/plugin/scalars/tags").get(run, {})
    if "loss" not in scalar_tags:
        return ["scalar tag 'loss' missing (tags: %s)" % sorted(scalar_tags)]
    points = get(base, "/data/plugin/scalars/scalars", run=run, tag="loss")
    steps = [p[1] for p in points]
    for _, step, value in points:
        if value != step:
            problems.append("loss step %d: value %r, expected %d" % (step, value, step))
        if not 0 <= step <= last:
            problems.append("loss step %d outside 0..=%d" % (step, last))
    if any(b <= a for a, b in zip(steps, steps[1:])):
        problems.append("loss steps not strictly increasing: %s" % steps[:20])
    if last not in steps:
        problems.append("loss: the last complete step %d is not served (max %s)" % (last, max(steps, default=None)))
    want = min(last + 1, RESERVOIR)
    if len(steps) != want:
        problems.append("loss: %d points served, expected %d" % (len(steps), want))
    if last + 1 <= RESERVOIR and steps != list(range(last + 1)):
        problems.append("loss: steps %s..., expected every step 0..=%d" % (steps[:10], last))
    text_tags = get(base, "/data/plugin/text/tags").get(run, [])
    if "note" not in text_tags:
        problems.append("text tag 'note' missing (tags: %s)" % text_tags)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--expect", required=True, help="the run's killed_run.json")
    ap.add_argument("--loader", default="?")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    with open(args.expect) as f:
        expect = json.load(f)
    run = os.path.basename(os.path.dirname(os.path.abspath(args.expect)))
    if expect.get("last_complete_step") is None:
        sys.exit("[%s] killed_run.json has no complete loss step: %s" % (args.loader, expect))
    deadline = time.monotonic() + args.timeout
    polls = 0
    while True:
        polls += 1
        try:
            problems = problems_once(args.url, run, expect)
        except OSError as e:
            problems = ["request failed: %s" % e]
        if not problems:
            print(
                "[%s] OK: killed run (truncated final record: %s) shows loss 0..=%d, %d polls"
                % (args.loader, expect["truncated_final_record"], expect["last_complete_step"], polls)
            )
            return
        if time.monotonic() > deadline:
            for p in problems:
                print("[%s] MISMATCH killed run: %s" % (args.loader, p))
            print("[%s] FAIL: %d mismatches after %.0f s" % (args.loader, len(problems), args.timeout))
            sys.exit(1)
        time.sleep(1)


if __name__ == "__main__":
    main()
