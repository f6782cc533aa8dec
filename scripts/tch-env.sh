#!/usr/bin/env bash
# libtorch for the `tch` feature, from PyTorch's wheel on PyPI (tch 0.26 expects 2.13.0).
#
#   source scripts/tch-env.sh          # set up if needed, export into this shell
#   eval "$(scripts/tch-env.sh)"       # the same from a shell that cannot source bash
#   cargo test --features tch --lib --tests
#
# Creates a Python virtual environment at target/tch-venv (or $TCH_VENV) and installs
# torch==2.13.0 into it, unless it holds that version already (the CUDA wheel with its
# nvidia-* dependencies: about 4.7 GB on disk, a minute or two on a fast link; it runs on
# CPU-only machines; PyPI has no CPU-only build and download.pytorch.org is not reachable
# here). pip runs without its cache, so the wheels are not kept a second time. Then it exports:
#
#   PATH                    the venv's bin/ first: torch-sys's build script runs `python`
#                           to ask torch where libtorch is
#   LIBTORCH_USE_PYTORCH=1  torch-sys links the libtorch inside that Python's torch package
#   LD_LIBRARY_PATH         torch/lib prepended: torch-sys sets no rpath on the binaries it
#                           links, so test binaries and examples need it to start
#                           ("libtorch_cpu.so: cannot open shared object file" otherwise)
#
# Changing the venv (or LIBTORCH_USE_PYTORCH) makes cargo rebuild torch-sys.

_tch_env_main() {
    local root venv version lib
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    venv="${TCH_VENV:-$root/target/tch-venv}"
    # importlib.metadata reads the installed version without importing torch (seconds).
    version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null)" \
        || version=""
    if [ "${version%%+*}" != "2.13.0" ]; then
        echo "tch-env: installing torch==2.13.0 into $venv" >&2
        python3 -m venv "$venv" >&2 || return 1
        # --no-cache-dir: no second copy of the wheels (gigabytes) in ~/.cache/pip.
        if ! "$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
            torch==2.13.0 >&2; then
            echo "tch-env: pip failed; free space where the venv goes:" >&2
            df -h "$(dirname "$venv")" >&2
            return 1
        fi
    fi
    lib="$("$venv/bin/python" -c 'import importlib.util as u, os; print(os.path.join(u.find_spec("torch").submodule_search_locations[0], "lib"))')" || return 1
    if [ ! -e "$lib/libtorch_cpu.so" ]; then
        echo "tch-env: no libtorch_cpu.so in $lib" >&2
        return 1
    fi
    _TCH_PATH="$venv/bin:$PATH"
    _TCH_LD="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: export into the caller's shell.
    if _tch_env_main; then
        export PATH="$_TCH_PATH" LIBTORCH_USE_PYTORCH=1 LD_LIBRARY_PATH="$_TCH_LD"
        echo "tch-env: LIBTORCH_USE_PYTORCH=1, python $(command -v python), LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >&2
        unset _TCH_PATH _TCH_LD
    else
        unset _TCH_PATH _TCH_LD
        return 1
    fi
else
    set -euo pipefail
    _tch_env_main
    printf 'export PATH=%q\nexport LIBTORCH_USE_PYTORCH=1\nexport LD_LIBRARY_PATH=%q\n' \
        "$_TCH_PATH" "$_TCH_LD"
fi
