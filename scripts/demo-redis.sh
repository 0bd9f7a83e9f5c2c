#!/usr/bin/env bash
# scripts/demo-redis.sh — revoke in one process, reject in others:
#   1. through Redis: `jwtgate revoke` writes; a follower (`jwtgate follow`)
#      and a one-shot `jwtgate verify --redis` reject;
#   2. without Redis: a snapshot file built by `jwtgate denylist build`,
#      read by `jwtgate verify --denylist` and, if the Python package is
#      installed, by Python's jwtgate.Verifier.
# A throwaway redis-server runs on a free loopback port and is stopped at exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh

cargo build -q --release -p jwtgate-cli
JG="${CARGO_TARGET_DIR:-target}/release/jwtgate"
D="$(mktemp -d)"
FOLLOW_PID=
cleanup() {
    # `wait` reports the follower's SIGTERM (143): its expected end, not a failure.
    if [ -n "$FOLLOW_PID" ]; then
        kill "$FOLLOW_PID" 2>/dev/null || true
        wait "$FOLLOW_PID" 2>/dev/null || true
    fi
    jg_redis_stop
    rm -rf "$D"
}
trap cleanup EXIT
jg_redis_start "$D/redis"
trap cleanup EXIT
say() { printf '  $ %s\n' "$*"; }
verdict() { # verdict CMD... -> prints the outcome by exit status
    local rc=0
    "$@" >/dev/null 2>&1 || rc=$?
    case $rc in 0) echo "valid" ;; 15) echo "REVOKED (exit 15)" ;; *) echo "rejected (exit $rc)" ;; esac
}

echo "redis-server at $JG_REDIS_URL"
say "jwtgate keygen --alg EdDSA --kid k1 --out issuer.jwks --public public.jwks"
"$JG" keygen --alg EdDSA --kid k1 --out "$D/issuer.jwks" --public "$D/public.jwks" 2>/dev/null
T1=$("$JG" sign --key "$D/issuer.jwks" --sub alice --sid phone --jti t-1 --exp +15m)
T2=$("$JG" sign --key "$D/issuer.jwks" --sub alice --sid laptop --jti t-2 --exp +15m)
echo "  issued alice/phone and alice/laptop tokens"

echo "1. through Redis"
say "jwtgate follow --redis \$URL --out denylist.bin &     # a service's sidecar"
"$JG" follow --redis "$JG_REDIS_URL" --out "$D/denylist.bin" 2>/dev/null &
FOLLOW_PID=$!
for _ in $(seq 1 100); do [ -f "$D/denylist.bin" ] && break; sleep 0.05; done
echo "  phone token before logout:  $(verdict "$JG" verify --jwks "$D/public.jwks" --denylist "$D/denylist.bin" "$T1")"
say "jwtgate revoke --redis \$URL session phone --until +15m   # alice logs out on her phone"
"$JG" revoke --redis "$JG_REDIS_URL" session phone --until +15m
sleep 0.2
echo "  phone token, via the followed file:  $(verdict "$JG" verify --jwks "$D/public.jwks" --denylist "$D/denylist.bin" "$T1")"
echo "  phone token, via Redis directly:     $(verdict "$JG" verify --jwks "$D/public.jwks" --redis "$JG_REDIS_URL" "$T1")"
echo "  laptop token:                        $(verdict "$JG" verify --jwks "$D/public.jwks" --denylist "$D/denylist.bin" "$T2")"
"$JG" bench propagation --redis "$JG_REDIS_URL" --count 100 2>/dev/null | sed 's/^/  /'

echo "2. without Redis: a snapshot file"
say "echo 'subject alice +15m before=now' | jwtgate denylist build --out snapshot.bin   # log out everywhere"
sleep 1 # tokens issued in an earlier second than the bound
echo "subject alice +15m before=now" | "$JG" denylist build --out "$D/snapshot.bin" 2>/dev/null
echo "  laptop token (Rust CLI):  $(verdict "$JG" verify --jwks "$D/public.jwks" --denylist "$D/snapshot.bin" "$T2")"
if python3 -c 'import jwtgate' 2>/dev/null; then
    PY=$(python3 - "$D/public.jwks" "$D/snapshot.bin" "$T2" <<'PYEOF'
import sys, jwtgate
keys = jwtgate.KeySet.from_jwks(open(sys.argv[1], "rb").read())
v = jwtgate.Verifier(keys, denylist=jwtgate.Denylist.load(sys.argv[2]))
try:
    v.verify(sys.argv[3]); print("valid")
except jwtgate.RevokedTokenError as e:
    print(f"REVOKED ({e})")
PYEOF
)
    echo "  laptop token (Python):    $PY"
else
    echo "  (Python package not installed: skipping the Python reader)"
fi
