#!/usr/bin/env bash
# scripts/test-c.sh — the C ABI: header freshness, C tests under ASan+UBSan,
# the README's C example (built through pkg-config against the shared
# library, and statically under the sanitizers).
#
#   bash scripts/test-c.sh
#
# Builds jwtgate-ffi (release) into the cargo target dir (CARGO_TARGET_DIR
# or ./target), writes <target>/release/pkgconfig/jwtgate.pc, writes the
# denylist fixture with `cargo run -p jwtgate-ffi --example c_fixtures`,
# compiles tests/c/*.c with gcc -std=c11 -Wall -Wextra -Werror -pedantic
# -fsanitize=address,undefined and runs them. Ends with "N passed, M failed".
# tests/c/test_keysource.c runs the jwks_server example (built here,
# JG_JWKS_SERVER) as a local HTTPS identity provider.
# tests/c/test_sync.c needs a throwaway redis-server on a free loopback port
# (started here, scripts/redis-lib.sh; JG_REDIS_URL, JG_REDIS_PID): without
# redis-server the script fails (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh

TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
LIBDIR="$TARGET/release"
OUT="$TARGET/c-tests"
mkdir -p "$OUT"
# What the Rust staticlib needs from the system (`--print native-static-libs`).
NATIVE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1" >&2; }

echo "== cargo build --release -p jwtgate-ffi"
cargo build --release -p jwtgate-ffi
[ -f "$LIBDIR/libjwtgate.a" ] && [ -f "$LIBDIR/libjwtgate.so" ] || {
    echo "libjwtgate.a / libjwtgate.so missing in $LIBDIR" >&2; exit 1; }

echo "== header is what cbindgen generates (ffi/tests/header.rs)"
if cargo test -q -p jwtgate-ffi --test header; then pass "header up to date"; else fail "header stale"; fi

echo "== fixtures"
cargo run -q -p jwtgate-ffi --example c_fixtures -- "$OUT"

echo "== pkg-config file"
mkdir -p "$LIBDIR/pkgconfig"
version="$(sed -n 's/^#define JWTGATE_VERSION "\(.*\)"/\1/p' include/jwtgate.h)"
sed -e "s|@INCLUDEDIR@|$JG_ROOT/include|" -e "s|@LIBDIR@|$LIBDIR|" \
    -e "s|@VERSION@|$version|" -e "s|@NATIVE_LIBS@|$NATIVE_LIBS|" \
    ffi/jwtgate.pc.in >"$LIBDIR/pkgconfig/jwtgate.pc"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "   $LIBDIR/pkgconfig/jwtgate.pc: $(pkg-config --cflags --libs jwtgate)"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -O1)
SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== the header compiles as C11 and as C++"
if printf '#include <jwtgate.h>\nint main(void){return JG_OK;}\n' \
    | gcc "${CFLAGS[@]}" -Iinclude -x c - -o "$OUT/header-c"; then
    pass "header compiles as C11"
else
    fail "header compiles as C11"
fi
if command -v g++ >/dev/null 2>&1; then
    if printf '#include <jwtgate.h>\nint main(){return JG_OK;}\n' \
        | g++ -std=c++17 -Wall -Wextra -Werror -Iinclude -x c++ - -o "$OUT/header-cxx"; then
        pass "header compiles as C++17"
    else
        fail "header compiles as C++17"
    fi
else
    echo "   (no g++: C++ check skipped)"
fi

run() { # run NAME CMD... : passes when CMD exits 0; each CHECK it reports counts too
    local name=$1 rc=0 log="$OUT/last.log"; shift
    echo "== $name"
    "$@" 2>&1 | tee "$log" || rc=$?
    local counts p f
    counts="$(sed -n 's/^\[.*\] checks passed \([0-9]*\), failed \([0-9]*\)$/\1 \2/p' "$log")"
    if [ -n "$counts" ]; then
        read -r p f <<<"$counts"
        passed=$((passed + p)); failed=$((failed + f))
    fi
    if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name (exit $rc)"; fi
}

build_static() { # build_static SRC BIN
    gcc "${CFLAGS[@]}" "${SAN[@]}" -Iinclude -Itests/c "$1" -o "$2" \
        "$LIBDIR/libjwtgate.a" $NATIVE_LIBS
}

# The README example, the way a user builds it: pkg-config, shared library.
# shellcheck disable=SC2046
if gcc "${CFLAGS[@]}" $(pkg-config --cflags jwtgate) tests/c/example.c -o "$OUT/example-shared" \
    $(pkg-config --libs jwtgate); then
    run "example (pkg-config, libjwtgate.so)" env LD_LIBRARY_PATH="$LIBDIR" "$OUT/example-shared"
else
    fail "example builds with pkg-config"
fi

echo "== the local identity provider for test_keysource (sync/examples/jwks_server.rs)"
cargo build -q -p jwtgate-sync --example jwks_server
export JG_JWKS_SERVER="$TARGET/debug/examples/jwks_server"

echo "== redis-server for test_sync (killed by the test to observe fail-closed)"
jg_redis_start "$OUT/redis"
export JG_REDIS_PID
echo "   $JG_REDIS_URL (pid $JG_REDIS_PID)"

for src in tests/c/*.c; do
    name="$(basename "$src" .c)"
    if ! build_static "$src" "$OUT/$name"; then
        fail "$name builds"
        continue
    fi
    run "$name (static, ASan+UBSan)" "$OUT/$name" "$OUT/denylist.bin"
done

echo "== the C demo builds (scripts/demo-c.sh runs it)"
if gcc "${CFLAGS[@]}" -Iinclude tests/c/demo/jg_demo.c -o "$OUT/jg_demo" "$LIBDIR/libjwtgate.a" $NATIVE_LIBS; then
    pass "demo builds"
else
    fail "demo builds"
fi

echo
echo "c: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
