#!/usr/bin/env bash
# HA Redis benchmark (issue 17), loopback only, about 1-2 minutes per
# topology on this machine; not run by scripts/test.sh:
#
#   bash bench/ha.sh                  # sentinel, then cluster
#   bash bench/ha.sh sentinel         # one topology (sentinel|cluster)
#   JG_HA_FOLLOWERS=20 JG_HA_COUNT=200 JG_HA_WAIT=1 bash bench/ha.sh
#
# For each topology (scripts/ha-lib.sh: Sentinel 1 master + 1 replica +
# 3 sentinels, down-after 1000 ms; Cluster 3 masters + 3 replicas, node
# timeout 1000 ms):
#
# 1. propagation: sync/examples/fanout.rs through the topology's URL,
#    JG_HA_FOLLOWERS follower processes (Rust, each its own Follower,
#    polling every 50 us), JG_HA_COUNT revocations one at a time: from the
#    revoke call to rejection, p50/p99 per follower and for the slowest.
# 2. failover: JG_HA_FOLLOWERS follower processes of bench/ha_failover.py
#    (Python, Verifier.follow_redis; they poll every 2 ms), a writer
#    revoking every 20 ms (WAIT JG_HA_WAIT replicas, default 1), then
#    kill -9 of the master (Cluster: after a CLUSTER FAILOVER, the
#    promoted one): the time from the kill to the first revocation started
#    after it that every follower enforces, and acknowledged revocations a
#    follower missed.
#
# Quote the printed figures with the date in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh
# shellcheck source=scripts/ha-lib.sh
. scripts/ha-lib.sh

TOPOLOGIES=${*:-sentinel cluster}
FOLLOWERS=${JG_HA_FOLLOWERS:-20}
COUNT=${JG_HA_COUNT:-200}
WAIT=${JG_HA_WAIT:-1}
SECRET="bench/ha.sh: a 32-byte HMAC key!"
TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
TMP=$(mktemp -d)
trap 'ha_stop; rm -rf "$TMP"' EXIT # ha_stop also ends what HA_PIDS lists
ha_init "$TMP/ha"

cargo build -q --release -p jwtgate-sync --example fanout
FANOUT=$TARGET/release/examples/fanout
python3 -c 'import jwtgate' || { echo "the jwtgate Python package is not installed (scripts/test-python.sh)" >&2; exit 1; }
python3 bench/ha_failover.py tokens "$SECRET" 5000 >"$TMP/tokens"
echo "$(date -u +%F), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $FOLLOWERS follower processes, WAIT $WAIT"

for topo in $TOPOLOGIES; do
    case $topo in sentinel | cluster) ;; *) echo "unknown topology $topo" >&2; exit 2 ;; esac
    echo "== $topo"
    "ha_${topo}_start" 0
    if [ "$COUNT" -gt 0 ]; then echo "propagation: $("$FANOUT" "$HA_URL" "$FOLLOWERS" "$COUNT")"; fi

    d=$TMP/$topo
    mkdir -p "$d"
    fpids=()
    for i in $(seq 1 "$FOLLOWERS"); do
        python3 bench/ha_failover.py follower "$HA_URL" "$SECRET" "$TMP/tokens" "$d/writer" "$d/f$i" "$d/stop" >"$d/f$i.log" 2>&1 &
        fpids+=($!); HA_PIDS+=($!)
    done
    for i in $(seq 1 "$FOLLOWERS"); do
        ha_wait 60 grep -q ready "$d/f$i.log" || { cat "$d/f$i.log" >&2; exit 1; }
    done
    python3 bench/ha_failover.py writer "$HA_URL" "$d/writer" "$d/wstop" "$WAIT" &
    wpid=$!; HA_PIDS+=($wpid)
    sleep 3
    "ha_${topo}_kill"
    ok_after() { awk -v k="$HA_KILLED_NS" '$1 == "E" && $3 > k && $5 == "ok"' "$d/writer" | wc -l; }
    enough_after() { [ "$(ok_after)" -ge 100 ]; }
    ha_wait 60 enough_after \
        || echo "fewer than 100 acknowledged revocations after the kill: $(ok_after)" >&2
    touch "$d/wstop"
    wait "$wpid" || true
    sleep 2 # the last revocations reach every follower
    touch "$d/stop"
    for p in "${fpids[@]}"; do wait "$p" || true; done
    outs=()
    for i in $(seq 1 "$FOLLOWERS"); do outs+=("$d/f$i"); done
    python3 bench/ha_failover.py report "$HA_KILLED_NS" "$d/writer" "${outs[@]}" || true
    ha_stop
done
