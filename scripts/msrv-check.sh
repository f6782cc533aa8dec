#!/usr/bin/env bash
# CI: the library builds with the oldest Rust it claims, Cargo.toml's rust-version (1.85,
# prost 0.14's floor), with Cargo.lock as it is (--locked): default features and the
# object-store feature. The candle feature needs a newer Rust and is checked with its own
# floor, CANDLE_RUST below. Each toolchain is installed through rustup (minimal profile); a
# failed install fails the script, nothing is skipped.
#
# The floors, and why:
#   default, object-store  1.85  prost 0.14 and prost-types declare 1.85; every other crate
#                                of these builds, as locked (resolver = "3"), declares 1.85 or
#                                less (parking_lot is held at 0.12: 0.13 needs 1.95).
#   candle                 1.94  candle-core 0.11.1 calls core::arch::x86_64::__cpuid_count
#                                outside an unsafe block, which compiles only since that
#                                intrinsic became safe in Rust 1.94; its zip 9 needs 1.88-1.89.
#   tch                    not checked here: it needs libtorch (.ci/run builds it on stable).
#                                tch and torch-sys 0.26 declare no rust-version and their locked
#                                dependencies all declare 1.85 or less.
#   burn                   1.95, not checked here: burn 0.22 declares 1.95, which is stable
#                                here (.ci/run builds, tests and lints the feature on stable);
#                                a second build of burn would add ~10 minutes. The lock holds
#                                idna_adapter 1.1 (url's IDNA on unicode-rs crates): with 1.2,
#                                burn's dependencies would lift url's icu crates to 2.4, which
#                                needs 1.88, in the object-store build.
#
# Usage: scripts/msrv-check.sh   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

msrv=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$msrv" ] || { echo "msrv-check: no rust-version in Cargo.toml" >&2; exit 1; }
CANDLE_RUST=1.94

install() {
    echo "=== rustup toolchain install $1 --profile minimal"
    rustup toolchain install "$1" --profile minimal
    # The exact compiler, for the log: `1.85` is the newest 1.85.x.
    rustc +"$1" --version
}

check() {
    local toolchain=$1
    shift
    echo "=== cargo +$toolchain check --locked --lib $*"
    cargo +"$toolchain" check --locked --lib "$@"
}

install "$msrv"
check "$msrv"
check "$msrv" --features object-store

install "$CANDLE_RUST"
check "$CANDLE_RUST" --features candle

echo "msrv-check: the library builds with Rust $msrv (default features, object-store) and" \
    "$CANDLE_RUST (candle)"
