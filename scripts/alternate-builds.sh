#!/usr/bin/env bash
# Compares builds of benches/scalar_timing.rs by many short alternating runs, so that the
# machine's slow and fast stretches fall on every build alike (BENCHMARKS.md, "the
# machine's two speeds").
#
#   scripts/alternate-builds.sh ROUNDS BINARY...
#
# Each round runs `BINARY batches 300` once for each binary, in the order given, and keeps
# each run's per-batch median. At the end prints, per binary: the 10th percentile, median
# and 90th percentile of its runs' medians, the share of runs at or under 40 ns, and against
# the first binary the median of the paired differences and the share of rounds it was
# faster. Run it under scripts/quiet.sh. Build the variants with the same example source.
# ALT_ARGS replaces `batches 300` (e.g. ALT_ARGS="batches 300 --tags 6").
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ROUNDS BINARY..." >&2; exit 2; }
rounds=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq 1 "$rounds"); do
    line=""
    for bin in "$@"; do
        # shellcheck disable=SC2086
        m=$("$bin" ${ALT_ARGS:-batches 300} | sed -E 's/.*median ([0-9.]+).*/\1/')
        line="$line $m"
    done
    echo "$line" >> "$out"
done
python3 - "$out" "$@" <<'PY'
import statistics as st
import sys

names = sys.argv[2:]
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
cols = list(zip(*rows))
for name, col in zip(names, cols):
    deciles = st.quantiles(col, n=10)
    diff = [a - b for a, b in zip(cols[0], col)]
    print(
        f"{name}: p10 {deciles[0]:.1f} ns, median {st.median(col):.1f}, p90 {deciles[-1]:.1f}; "
        f"runs <= 40 ns: {sum(x <= 40 for x in col) / len(col):.0%}; "
        f"faster than {names[0]} by {st.median(diff):.1f} ns (median), "
        f"in {sum(d > 0 for d in diff) / len(diff):.0%} of {len(rows)} rounds"
    )
PY
