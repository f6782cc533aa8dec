"""Text dashboard: `/data/plugin/text/tags` and `/text`.

Manifest: {"text": {tag: [{"step": s, "contains": [html fragment, ...]}]}} per run. Each
fragment must appear in the HTML TensorBoard renders (Markdown on, the default).
"""

from ._common import compare_steps, compare_tag_sets, unexpected_runs


def check_text(client, expected_by_run):
    problems = []
    tags_by_run = client.get("/data/plugin/text/tags")
    problems += unexpected_runs("text", tags_by_run, expected_by_run)
    for run, expected in sorted(expected_by_run.items()):
        if not expected and not tags_by_run.get(run):
            continue
        got_tags = tags_by_run.get(run, [])
        problems += compare_tag_sets("text", run, expected, got_tags)
        for tag in sorted(set(expected) & set(got_tags)):
            where = "text: run %r tag %r" % (run, tag)
            got = client.get("/data/plugin/text/text", run=run, tag=tag)
            problems += compare_steps(where, expected[tag], [g["step"] for g in got])
            by_step = {g["step"]: g["text"] for g in got}
            for point in expected[tag]:
                html = by_step.get(point["step"], "")
                for frag in point["contains"]:
                    if frag not in html:
                        problems.append(
                            "%s step %d: %r not in %r" % (where, point["step"], frag, html[:300])
                        )
    return problems


RUN_SECTIONS = {"text": check_text}
