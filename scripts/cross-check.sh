#!/usr/bin/env bash
# CI: the library compiles for the other platforms it is used on, macOS on Apple silicon and
# Windows (MSVC), with default features: `cargo check --lib --target ...` needs only each
# target's standard library (rustup target add), no linker or SDK. The Linux-only code
# (rustix's coarse clock, src/clock.rs) is thereby checked to stay behind its cfg. A failed
# `rustup target add` fails the script.
#
# Usage: scripts/cross-check.sh   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS=(aarch64-apple-darwin x86_64-pc-windows-msvc)

echo "=== rustup target add ${TARGETS[*]}"
rustup target add "${TARGETS[@]}"

# One cargo run for both targets: cargo asks rustc about each target before it builds anything.
target_args=()
for target in "${TARGETS[@]}"; do
    target_args+=(--target "$target")
done
echo "=== cargo check --locked --lib ${target_args[*]}"
cargo check --locked --lib "${target_args[@]}"
echo "cross-check: the library checks on ${TARGETS[*]}"
