#!/usr/bin/env bash
# scripts/test-ha.sh — failover across languages, with real servers on
# loopback (scripts/ha-lib.sh): a Python follower (jwtgate.Verifier.follow_redis)
# and a Go follower (Verifier.FollowRedis) on one URL; the CLI revokes one
# token per call with `--wait-replicas 1`. Scenarios (JG_HA_SCENARIOS, all
# by default):
#
#   sentinel      redis+sentinel://: kill -9 of the master
#   sentinel-tls  rediss+sentinel://?ca=: the same, TLS only (data nodes,
#                 replication and sentinels; a CA made by openssl here)
#   cluster       redis+cluster://: CLUSTER FAILOVER in the namespace's
#                 shard, then kill -9 of the promoted master
#   cluster-tls   rediss+cluster://?ca=: the same, TLS only (cluster bus too)
#
# The killed node comes back empty as a replica. Every revocation the CLI
# acknowledged (exit 0) must then be rejected by both followers. A third
# follower (bench/ha_failover.py, Python) times the failover: from the
# kill to the first revocation made after it that it enforces.
#
# Installs this tree's Python package (as scripts/test-python.sh does) and
# builds libjwtgate.a for Go like scripts/test-go.sh. Ends with
# "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh
# shellcheck source=scripts/ha-lib.sh
. scripts/ha-lib.sh

SCENARIOS=${JG_HA_SCENARIOS:-sentinel sentinel-tls cluster cluster-tls}
TMP="$(mktemp -d)"
trap 'ha_stop; rm -rf "$TMP"' EXIT # ha_stop also ends what HA_PIDS lists
ha_init "$TMP/ha"

TARGET="${CARGO_TARGET_DIR:-target}"
echo "== building jwtgate (release), libjwtgate.a, the Go follower"
cargo build -q --release -p jwtgate-cli -p jwtgate-ffi
mkdir -p go/lib
cp -f "$TARGET/release/libjwtgate.a" go/lib/libjwtgate.a
JG="$ROOT/$TARGET/release/jwtgate"
(cd tests/ha/gofollower && CGO_ENABLED=1 go build -o "$TMP/gofollower" .)
# Always this tree's package (the interpreter's site-packages may hold
# another build); incremental after scripts/test-python.sh.
echo "== installing the Python package"
python3 -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python

SECRET="test-ha: a 32-byte HMAC secret!!"
started() { HA_PIDS+=("$1"); }
wait_cmd() { ha_wait "$@"; }

python3 - "$SECRET" >"$TMP/tokens" <<'PY'
import sys, time, jwtgate
secret, now = sys.argv[1].encode(), int(time.time())
for i in range(5000):
    tok = jwtgate.encode({"sub": "u", "jti": f"f-{i}", "iat": now - 1, "exp": now + 3600}, secret, algorithm="HS256")
    print(f"f-{i} {tok}")
PY
cut -d' ' -f2 "$TMP/tokens" >"$TMP/tokens.list" # bench/ha_failover.py's form

