"""Graphs dashboard: `/data/plugin/graphs/info`, `/graph` (pbtxt) and a rendered screenshot.

Manifest: {"graphs": {"__run_graph__": [{"step": s, "nodes": [{"name", "op", "input": [...],
"device", "attrs": [sorted attribute names], "output_shapes": [[dims] | null]}],
"screenshot": null | {"same_structure_boxes": n, "unique_boxes": n}}]}} per run, where
"output_shapes" is present only for nodes with `_output_shapes` (null: unknown rank).

Checked:
- `/info` marks exactly the runs with a graph in the manifest as `run_graph: true`;
- `/graph?run=R` (the GraphDef as text: the run's graph with the highest step) holds exactly the
  expected nodes, in order, with the same op, inputs (data edges `name`, `name:k` and control
  edges `^name`), device, attribute names and `_output_shapes`;
- with "screenshot", headless Chromium renders `#graphs&run=R` and the picture must show the
  collapsed scopes as boxes: `same_structure_boxes` boxes in the first colour of TensorBoard's
  structure palette (scopes sharing one inner structure, e.g. conv1 and conv2) and
  `unique_boxes` boxes in the grey of scopes with a unique structure (`render.ts`
  `MetanodeColors`, `node.ts` `getFillForNode`). The PNG is saved as `compat-graphs.png` in
  `$COMPAT_SCREENSHOTS` when set, otherwise in a temporary directory that is removed when
  the check passes. (The README's docs/graphs.png shows the MNIST example instead: see
  scripts/screenshots.sh.)
"""

import codecs
import colorsys
import math
import os
import shutil
import struct
import tempfile
import urllib.parse
import urllib.request
import zlib

from ._screenshot import chromium, screenshot

TAG = "__run_graph__"

# ---------------------------------------------------------------- pbtxt


def parse_pbtxt(text):
    """Protobuf text format as written by Python's `str(message)` -> nested [(key, value)].

    One field per line: `key: value`, `key {` ... `}`. Strings are unescaped to `str`;
    other scalars are kept as their text (`-1`, `true`, `DT_FLOAT`).
    """
    root = []
    stack = [root]
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line == "}":
            if len(stack) == 1:
                raise ValueError("line %d: unbalanced '}'" % lineno)
            stack.pop()
        elif line.endswith("{"):
            child = []
            stack[-1].append((line[:-1].strip(), child))
            stack.append(child)
        else:
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError("line %d: cannot parse %r" % (lineno, raw))
            value = value.strip()
            if value.startswith('"') and value.endswith('"') and len(value) >= 2:
                value = codecs.escape_decode(value[1:-1].encode("ascii"))[0].decode("utf-8")
            stack[-1].append((key.strip(), value))
    if len(stack) != 1:
        raise ValueError("unbalanced '{'")
    return root


def _all(msg, key):
    return [v for k, v in msg if k == key]


def _one(msg, key, default=None):
    vals = _all(msg, key)
    return vals[0] if vals else default


def _shape(shape_msg):
    """A TensorShapeProto message -> [dims] or None (unknown rank)."""
    if _one(shape_msg, "unknown_rank") == "true":
        return None
    return [int(_one(d, "size", "0")) for d in _all(shape_msg, "dim")]


def graph_nodes(pbtxt):
    """The nodes of a GraphDef pbtxt as dicts shaped like the manifest's."""
    nodes = []
    for n in _all(parse_pbtxt(pbtxt), "node"):
        attrs = {_one(a, "key"): _one(a, "value", []) for a in _all(n, "attr")}
        node = {
            "name": _one(n, "name", ""),
            "op": _one(n, "op", ""),
            "input": _all(n, "input"),
            "device": _one(n, "device", ""),
            "attrs": sorted(attrs),
        }
        if "_output_shapes" in attrs:
            lst = _one(attrs["_output_shapes"], "list", [])
            node["output_shapes"] = [_shape(s) for s in _all(lst, "shape")]
        nodes.append(node)
    return nodes


def _fetch_text(client, path, **params):
    url = client.base + path + "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read().decode("utf-8")


def compare_nodes(where, expected, got):
    problems = []
    exp_names = [n["name"] for n in expected]
    got_names = [n["name"] for n in got]
    if exp_names != got_names:
        missing = [n for n in exp_names if n not in got_names]
        extra = [n for n in got_names if n not in exp_names]
        if missing or extra:
            problems.append("%s: missing nodes %s, unexpected nodes %s" % (where, missing, extra))
        else:
            problems.append("%s: nodes in order %s, expected %s" % (where, got_names, exp_names))
    got_by_name = {n["name"]: n for n in got}
    for e in expected:
        g = got_by_name.get(e["name"])
        if g is None:
            continue
        for key in ("op", "input", "device", "attrs", "output_shapes"):
            if e.get(key) != g.get(key):
                problems.append(
                    "%s node %r: %s expected %r, got %r"
                    % (where, e["name"], key, e.get(key), g.get(key))
                )
    return problems


# ---------------------------------------------------------------- screenshot check


def png_rgb(png):
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG -> (width, height, [row bytes RGB])."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if header is None:
        raise ValueError("PNG without IHDR")
    w, h, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError("unsupported PNG (depth %d, color type %d)" % (depth, color))
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp == 4:
            rows.append(bytes(v for k, v in enumerate(line) if k % 4 != 3))
        else:
            rows.append(bytes(line))
    return w, h, rows


def structure_palette(index):
    """TensorBoard's MetanodeColors.STRUCTURE_PALETTE(index) as an (r, g, b) tuple."""
    hues = [220, 100, 180, 40, 20, 340, 260, 300, 140, 60]
    hue = hues[index % len(hues)]
    sat = (90 - 60 * math.sin(hue * math.pi / 360)) / 100
    r, g, b = colorsys.hls_to_rgb(hue / 360, 0.8, sat)
    return tuple(int(round(v * 255)) for v in (r, g, b))


