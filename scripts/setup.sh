#!/usr/bin/env bash
# scripts/setup.sh — install everything jwtgate's build and tests need.
#
# Idempotent and fast when everything is already there: every step checks
# first and installs only what is missing. Safe to run as root with no stdin
# (CI) or as a developer (uses sudo for apt when not root).
#
# Steps:
#   1. apt:    golang-go redis-server pkg-config clang llvm jq nginx caddy wrk curl
#              + libclang-rt-14-dev (clang's ASan/UBSan runtime) when apt has it
#              `apt-get update` runs once, and only when something is missing.
#   2. check:  a -fsanitize=address,undefined hello world with gcc (and clang)
#   3. rustup: rustfmt + clippy on stable; a nightly toolchain if rustup has or
#              can get one, else fall back to RUSTC_BOOTSTRAP=1 (scripts/env.sh)
#   4. cargo:  cargo-fuzz (pinned below), only if missing or another version
#   5. pip:    scripts/requirements-dev.txt into python3, only if a pin is unmet
#   6. go:     `go version` and `go env` sanity check
#
# Knobs: JG_SKIP_SETUP=1 skips everything (for quick local loops).
set -euo pipefail

CARGO_FUZZ_VERSION="0.13.2"
APT_PACKAGES=(golang-go redis-server pkg-config clang llvm jq nginx caddy wrk curl)
APT_OPTIONAL=(libclang-rt-14-dev)

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
. "$SCRIPT_DIR/env.sh"

