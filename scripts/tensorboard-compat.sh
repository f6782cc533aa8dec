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
# tests/compat/check.py against the manifest. Then, under the same loader, it
# checks a short run of the MNIST example (`--steps 50 --batch-size 16`, built
# in the dev profile like compat_logdir: about 45 s on 2 busy cores; reading
# its data with --data-dir from a copy of data/mnist holding the training
# files uncompressed and the test files gzipped) with
# tests/compat/check_mnist.py: every dashboard the example feeds, on a second
# tensorboard; and, on a third, an event file whose writer was killed with
# SIGKILL mid-record (tests/compat/check_killed.py). With COMPAT_BURN=1 (the
# default) it also trains the burn example briefly (`--features burn --example
# burn_mnist -- --epochs 2 --digits 256 --valid 256`, dev profile, as the burn tests
# build it) and checks every dashboard it feeds with tests/compat/check_burn_mnist.py.
# Before the loaders, `tbw export` (the command-line reader, tbw/) is checked against
# tbparse 0.0.9 on the same logdir (tests/compat/check_tbw_tbparse.py): every scalar, and every
# histogram and image tbparse reads (the older histo/image forms), value for value.
#
# Environment:
#   COMPAT_VENV      venv with tensorboard==2.21.0 (default target/compat-venv;
#                    created and filled by pip when missing)
#   COMPAT_LOGDIR,   use this existing logdir and manifest instead of running
#   COMPAT_MANIFEST  `cargo run -p tensorboard-writer-compat` (set both);
#                    that example writes target/compat/{logdir,manifest.json},
#                    left in place for inspection
#   COMPAT_WORKDIR   where the example writes logdir/ and manifest.json
#                    (default target/compat)
#   COMPAT_LOADERS   subset of loaders to run (default "rust rust-checksum python")
#   COMPAT_TB_ARGS   extra tensorboard flags (word-split), e.g.
#                    "--samples_per_plugin=scalars=0"
#   COMPAT_TIMEOUT   seconds check.py waits for the data (default 60)
#   COMPAT_SCREENSHOTS  keep the screenshots the graphs and projector checks
#                    take, as compat-graphs.png and compat-projector.png in
#                    this directory (default: removed when they pass)
#   COMPAT_MNIST     0 skips the MNIST example's check (default 1)
#   COMPAT_MNIST_STEPS  the example's --steps (default 50)
#   COMPAT_BURN      0 skips the burn example's check (default 1; it builds the
#                    `burn` feature, which needs Rust 1.95)
#   COMPAT_BURN_EPOCHS, COMPAT_BURN_DIGITS, COMPAT_BURN_VALID  its --epochs (default 2),
#                    --digits (256) and --valid (256)
#   COMPAT_KILLED    0 skips the check of an event file whose writer was killed
#                    with SIGKILL (tests/crash.rs makes it; tests/compat/check_killed.py
#                    checks it; default 1)
#   COMPAT_TBPARSE   0 skips the tbparse check (default 1): after the loaders,
#                    tests/compat/check_tbparse.py reads the runs written with
#                    legacy_summaries(true) (histograms_legacy, images_legacy,
#                    audio_legacy) with tbparse and compares every histogram, image
#                    and clip with the manifest, and checks that tbparse reads nothing
#                    of the same dashboards written in the tensor forms.
#   COMPAT_TBPARSE_VENV  venv with tbparse==0.0.9 and tensorflow-cpu==2.21.0
#                    (tbparse decodes images and audio with TensorFlow; default
#                    target/tbparse-venv, created by pip when missing: 1.7 GB installed)
#   COMPAT_S3        0 skips the run written through S3 (default 1): scripts/s3-server.sh
#                    installs s3s-fs (target/tools) and serves a scratch directory on
#                    127.0.0.1; compat_logdir, built with --features object-store, writes run
#                    `s3` to it in several segment objects and downloads them into the logdir
#                    through the S3 API, with the run's expectations in the manifest. Not done
#                    with COMPAT_LOGDIR/COMPAT_MANIFEST.
#
# Ends with the line `compat: N passed, N failed` (N counts loaders, and the
# tbparse check) and exits non-zero if any of them failed.
set -euo pipefail

# User-given paths are relative to the caller's directory; then work from the
# repository root.
abspath() { realpath -m -- "$1"; }
[ -z "${COMPAT_VENV:-}" ] || COMPAT_VENV=$(abspath "$COMPAT_VENV")
[ -z "${COMPAT_TBPARSE_VENV:-}" ] || COMPAT_TBPARSE_VENV=$(abspath "$COMPAT_TBPARSE_VENV")
[ -z "${COMPAT_LOGDIR:-}" ] || COMPAT_LOGDIR=$(abspath "$COMPAT_LOGDIR")
[ -z "${COMPAT_MANIFEST:-}" ] || COMPAT_MANIFEST=$(abspath "$COMPAT_MANIFEST")
[ -z "${COMPAT_WORKDIR:-}" ] || COMPAT_WORKDIR=$(abspath "$COMPAT_WORKDIR")
if [ -n "${COMPAT_SCREENSHOTS:-}" ]; then
    COMPAT_SCREENSHOTS=$(abspath "$COMPAT_SCREENSHOTS")
    export COMPAT_SCREENSHOTS
