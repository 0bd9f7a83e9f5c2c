#!/usr/bin/env bash
# What `jwtgate serve` costs behind nginx (issue 16), in one run:
#
#   bash bench/gateway.sh                 # about 45 s after the build
#   JG_GW_SECONDS=8 JG_GW_ROUNDS=3 bash bench/gateway.sh
#
# On loopback ports picked at run time: an nginx "upstream" answering 200
# (fast, so the proxy and the auth are what is measured), nginx in front of
# it without auth, the same nginx config with auth_request to `jwtgate
# serve` (HS256 token, access log off, no revocation source), and
# `jwtgate serve` alone. wrk (1 thread, JG_GW_CONNS connections, default 32)
# runs each for JG_GW_SECONDS (default 4 s), then nginx with and without
# auth again on one connection for the added latency without queueing;
# the sides alternate for
# JG_GW_ROUNDS rounds (default 2) and the best round of each is kept (the
# machine is shared). Prints requests/s, p50/p99, the with/without auth
# ratio (goal: >= 60%) and the p99 added latency (goal: <= 1 ms). Quote the
# figures with the date in docs/benchmarks.md.
#
# Everything (wrk, nginx, jwtgate, the upstream) shares the machine's cores:
# the figures are for this 2-core box, not for a deployment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh
# shellcheck source=scripts/gateway-lib.sh
. scripts/gateway-lib.sh

SECONDS_EACH=${JG_GW_SECONDS:-4}
ROUNDS=${JG_GW_ROUNDS:-2}
CONNS=${JG_GW_CONNS:-32}
for tool in nginx wrk curl; do
    command -v "$tool" >/dev/null || { echo "$tool not found (scripts/setup.sh installs it)" >&2; exit 1; }
done

TMP="$(mktemp -d)"
chmod 755 "$TMP"
trap 'jg_gw_stop_all; rm -rf "$TMP"' EXIT

cargo build -q --release -p jwtgate-cli
JG="$JG_GW_BIN"

printf '%s' "bench/gateway.sh: a 32-byte HMAC secret!" >"$TMP/secret"
cat >"$TMP/gateway.toml" <<EOF
[keys]
secret_file = "secret"
[policy]
audiences = ["api"]
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"X-Auth-Email" = "email"
[log]
access = false
EOF
printf '{"keys":[{"kty":"oct","alg":"HS256","k":"%s"}]}' \
    "$(printf '%s' "bench/gateway.sh: a 32-byte HMAC secret!" | base64 -w0 | tr '+/' '-_' | tr -d '=')" \
    >"$TMP/sign.jwks"
TOKEN=$("$JG" sign --key "$TMP/sign.jwks" --sub bench-user --aud api --exp +1h \
    --claims '{"roles":["user"],"email":"u@example.com"}')

jg_gw_static_start "$TMP"
jg_gw_serve_start "$TMP" "$TMP/gateway.toml"
jg_gw_nginx_start "$TMP" noauth - "$JG_STATIC_PORT"
NOAUTH_PORT=$JG_NGINX_PORT
jg_gw_nginx_start "$TMP" auth "$JG_SERVE_PORT" "$JG_STATIC_PORT"
AUTH_PORT=$JG_NGINX_PORT

# Sanity: the authenticated path really authenticates.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AUTH_PORT/")" = 401 ] ||
    { echo "auth_request path does not refuse a missing token" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$AUTH_PORT/")" = 200 ] ||
    { echo "auth_request path refuses the benchmark token" >&2; exit 1; }

# run NAME URL [CONNS] -> "rps p50_us p99_us" (wrk --latency), best of the rounds later
run() {
    local out
    out=$(wrk -t1 -c"${3:-$CONNS}" -d"${SECONDS_EACH}s" --latency \
        -H "Authorization: Bearer $TOKEN" -H "X-Original-URI: /bench" "$2")
    local rps p50 p99 non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    [ -z "$non2xx" ] || { echo "$1: $non2xx non-2xx answers" >&2; exit 1; }
    echo "$rps $(to_us "$p50") $(to_us "$p99")"
}
to_us() { # wrk's "1.23ms" / "456.00us" / "1.2s" -> microseconds
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 }
        else print v }'
}
best() { # best FILE -> the line with the highest rps
    sort -k1,1 -g -r "$1" | head -1
}

for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS"
    run noauth "http://127.0.0.1:$NOAUTH_PORT/" >>"$TMP/noauth"
    run auth "http://127.0.0.1:$AUTH_PORT/" >>"$TMP/auth"
    run serve "http://127.0.0.1:$JG_SERVE_PORT/auth" >>"$TMP/serve"
    # Latency without queueing: one connection.
    run noauth1 "http://127.0.0.1:$NOAUTH_PORT/" 1 >>"$TMP/noauth1"
    run auth1 "http://127.0.0.1:$AUTH_PORT/" 1 >>"$TMP/auth1"
done

read -r n_rps n_p50 n_p99 <<<"$(best "$TMP/noauth")"
read -r a_rps a_p50 a_p99 <<<"$(best "$TMP/auth")"
read -r s_rps s_p50 s_p99 <<<"$(best "$TMP/serve")"
# For latency the round with the lowest p99 of each side.
read -r _ n1_p50 n1_p99 <<<"$(sort -k3,3 -g "$TMP/noauth1" | head -1)"
read -r _ a1_p50 a1_p99 <<<"$(sort -k3,3 -g "$TMP/auth1" | head -1)"
echo
echo "wrk -t1 -c$CONNS -d${SECONDS_EACH}s, best of $ROUNDS rounds, HS256, $(nproc) cores shared by all"
printf '%-34s %10s %10s %10s\n' "" "req/s" "p50 us" "p99 us"
printf '%-34s %10.0f %10.0f %10.0f\n' "nginx -> upstream (no auth)" "$n_rps" "$n_p50" "$n_p99"
printf '%-34s %10.0f %10.0f %10.0f\n' "nginx auth_request -> jwtgate" "$a_rps" "$a_p50" "$a_p99"
printf '%-34s %10.0f %10.0f %10.0f\n' "jwtgate serve alone" "$s_rps" "$s_p50" "$s_p99"
printf '%-34s %10s %10.0f %10.0f\n' "no auth, 1 connection" "" "$n1_p50" "$n1_p99"
printf '%-34s %10s %10.0f %10.0f\n' "auth_request, 1 connection" "" "$a1_p50" "$a1_p99"
awk -v a="$a_rps" -v n="$n_rps" -v ap="$a1_p99" -v np="$n1_p99" -v a50="$a1_p50" -v n50="$n1_p50" 'BEGIN {
    printf "with auth / without: %.0f%% of the throughput (goal >= 60%%)\n", 100 * a / n
    printf "added latency, 1 connection: p50 %+.0f us, p99 %+.0f us (goal p99 <= 1000 us)\n", a50 - n50, ap - np
}'
