#!/usr/bin/env bash
# scripts/test-ha.sh — failover across languages, with real servers on
# loopback: a Sentinel group (1 master, 1 replica, 3 sentinels,
# down-after 1000 ms); a Python follower (jwtgate.Verifier.follow_redis) and
# a Go follower (Verifier.FollowRedis) on the same redis+sentinel:// URL; the
# CLI revokes one token per call with `--wait-replicas 1`. The master is
# killed (SIGKILL) mid-stream and comes back as a replica. Every revocation
# the CLI acknowledged (exit 0) must then be rejected by both followers.
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

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

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
NAME=jg-ha
started() { PIDS+=("$1"); }
wait_cmd() { # wait_cmd SECONDS CMD... : until CMD succeeds
    local deadline=$(($(date +%s) + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
node() { # node PORT DIR [ARGS...]: a data node in the background
    local port=$1 dir=$2; shift 2
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir" --daemonize no "$@" >"$dir/log" 2>&1 &
    LAST_PID=$!
    started "$LAST_PID"
    wait_cmd 10 redis-cli -p "$port" ping
}

echo "== Sentinel group"
M=$(jg_free_port); R=$(jg_free_port)
node "$M" "$TMP/m"; MPID=$LAST_PID
node "$R" "$TMP/r" --replicaof 127.0.0.1 "$M"
wait_cmd 10 sh -c "redis-cli -p $M info replication | grep -q 'state=online'"
SPORTS=()
for i in 1 2 3; do
    s=$(jg_free_port)
    printf 'port %s\nbind 127.0.0.1\ndaemonize no\ndir %s\nsentinel monitor %s 127.0.0.1 %s 2\nsentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 3000\n' \
        "$s" "$TMP" "$NAME" "$M" "$NAME" "$NAME" >"$TMP/s$i.conf"
    redis-server "$TMP/s$i.conf" --sentinel >"$TMP/s$i.log" 2>&1 &
    started $!
    SPORTS+=("$s")
done
for s in "${SPORTS[@]}"; do
    wait_cmd 20 sh -c "[ \$(redis-cli -p $s sentinel sentinels $NAME | grep -c '^name\$') -eq 2 ] && [ \$(redis-cli -p $s sentinel replicas $NAME | grep -c '^name\$') -eq 1 ]" \
        || { echo "sentinels did not converge" >&2; exit 1; }
done
URL="redis+sentinel://127.0.0.1:${SPORTS[0]},127.0.0.1:${SPORTS[1]},127.0.0.1:${SPORTS[2]}/$NAME"
master_port() { redis-cli -p "${SPORTS[0]}" sentinel get-master-addr-by-name "$NAME" | sed -n 2p; }

echo "== tokens, followers"
python3 - "$SECRET" >"$TMP/tokens" <<'PY'
import sys, time, jwtgate
secret, now = sys.argv[1].encode(), int(time.time())
for i in range(5000):
    tok = jwtgate.encode({"sub": "u", "jti": f"w-{i}", "iat": now - 1, "exp": now + 3600}, secret, algorithm="HS256")
    print(f"w-{i} {tok}")
PY
: >"$TMP/acked"
python3 tests/ha/follower.py "$URL" "$SECRET" "$TMP/tokens" "$TMP/acked" "$TMP/done" >"$TMP/py.out" 2>&1 &
PY_PID=$!; started "$PY_PID"
"$TMP/gofollower" "$URL" "$SECRET" "$TMP/tokens" "$TMP/acked" "$TMP/done" >"$TMP/go.out" 2>&1 &
GO_PID=$!; started "$GO_PID"
wait_cmd 30 grep -q ready "$TMP/py.out" || { cat "$TMP/py.out" >&2; exit 1; }
wait_cmd 30 grep -q ready "$TMP/go.out" || { cat "$TMP/go.out" >&2; exit 1; }

echo "== writer: jwtgate revoke --wait-replicas 1, one token per call"
(
    i=0
    while [ ! -e "$TMP/stop" ] && [ $i -lt 5000 ]; do
        if "$JG" revoke --redis "$URL" --namespace ha --wait-replicas 1 --wait-timeout 500 \
            token "w-$i" --exp +1h >/dev/null 2>>"$TMP/writer.err"; then
            echo "w-$i" >>"$TMP/acked"
        else
            sleep 0.05
        fi
        i=$((i + 1))
    done
) &
WRITER=$!; started "$WRITER"
acked() { wc -l <"$TMP/acked"; }
wait_cmd 60 sh -c "[ \$(wc -l <$TMP/acked) -ge 50 ]" || { echo "writer made no progress" >&2; cat "$TMP/writer.err" >&2; exit 1; }

OLD=$(master_port)
echo "== kill -9 the master (port $OLD) after $(acked) acknowledged revocations"
BEFORE=$(acked)
T0=$(date +%s%N)
kill -9 "$MPID"
wait "$MPID" 2>/dev/null || true
wait_cmd 30 sh -c "[ \"\$(redis-cli -p ${SPORTS[0]} sentinel get-master-addr-by-name $NAME | sed -n 2p)\" != $OLD ]" \
    || { echo "no failover" >&2; exit 1; }
NEW=$(master_port)
echo "   new master: port $NEW after $(( ($(date +%s%N) - T0) / 1000000 )) ms; the old one returns as its replica"
node "$OLD" "$TMP/m2" --replicaof 127.0.0.1 "$NEW"
wait_cmd 60 sh -c "[ \$(wc -l <$TMP/acked) -gt $BEFORE ]" || { echo "no acknowledged revocation after the failover" >&2; exit 1; }
echo "   first revocation acknowledged (WAIT 1) after the failover: $(( ($(date +%s%N) - T0) / 1000000 )) ms after the kill"
wait_cmd 60 sh -c "[ \$(wc -l <$TMP/acked) -ge $((BEFORE + 50)) ]" || { echo "no acknowledged revocation after the failover" >&2; cat "$TMP/writer.err" | tail -5 >&2; exit 1; }
touch "$TMP/stop"
wait "$WRITER" 2>/dev/null || true
echo "   $(acked) acknowledged in all; refused (not replicated or unreachable): $(grep -c 'jwtgate:' "$TMP/writer.err" || true)"
touch "$TMP/done"

PASS=0; FAIL=0
for f in py:$PY_PID go:$GO_PID; do
    name=${f%%:*}; pid=${f#*:}
    if wait "$pid"; then PASS=$((PASS + 1)); r=ok; else FAIL=$((FAIL + 1)); r=FAIL; fi
    echo "$r   $name follower: $(tail -1 "$TMP/$name.out")"
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
