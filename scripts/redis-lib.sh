# shellcheck shell=bash
# scripts/redis-lib.sh — start a throwaway redis-server on a free loopback
# port (sourced by test-sync.sh and demo-redis.sh).
#
#   jg_redis_start DIR     sets JG_REDIS_URL and JG_REDIS_PID; stops it on EXIT
#                          (unless the caller has an EXIT trap: it must call jg_redis_stop)
#   jg_redis_stop

jg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

jg_redis_start() {
    local dir=$1 port i
    command -v redis-server >/dev/null || { echo "redis-server not found (scripts/setup.sh installs it)" >&2; return 1; }
    mkdir -p "$dir"
    port=$(jg_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
    JG_REDIS_PID=$!
    JG_REDIS_URL="redis://127.0.0.1:$port/"
    export JG_REDIS_URL
    # Keep an EXIT trap the caller already set (its cleanup calls
    # jg_redis_stop): replacing it would skip the rest of that cleanup and
    # leave the caller's servers running.
    [ -n "$(trap -p EXIT)" ] || trap jg_redis_stop EXIT
    for i in $(seq 1 100); do
        if redis-cli -p "$port" ping >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    echo "redis-server did not start; log:" >&2
    cat "$dir/redis.log" >&2
    return 1
}

jg_redis_stop() {
    if [ -n "${JG_REDIS_PID:-}" ]; then
        kill "$JG_REDIS_PID" 2>/dev/null || true
        wait "$JG_REDIS_PID" 2>/dev/null || true
        JG_REDIS_PID=
    fi
}
