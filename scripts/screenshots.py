#!/usr/bin/env python3
"""Screenshots of TensorBoard dashboards with headless Chromium, for the README.

Usage: screenshots.py --url http://127.0.0.1:PORT --out docs PAGE [PAGE ...]

PAGE is one of the names in PAGES below (scalars, histograms, distributions, images,
graphs, projector, hparams). Each is rendered with `tests/compat/sections/_screenshot.py`
(a fresh headless Chromium profile, off the network) into `<out>/<page>.png`, then checked:
the PNG must decode, the area below TensorBoard's header must not be blank, and the page's
own check (below) must pass, otherwise the page is taken again with a longer wait, and the
script fails (exit 1) if it still does not pass. Look at the pictures anyway: a check
cannot tell a good-looking chart from a bad one.
"""

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "compat"))

from sections._screenshot import chromium, screenshot  # noqa: E402
from sections.graphs import UNIQUE_STRUCTURE, count_boxes, png_rgb, structure_palette  # noqa: E402
from sections.images import decode_png  # noqa: E402

ORANGE = (0xF5, 0x7C, 0x00)  # TensorBoard's header


def near(pixel, rgb, tol=40):
    return sum((a - b) ** 2 for a, b in zip(pixel, rgb)) <= tol * tol


def count(rows, channels, box, pred, stride=2):
    x0, y0, x1, y1 = box
    n = 0
    for y in range(y0, y1, stride):
        row = rows[y]
        for x in range(x0, x1, stride):
            if pred(tuple(row[x * channels:x * channels + 3])):
                n += 1
    return n


def not_white(p):
    return sum(p) < 720


def orange_ish(p):
    # The run's colour in charts and histograms: strong red, weak blue.
    return p[0] > 180 and p[2] < 150 and p[0] - p[2] > 90


def tinted(p):
    # Any shade of the run's colour, down to the lightest band of a distribution.
    return p[0] - p[2] > 20


# The first chart of the legacy dashboards (Scalars, Histograms, Distributions, Images).
FIRST_CHART = (380, 230, 700, 370)

# name -> (URL fragment, width, height, Chromium's virtual time budget in ms,
#          (what must be on the page, area (x0, y0, x1, y1), predicate, min share))
PAGES = {
    # The legacy Scalars dashboard, filtered to the train and test metrics, unsmoothed.
    "scalars": ("scalars&tagFilter=accuracy%7Cxent&_smoothingWeight=0", 1400, 900, 15000,
                ("the first chart's line", FIRST_CHART, orange_ish, 0.003)),
    "histograms": ("histograms&tagFilter=weights", 1400, 900, 15000,
                   ("the first histogram", FIRST_CHART, orange_ish, 0.1)),
    "distributions": ("distributions&tagFilter=activations", 1400, 900, 15000,
                      ("the first distribution", FIRST_CHART, tinted, 0.08)),
    "images": ("images", 1400, 900, 15000,
               ("the first digit grid", (380, 290, 720, 440), lambda p: sum(p) < 60, 0.5)),
    # Checked by its boxes (graph_boxes below).
    "graphs": ("graphs", 1400, 900, 20000,
               ("the graph", (320, 120, 1400, 900), not_white, 0.01)),
    "projector": ("projector", 1400, 900, 25000,
                  ("the point cloud", (320, 130, 1090, 890), not_white, 0.05)),
    "hparams": ("hparams", 1920, 720, 15000,
                ("the table's rows", (330, 170, 1900, 420), not_white, 0.01)),
}


def graph_boxes(png):
    """Problems unless the Graphs dashboard shows the model's scopes as collapsed boxes:
    conv1 and conv2 share a structure (one palette colour), and at least fc1, fc2, xent,
    train and accuracy are unique (grey)."""
    w, h, rows = png_rgb(png)
    same = count_boxes(w, h, rows, structure_palette(0))
    unique = count_boxes(w, h, rows, UNIQUE_STRUCTURE)
    if same != 2 or unique < 5:
        return ["expected 2 boxes of one structure (conv1, conv2) and at least 5 unique ones, "
                "found %d and %d" % (same, unique)]
    return []


def check(name, png):
    """Problems with the picture of page `name` ([] if it looks like the dashboard)."""
    _, width, height, _, (what, box, pred, share) = PAGES[name]
    w, h, channels, rows = decode_png(png)
    if (w, h) != (width, height):
        return ["%dx%d, expected %dx%d" % (w, h, width, height)]
    problems = []
    header = count(rows, channels, (0, 0, w, 60), lambda p: near(p, ORANGE))
    if header < 0.5 * (w // 2) * 30:
        problems.append("no TensorBoard header (%d orange pixels)" % header)
    x0, y0, x1, y1 = box
    total = ((x1 - x0 + 1) // 2) * ((y1 - y0 + 1) // 2)
    n = count(rows, channels, box, pred)
    if n < share * total:
        problems.append("%s not visible: %d of %d sampled pixels (need %.1f%%)"
                        % (what, n, total, 100 * share))
    if name == "graphs":
        problems += graph_boxes(png)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="TensorBoard base URL")
    parser.add_argument("--out", required=True, help="directory of the PNGs")
    parser.add_argument("pages", nargs="+", choices=sorted(PAGES))
    args = parser.parse_args()
    if chromium() is None:
        sys.exit("screenshots: chromium is not installed (apt-get install chromium)")
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for name in args.pages:
        fragment, width, height, wait_ms, _ = PAGES[name]
        out = os.path.join(args.out, name + ".png")
        url = args.url.rstrip("/") + "/#" + fragment
        for attempt, wait in enumerate((wait_ms, 2 * wait_ms)):
            try:
                problems = check(name, screenshot(url, out, width, height, wait))
            except Exception as e:  # noqa: BLE001 - any failure is reported
                problems = ["screenshot failed: %s" % e]
            if not problems:
                break
            print("screenshots: %s (attempt %d): %s" % (name, attempt + 1, "; ".join(problems)))
        if problems:
            failed += 1
            print("screenshots: FAIL %s: %s" % (out, "; ".join(problems)))
        else:
            print("screenshots: %s (%d KB)" % (out, os.path.getsize(out) // 1024))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
