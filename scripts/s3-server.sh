#!/usr/bin/env bash
# A local S3-compatible server for the object-store tests, benchmark and compat check:
# s3s-fs (https://github.com/Nugine/s3s), which serves a directory as S3 (each top-level
# directory is a bucket). It is installed from crates.io into target/tools on first use and
# only ever listens on 127.0.0.1.
#
# Usage:
#   scripts/s3-server.sh install          install s3s-fs $S3S_FS_VERSION if it is not there
#                                         yet; prints the binary's path (the only stdout line)
#   scripts/s3-server.sh path             the same (an alias, for `TBW_S3S_FS=$(... path)`)
#   scripts/s3-server.sh serve ROOT PORT  install if needed, then run the server in the
#                                         foreground (exec) on 127.0.0.1:PORT serving ROOT
#   scripts/s3-server.sh env PORT         print `export AWS_...=...` lines for a server on PORT
#                                         (eval "$(scripts/s3-server.sh env PORT)")
#
# Environment:
#   S3S_FS_ROOT     cargo install --root (default target/tools; the binary is ROOT/bin/s3s-fs)
#   S3S_FS_RELEASE  1: build s3s-fs in the release profile (default 0: the dev profile, which
#                   builds in about half the time and serves a test's few MB just as well)
#
# The server's credentials are fixed test values (it listens on 127.0.0.1 only):
# access key $S3_ACCESS_KEY, secret $S3_SECRET_KEY, region us-east-1.
set -euo pipefail

# 0.14.1 is the newest s3s-fs whose rust-version (1.92) our rustc (1.95) meets: 0.15 and later
# need 1.96. `--locked` builds it with the dependency versions it was published with.
S3S_FS_VERSION=0.14.1
S3_ACCESS_KEY=tbw-test-access
S3_SECRET_KEY=tbw-test-secret
S3_REGION=us-east-1

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${S3S_FS_ROOT:-$repo/target/tools}
bin=$tools/bin/s3s-fs

log() { printf 's3-server: %s\n' "$*" >&2; }

install() {
    if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "s3s-fs $S3S_FS_VERSION" ]; then
        echo "$bin"
        return 0
    fi
    local profile=(--debug) started=$SECONDS
    [ "${S3S_FS_RELEASE:-0}" = 1 ] && profile=()
    log "installing s3s-fs $S3S_FS_VERSION into $tools (cargo install ${profile[*]:-(release)}; a few minutes on 2 cores)"
    # --force: replaces another version installed at the same root.
    cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked --force \
        "${profile[@]}" --root "$tools" >&2
    local got
    got=$("$bin" --version 2>/dev/null || true)
    if [ "$got" != "s3s-fs $S3S_FS_VERSION" ]; then
        log "FAIL: $bin --version says '$got', expected 's3s-fs $S3S_FS_VERSION'"
        exit 1
    fi
    log "installed s3s-fs $S3S_FS_VERSION in $((SECONDS - started)) s"
    echo "$bin"
}

case ${1:-} in
    install | path)
        install
        ;;
    serve)
        [ $# = 3 ] || { log "usage: $0 serve ROOT PORT"; exit 2; }
        install >/dev/null
        mkdir -p "$2"
        exec "$bin" --host 127.0.0.1 --port "$3" \
            --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" "$2"
        ;;
    env)
        [ $# = 2 ] || { log "usage: $0 env PORT"; exit 2; }
        cat <<EOF
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export AWS_REGION=$S3_REGION
export AWS_ENDPOINT=http://127.0.0.1:$2
export AWS_ALLOW_HTTP=true
EOF
        ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