PASS=0; FAIL=0
scenario() { # scenario NAME: one failover, followers checked; counts PASS/FAIL
    local name=$1 kind tls=0 d=$TMP/$1
    kind=${name%-tls}
    [ "$kind" != "$name" ] && tls=1
    mkdir -p "$d"
    echo "== $name: starting the topology"
    "ha_${kind}_start" "$tls" || return 1
    echo "   $HA_URL"
    : >"$d/acked"; : >"$d/wlog"
    python3 tests/ha/follower.py "$HA_URL" "$SECRET" "$TMP/tokens" "$d/acked" "$d/done" >"$d/py.out" 2>&1 &
    local py=$!; started "$py"
    "$TMP/gofollower" "$HA_URL" "$SECRET" "$TMP/tokens" "$d/acked" "$d/done" >"$d/go.out" 2>&1 &
    local go=$!; started "$go"
    wait_cmd 30 grep -q ready "$d/py.out" || { cat "$d/py.out" >&2; return 1; }
    # A third follower (Python) times when each revocation is enforced.
    python3 bench/ha_failover.py follower "$HA_URL" "$SECRET" "$TMP/tokens.list" "$d/wlog" "$d/timing" "$d/done" >"$d/timing.out" 2>&1 &
    local timing=$!; started "$timing"
    wait_cmd 30 grep -q ready "$d/go.out" || { cat "$d/go.out" >&2; return 1; }
    wait_cmd 30 grep -q ready "$d/timing.out" || { cat "$d/timing.out" >&2; return 1; }

    echo "   writer: jwtgate revoke --wait-replicas 1, one token per call"
    (
        i=0
        while [ ! -e "$d/stop" ] && [ $i -lt 5000 ]; do
            echo "S $i" >>"$d/wlog"
            t0=$(date +%s%N)
            if "$JG" revoke --redis "$HA_URL" --namespace ha --wait-replicas 1 --wait-timeout 500 \
                token "f-$i" --exp +1h >/dev/null 2>>"$d/writer.err"; then
                echo "f-$i" >>"$d/acked"
                echo "E $i $t0 $(date +%s%N) ok" >>"$d/wlog"
            else
                rc=$?
                echo "E $i $t0 $(date +%s%N) error:$rc" >>"$d/wlog"
                sleep 0.05
            fi
            i=$((i + 1))
        done
    ) &
    local writer=$!; started "$writer"
    acked() { wc -l <"$d/acked"; }
    acked_at_least() { [ "$(acked)" -ge "$1" ]; }
    wait_cmd 60 acked_at_least 50 || { echo "writer made no progress" >&2; cat "$d/writer.err" >&2; return 1; }

    local before
    before=$(acked)
    echo "   kill -9 after $before acknowledged revocations"
    "ha_${kind}_kill" || return 1
    # The first revocation started after the kill and acknowledged.
    first_ack() { awk -v k="$HA_KILLED_NS" '$1 == "E" && $3 > k && $5 == "ok" { print int(($4 - k) / 1000000); exit }' "$d/wlog"; }
    has_first_ack() { [ -n "$(first_ack)" ]; }
    wait_cmd 60 has_first_ack || { echo "no acknowledged revocation after the failover" >&2; tail -5 "$d/writer.err" >&2; return 1; }
    echo "   first revocation made after the kill and acknowledged (WAIT 1): $(first_ack) ms after the kill"
    wait_cmd 60 acked_at_least $((before + 50)) || { echo "too few acknowledged revocations after the failover" >&2; tail -5 "$d/writer.err" >&2; return 1; }
    touch "$d/stop"
    wait "$writer" 2>/dev/null || true
    echo "   $(acked) acknowledged in all; refused (not replicated or unreachable): $(grep -c 'jwtgate:' "$d/writer.err" || true)"
    touch "$d/done"

    local f lang pid r
    wait "$timing" || true
    if python3 bench/ha_failover.py report "$HA_KILLED_NS" "$d/wlog" "$d/timing" >"$d/timing.report"; then
        PASS=$((PASS + 1)); r=ok
    else
        FAIL=$((FAIL + 1)); r=FAIL
    fi
    echo "$r   $name, timing follower (Python): $(tail -1 "$d/timing.report")"
    for f in py:$py go:$go; do
        lang=${f%%:*}; pid=${f#*:}
        if wait "$pid"; then PASS=$((PASS + 1)); r=ok; else FAIL=$((FAIL + 1)); r=FAIL; fi
        echo "$r   $name, $lang follower: $(tail -1 "$d/$lang.out")"
    done
    ha_stop
}

for s in $SCENARIOS; do
    case $s in
        sentinel | sentinel-tls | cluster | cluster-tls) ;;
        *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
    if ! scenario "$s"; then
        FAIL=$((FAIL + 1))
        echo "FAIL $s: the scenario did not run to the end"
        ha_stop
    fi
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
