#!/usr/bin/env bash
# CI: supply-chain checks with cargo-deny (deny.toml): bans (no wildcard requirements;
# duplicate versions listed as warnings), licenses (an allow-list) and sources (crates.io
# only), over the whole workspace with every feature and the dev-dependencies. Advisories
# are not checked: the advisory database cannot be fetched from CI's machines (deny.toml).
#
# cargo-deny $CARGO_DENY_VERSION is installed from crates.io (cargo install --locked, into
# cargo's usual install root, about 6 minutes on 2 cores) when it is missing or another
# version; a failed install fails the script.
#
# Usage: scripts/deny.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# 0.20.2 needs Rust 1.88 (the stable toolchain CI builds with is newer).
CARGO_DENY_VERSION=0.20.2

installed=$(cargo deny --version 2>/dev/null || true)
if [ "$installed" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    echo "=== cargo install --locked cargo-deny --version $CARGO_DENY_VERSION (found: ${installed:-none})"
    cargo install --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
cargo deny --version

echo "=== cargo deny --workspace check bans licenses sources"
# --hide-inclusion-graph: the duplicate warnings say which versions, not each one's whole
# path from the root (1,100 lines); `cargo tree -i CRATE@VERSION` shows one when wanted.
cargo deny --workspace check --hide-inclusion-graph --show-stats bans licenses sources