fi
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
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check "tensorboard==$TB_VERSION"
fi
PY=$VENV/bin/python
TENSORBOARD=$VENV/bin/tensorboard
TBPARSE_VERSION=0.0.9
if ! "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('tbparse') != '$TBPARSE_VERSION')" 2>/dev/null; then
    log "installing tbparse==$TBPARSE_VERSION into $VENV"
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check "tbparse==$TBPARSE_VERSION"
fi

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
    stop_s3_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- an S3 server for the run written through S3 (issue #9) ---------------
# COMPAT_S3=0 skips it. s3s-fs serves $WORK/s3 (bucket tbw-compat) on 127.0.0.1 while
# compat_logdir runs; EXAMPLE_ARGS and EXAMPLE_ENV carry the feature and the server to it.
S3=${COMPAT_S3:-1}
S3_PID=
EXAMPLE_ARGS=()
EXAMPLE_ENV=()
stop_s3_server() {
    if [ -n "$S3_PID" ]; then
        kill "$S3_PID" 2>/dev/null || true
        wait "$S3_PID" 2>/dev/null || true
        S3_PID=
    fi
}
if [ "$S3" != 0 ] && [ -z "${COMPAT_LOGDIR:-}" ]; then
    S3S_FS=$(scripts/s3-server.sh install) || abort "installing s3s-fs (scripts/s3-server.sh) failed"
    S3_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$WORK/s3/tbw-compat"
    # The same command as `scripts/s3-server.sh serve`, run directly so that $S3_PID is the server.
    "$S3S_FS" --host 127.0.0.1 --port "$S3_PORT" --access-key tbw-test-access \
        --secret-key tbw-test-secret "$WORK/s3" >"$WORK/s3s-fs.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 100); do
        kill -0 "$S3_PID" 2>/dev/null || abort "s3s-fs exited: $(cat "$WORK/s3s-fs.log")"
        (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null ||
        abort "s3s-fs did not answer on 127.0.0.1:$S3_PORT within 10 s"
    log "s3s-fs on 127.0.0.1:$S3_PORT for run s3"
    EXAMPLE_ARGS=(--features object-store)
    mapfile -t EXAMPLE_ENV < <(scripts/s3-server.sh env "$S3_PORT" | sed 's/^export //')
    # (-u: a caller's own S3 settings must not redirect the run elsewhere.)
    EXAMPLE_ENV=(env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 -u AWS_SESSION_TOKEN -u AWS_PROFILE
        "${EXAMPLE_ENV[@]}" TBW_COMPAT_S3_URL=s3://tbw-compat/logdir)
fi

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
    log "writing logdir with: cargo run -p tensorboard-writer-compat ${EXAMPLE_ARGS[*]}"
    "${EXAMPLE_ENV[@]}" cargo run --quiet -p tensorboard-writer-compat "${EXAMPLE_ARGS[@]}" -- "$LOGDIR" "$MANIFEST" ||
        abort "compat_logdir (tests/compat/logdir) failed; no loader was checked"
fi
if [ -n "$S3_PID" ]; then
    stop_s3_server
    # Fail loudly if run s3 is missing: its segments in the logdir and its manifest entries.
    n_segments=$(find "$LOGDIR/s3" -maxdepth 1 -name '*tfevents*' 2>/dev/null | wc -l)
    [ "$n_segments" -ge 3 ] || abort "run s3: $n_segments segment files in $LOGDIR/s3, expected 3 or more"
    "$PY" -c 'import json, sys; sys.exit("s3" not in json.load(open(sys.argv[1]))["runs"])' "$MANIFEST" ||
        abort "run s3 is not in the manifest $MANIFEST"
    log "run s3: $n_segments segment objects downloaded from S3 into $LOGDIR/s3"
fi
[ -d "$LOGDIR" ] || abort "no logdir at $LOGDIR"
[ -f "$MANIFEST" ] || abort "no manifest at $MANIFEST"

# --- tbw export against tbparse -------------------------------------------
cargo build --quiet -p tbw || abort "building tbw failed"
TBW=${CARGO_TARGET_DIR:-$PWD/target}/debug/tbw
log "tbw export against tbparse $TBPARSE_VERSION (tests/compat/check_tbw_tbparse.py)"
"$PY" tests/compat/check_tbw_tbparse.py --tbw "$TBW" "$LOGDIR" ||
    abort "tbw export disagrees with tbparse on $LOGDIR"

# --- a short run of the MNIST example ------------------------------------
# Its logs go to $MNIST_DIR/logs/mnist/<run>; its output to $MNIST_DIR/output.txt.
MNIST=${COMPAT_MNIST:-1}
MNIST_STEPS=${COMPAT_MNIST_STEPS:-50}
# Small batches keep the unoptimized build quick; every dashboard is fed all the same.
MNIST_BATCH=16
MNIST_DIR=${COMPAT_WORKDIR:-$PWD/target/compat}/mnist
if [ "$MNIST" != 0 ]; then
    rm -rf "$MNIST_DIR"
    mkdir -p "$MNIST_DIR/data"
    # --data-dir with both forms of the IDX files: training files uncompressed, test
    # files gzipped (the shipped subset is all gzipped).
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do
        gzip -dc "data/mnist/$f.gz" >"$MNIST_DIR/data/$f"
    done
    cp data/mnist/t10k-images-idx3-ubyte.gz data/mnist/t10k-labels-idx1-ubyte.gz "$MNIST_DIR/data/"
    log "training: cargo run --example mnist -- --steps $MNIST_STEPS --batch-size $MNIST_BATCH" \
        "--data-dir $MNIST_DIR/data"
    started=$SECONDS
    cargo run --quiet --example mnist -- --steps "$MNIST_STEPS" --batch-size "$MNIST_BATCH" \
        --data-dir "$MNIST_DIR/data" --logdir "$MNIST_DIR/logs" >"$MNIST_DIR/output.txt" ||
        abort "the mnist example failed; no loader was checked"
    log "mnist example: $(grep -h '^Final test accuracy' "$MNIST_DIR/output.txt") in $((SECONDS - started)) s"
    # It read what --data-dir holds: 8,000 training and 2,000 test digits.
    grep -qxF "MNIST: 8000 training and 2000 test digits from $MNIST_DIR/data" "$MNIST_DIR/output.txt" ||
        abort "the mnist example did not report reading $MNIST_DIR/data: $(head -3 "$MNIST_DIR/output.txt")"
fi

# --- a short run of the burn example -------------------------------------
# burn's supervised training with this crate as its metric logger; logs in $BURN_DIR/logs.
BURN=${COMPAT_BURN:-1}
BURN_EPOCHS=${COMPAT_BURN_EPOCHS:-2}
BURN_DIGITS=${COMPAT_BURN_DIGITS:-256}
BURN_VALID=${COMPAT_BURN_VALID:-256}
BURN_DIR=${COMPAT_WORKDIR:-$PWD/target/compat}/burn_mnist
if [ "$BURN" != 0 ]; then
    rm -rf "$BURN_DIR"
    mkdir -p "$BURN_DIR"
    log "training: cargo run --features burn --example burn_mnist -- --epochs $BURN_EPOCHS" \
        "--digits $BURN_DIGITS --valid $BURN_VALID"
    started=$SECONDS
    cargo run --quiet --features burn --example burn_mnist -- --epochs "$BURN_EPOCHS" \
        --digits "$BURN_DIGITS" --valid "$BURN_VALID" --logdir "$BURN_DIR/logs" \
        >"$BURN_DIR/output.txt" 2>&1 ||
        abort "the burn_mnist example failed; no loader was checked: $(tail -20 "$BURN_DIR/output.txt")"
    log "burn_mnist example: $(grep -h '^trained' "$BURN_DIR/output.txt") ($((SECONDS - started)) s with the build)"
fi

# --- an event file whose writer was killed (SIGKILL) -----------------------
# tests/crash.rs kills a logging child process until its file ends in a truncated record
# and copies that file into $KILLED_DIR/killed with killed_run.json (what it holds).
KILLED=${COMPAT_KILLED:-1}
KILLED_DIR=${COMPAT_WORKDIR:-$PWD/target/compat}/killed
if [ "$KILLED" != 0 ]; then
    rm -rf "$KILLED_DIR"
    mkdir -p "$KILLED_DIR"
    log "killed run: cargo test --test crash killed_run_for_compat"
    TBW_KILLED_RUN_DIR=$KILLED_DIR/killed cargo test --quiet --test crash killed_run_for_compat \
        -- --exact >"$KILLED_DIR/output.txt" 2>&1 ||
        abort "making the killed run failed: $(tail -20 "$KILLED_DIR/output.txt")"
    log "killed run: $(cat "$KILLED_DIR/killed/killed_run.json")"
fi

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

# check_server NAME LOGDIR SERVERLOG CHECK...: start tensorboard on LOGDIR under loader
# NAME, verify the loader, run the CHECK command with the server's URL appended
# (`--url URL`), stop the server; returns 0 on PASS, else prints why and the server's log.
check_server() {
    local name=$1 logdir=$2 serverlog=$3 port url provider
    shift 3
    local -a flags
    case $name in
        rust) flags=() ;;  # the default, --load_fast=auto
        rust-checksum) flags=(--extra_data_server_flags=--checksum) ;;
        python) flags=(--load_fast=false) ;;
        *) log "unknown loader $name"; return 1 ;;
    esac
    port=$(free_port)
    url=http://127.0.0.1:$port
    "$TENSORBOARD" --logdir "$logdir" --host 127.0.0.1 --port "$port" \
        --reload_interval 1 "${flags[@]}" "${EXTRA_TB_ARGS[@]}" >"$serverlog" 2>&1 &
    SERVER_PID=$!

    local ok=1 why=
    if ! provider=$(wait_ready "$url" 2>&1); then
        ok=0 why="server not ready: $provider"
    else
        # The data provider tells which loader is live (docs/FORMAT.md §0).
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
        "$@" --url "$url" || { ok=0 why="$(basename "$2") failed (details above)"; }
    fi
    stop_server
    [ $ok = 1 ] && return 0
    echo "compat: FAIL $name ($logdir): $why"
    echo "----- tensorboard log ($name) -----"
    cat "$serverlog"
    echo "----- end of tensorboard log -----"
    return 1
}

