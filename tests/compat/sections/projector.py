"""Projector (embeddings): `/data/plugin/projector/runs`, `/info`, `/tensor`, `/metadata`,
`/sprite_image`, and a screenshot of the Projector tab.

Manifest: {"projector": {tag: [point]}} per run, where a point is
    {"step": s, "tensor_name": name, "shape": [N, D],
     "tensor_file": "tensors.tsv" | "tensors.bin",
     "tensor_hex": the matrix as little-endian float32 bytes,
     "metadata": the metadata.tsv text, or null,
     "sprite": null or {"hex": PNG bytes, "single_image_dim": [w, h], "size": [W, H],
                        "channels": c, "pixels": [[x, y, [values]]]},
     "screenshot": {"colors": [[r, g, b], ...], "points": N}   (at most one point)}.

Checks, per run: `runs` lists exactly the runs with embeddings; `info` lists exactly the
expected tensor names, once each, with their shape, tensor path, metadata path and sprite
(image path and `singleImageDim`); `tensor` serves exactly `tensor_hex` (whatever file form
was written: TensorBoard converts it to float32 bytes); `metadata` serves exactly the
expected text; `sprite_image` serves exactly the PNG written, which is decoded here and
whose size, channels and sampled pixels must match.

Then, once everything above matches and the plugin says it is active, the Projector tab is
rendered with headless Chromium (`_screenshot.py`): the canvas area must not be blank and
must show the thumbnails: at least 8 of the 10 cluster colours, each over a good number of
pixels (the points without a sprite would all be drawn in one colour). The screenshot goes
to `compat-projector.png` in $COMPAT_SCREENSHOTS when set, else to the temp directory. (The
README's docs/projector.png shows the MNIST example instead: see scripts/screenshots.sh.)
Standard library only.
"""

import collections
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from ._screenshot import chromium, screenshot
from .images import decode_png

PLUGIN = "/data/plugin/projector"

# Screenshot results per server (base URL): a success is kept; a failure is retried on the
# next polls, up to SHOT_ATTEMPTS screenshots, then kept.
_SHOTS = {}
_ATTEMPTS = {}
SHOT_ATTEMPTS = 3


