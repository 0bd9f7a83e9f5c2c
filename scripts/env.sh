# shellcheck shell=bash
# scripts/env.sh — the one environment every jwtgate script runs in.
#
# Source it (". scripts/env.sh"); never execute it. It is safe to source more
# than once and under `set -euo pipefail`, and it changes no shell options.
# It installs nothing: scripts/setup.sh does that.
#
# What it provides:
#   JG_ROOT             absolute path of the repository root
#   PATH                + ~/.cargo/bin, ~/go/bin, pyenv shims, python3's scripts dir
#   Go                  GOTOOLCHAIN=local, GOPROXY=off, GOSUMDB=off, CGO_ENABLED=1,
#                       GOPATH/GOCACHE defaults that work as root and without $HOME
#   Rust                CARGO_TERM_COLOR, RUST_BACKTRACE, CARGO_INCREMENTAL=0 in CI
#   JG_NIGHTLY_MODE     "toolchain": a rustup nightly toolchain is installed and used
#                       "bootstrap": no nightly here; stable + RUSTC_BOOTSTRAP=1
#                       (force the fallback with JG_FORCE_BOOTSTRAP=1)
#   jg_cargo_nightly    function: `jg_cargo_nightly fuzz run t` runs cargo with
#                       nightly features in whichever of the two modes applies.
#                       RUSTC_BOOTSTRAP is deliberately NOT exported globally:
#                       it would let stable builds use unstable features.
#   ASAN_SYMBOLIZER_PATH / UBSAN_OPTIONS / ASAN_OPTIONS  sanitizer defaults

# --- repository root ---------------------------------------------------------
JG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JG_ROOT

# --- HOME must exist for cargo, rustup, go and pip ---------------------------
if [ -z "${HOME:-}" ]; then
    HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
    export HOME
fi

# --- PATH (prepend once, no duplicates) --------------------------------------
_jg_path_prepend() {
    case ":${PATH:-}:" in
        *":$1:"*) ;;
        *) [ -d "$1" ] && PATH="$1${PATH:+:$PATH}" ;;
    esac
    return 0
}
export PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
_jg_path_prepend "$PYENV_ROOT/bin"
_jg_path_prepend "$PYENV_ROOT/shims"
_jg_path_prepend "$HOME/go/bin"
_jg_path_prepend "/usr/lib/go/bin"
_jg_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
# Console scripts that pip installs (maturin, pytest, mypy) live next to the
# interpreter; put that directory on PATH so they work without `pyenv rehash`.
# Prefer `python3 -m maturin|pytest|mypy` in scripts anyway.
if command -v python3 >/dev/null 2>&1; then
    _jg_pyscripts="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)"
    [ -n "$_jg_pyscripts" ] && _jg_path_prepend "$_jg_pyscripts"
    unset _jg_pyscripts
fi
export PATH

# --- Rust ----------------------------------------------------------------------
if [ "${CI:-}" = "true" ]; then
    export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
else
    export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
fi
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
export CARGO_NET_RETRY="${CARGO_NET_RETRY:-5}"

# Nightly features (cargo-fuzz, -Zsanitizer): use the rustup nightly toolchain
# if this machine has one, else stable with RUSTC_BOOTSTRAP=1. Only the
# toolchains rustup already has can be used here: nothing can be downloaded.
if [ "${JG_FORCE_BOOTSTRAP:-0}" != "1" ] \
    && command -v rustup >/dev/null 2>&1 \
    && rustup toolchain list 2>/dev/null | grep -q '^nightly-' \
    && rustup run nightly cargo --version >/dev/null 2>&1; then
    JG_NIGHTLY_MODE=toolchain
else
    JG_NIGHTLY_MODE=bootstrap
fi
export JG_NIGHTLY_MODE

jg_cargo_nightly() {
    if [ "$JG_NIGHTLY_MODE" = "toolchain" ]; then
        cargo +nightly "$@"
    else
        RUSTC_BOOTSTRAP=1 cargo "$@"
    fi
}
export -f jg_cargo_nightly

# --- Go (Debian's golang-go; Go 1.19 on Debian 12) -----------------------------
# Never download a toolchain or a module: our Go package has no dependencies.
export GOTOOLCHAIN=local
export GOPROXY=off
export GOSUMDB=off
export GOTELEMETRY=off
export CGO_ENABLED=1
export GOPATH="${GOPATH:-$HOME/go}"
export GOCACHE="${GOCACHE:-$HOME/.cache/go-build}"
export GOMODCACHE="${GOMODCACHE:-$GOPATH/pkg/mod}"

# --- Python / pip ---------------------------------------------------------------
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_ROOT_USER_ACTION=ignore
export PIP_NO_INPUT=1
export PYTHONDONTWRITEBYTECODE=1

# --- Sanitizers (gcc's libasan/libubsan, clang's libclang-rt-14-dev) -----------
if [ -x /usr/bin/llvm-symbolizer ]; then
    export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer}"
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"

# --- apt must never prompt -----------------------------------------------------
export DEBIAN_FRONTEND=noninteractive

unset -f _jg_path_prepend
