#!/usr/bin/env bash
# The README's screenshots: TensorBoard 2.21.0 showing the MNIST example's logs, taken with
# headless Chromium (Debian's `chromium`) into docs/*.png.
#
#   scripts/screenshots.sh
#
# 1. trains the example in release: one run of $SCREENSHOTS_STEPS steps (default 500) for
#    Scalars, Histograms, Distributions, Images, Graphs and Projector, and the 8-run sweep
#    of $SCREENSHOTS_SWEEP_STEPS steps (default 200) for HParams, into
#    target/screenshots/{run,sweep} (about 5 minutes on 2 cores);
# 2. starts tensorboard (the venv of scripts/tensorboard-compat.sh, target/compat-venv, made
#    by pip when missing) on 127.0.0.1 for each logdir in turn;
# 3. renders each dashboard with scripts/screenshots.py, which checks that each picture
#    shows its dashboard with data (retaking it once with a longer wait), and writes
#    docs/{scalars,histograms,distributions,images,graphs,projector,hparams}.png.
#
# Environment: SCREENSHOTS_OUT (default docs), SCREENSHOTS_STEPS, SCREENSHOTS_SWEEP_STEPS,
# SCREENSHOTS_REUSE=1 (keep the logs of an earlier run instead of training again),
# COMPAT_VENV (default target/compat-venv). Exits non-zero if any step or picture fails.
set -euo pipefail

abspath() { realpath -m -- "$1"; }
[ -z "${COMPAT_VENV:-}" ] || COMPAT_VENV=$(abspath "$COMPAT_VENV")
[ -z "${SCREENSHOTS_OUT:-}" ] || SCREENSHOTS_OUT=$(abspath "$SCREENSHOTS_OUT")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TB_VERSION=2.21.0
VENV=${COMPAT_VENV:-target/compat-venv}
OUT=${SCREENSHOTS_OUT:-docs}
STEPS=${SCREENSHOTS_STEPS:-500}
SWEEP_STEPS=${SCREENSHOTS_SWEEP_STEPS:-200}
WORKDIR=$PWD/target/screenshots

log() { printf 'screenshots: %s\n' "$*" >&2; }

if ! "$VENV/bin/python" -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$TB_VERSION')" 2>/dev/null; then
    log "installing tensorboard==$TB_VERSION into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check "tensorboard==$TB_VERSION"
fi
PY=$VENV/bin/python

SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# --- the logs -----------------------------------------------------------------
if [ "${SCREENSHOTS_REUSE:-0}" = 1 ] && [ -d "$WORKDIR/run/mnist" ] && [ -d "$WORKDIR/sweep/mnist" ]; then
    log "reusing the logs in $WORKDIR"
else
    rm -rf "$WORKDIR"
    log "training: cargo run --release --example mnist -- --steps $STEPS"
    cargo run --release --quiet --example mnist -- --steps "$STEPS" --logdir "$WORKDIR/run"
    log "training the sweep: cargo run --release --example mnist -- --sweep --steps $SWEEP_STEPS"
    cargo run --release --quiet --example mnist -- --sweep --steps "$SWEEP_STEPS" --logdir "$WORKDIR/sweep"
fi

# --- the pictures -------------------------------------------------------------
# shoot LOGDIR PAGE...: start tensorboard on LOGDIR, take the pages, stop it.
shoot() {
    local logdir=$1 port
    shift
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$VENV/bin/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$port" \
        >"$WORKDIR/tensorboard.log" 2>&1 &
    SERVER_PID=$!
    # Wait until the server answers and has loaded every run.
    "$PY" - "http://127.0.0.1:$port" "$logdir" <<'EOF' || { cat "$WORKDIR/tensorboard.log"; return 1; }
import json, os, sys, time, urllib.request
url, logdir = sys.argv[1], sys.argv[2]
want = sorted(d for d in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, d)))
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url + "/data/plugin/scalars/tags", timeout=5) as r:
            if sorted(json.load(r)) == want:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("screenshots: tensorboard did not serve the runs %s within 120 s" % want)
EOF
    local ok=0
    "$PY" scripts/screenshots.py --url "http://127.0.0.1:$port" --out "$OUT" "$@" || ok=1
    stop_server
    return $ok
}

shoot "$WORKDIR/run/mnist" scalars histograms distributions images graphs projector
shoot "$WORKDIR/sweep/mnist" hparams
log "done: $OUT/{scalars,histograms,distributions,images,graphs,projector,hparams}.png"
