"""Screenshots of TensorBoard pages with headless Chromium (Debian's `chromium`).

`screenshot(url, out_png)` loads `url` in a fresh headless Chromium profile and saves a PNG.
The flags keep Chromium off the network (this machine has none) and work as root.
"""

import os
import shutil
import subprocess
import tempfile

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium():
    """Path of the Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(url, out_png, width=1400, height=900, wait_ms=15000):
    """Render `url` and write a PNG to `out_png`; return the PNG's bytes.

    `wait_ms` is Chromium's virtual time budget: how long the page's scripts may run
    (network and timers) before the picture is taken.
    """
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [binary, *CHROMIUM_FLAGS, "--user-data-dir=" + profile,
               "--window-size=%d,%d" % (width, height),
               "--virtual-time-budget=%d" % wait_ms,
               "--screenshot=" + os.path.abspath(out_png), url]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
    with open(out_png, "rb") as f:
        return f.read()