UNIQUE_STRUCTURE = (0xEE, 0xEE, 0xEE)  # MetanodeColors.UNKNOWN
SIDEBAR_PX = 300  # the dashboard's left panel (at 1200 px wide); the graph is to its right
HEADER_PX = 70
# A collapsed scope is a rounded box of about 110 x 32 px around its label. The bounds leave
# out the minimap (a large panel drawn in the corner, sometimes still blank) and small specks.
BOX_WIDTH = (50, 300)
BOX_HEIGHT = (18, 60)
MIN_FILL = 0.6  # share of the bounding box in the fill colour (the label takes the rest)


def count_boxes(w, h, rows, rgb):
    """Box-shaped connected areas (4-neighbour) of exactly colour `rgb`, right of the sidebar
    and below the header."""
    target = bytes(rgb)
    seen = set()
    boxes = 0
    for y in range(HEADER_PX, h):
        row = rows[y]
        for x in range(SIDEBAR_PX, w):
            if (x, y) in seen or row[3 * x : 3 * x + 3] != target:
                continue
            size, todo = 0, [(x, y)]
            x0, x1, y0, y1 = x, x, y, y
            seen.add((x, y))
            while todo:
                cx, cy = todo.pop()
                size += 1
                x0, x1, y0, y1 = min(x0, cx), max(x1, cx), min(y0, cy), max(y1, cy)
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if (
                        SIDEBAR_PX <= nx < w
                        and HEADER_PX <= ny < h
                        and (nx, ny) not in seen
                        and rows[ny][3 * nx : 3 * nx + 3] == target
                    ):
                        seen.add((nx, ny))
                        todo.append((nx, ny))
            bw, bh = x1 - x0 + 1, y1 - y0 + 1
            if (
                BOX_WIDTH[0] <= bw <= BOX_WIDTH[1]
                and BOX_HEIGHT[0] <= bh <= BOX_HEIGHT[1]
                and size >= MIN_FILL * bw * bh
            ):
                boxes += 1
    return boxes


def screenshot_path():
    """(path of the PNG, temporary directory to remove if the check passes, or None)."""
    out_dir = os.environ.get("COMPAT_SCREENSHOTS")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        return os.path.join(out_dir, "compat-graphs.png"), None
    tmp = tempfile.mkdtemp(prefix="tb-compat-graphs.")
    return os.path.join(tmp, "graphs.png"), tmp


def check_screenshot(client, run, spec):
    """Render the Graphs dashboard for `run` and count the scope boxes (see module docs)."""
    where = "graphs: run %r screenshot" % run
    if chromium() is None:
        return ["%s: chromium is not installed" % where]
    out, tmp = screenshot_path()
    url = client.base + "/#graphs&run=" + urllib.parse.quote(run)
    try:
        png = screenshot(url, out, width=1200, height=800, wait_ms=20000)
        w, h, rows = png_rgb(png)
    except Exception as e:  # noqa: BLE001 - any failure is a check failure
        return ["%s: %s" % (where, e)]
    problems = []
    got = {
        "same_structure_boxes": count_boxes(w, h, rows, structure_palette(0)),
        "unique_boxes": count_boxes(w, h, rows, UNIQUE_STRUCTURE),
    }
    for key, n in sorted(spec.items()):
        if got.get(key) != n:
            problems.append("%s: expected %d %s, found %s (see %s)" % (where, n, key, got.get(key), out))
    if len(png) > 300_000:
        problems.append("%s: %s is %d bytes (keep it under 300 KB)" % (where, out, len(png)))
    if problems:
        return problems  # the picture is kept for inspection
    if tmp is None:
        print("graphs: screenshot of run %r OK (%s), saved to %s" % (run, got, out))
    else:
        print("graphs: screenshot of run %r OK (%s)" % (run, got))
        shutil.rmtree(tmp, ignore_errors=True)
    return problems


# Screenshot results per (server, run): the check polls, but one picture per server is enough.
_SCREENSHOTS = {}


# ---------------------------------------------------------------- check


def check_graphs(client, expected_by_run):
    problems = []
    info = client.get("/data/plugin/graphs/info")
    with_graph = {run for run, item in info.items() if item.get("run_graph")}
    expected_runs = {run for run, tags in expected_by_run.items() if TAG in tags}
    for run in sorted(with_graph - expected_runs):
        problems.append("graphs: run %r has a graph, the manifest has none" % run)
    for run in sorted(expected_runs - with_graph):
        problems.append("graphs: run %r: /info has no run_graph (got %r)" % (run, info.get(run)))
    for run, tags in sorted(expected_by_run.items()):
        for tag in sorted(set(tags) - {TAG}):
            problems.append("graphs: run %r: unknown manifest tag %r" % (run, tag))
        if TAG not in tags or run not in with_graph:
            continue
        points = tags[TAG]
        if len(points) != 1:
            problems.append("graphs: run %r: one graph per run, manifest has %d" % (run, len(points)))
            continue
        expected = points[0]
        where = "graphs: run %r" % run
        try:
            got = graph_nodes(_fetch_text(client, "/data/plugin/graphs/graph", run=run))
        except ValueError as e:
            problems.append("%s: unparsable pbtxt: %s" % (where, e))
            continue
        node_problems = compare_nodes(where, expected["nodes"], got)
        problems += node_problems
        spec = expected.get("screenshot")
        if spec and not node_problems:
            key = (client.base, run)
            if key not in _SCREENSHOTS:
                _SCREENSHOTS[key] = check_screenshot(client, run, spec)
            problems += _SCREENSHOTS[key]
    return problems


RUN_SECTIONS = {"graphs": check_graphs}
