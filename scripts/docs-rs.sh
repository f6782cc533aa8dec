#!/usr/bin/env bash
# CI: the documentation builds as docs.rs builds it: nightly rustdoc, DOCS_RS=1, the
# features and rustdoc-args of [package.metadata.docs.rs] in Cargo.toml (tch in its
# documentation-only mode, so no libtorch is needed). Nightly is installed through rustup
# (minimal profile); a failed install fails the script. Output in $CARGO_TARGET_DIR/doc.
#
# Usage: scripts/docs-rs.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "=== rustup toolchain install nightly --profile minimal"
rustup toolchain install nightly --profile minimal

# The features and rustdoc arguments docs.rs reads, from Cargo.toml itself.
read -r features rustdoc_args < <(
    cargo metadata --locked --no-deps --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
root = next(p for p in meta["packages"] if p["name"] == "tensorboard-writer")
docs = root["metadata"]["docs"]["rs"]
print(",".join(docs["features"]), " ".join(docs["rustdoc-args"]))
'
)
# With warnings as errors: a broken intra-doc link fails the build here as on stable.
echo "=== DOCS_RS=1 cargo +nightly rustdoc --lib --features $features -- $rustdoc_args -D warnings"
# shellcheck disable=SC2086 # the rustdoc arguments are words
DOCS_RS=1 cargo +nightly rustdoc --locked --lib --features "$features" -- $rustdoc_args -D warnings
