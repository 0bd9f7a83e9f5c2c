# shellcheck shell=bash
# scripts/ha-lib.sh — highly available Redis on loopback for
# scripts/test-ha.sh and bench/ha.sh: a Sentinel group (1 master, 1 replica,
# 3 sentinels, down-after 1000 ms) or a Cluster (3 masters + 3 replicas by
# `redis-cli --cluster create`, node timeout 1000 ms), in plain text or
# TLS only (`port 0`, a CA and a certificate for 127.0.0.1 made by openssl
# at run time, `tls-replication` and `tls-cluster` on, so that replicas,
# sentinels and the cluster bus speak TLS too). Every process is killed on
# `ha_stop` (and on EXIT by the caller's trap).
#
#   . scripts/redis-lib.sh; . scripts/ha-lib.sh
#   ha_init DIR                 work directory (certificates, node dirs)
#   ha_sentinel_start TLS       TLS is 0 or 1; sets HA_URL
#   ha_sentinel_kill            kill -9 of the master; waits for the
#                               election; brings it back empty as a replica
#   ha_cluster_start TLS        sets HA_URL (namespace `ha`'s shard)
#   ha_cluster_kill             CLUSTER FAILOVER in the namespace's shard,
#                               then kill -9 of the promoted master; waits
#                               for the election; restarts it (it rejoins
#                               as a replica)
#   ha_stop                     kills every process started here and any
#                               the caller added to HA_PIDS
#
# After a *_kill: HA_KILLED_NS (date +%s%N of the kill), HA_ELECTED_MS
# (from the kill until the new master was seen).

HA_PIDS=()
declare -A HA_NODE_PID HA_NODE_DIR

ha_init() {
    HA_DIR=$1
    mkdir -p "$HA_DIR"
}

