#!/usr/bin/env bash
# Check a logdir written by this crate against the REAL TensorBoard 2.21.0,
# under each of its loaders:
#   rust          default --load_fast (the Rust data server)
#   rust-checksum the Rust data server with --checksum (every record's data
#                 CRC verified; TensorBoard passes it via
#                 --extra_data_server_flags)
#   python        --load_fast=false (the Python multiplexer)
# For each loader it starts `tensorboard` on 127.0.0.1, checks via
# /data/environment that the intended loader is active, and runs
# tests/compat/check.py against the manifest.
#
# Environment:
#   COMPAT_VENV      venv with tensorboard==2.21.0 (default target/compat-venv;
#                    created and filled by pip when missing)
#   COMPAT_LOGDIR,   use this existing logdir and manifest instead of running
#   COMPAT_MANIFEST  `cargo run --example compat_logdir` (set both);
#                    that example writes target/compat/{logdir,manifest.json},
#                    left in place for inspection
#   COMPAT_WORKDIR   where the example writes logdir/ and manifest.json
#                    (default target/compat)
#   COMPAT_LOADERS   subset of loaders to run (default "rust rust-checksum python")
#   COMPAT_TB_ARGS   extra tensorboard flags (word-split), e.g.
#                    "--samples_per_plugin=scalars=0"
#   COMPAT_TIMEOUT   seconds check.py waits for the data (default 60)
#
# Ends with the line `compat: N passed, N failed` (N counts loaders) and
# exits non-zero if any loader failed.
set -euo pipefail

# User-given paths are relative to the caller's directory; then work from the
# repository root.
abspath() { realpath -m -- "$1"; }
[ -z "${COMPAT_VENV:-}" ] || COMPAT_VENV=$(abspath "$COMPAT_VENV")
[ -z "${COMPAT_LOGDIR:-}" ] || COMPAT_LOGDIR=$(abspath "$COMPAT_LOGDIR")
[ -z "${COMPAT_MANIFEST:-}" ] || COMPAT_MANIFEST=$(abspath "$COMPAT_MANIFEST")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TB_VERSION=2.21.0
VENV=${COMPAT_VENV:-target/compat-venv}
LOADERS=${COMPAT_LOADERS:-rust rust-checksum python}
TIMEOUT=${COMPAT_TIMEOUT:-60}
read -r -a EXTRA_TB_ARGS <<<"${COMPAT_TB_ARGS:-}"

log() { printf 'compat: %s\n' "$*" >&2; }
# abort MSG: fail before any loader ran, still ending with the summary line.
abort() {
    log "FAIL: $*"
    echo "compat: 0 passed, $(wc -w <<<"$LOADERS") failed"
    exit 1
}

# --- venv with the pinned tensorboard -------------------------------------
if ! "$VENV/bin/python" -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$TB_VERSION')" 2>/dev/null; then
    log "installing tensorboard==$TB_VERSION into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "tensorboard==$TB_VERSION"
fi
PY=$VENV/bin/python
TENSORBOARD=$VENV/bin/tensorboard

# --- cleanup: always stop our server and remove the scratch dir ----------
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        # SIGTERM the tensorboard we started; its data server has
        # --die-after-stdin and exits with it.
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tb-compat.XXXXXX")
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- logdir + manifest ----------------------------------------------------
if [ -n "${COMPAT_LOGDIR:-}" ] || [ -n "${COMPAT_MANIFEST:-}" ]; then
    if [ -z "${COMPAT_LOGDIR:-}" ] || [ -z "${COMPAT_MANIFEST:-}" ]; then
        abort "set COMPAT_LOGDIR and COMPAT_MANIFEST together"
    fi
    LOGDIR=$COMPAT_LOGDIR
    MANIFEST=$COMPAT_MANIFEST
