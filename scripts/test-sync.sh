#!/usr/bin/env bash
# scripts/test-sync.sh — revocation distribution checks beyond `cargo test`
# (which already runs the sync and CLI tests against a real redis-server):
#
#   1. CLI smoke: `jwtgate --help` and every subcommand's `--help`
#   2. the phantom-token example, in process and through Redis
#   3. the propagation benchmark (revoke in one process -> rejection in
#      another, through a loopback redis-server): p50/p99 are REPORTED,
#      not asserted (target: p99 < 50 ms on loopback)
#
# Ends with "N passed, 0 failed". Knob: JG_PROPAGATION_COUNT (default 300).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh

PASS=0
FAIL=0
ok()   { PASS=$((PASS + 1)); echo "ok   $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL $*" >&2; }
check() { # check NAME CMD...
    local name=$1; shift
    if "$@" >/dev/null 2>"$TMP/err"; then ok "$name"; else bad "$name"; cat "$TMP/err" >&2; fi
}

TMP="$(mktemp -d)"
cleanup() { jg_redis_stop; rm -rf "$TMP"; }
trap cleanup EXIT

echo "== building jwtgate (release) and the phantom-token example"
cargo build -q --release -p jwtgate-cli
cargo build -q --release -p jwtgate-sync --example phantom_token
TARGET="${CARGO_TARGET_DIR:-target}"
JG="$TARGET/release/jwtgate"

echo "== CLI smoke"
for cmd in "" keygen sign verify denylist "denylist build" "denylist inspect" "denylist check" \
    revoke "revoke token" "revoke session" "revoke subject" "revoke batch" follow \
    bench "bench verify" "bench propagation"; do
    # shellcheck disable=SC2086
    check "jwtgate $cmd --help" "$JG" $cmd --help
done

echo "== phantom-token example"
check "phantom_token (in process)" "$TARGET/release/examples/phantom_token"
jg_redis_start "$TMP/redis"
trap cleanup EXIT
check "phantom_token (through Redis)" env JWTGATE_REDIS="$JG_REDIS_URL" "$TARGET/release/examples/phantom_token"

echo "== propagation benchmark (reported, not asserted)"
if "$JG" bench propagation --redis "$JG_REDIS_URL" --count "${JG_PROPAGATION_COUNT:-300}" 2>/dev/null | tee "$TMP/prop"; then
    ok "bench propagation"
    awk '/p99/ { printf "   (target: p99 < 50 ms; measured %s ms)\n", $2 }' "$TMP/prop"
else
    bad "bench propagation"
fi

echo
echo "sync: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