ha_wait() { # ha_wait SECONDS CMD... : until CMD succeeds
    local deadline=$(($(date +%s) + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

ha_certs() { # a CA and a server certificate for 127.0.0.1 (EC P-256, one day)
    local d=$HA_DIR/tls
    [ -e "$d/server.pem" ] && return 0
    mkdir -p "$d"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 -days 1 -subj "/CN=jwtgate test CA" "${ec[@]}" \
        -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
    openssl req -subj /CN=127.0.0.1 "${ec[@]}" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/san.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 1 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null
}

# The server side of TLS, as config lines (a sentinel's file) or arguments.
ha_tls_conf() {
    local d=$HA_DIR/tls
    printf 'tls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients no\ntls-replication yes\n' \
        "$d/server.pem" "$d/server.key" "$d/ca.pem"
}
ha_tls_args() {
    local line
    while read -r line; do
        # shellcheck disable=SC2086 # "name value" -> --name value
        printf -- '--%s\n%s\n' ${line}
    done < <(ha_tls_conf)
}

ha_cli() { # ha_cli PORT ARGS...: redis-cli, over TLS in a TLS topology
    local port=$1; shift
    if [ "$HA_TLS" = 1 ]; then
        redis-cli --tls --cacert "$HA_DIR/tls/ca.pem" -p "$port" "$@"
    else
        redis-cli -p "$port" "$@"
    fi
}

# The URL's scheme and query for this topology ("" or "?ca=...").
ha_scheme() { # ha_scheme sentinel|cluster
    if [ "$HA_TLS" = 1 ]; then echo "rediss+$1"; else echo "redis+$1"; fi
}
ha_query() {
    if [ "$HA_TLS" = 1 ]; then echo "?ca=$HA_DIR/tls/ca.pem"; fi
}

ha_node() { # ha_node PORT DIR [ARGS...]: a data node in the background
    local port=$1 dir=$2; shift 2
    mkdir -p "$dir"
    local args=(--bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no)
    if [ "$HA_TLS" = 1 ]; then
        local server_tls
        mapfile -t server_tls < <(ha_tls_args)
        args+=(--port 0 --tls-port "$port" "${server_tls[@]}")
    else
        args+=(--port "$port")
    fi
    args+=("$@")
    declare -g -a "HA_ARGS_$port"
    local -n saved="HA_ARGS_$port"
    saved=("${args[@]}")
    HA_NODE_DIR[$port]=$dir
    redis-server "${args[@]}" >>"$dir/log" 2>&1 &
    HA_NODE_PID[$port]=$!
    HA_PIDS+=($!)
    ha_wait 10 ha_cli "$port" ping || { echo "node $port did not start:" >&2; tail -5 "$dir/log" >&2; return 1; }
}

ha_has() { # ha_has PORT TEXT CMD...: CMD's answer contains TEXT
    local port=$1 text=$2; shift 2
    ha_cli "$port" "$@" 2>/dev/null | grep -qF "$text"
}

ha_kill9() { # ha_kill9 PORT
    local pid=${HA_NODE_PID[$1]}
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

ha_restart() { # ha_restart PORT [EXTRA ARGS...]: same arguments (same dir), plus EXTRA
    local port=$1; shift
    local -n saved="HA_ARGS_$port"
    redis-server "${saved[@]}" "$@" >>"${HA_NODE_DIR[$port]}/log" 2>&1 &
    HA_NODE_PID[$port]=$!
    HA_PIDS+=($!)
    ha_wait 10 ha_cli "$port" ping
}

ha_stop() {
    local p
    for p in "${HA_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${HA_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    HA_PIDS=()
    HA_NODE_PID=()
    HA_NODE_DIR=()
}

HA_NAME=jg-ha

ha_sentinel_start() {
    HA_TLS=$1
    if [ "$HA_TLS" = 1 ]; then ha_certs || return 1; fi
    local d=$HA_DIR/sentinel-$HA_TLS
    rm -rf "$d"; mkdir -p "$d"
    HA_M=$(jg_free_port)
    local r; r=$(jg_free_port)
    ha_node "$HA_M" "$d/m" || return 1
    ha_node "$r" "$d/r" --replicaof 127.0.0.1 "$HA_M" || return 1
    ha_wait 10 ha_has "$HA_M" 'state=online' info replication \
        || { echo "replica never synced" >&2; return 1; }
    HA_SPORTS=()
    local i s conf hosts=()
    for i in 1 2 3; do
        s=$(jg_free_port)
        conf=$d/s$i.conf
        {
            if [ "$HA_TLS" = 1 ]; then printf 'port 0\ntls-port %s\n' "$s"; ha_tls_conf; else printf 'port %s\n' "$s"; fi
            printf 'bind 127.0.0.1\ndaemonize no\ndir %s\nsentinel monitor %s 127.0.0.1 %s 2\n' "$d" "$HA_NAME" "$HA_M"
            printf 'sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 3000\n' "$HA_NAME" "$HA_NAME"
        } >"$conf"
        redis-server "$conf" --sentinel >"$d/s$i.log" 2>&1 &
        HA_PIDS+=($!)
        HA_SPORTS+=("$s")
        hosts+=("127.0.0.1:$s")
    done
    for s in "${HA_SPORTS[@]}"; do
        ha_wait 30 ha_sentinel_converged "$s" || { echo "sentinels did not converge" >&2; return 1; }
    done
    HA_URL="$(ha_scheme sentinel)://$(IFS=,; echo "${hosts[*]}")/$HA_NAME$(ha_query)"
}

ha_sentinel_converged() { # every sentinel knows the 2 others and the replica
    [ "$(ha_cli "$1" sentinel sentinels "$HA_NAME" | grep -c '^name$')" -eq 2 ] &&
        [ "$(ha_cli "$1" sentinel replicas "$HA_NAME" | grep -c '^name$')" -eq 1 ]
}

ha_sentinel_master() { ha_cli "${HA_SPORTS[0]}" sentinel get-master-addr-by-name "$HA_NAME" | sed -n 2p; }

ha_sentinel_moved() { [ "$(ha_sentinel_master)" != "$1" ] && [ -n "$(ha_sentinel_master)" ]; }

ha_sentinel_kill() {
    local old new
    old=$(ha_sentinel_master)
    HA_KILLED_NS=$(date +%s%N)
    ha_kill9 "$old"
    ha_wait 30 ha_sentinel_moved "$old" || { echo "no failover" >&2; return 1; }
    HA_ELECTED_MS=$((($(date +%s%N) - HA_KILLED_NS) / 1000000))
    new=$(ha_sentinel_master)
    echo "   sentinels elected port $new ${HA_ELECTED_MS} ms after the kill of $old; $old returns empty as its replica"
    ha_restart "$old" --replicaof 127.0.0.1 "$new"
}

# The stream key of namespace `ha` (every key of the namespace shares its slot).
HA_KEY='{ha}:revocations'

ha_cluster_start() {
    HA_TLS=$1
    if [ "$HA_TLS" = 1 ]; then ha_certs || return 1; fi
    local d=$HA_DIR/cluster-$HA_TLS
    rm -rf "$d"; mkdir -p "$d"
    HA_CPORTS=()
    local i port bus tls=()
    if [ "$HA_TLS" = 1 ]; then tls=(--tls-cluster yes); fi
    for i in 0 1 2 3 4 5; do
        port=$(jg_free_port)
        bus=$(jg_free_port) # port + 10000 may not exist for an ephemeral port
        ha_node "$port" "$d/n$i" --cluster-enabled yes --cluster-config-file nodes.conf \
            --cluster-node-timeout 1000 --cluster-port "$bus" "${tls[@]}" || return 1
        HA_CPORTS+=("$port")
    done
    local addrs=() cli=(redis-cli)
    for port in "${HA_CPORTS[@]}"; do addrs+=("127.0.0.1:$port"); done
    if [ "$HA_TLS" = 1 ]; then cli+=(--tls --cacert "$HA_DIR/tls/ca.pem"); fi
    "${cli[@]}" --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes </dev/null >"$d/create.log" 2>&1 \
        || { cat "$d/create.log" >&2; return 1; }
    for port in "${HA_CPORTS[@]}"; do
        ha_wait 20 ha_has "$port" cluster_state:ok cluster info \
            || { echo "cluster not ok on $port" >&2; return 1; }
    done
    ha_wait 20 ha_cluster_synced 3 || { echo "cluster replicas did not sync" >&2; return 1; }
    HA_SLOT=$(ha_cli "${HA_CPORTS[0]}" cluster keyslot "$HA_KEY")
    HA_URL="$(ha_scheme cluster)://$(IFS=,; echo "${addrs[*]:0:3}")$(ha_query)"
}

ha_cluster_synced() { # ha_cluster_synced N: N replicas with their link up
    local port n=0
    for port in "${HA_CPORTS[@]}"; do
        if ha_cli "$port" info replication 2>/dev/null | grep -q master_link_status:up; then n=$((n + 1)); fi
    done
    [ "$n" -ge "$1" ]
}

# "MASTER REPLICA..." (ports) of the namespace's slot, as the first node
# that answers sees it (CLUSTER NODES); fails while the slot has no master.
ha_cluster_shard() {
    local port out
    for port in "${HA_CPORTS[@]}"; do
        out=$(ha_cli "$port" cluster nodes 2>/dev/null) || continue
        [ -n "$out" ] || continue
        awk -v slot="$HA_SLOT" '
            { split($2, a, "@"); n = split(a[1], hp, ":"); port[$1] = hp[n]; flags[$1] = $3; of[$1] = $4
              for (i = 9; i <= NF; i++) {
                  if ($i ~ /^\[/) continue
                  m = split($i, b, "-"); lo = b[1]; hi = (m > 1 ? b[2] : b[1])
                  if (slot + 0 >= lo + 0 && slot + 0 <= hi + 0) owner = $1
              } }
            END { if (owner == "" || flags[owner] ~ /fail/) exit 1
                  s = port[owner]
                  for (id in of) if (of[id] == owner && flags[id] !~ /fail/) s = s " " port[id]
                  print s }' <<<"$out" && return 0
    done
    return 1
}

ha_cluster_is() { # ha_cluster_is MASTER [REPLICA]: the shard is so
    local s; s=$(ha_cluster_shard) || return 1
    [ "${s%% *}" = "$1" ] || return 1
    [ $# -lt 2 ] || [[ " $s " == *" $2 "* ]]
}

ha_cluster_master_not() { # the shard has a master other than $1
    local s; s=$(ha_cluster_shard) || return 1
    [ "${s%% *}" != "$1" ]
}

ha_cluster_has_replica() { local s; s=$(ha_cluster_shard) && [ "$s" != "${s%% *}" ]; }

ha_cluster_kill() {
    ha_wait 15 ha_cluster_has_replica || { echo "no replica listed in the namespace's shard" >&2; return 1; }
    local shard master replica
    shard=$(ha_cluster_shard)
    read -r master replica _ <<<"$shard"
    [ "$(ha_cli "$replica" cluster failover)" = OK ] || { echo "CLUSTER FAILOVER refused" >&2; return 1; }
    ha_wait 15 ha_cluster_is "$replica" "$master" || { echo "CLUSTER FAILOVER did not complete" >&2; return 1; }
    echo "   CLUSTER FAILOVER: port $replica now master of slot $HA_SLOT, $master its replica"
    sleep 0.5
    HA_KILLED_NS=$(date +%s%N)
    ha_kill9 "$replica"
    ha_wait 30 ha_cluster_master_not "$replica" || { echo "cluster never failed over" >&2; return 1; }
    HA_ELECTED_MS=$((($(date +%s%N) - HA_KILLED_NS) / 1000000))
    echo "   kill -9 of $replica: slot $HA_SLOT served by $(ha_cluster_shard | cut -d' ' -f1) ${HA_ELECTED_MS} ms later; $replica restarts empty (it rejoins as a replica)"
    ha_restart "$replica"
}