else
    # Kept after the run for inspection; rewritten every time. COMPAT_WORKDIR moves it
    # (so that several checks can run side by side).
    WORKDIR=${COMPAT_WORKDIR:-$PWD/target/compat}
    LOGDIR=$WORKDIR/logdir
    MANIFEST=$WORKDIR/manifest.json
    rm -rf "$LOGDIR" "$MANIFEST"
    mkdir -p "$(dirname "$LOGDIR")"
    log "writing logdir with: cargo run --example compat_logdir"
    cargo run --quiet --example compat_logdir -- "$LOGDIR" "$MANIFEST" ||
        abort "the compat_logdir example failed; no loader was checked"
fi
[ -d "$LOGDIR" ] || abort "no logdir at $LOGDIR"
[ -f "$MANIFEST" ] || abort "no manifest at $MANIFEST"

# --- server handling ------------------------------------------------------
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready URL: wait until /data/environment answers; prints its
# debug.data_provider.
wait_ready() {
    "$PY" - "$1" "$SERVER_PID" <<'EOF'
import json, os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("tensorboard exited")
    try:
        with urllib.request.urlopen(url + "/data/environment", timeout=5) as r:
            env = json.load(r)
        print(env.get("debug", {}).get("data_provider", "<no debug info>"))
        sys.exit(0)
    except OSError:
        time.sleep(0.3)
sys.exit("tensorboard did not answer within 60 s")
EOF
}

# data_server_args: command line of the data server child of our tensorboard.
data_server_args() {
    local child
    for child in $(pgrep -P "$SERVER_PID" || true); do
        tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null || true
        echo
    done
}

# run_loader NAME: one full start/verify/check/stop cycle; returns 0 on PASS.
run_loader() {
    local name=$1 port url provider serverlog=$WORK/tensorboard-$1.log
    local -a flags
    case $name in
        rust) flags=() ;;  # the default, --load_fast=auto
        rust-checksum) flags=(--extra_data_server_flags=--checksum) ;;
        python) flags=(--load_fast=false) ;;
        *) log "unknown loader $name"; return 1 ;;
    esac
    port=$(free_port)
    url=http://127.0.0.1:$port
    "$TENSORBOARD" --logdir "$LOGDIR" --host 127.0.0.1 --port "$port" \
        --reload_interval 1 "${flags[@]}" "${EXTRA_TB_ARGS[@]}" >"$serverlog" 2>&1 &
    SERVER_PID=$!

    local ok=1 why=
    if ! provider=$(wait_ready "$url" 2>&1); then
        ok=0 why="server not ready: $provider"
    else
        # The data provider tells which loader is live (FORMAT.md §0).
        case $name in
            rust*) [[ $provider == *GrpcDataProvider* ]] || { ok=0 why="expected the Rust loader, got $provider"; } ;;
            python) [[ $provider == *MultiplexerDataProvider* ]] || { ok=0 why="expected the Python loader, got $provider"; } ;;
        esac
        if [ $ok = 1 ] && [[ $name == rust* ]]; then
            local args
            args=$(data_server_args)
            if [ "$name" = rust-checksum ] && [[ $args != *" --checksum "* ]]; then
                ok=0 why="data server runs without --checksum: $args"
            elif [ "$name" = rust ] && [[ $args == *" --checksum "* ]]; then
                ok=0 why="data server unexpectedly runs with --checksum: $args"
            fi
        fi
    fi
    if [ $ok = 1 ]; then
        "$PY" tests/compat/check.py --url "$url" --manifest "$MANIFEST" \
            --loader "$name" --timeout "$TIMEOUT" || { ok=0 why="check.py failed (details above)"; }
    fi
    stop_server
    if [ $ok = 1 ]; then
        echo "compat: PASS $name"
        return 0
    fi
    echo "compat: FAIL $name: $why"
    echo "----- tensorboard log ($name) -----"
    cat "$serverlog"
    echo "----- end of tensorboard log -----"
    return 1
}

log "logdir $LOGDIR, manifest $MANIFEST"
passed=0 failed=0
for loader in $LOADERS; do
    if run_loader "$loader"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "compat: $passed passed, $failed failed"
[ "$failed" = 0 ]