def fetch(client, path, **params):
    """(status, bytes) of a GET; HTTP errors are returned, not raised."""
    url = client.base + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _check_embedding(client, run, tag, point, info):
    where = "projector: run %r tag %r step %d (%s)" % (run, tag, point["step"], point["tensor_name"])
    problems = []
    name = point["tensor_name"]
    if info.get("tensorShape") != point["shape"]:
        problems.append("%s: tensorShape %s, expected %s" % (where, info.get("tensorShape"), point["shape"]))
    path = info.get("tensorPath", "")
    if not path.endswith("/" + point["tensor_file"]) or path.startswith("/") or ".." in path.split("/"):
        problems.append("%s: tensorPath %r, expected a relative path to %s" % (where, path, point["tensor_file"]))

    status, body = fetch(client, PLUGIN + "/tensor", run=run, name=name)
    if status != 200:
        problems.append("%s: tensor: HTTP %d %r" % (where, status, body[:200]))
    elif body.hex() != point["tensor_hex"]:
        n = len(point["tensor_hex"]) // 2
        first = next((i for i in range(min(len(body), n)) if body[i] != bytes.fromhex(point["tensor_hex"][2 * i: 2 * i + 2])[0]), None)
        problems.append("%s: tensor: %d bytes served, %d expected, first difference at byte %s"
                        % (where, len(body), n, first))

    meta = point.get("metadata")
    if meta is None:
        if info.get("metadataPath"):
            problems.append("%s: unexpected metadataPath %r" % (where, info["metadataPath"]))
    else:
        status, body = fetch(client, PLUGIN + "/metadata", run=run, name=name)
        if status != 200:
            problems.append("%s: metadata: HTTP %d %r" % (where, status, body[:200]))
        elif body.decode("utf-8", "replace") != meta:
            problems.append("%s: metadata served %r, expected %r" % (where, body.decode("utf-8", "replace")[:300], meta[:300]))

    sprite = point.get("sprite")
    got_sprite = info.get("sprite")
    if sprite is None:
        if got_sprite:
            problems.append("%s: unexpected sprite %r" % (where, got_sprite))
        return problems
    if not got_sprite or got_sprite.get("singleImageDim") != sprite["single_image_dim"]:
        problems.append("%s: sprite %r, expected singleImageDim %s" % (where, got_sprite, sprite["single_image_dim"]))
    status, body = fetch(client, PLUGIN + "/sprite_image", run=run, name=name)
    if status != 200:
        return problems + ["%s: sprite_image: HTTP %d %r" % (where, status, body[:200])]
    if body.hex() != sprite["hex"]:
        problems.append("%s: sprite_image bytes differ from the PNG written (%d vs %d bytes)"
                        % (where, len(body), len(sprite["hex"]) // 2))
    try:
        width, height, channels, rows = decode_png(body)
    except ValueError as e:
        return problems + ["%s: sprite is not a PNG we can decode: %s" % (where, e)]
    if [width, height] != sprite["size"] or channels != sprite["channels"]:
        problems.append("%s: sprite %dx%d with %d channels, expected %s with %d"
                        % (where, width, height, channels, sprite["size"], sprite["channels"]))
        return problems
    if width > 8192 or height > 8192:
        problems.append("%s: sprite %dx%d exceeds 8192 px" % (where, width, height))
    for x, y, want in sprite["pixels"]:
        got = list(rows[y][x * channels:(x + 1) * channels])
        if got != want:
            problems.append("%s: sprite pixel (%d, %d) is %s, expected %s" % (where, x, y, got, want))
    return problems


def _check_screenshot(client, expect):
    """Problems with a screenshot of the Projector tab ([] if it shows the thumbnails)."""
    if chromium() is None:
        return ["projector: screenshot: chromium is not installed"]
    if os.environ.get("COMPAT_SCREENSHOTS"):
        out = os.path.join(os.environ["COMPAT_SCREENSHOTS"], "compat-projector.png")
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    else:
        out = os.path.join(tempfile.gettempdir(), "projector-%s.png" % urllib.parse.urlparse(client.base).port)
    try:
        data = screenshot(client.base + "/#projector", out, width=1400, height=900, wait_ms=20000)
        width, height, channels, rows = decode_png(data)
    except Exception as e:  # pylint: disable=broad-except
        return ["projector: screenshot failed: %s" % e]
    # The scatter plot: between the left data panel (about 310 px) and the right inspector
    # panel (about 300 px), below the orange header and the toolbar (about 125 px).
    x0, x1, y0, y1 = 320, width - 310, 130, height - 10
    colors = [tuple(c) for c in expect["colors"]]
    pixels = []
    for y in range(y0, y1, 2):
        row = rows[y]
        for x in range(x0, x1, 2):
            pixels.append((row[x * channels], row[x * channels + 1], row[x * channels + 2]))
    # The plot's background is white, unless a loading dialog's backdrop still dims the page
    # (seen under load: a uniform grey over thumbnails that are already drawn). Then every
    # colour is the thumbnail's colour times the backdrop's factor: match those.
    background = collections.Counter(pixels).most_common(1)[0][0]
    dim = 1.0
    if max(background) - min(background) <= 4 and 60 <= background[0] < 245:
        dim = background[0] / 255.0
        colors = [tuple(round(c * dim) for c in col) for col in colors]
    counts = [0] * len(colors)
    non_background = 0
    total = 0
    for r, g, b in pixels:
        total += 1
        if (r - background[0]) ** 2 + (g - background[1]) ** 2 + (b - background[2]) ** 2 > 15 ** 2:
            non_background += 1
        for i, (cr, cg, cb) in enumerate(colors):
                if (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2 <= 30 ** 2:
                    counts[i] += 1
                    break
    problems = []
    if non_background < total * 0.01:
        problems.append("projector: screenshot %s: the plot area is blank (%d of %d pixels not background %s)"
                        % (out, non_background, total, background))
    seen = sum(1 for c in counts if c >= 20)
    if seen < 8:
        problems.append("projector: screenshot %s: only %d of %d thumbnail colours visible (pixel counts %s)"
                        % (out, seen, len(colors), counts))
    size = os.path.getsize(out)
    if size > 300 * 1024:
        problems.append("projector: screenshot %s is %d bytes, more than 300 KB" % (out, size))
    if not problems:
        print("projector: screenshot %s OK (%d of %d thumbnail colours, pixel counts %s%s)"
              % (out, seen, len(colors), counts, "" if dim == 1.0 else ", page dimmed by %.2f" % dim))
    return problems


def check_projector(client, expected_by_run):
    problems = []
    expected_runs = sorted(run for run, tags in expected_by_run.items() if tags)
    got_runs = client.get(PLUGIN + "/runs")
    if sorted(got_runs) != expected_runs or len(set(got_runs)) != len(got_runs):
        problems.append("projector: runs %s, expected %s" % (sorted(got_runs), expected_runs))
    shot = None
    for run in expected_runs:
        if run not in got_runs:
            continue
        config = client.get(PLUGIN + "/info", run=run)
        embeddings = config.get("embeddings", [])
        names = [e.get("tensorName") for e in embeddings]
        for name in sorted(set(n for n in names if names.count(n) > 1)):
            problems.append("projector: run %r: tensor %r listed %d times" % (run, name, names.count(name)))
        expected = {}
        for tag, points in sorted(expected_by_run[run].items()):
            for p in points:
                expected[p["tensor_name"]] = (tag, p)
                if "screenshot" in p:
                    shot = p["screenshot"]
        for name in sorted(set(expected) - set(names)):
            problems.append("projector: run %r: missing tensor %r" % (run, name))
        for name in sorted(set(names) - set(expected)):
            problems.append("projector: run %r: unexpected tensor %r" % (run, name))
        by_name = {e.get("tensorName"): e for e in embeddings}
        for name, (tag, point) in sorted(expected.items()):
            if name in by_name:
                problems.extend(_check_embedding(client, run, tag, point, by_name[name]))
    if problems or shot is None:
        return problems
    if client.base not in _SHOTS:
        listing = client.get("/data/plugins_listing")
        if not listing.get("projector", {}).get("enabled"):
            # The plugin decides in a background thread; the next poll asks again.
            return ["projector: plugin not active yet in /data/plugins_listing"]
        result = _check_screenshot(client, shot)
        _ATTEMPTS[client.base] = _ATTEMPTS.get(client.base, 0) + 1
        if not result or _ATTEMPTS[client.base] >= SHOT_ATTEMPTS:
            _SHOTS[client.base] = result
        return result
    return list(_SHOTS[client.base])


RUN_SECTIONS = {"projector": check_projector}
