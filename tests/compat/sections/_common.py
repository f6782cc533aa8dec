"""Helpers shared by the dashboard checkers."""

# The loader under check ("rust", "rust-checksum", "python"), set by check.py from --loader.
LOADER = "?"


def legacy_under(point, *loaders):
    """Whether `point` was written in the older summary forms (`"form": "legacy"`, a run
    written with `legacy_summaries(true)`) and the loader under check is one of `loaders`:
    where TensorBoard serves those forms differently (docs/FORMAT.md §3, Older forms)."""
    return point.get("form") == "legacy" and LOADER in loaders


def compare_tag_sets(section, run, expected_tags, got_tags):
    """Problems for tags missing from, or unexpected in, one run of one dashboard."""
    problems = []
    for tag in sorted(set(expected_tags) - set(got_tags)):
        problems.append("%s: run %r: missing tag %r" % (section, run, tag))
    for tag in sorted(set(got_tags) - set(expected_tags)):
        problems.append("%s: run %r: unexpected tag %r" % (section, run, tag))
    return problems


def unexpected_runs(section, tags_by_run, expected_by_run):
    """Problems for runs that have tags in this dashboard but none in the manifest."""
    return [
        "%s: run %r (no %s in manifest) has tags %s" % (section, run, section, sorted(tags))
        for run, tags in sorted(tags_by_run.items())
        if tags and not expected_by_run.get(run)
    ]


def compare_steps(where, expected_points, got_steps):
    """Problems when the served steps differ from the expected ones (order kept)."""
    exp = [p["step"] for p in expected_points]
    if list(got_steps) != exp:
        return ["%s: expected steps %s, got %s" % (where, exp, list(got_steps))]
    return []