# run_loader NAME: the manifest's check, then the MNIST example's, the burn example's and the
# killed run's, under loader NAME;
# returns 0 on PASS.
run_loader() {
    local name=$1 ok=1
    check_server "$name" "$LOGDIR" "$WORK/tensorboard-$name.log" \
        "$PY" tests/compat/check.py --manifest "$MANIFEST" --loader "$name" \
        --timeout "$TIMEOUT" || ok=0
    if [ "$MNIST" != 0 ]; then
        check_server "$name" "$MNIST_DIR/logs/mnist" "$WORK/tensorboard-$name-mnist.log" \
            "$PY" tests/compat/check_mnist.py --steps "$MNIST_STEPS" --batch-size "$MNIST_BATCH" \
            --data-dir "$MNIST_DIR/data" --stdout "$MNIST_DIR/output.txt" --loader "$name" \
            --timeout "$TIMEOUT" || ok=0
    fi
    if [ "$BURN" != 0 ]; then
        check_server "$name" "$BURN_DIR/logs" "$WORK/tensorboard-$name-burn.log" \
            "$PY" tests/compat/check_burn_mnist.py --epochs "$BURN_EPOCHS" --digits "$BURN_DIGITS" \
            --valid "$BURN_VALID" --loader "$name" --timeout "$TIMEOUT" || ok=0
    fi
    if [ "$KILLED" != 0 ]; then
        check_server "$name" "$KILLED_DIR" "$WORK/tensorboard-$name-killed.log" \
            "$PY" tests/compat/check_killed.py --expect "$KILLED_DIR/killed/killed_run.json" \
            --loader "$name" --timeout "$TIMEOUT" || ok=0
    fi
    if [ $ok = 1 ]; then
        echo "compat: PASS $name"
        return 0
    fi
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

# --- tbparse on the runs in the older summary forms (issue #22, item 5) ----
# A block of its own: tbparse (and the TensorFlow it decodes images and audio with) lives in
# a venv of its own, so that the TensorBoard venv above keeps exactly its pinned packages.
TBPARSE=${COMPAT_TBPARSE:-1}
TBPARSE_VENV=${COMPAT_TBPARSE_VENV:-target/tbparse-venv}
if [ "$TBPARSE" != 0 ]; then
    if ! "$TBPARSE_VENV/bin/python" -c "import tbparse, tensorflow" 2>/dev/null; then
        log "installing tbparse==0.0.9 and tensorflow-cpu==2.21.0 into $TBPARSE_VENV"
        [ -x "$TBPARSE_VENV/bin/python" ] || python3 -m venv "$TBPARSE_VENV"
        "$TBPARSE_VENV/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check \
            "tbparse==0.0.9" "tensorflow-cpu==2.21.0" || log "pip failed"
    fi
    if TF_CPP_MIN_LOG_LEVEL=3 "$TBPARSE_VENV/bin/python" tests/compat/check_tbparse.py \
        --logdir "$LOGDIR" --manifest "$MANIFEST" 2>"$WORK/tbparse.log"; then
        echo "compat: PASS tbparse"
        passed=$((passed + 1))
    else
        echo "compat: FAIL tbparse (its stderr below)"
        cat "$WORK/tbparse.log"
        failed=$((failed + 1))
    fi
fi

echo "compat: $passed passed, $failed failed"
[ "$failed" = 0 ]