log()  { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die()  { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "${JG_SKIP_SETUP:-0}" = "1" ]; then
    log "JG_SKIP_SETUP=1: skipping setup"
    exit 0
fi

_t0=$(date +%s)
_step_t=$_t0
step_done() {
    local now; now=$(date +%s)
    log "  ($1 took $((now - _step_t))s)"
    _step_t=$now
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot run apt-get"
    SUDO=(sudo -n)
fi

# ---------------------------------------------------------------- 1. apt ------
pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}
pkg_available() {
    # true when apt has an install candidate for $1
    local cand
    cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')"
    [ -n "$cand" ] && [ "$cand" != "(none)" ]
}

log "apt: checking ${APT_PACKAGES[*]} ${APT_OPTIONAL[*]}"
missing=()
for p in "${APT_PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
missing_opt=()
for p in "${APT_OPTIONAL[@]}"; do pkg_installed "$p" || missing_opt+=("$p"); done

if [ ${#missing[@]} -gt 0 ] || [ ${#missing_opt[@]} -gt 0 ]; then
    log "apt: missing: ${missing[*]} ${missing_opt[*]}"
    log "apt: apt-get update"
    "${SUDO[@]}" apt-get update -q </dev/null || warn "apt-get update reported errors; trying to install anyway"
    for p in "${missing_opt[@]}"; do
        if pkg_available "$p"; then
            missing+=("$p")
        else
            warn "apt has no candidate for optional $p: clang sanitizers unavailable (gcc's still work)"
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "apt: apt-get install ${missing[*]}"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" </dev/null
    fi
else
    log "apt: all present"
fi
step_done apt

# ------------------------------------------------------ 2. sanitizer check ----
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/san.c" <<'EOF'
#include <stdio.h>
int main(void) { int a[2] = {1, 2}; volatile int i = 1; printf("sanitizers ok %d\n", a[i]); return 0; }
EOF
san_check() { # $1 = compiler
    "$1" -fsanitize=address,undefined -fno-omit-frame-pointer -g "$tmp/san.c" -o "$tmp/san-$1" 2>"$tmp/san-$1.log" \
        && "$tmp/san-$1" >/dev/null 2>>"$tmp/san-$1.log"
}
log "sanitizers: gcc -fsanitize=address,undefined hello world"
if ! san_check gcc; then
    cat "$tmp/san-gcc.log" >&2 || true
    log "sanitizers: gcc check failed; installing gcc's runtimes (libasan8 libubsan1)"
    "${SUDO[@]}" apt-get update -q </dev/null || true
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends -o DPkg::Lock::Timeout=300 libasan8 libubsan1 libgcc-12-dev </dev/null
    san_check gcc || { cat "$tmp/san-gcc.log" >&2; die "gcc cannot build/run an ASan+UBSan binary"; }
fi
log "sanitizers: gcc ok"
if pkg_installed libclang-rt-14-dev && command -v clang >/dev/null 2>&1; then
    if san_check clang; then
        log "sanitizers: clang ok"
    else
        cat "$tmp/san-clang.log" >&2 || true
        die "clang is installed with libclang-rt-14-dev but cannot build/run an ASan+UBSan binary"
    fi
fi
step_done sanitizers

# ----------------------------------------------------------------- 3. rustup --
command -v rustup >/dev/null 2>&1 || die "rustup not found (expected in ~/.cargo/bin)"
command -v cargo >/dev/null 2>&1 || die "cargo not found"
log "rust: $(rustc --version)"
installed_components="$(rustup component list --installed 2>/dev/null || true)"
for c in rustfmt clippy; do
    if grep -q "^$c" <<<"$installed_components"; then
        log "rust: component $c present"
    else
        log "rust: rustup component add $c"
        rustup component add "$c" </dev/null || die "cannot add rustup component $c"
    fi
done

if rustup toolchain list | grep -q '^nightly-'; then
    log "rust: nightly toolchain present: $(rustup run nightly rustc --version 2>/dev/null || echo '?')"
else
    log "rust: no nightly toolchain; trying rustup toolchain install nightly --profile minimal"
    if timeout 300 rustup toolchain install nightly --profile minimal </dev/null; then
        log "rust: nightly installed"
    else
        warn "rust: could not install nightly; nightly-only steps use stable with RUSTC_BOOTSTRAP=1"
    fi
fi
# Re-evaluate JG_NIGHTLY_MODE now that the toolchain list may have changed.
# shellcheck source=scripts/env.sh
. "$SCRIPT_DIR/env.sh"
log "rust: nightly mode for cargo-fuzz: $JG_NIGHTLY_MODE"
step_done rustup

# --------------------------------------------------------------- 4. cargo-fuzz -
have_fuzz="$(cargo fuzz --version 2>/dev/null || true)"
if [ "$have_fuzz" = "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    log "cargo-fuzz: $have_fuzz present"
else
    if [ -n "$have_fuzz" ]; then
        log "cargo-fuzz: found '$have_fuzz', want $CARGO_FUZZ_VERSION"
    fi
    log "cargo-fuzz: cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION --locked (about 1 min on 2 cores)"
    # Build outside the work tree so no workspace config applies and the
    # project's target dir is left alone.
    (cd "$tmp" && cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked </dev/null)
    cargo fuzz --version >/dev/null || die "cargo-fuzz installed but 'cargo fuzz --version' fails"
    log "cargo-fuzz: $(cargo fuzz --version)"
fi
step_done cargo-fuzz

# ----------------------------------------------------------------------- 5. pip
REQ="$SCRIPT_DIR/requirements-dev.txt"
command -v python3 >/dev/null 2>&1 || die "python3 not found"
log "python: $(python3 --version 2>&1) at $(command -v python3)"
pins_unmet="$(python3 - "$REQ" <<'EOF'
import sys, re
from importlib import metadata
unmet = []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
    if not m:
        unmet.append(line)  # not a plain pin: let pip decide
        continue
    name, want = m.groups()
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != want:
        unmet.append(f"{name}=={want} (have {have})")
print("; ".join(unmet))
EOF
)"
if [ -z "$pins_unmet" ]; then
    log "pip: all pins in requirements-dev.txt satisfied"
else
    log "pip: unmet: $pins_unmet"
    log "pip: python3 -m pip install --quiet -r scripts/requirements-dev.txt"
    python3 -m pip install --quiet --no-input -r "$REQ" </dev/null
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi
python3 -m maturin --version >/dev/null 2>&1 || die "maturin not importable after install"
step_done pip

# ------------------------------------------------------------------------ 6. go
command -v go >/dev/null 2>&1 || die "go not found after installing golang-go"
log "go: $(go version) (GOTOOLCHAIN=$GOTOOLCHAIN GOPROXY=$GOPROXY)"
go env GOROOT GOPATH GOCACHE >/dev/null || die "'go env' fails"
command -v redis-server >/dev/null 2>&1 || die "redis-server not found"
log "redis: $(redis-server --version | awk '{print $3}')"
step_done go/redis

log "done in $(( $(date +%s) - _t0 ))s"
