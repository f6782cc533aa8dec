#!/usr/bin/env bash
# `tbw` side by side with tbparse and `tensorboard --inspect`, as whole commands (start-up
# included), for BENCHMARKS.md.
#
#   scripts/bench-tbw.sh [RUNS]         # RUNS: timed runs of each tbw command (default 10)
#
# Environment:
#   BENCH_VENV   Python venv with tbparse 0.0.9, tensorboardX 2.6.5 and tensorboard 2.21.0
#                (default target/tbw-bench-venv, created when missing)
#   BENCH_DIR    where the logdirs and outputs go (default target/tbw-bench)
#   PY_RUNS      timed runs of each Python command (default 3: they take seconds each)
#   BENCH_ONLY   "tbw" or "peers": measure one side only (its results file is rewritten,
#                the other side's kept, the ratios computed from both)
#
# Logdirs (written once, by tensorboardX, in the forms tbparse reads):
#   scalars-1m   1,000,000 scalar events: 4 tags × 250,000 steps (simple_value)
#   hist-10k     10,000 histograms of 1,000 values each (the older `histo` form)
#
# Each command runs RUNS (or PY_RUNS) times under /usr/bin/time; the script prints the
# median wall time and the median peak RSS of each, and the ratios to tbw.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-10}
PY_RUNS=${PY_RUNS:-3}
VENV=${BENCH_VENV:-$ROOT/target/tbw-bench-venv}
DIR=${BENCH_DIR:-$ROOT/target/tbw-bench}
mkdir -p "$DIR"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tbparse, tensorboardX' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        tbparse==0.0.9 tensorboardX==2.6.5 tensorboard==2.21.0 numpy
fi
PY=$VENV/bin/python

if [ ! -d "$DIR/scalars-1m" ]; then
    echo "writing $DIR/scalars-1m (tensorboardX, about a minute)" >&2
    "$PY" - "$DIR/scalars-1m" <<'EOF'
import sys
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1], max_queue=10000, flush_secs=3600)
for step in range(250_000):
    for tag in ("loss", "accuracy", "lr", "grad_norm"):
        w.add_scalar(tag, 1.0 / (1 + step) + len(tag), step)
w.close()
EOF
fi
if [ ! -d "$DIR/hist-10k" ]; then
    echo "writing $DIR/hist-10k (tensorboardX, about a minute)" >&2
    "$PY" - "$DIR/hist-10k" <<'EOF'
import sys
import numpy as np
from tensorboardX import SummaryWriter
rng = np.random.default_rng(0)
w = SummaryWriter(sys.argv[1], max_queue=1000, flush_secs=3600)
for step in range(10_000):
    w.add_histogram("weights", rng.normal(size=1000), step)
w.close()
EOF
fi

cargo build --quiet --release -p tbw
TBW=${CARGO_TARGET_DIR:-$ROOT/target}/release/tbw
INSPECT=$VENV/bin/tensorboard

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure NAME RUNS CMD...: prints "NAME<TAB>median seconds<TAB>median peak RSS in MB"
measure() {
    local name=$1 runs=$2
    shift 2
    local times=() rss=() out
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$DIR/time.txt" -f '%e %M' "$@" >/dev/null 2>"$DIR/stderr.txt" ||
            { echo "failed: $* ($(tail -n 3 "$DIR/stderr.txt"))" >&2; exit 1; }
        out=$(tail -n 1 "$DIR/time.txt")
        times+=("${out% *}")
        rss+=("${out#* }")
    done
    printf '%s\t%s\t%s\n' "$name" \
        "$(printf '%s\n' "${times[@]}" | median)" \
        "$(printf '%s\n' "${rss[@]}" | median | awk '{printf "%.1f", $1/1024}')"
}

# tbparse, as a user exports with it: read one kind into a DataFrame, write it as CSV.
TBPARSE_EXPORT='import sys; from tbparse import SummaryReader; getattr(SummaryReader(sys.argv[1]), sys.argv[2]).to_csv(sys.argv[3])'

ONLY=${BENCH_ONLY:-all}
if [ "$ONLY" != peers ]; then
    for d in scalars-1m hist-10k; do
        L=$DIR/$d
        measure "$d: tbw export -f csv" "$RUNS" "$TBW" export -f csv -o "$DIR/out.csv" "$L"
        measure "$d: tbw export -f jsonl" "$RUNS" "$TBW" export -f jsonl -o "$DIR/out.jsonl" "$L"
        measure "$d: tbw ls" "$RUNS" "$TBW" ls "$L"
    done | tee "$DIR/tbw.tsv"
    # Memory follows the data asked for: one tag of four.
    measure "scalars-1m: tbw export -f csv --tag loss" "$RUNS" "$TBW" export -f csv --tag loss -o "$DIR/out.csv" "$DIR/scalars-1m" | tee -a "$DIR/tbw.tsv"
fi
if [ "$ONLY" != tbw ]; then
    for d in scalars-1m hist-10k; do
        L=$DIR/$d
        kind=scalars
        [ "$d" = hist-10k ] && kind=histograms
        measure "$d: tbparse .$kind to_csv" "$PY_RUNS" "$PY" -c "$TBPARSE_EXPORT" "$L" "$kind" "$DIR/tbparse.csv"
        measure "$d: tensorboard --inspect" "$PY_RUNS" "$INSPECT" --inspect --logdir "$L"
    done | tee "$DIR/peers.tsv"
fi
cat "$DIR/tbw.tsv" "$DIR/peers.tsv" >"$DIR/results.tsv"

echo
echo "ratios (the peer's median time / tbw's):"
awk -F'\t' '
    { split($1, a, ": "); t[a[1] SUBSEP a[2]] = $2 }
    END {
        n = split("scalars-1m hist-10k", ds, " ")
        for (i = 1; i <= n; i++) {
            d = ds[i]
            k = (d == "hist-10k") ? "histograms" : "scalars"
            tp = t[d SUBSEP "tbparse ." k " to_csv"]
            ti = t[d SUBSEP "tensorboard --inspect"]
            for (f = 1; f <= 2; f++) {
                fmt = (f == 1) ? "csv" : "jsonl"
                te = t[d SUBSEP "tbw export -f " fmt]
                if (te > 0 && tp > 0)
                    printf "  %-11s tbparse / tbw export -f %-5s %8.1fx\n", d, fmt, tp / te
            }
            te = t[d SUBSEP "tbw export -f csv"]
            tl = t[d SUBSEP "tbw ls"]
            if (te > 0 && ti > 0) printf "  %-11s tensorboard --inspect / tbw export -f csv %8.1fx\n", d, ti / te
            if (tl > 0 && ti > 0) printf "  %-11s tensorboard --inspect / tbw ls %8.1fx\n", d, ti / tl
        }
    }' "$DIR/results.tsv"
