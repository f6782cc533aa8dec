#!/usr/bin/env bash
# CI: every direct dependency's lower bound in Cargo.toml is real. In a scratch copy of the
# repository (the real Cargo.lock is never touched), nightly cargo resolves each direct
# dependency to the lowest version its requirement allows (-Z direct-minimal-versions;
# indirect ones stay at their newest, as the MSRV-aware resolver picks them). Then:
#   1. each direct dependency (of every workspace member, dev-dependencies too; path
#      dependencies on the workspace's own packages have no floor) must have
#      resolved to exactly its floor: a floor that is yanked, or that another dependency's
#      requirement rules out, resolves higher and fails here, naming the version to raise to;
#   2. the library must build at those versions: cargo check --lib with default features,
#      candle and object-store (tch needs libtorch: not checked here).
# Nightly is installed through rustup (minimal profile); a failed install fails the script.
# The checks use the default toolchain, in $CARGO_TARGET_DIR/minimal-versions (default
# target/minimal-versions), so that the old versions do not churn the usual target dir.
#
# Usage: scripts/minimal-versions.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir="${CARGO_TARGET_DIR:-$repo/target}/minimal-versions"

echo "=== rustup toolchain install nightly --profile minimal"
rustup toolchain install nightly --profile minimal
cargo +nightly --version

scratch=$(mktemp -d "${TMPDIR:-/tmp}/tbw-minimal-versions.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
echo "=== scratch copy: $scratch"
tar -C "$repo" --exclude=./target --exclude=./.git --exclude=./fuzz/target -cf - . |
    tar -C "$scratch" -xf -
cd "$scratch"

echo "=== cargo +nightly update -Z direct-minimal-versions"
cargo +nightly update -Z direct-minimal-versions

echo "=== each direct dependency resolved to its floor"
cargo metadata --locked --all-features --format-version 1 >"$scratch/.metadata.json"
python3 - "$scratch/.metadata.json" <<'PY'
import json
import re
import sys

meta = json.load(open(sys.argv[1]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
bad = 0
for member in meta["workspace_members"]:
    package = packages[member]
    name = package["name"]
    # A node names each dependency by its library name (dashes as underscores).
    resolved = {d["name"]: packages[d["pkg"]]["version"] for d in nodes[member]["deps"]}
    for dep in package["dependencies"]:
        req, kind = dep["req"], dep["kind"] or "normal"
        if dep.get("path"):
            continue  # a package of this workspace (the library's dev-dependency on itself)
        # A caret requirement ("1.2") or a range from a floor (">=0.22, <0.27", as tch's).
        m = re.fullmatch(r"(?:\^|>=)(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:, <[\d.]+)?", req)
        if m is None:
            print(f"{name}: {dep['name']} = \"{req}\": only caret requirements "
                  "(\"1.2\", \"0.3.4\") and ranges from a floor (\">=0.22, <0.27\") are "
                  "checked here", file=sys.stderr)
            bad += 1
            continue
        floor = ".".join(part or "0" for part in m.groups())
        version = resolved.get((dep.get("rename") or dep["name"]).replace("-", "_"))
        if version != floor:
            print(f"{name} ({kind}): {dep['name']} = \"{req}\" resolves to {version}, not "
                  f"{floor}: that floor is yanked or ruled out by another dependency's "
                  f"requirement; raise it to {version}", file=sys.stderr)
            bad += 1
        else:
            print(f"  {name} ({kind}): {dep['name']} {version}")
sys.exit(1 if bad else 0)
PY

for features in "" candle object-store; do
    echo "=== cargo check --locked --lib ${features:+--features $features} (dependencies at their floors)"
    CARGO_TARGET_DIR="$target_dir" cargo check --locked --lib ${features:+--features "$features"}
done
echo "minimal-versions: every direct dependency's floor resolves as written and the library" \
    "builds with them (default features, candle, object-store)"
