"""Mesh dashboard: `/data/plugin/mesh/tags`, `/meshes` and `/data`.

Manifest: {"mesh": {name: [{"step": s, "samples": B, "components": bitmask, "config": str,
"parts": {"VERTEX" | "FACE" | "COLOR": {"content_type": 1 | 2 | 3, "shape": [B, n, 3],
"samples_hex": [hex of sample k's bytes, k = 0..B-1]}}}]}} per run.

Checked: `/tags` lists exactly these names with `samples` B; `/meshes` has exactly one
entry per (step, part) with that content type, components bitmask, config and data shape;
`/data` serves, for every step, part and sample, exactly the bytes written (float32 vertices,
int32 faces, uint8 colors).
"""

import urllib.parse
import urllib.request

from ._common import compare_tag_sets, unexpected_runs


def _fetch_bytes(client, path, **params):
    url = client.base + path + "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


def check_mesh(client, expected_by_run):
    problems = []
    tags_by_run = client.get("/data/plugin/mesh/tags")
    problems += unexpected_runs("mesh", tags_by_run, expected_by_run)
    for run, expected in sorted(expected_by_run.items()):
        if not expected and not tags_by_run.get(run):
            continue
        got_tags = tags_by_run.get(run, {})
        problems += compare_tag_sets("mesh", run, expected, got_tags)
        for name in sorted(set(expected) & set(got_tags)):
            where = "mesh: run %r name %r" % (run, name)
            points = expected[name]
            samples = got_tags[name].get("samples")
            if samples != points[0]["samples"]:
                problems.append("%s: /tags samples %r, expected %r" % (where, samples, points[0]["samples"]))
            got = client.get("/data/plugin/mesh/meshes", run=run, tag=name)
            want_entries = sorted(
                (p["step"], part["content_type"]) for p in points for part in p["parts"].values()
            )
            have_entries = sorted((g["step"], g["content_type"]) for g in got)
            if have_entries != want_entries:
                problems.append(
                    "%s: /meshes has (step, content_type) %s, expected %s"
                    % (where, have_entries, want_entries)
                )
            by_key = {(g["step"], g["content_type"]): g for g in got}
            for p in points:
                for part_name, part in sorted(p["parts"].items()):
                    w = "%s step %d %s" % (where, p["step"], part_name)
                    g = by_key.get((p["step"], part["content_type"]))
                    if g is not None:
                        for key, want in (
                            ("components", p["components"]),
                            ("config", p["config"]),
                            ("data_shape", part["shape"]),
                        ):
                            if g.get(key) != want:
                                problems.append("%s: %s is %r, expected %r" % (w, key, g.get(key), want))
                    for k, want_hex in enumerate(part["samples_hex"]):
                        data = _fetch_bytes(
                            client,
                            "/data/plugin/mesh/data",
                            run=run,
                            tag=name,
                            content_type=part_name,
                            sample=k,
                            step=p["step"],
                        )
                        if data != bytes.fromhex(want_hex):
                            problems.append(
                                "%s sample %d: /data served %d bytes %s..., expected %d bytes %s..."
                                % (w, k, len(data), data[:12].hex(), len(want_hex) // 2, want_hex[:24])
                            )
    return problems


RUN_SECTIONS = {"mesh": check_mesh}
