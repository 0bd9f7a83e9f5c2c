#!/usr/bin/env bash
# What `jwtgate serve` costs behind nginx (issue 16), in one run:
#
#   bash bench/gateway.sh                 # about 90 s after the build
#   JG_GW_SECONDS=8 JG_GW_ROUNDS=3 bash bench/gateway.sh
#   JG_GW_RS=0 bash bench/gateway.sh      # HS256 only, about 50 s
#
# On loopback ports picked at run time: an nginx "upstream" answering 200
# (fast, so the proxy and the auth are what is measured), nginx in front of
# it without auth, the same nginx config with auth_request to `jwtgate
# serve` (HS256 token, access log off, no revocation source, the default
# token cache), the same over a Unix domain socket (jwtgate on
# `unix:DIR/jwtgate.sock`, nginx `server unix:...` in its upstream, the
# rest alike), the same again with auth_request to a no-work auth server
# (an nginx answering 200 with the same claim headers: the ceiling of any
# auth server on this box), and `jwtgate serve` alone; then the same with
# an RS256 token (the IdP fixture's RSA-2048 token,
# tests/fixtures/idp_tokens.json) on two more `jwtgate serve`s, one with
# the verified-token cache ([cache] size = 4096, the default) and one
# without ([cache] size = 0). wrk sends one token over and over: with the
# cache on, every request but the first is a hit (the best case; a hit
# skips only the signature). wrk (1 thread, JG_GW_CONNS connections,
# default 32) runs each for JG_GW_SECONDS (default 4 s), then nginx with
# and without auth again on one connection for the added latency without
# queueing; the sides alternate for JG_GW_ROUNDS rounds (default 2) and the
# best round of each is kept (the machine is shared).
#
# Prints requests/s, p50/p99, the with/without auth ratio (goal: >= 60%),
# the p99 added latency (goal: <= 1 ms), the RS256 cache on/off ratios,
# and the CPU time (user + system) per request of each process: wrk (from
# the shell's `times`), the front nginx, the upstream and the auth server (from
# /proc/PID/stat before and after each run, children included). With
# every process CPU-bound on the same cores the throughput ratio is about
# the inverse ratio of the total CPU per request, a figure other load on
# the machine moves far less than requests/s. Quote the figures with the
# date and the load average in docs/benchmarks.md.
#
# JG_GW_NGINX_WORKERS sets every nginx's worker_processes (default 1;
# "auto" as production configs do); JG_GW_SERVER adds [server] lines to
# every `jwtgate serve` (e.g. "workers = 1").
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
RS=${JG_GW_RS:-1} # 0: HS256 only (a quicker run)
# Extra [server] lines for every `jwtgate serve`, e.g. "workers = 1".
SERVER_TOML=${JG_GW_SERVER:-}
for tool in nginx wrk curl jq xxd; do
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
[server]
$SERVER_TOML
EOF
printf '{"keys":[{"kty":"oct","alg":"HS256","k":"%s"}]}' \
    "$(printf '%s' "bench/gateway.sh: a 32-byte HMAC secret!" | base64 -w0 | tr '+/' '-_' | tr -d '=')" \
    >"$TMP/sign.jwks"
TOKEN=$("$JG" sign --key "$TMP/sign.jwks" --sub bench-user --aud api --exp +1h \
    --claims '{"roles":["user"],"email":"u@example.com"}')

# RS256: the IdP fixture's RSA-2048 key and token (exp 2100).
FIXTURE=tests/fixtures/idp_tokens.json
b64url_hex() { xxd -r -p | base64 -w0 | tr '+/' '-_' | tr -d '='; }
printf '{"keys":[{"kty":"RSA","alg":"RS256","kid":"rsa2048","n":"%s","e":"%s"}]}' \
    "$(jq -r .keys.rsa2048_n_hex "$FIXTURE" | b64url_hex)" \
    "$(jq -r .keys.rsa2048_e_hex "$FIXTURE" | b64url_hex)" >"$TMP/rs.jwks"
RS_TOKEN=$(jq -r .tokens.rs256_rsa2048 "$FIXTURE")
for cache in 4096 0; do
    mkdir -p "$TMP/rs-$cache"
    cat >"$TMP/rs-$cache/gateway.toml" <<EOF
[keys]
jwks_file = "$TMP/rs.jwks"
[policy]
issuers = ["$(jq -r .issuer "$FIXTURE")"]
audiences = ["$(jq -r .audience "$FIXTURE")"]
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"X-Auth-Email" = "email"
[cache]
size = $cache
[log]
access = false
[server]
$SERVER_TOML
EOF
done

jg_gw_static_start "$TMP"
APP_PORT=$JG_STATIC_PORT
UP=$JG_STATIC_PID
jg_gw_nginx_start "$TMP" noauth - "$APP_PORT"
NOAUTH_PORT=$JG_NGINX_PORT
NOAUTH_PID=$JG_NGINX_PID
# auth_pair PREFIX NAME DIR [unix:PATH]: `jwtgate serve` on
# DIR/gateway.toml (on that Unix socket if given) and an nginx
# auth_request in front of it; sets PREFIX_SERVE (jwtgate's port, empty on
# a socket), PREFIX_PID (its pid), PREFIX_PORT (nginx's port),
# PREFIX_NGINX (its pid).
auth_pair() {
    jg_gw_serve_start "$3" "$3/gateway.toml" ${4:+"$4"}
    jg_gw_nginx_start "$TMP" "$2" "${4:-$JG_SERVE_PORT}" "$APP_PORT"
    printf -v "$1_SERVE" %s "$JG_SERVE_PORT"
    printf -v "$1_PID" %s "$JG_SERVE_PID"
    printf -v "$1_PORT" %s "$JG_NGINX_PORT"
    printf -v "$1_NGINX" %s "$JG_NGINX_PID"
}
auth_pair HS auth "$TMP"
mkdir -p "$TMP/unix"
cp "$TMP/gateway.toml" "$TMP/secret" "$TMP/unix/"
auth_pair UDS uds "$TMP/unix" "unix:$TMP/unix/jwtgate.sock"
# The ceiling: the same auth_request config against an nginx that answers
# 200 with fixed claim headers and does no work (its own process, so that
# its CPU is counted apart from the upstream's).
jg_gw_static_start "$TMP/ceiling"
NOWORK_PID=$JG_STATIC_PID
jg_gw_nginx_start "$TMP" nowork "$JG_STATIC_PORT" "$APP_PORT"
NOWORK_PORT=$JG_NGINX_PORT
NOWORK_FRONT=$JG_NGINX_PID
if [ "$RS" = 1 ]; then
    auth_pair RS_ON rs-on "$TMP/rs-4096"
    auth_pair RS_OFF rs-off "$TMP/rs-0"
fi

# Sanity: the authenticated path really authenticates.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NOWORK_PORT/")" = 200 ] ||
    { echo "the no-work auth path does not answer 200" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HS_PORT/")" = 401 ] ||
    { echo "auth_request path does not refuse a missing token" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HS_PORT/")" = 200 ] ||
    { echo "auth_request path refuses the benchmark token" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$UDS_PORT/")" = 401 ] ||
    { echo "auth_request over the Unix socket does not refuse a missing token" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$UDS_PORT/")" = 200 ] ||
    { echo "auth_request over the Unix socket refuses the benchmark token" >&2; exit 1; }
[ "$RS" = 0 ] || for port in "$RS_ON_PORT" "$RS_OFF_PORT"; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RS_TOKEN" "http://127.0.0.1:$port/")" = 200 ] ||
        { echo "auth_request path refuses the RS256 token" >&2; exit 1; }
done

# run NAME URL CONNS TOKEN [PID...] -> "rps p50_us p99_us wrk_cpu pid_cpu..."
# (wrk --latency; CPU in microseconds of user + system time per request
# served: wrk's own from `times`, each PID's and its children's from /proc
# before and after). Best of the rounds later.
TICK_US=$((1000000 / $(getconf CLK_TCK)))
run() {
    local name=$1 url=$2 conns=$3 token=$4
    shift 4
    local pids=("$@") before=() after=() p i out
    for p in "${pids[@]}"; do before+=("$(jg_gw_cpu_ticks "$p")"); done
    # `times` in the subshell: its children's CPU (wrk's), from zero at
    # the fork: "0m1.230s 0m0.450s" on the second line.
    out=$(wrk -t1 -c"$conns" -d"${SECONDS_EACH}s" --latency \
        -H "Authorization: Bearer $token" -H "X-Original-URI: /bench" "$url"
        times >"$TMP/wrk.time")
    for p in "${pids[@]}"; do after+=("$(jg_gw_cpu_ticks "$p")"); done
    local rps p50 p99 non2xx requests cpu
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    requests=$(awk '/ requests in / {print $1}' <<<"$out")
    [ -z "$non2xx" ] || { echo "$name: $non2xx non-2xx answers" >&2; exit 1; }
    cpu=$(awk -v n="$requests" 'NR == 2 {
        split($1, u, /[ms]/); split($2, k, /[ms]/)
        printf "%.2f", (u[1] * 60 + u[2] + k[1] * 60 + k[2]) * 1e6 / n }' "$TMP/wrk.time")
    for i in "${!pids[@]}"; do
        cpu="$cpu $(awk -v d=$((after[i] - before[i])) -v t="$TICK_US" -v n="$requests" \
            'BEGIN {printf "%.2f", d * t / n}')"
    done
    echo "$rps $(to_us "$p50") $(to_us "$p99") $cpu"
}
to_us() { # wrk's "1.23ms" / "456.00us" / "1.2s" -> microseconds
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 }
        else print v }'
}
best() { # best FILE -> the highest rps with its p50 and p99, then each CPU
    # column's lowest value over the rounds (interference only adds CPU)
    awk '$1 > r { r = $1; p50 = $2; p99 = $3 }
        { for (i = 4; i <= NF; i++) if (NR == 1 || $i < m[i]) m[i] = $i; n = NF }
        END { printf "%s %s %s", r, p50, p99; for (i = 4; i <= n; i++) printf " %s", m[i]; print "" }' "$1"
}

for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS"
    run noauth "http://127.0.0.1:$NOAUTH_PORT/" "$CONNS" "$TOKEN" "$NOAUTH_PID" "$UP" >>"$TMP/noauth"
    run auth "http://127.0.0.1:$HS_PORT/" "$CONNS" "$TOKEN" "$HS_NGINX" "$UP" "$HS_PID" >>"$TMP/auth"
    run uds "http://127.0.0.1:$UDS_PORT/" "$CONNS" "$TOKEN" "$UDS_NGINX" "$UP" "$UDS_PID" >>"$TMP/uds"
    run nowork "http://127.0.0.1:$NOWORK_PORT/" "$CONNS" "$TOKEN" "$NOWORK_FRONT" "$UP" "$NOWORK_PID" >>"$TMP/nowork"
    run serve "http://127.0.0.1:$HS_SERVE/auth" "$CONNS" "$TOKEN" "$HS_PID" >>"$TMP/serve"
    # Latency without queueing: one connection.
    run noauth1 "http://127.0.0.1:$NOAUTH_PORT/" 1 "$TOKEN" >>"$TMP/noauth1"
    run auth1 "http://127.0.0.1:$HS_PORT/" 1 "$TOKEN" >>"$TMP/auth1"
    run uds1 "http://127.0.0.1:$UDS_PORT/" 1 "$TOKEN" >>"$TMP/uds1"
    [ "$RS" = 1 ] || continue
    run rs_on "http://127.0.0.1:$RS_ON_PORT/" "$CONNS" "$RS_TOKEN" "$RS_ON_NGINX" "$UP" "$RS_ON_PID" >>"$TMP/rs_on"
    run rs_off "http://127.0.0.1:$RS_OFF_PORT/" "$CONNS" "$RS_TOKEN" "$RS_OFF_NGINX" "$UP" "$RS_OFF_PID" >>"$TMP/rs_off"
    run rs_on_serve "http://127.0.0.1:$RS_ON_SERVE/auth" "$CONNS" "$RS_TOKEN" "$RS_ON_PID" >>"$TMP/rs_on_serve"
    run rs_off_serve "http://127.0.0.1:$RS_OFF_SERVE/auth" "$CONNS" "$RS_TOKEN" "$RS_OFF_PID" >>"$TMP/rs_off_serve"
done

read -r n_rps n_p50 n_p99 n_cpu_wrk n_cpu_front n_cpu_up <<<"$(best "$TMP/noauth")"
read -r a_rps a_p50 a_p99 a_cpu_wrk a_cpu_front a_cpu_up a_cpu_jg <<<"$(best "$TMP/auth")"
read -r u_rps u_p50 u_p99 u_cpu_wrk u_cpu_front u_cpu_up u_cpu_jg <<<"$(best "$TMP/uds")"
read -r w_rps w_p50 w_p99 w_cpu_wrk w_cpu_front w_cpu_up w_cpu_jg <<<"$(best "$TMP/nowork")"
read -r s_rps s_p50 s_p99 s_cpu_wrk s_cpu_jg <<<"$(best "$TMP/serve")"
# For latency the round with the lowest p99 of each side.
read -r _ n1_p50 n1_p99 _ <<<"$(sort -k3,3 -g "$TMP/noauth1" | head -1)"
read -r _ a1_p50 a1_p99 _ <<<"$(sort -k3,3 -g "$TMP/auth1" | head -1)"
read -r _ u1_p50 u1_p99 _ <<<"$(sort -k3,3 -g "$TMP/uds1" | head -1)"
echo
echo "wrk -t1 -c$CONNS -d${SECONDS_EACH}s, best of $ROUNDS rounds, HS256 unless said, $(nproc) cores shared by all, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s %10s %10s %10s\n' "" "req/s" "p50 us" "p99 us"
line() { printf '%-36s %10.0f %10.0f %10.0f\n' "$@"; }
line "nginx -> upstream (no auth)" "$n_rps" "$n_p50" "$n_p99"
line "nginx auth_request -> jwtgate" "$a_rps" "$a_p50" "$a_p99"
line "nginx auth_request -> jwtgate (unix)" "$u_rps" "$u_p50" "$u_p99"
line "nginx auth_request -> no-work nginx" "$w_rps" "$w_p50" "$w_p99"
line "jwtgate serve alone" "$s_rps" "$s_p50" "$s_p99"
printf '%-36s %10s %10.0f %10.0f\n' "no auth, 1 connection" "" "$n1_p50" "$n1_p99"
printf '%-36s %10s %10.0f %10.0f\n' "auth_request, 1 connection" "" "$a1_p50" "$a1_p99"
printf '%-36s %10s %10.0f %10.0f\n' "auth_request (unix), 1 connection" "" "$u1_p50" "$u1_p99"
if [ "$RS" = 1 ]; then
    read -r ro_rps ro_p50 ro_p99 ro_cpu_wrk ro_cpu_front ro_cpu_up ro_cpu_jg <<<"$(best "$TMP/rs_on")"
    read -r rf_rps rf_p50 rf_p99 rf_cpu_wrk rf_cpu_front rf_cpu_up rf_cpu_jg <<<"$(best "$TMP/rs_off")"
    read -r ros_rps ros_p50 ros_p99 ros_cpu_wrk ros_cpu_jg <<<"$(best "$TMP/rs_on_serve")"
    read -r rfs_rps rfs_p50 rfs_p99 rfs_cpu_wrk rfs_cpu_jg <<<"$(best "$TMP/rs_off_serve")"
    line "nginx auth_request, RS256, cache" "$ro_rps" "$ro_p50" "$ro_p99"
    line "nginx auth_request, RS256, no cache" "$rf_rps" "$rf_p50" "$rf_p99"
    line "jwtgate alone, RS256, cache" "$ros_rps" "$ros_p50" "$ros_p99"
    line "jwtgate alone, RS256, no cache" "$rfs_rps" "$rfs_p50" "$rfs_p99"
fi
awk -v a="$a_rps" -v n="$n_rps" -v w="$w_rps" -v ap="$a1_p99" -v np="$n1_p99" -v a50="$a1_p50" -v n50="$n1_p50" \
    -v u="$u_rps" -v up="$u1_p99" -v u50="$u1_p50" 'BEGIN {
    printf "with auth / without: %.0f%% of the throughput (goal >= 60%%)\n", 100 * a / n
    printf "with auth over the Unix socket / without: %.0f%% (unix / TCP: %.2fx)\n", 100 * u / n, u / a
    printf "added latency over the Unix socket, 1 connection: p50 %+.0f us, p99 %+.0f us\n", u50 - n50, up - np
    printf "no-work auth server / without: %.0f%% (the ceiling of any auth server here)\n", 100 * w / n
    printf "added latency, 1 connection: p50 %+.0f us, p99 %+.0f us (goal p99 <= 1000 us)\n", a50 - n50, ap - np
}'
if [ "$RS" = 1 ]; then
    awk -v n="$n_rps" -v on="$ro_rps" -v off="$rf_rps" -v son="$ros_rps" -v soff="$rfs_rps" 'BEGIN {
        printf "RS256 behind nginx: %.0f%% of no-auth with the cache, %.0f%% without (cache on / off: %.2fx)\n", 100 * on / n, 100 * off / n, on / off
        printf "RS256, jwtgate alone: cache on / off: %.2fx\n", son / soff
    }'
fi

# CPU per request: the figure a shared machine moves least. When every
# process is CPU-bound on the same cores, the throughput ratio is about
# the ratio of the total CPU per request; nginx's one worker is one
# thread, so 1 / (its CPU per request) also bounds its rate.
echo
echo "CPU per request served, us (user + system; the lowest of the rounds):"
printf '%-38s %8s %8s %8s %8s %8s\n' "" "wrk" "nginx" "upstream" "auth" "total"
cpu_line() { # LABEL WRK FRONT UP JG
    awk -v l="$1" -v w="$2" -v f="$3" -v u="$4" -v j="$5" 'BEGIN {
        printf "%-38s %8.1f %8s %8s %8s %8.1f\n", l, w,
            f == "-" ? "-" : sprintf("%.1f", f), u == "-" ? "-" : sprintf("%.1f", u),
            j == "-" ? "-" : sprintf("%.1f", j), w + f + u + j }'
}
cpu_line "nginx -> upstream (no auth)" "$n_cpu_wrk" "$n_cpu_front" "$n_cpu_up" -
cpu_line "nginx auth_request -> jwtgate" "$a_cpu_wrk" "$a_cpu_front" "$a_cpu_up" "$a_cpu_jg"
cpu_line "nginx auth_request -> jwtgate (unix)" "$u_cpu_wrk" "$u_cpu_front" "$u_cpu_up" "$u_cpu_jg"
cpu_line "nginx auth_request -> no-work nginx" "$w_cpu_wrk" "$w_cpu_front" "$w_cpu_up" "$w_cpu_jg"
cpu_line "jwtgate serve alone" "$s_cpu_wrk" - - "$s_cpu_jg"
if [ "$RS" = 1 ]; then
    cpu_line "nginx auth_request, RS256, cache" "$ro_cpu_wrk" "$ro_cpu_front" "$ro_cpu_up" "$ro_cpu_jg"
    cpu_line "nginx auth_request, RS256, no cache" "$rf_cpu_wrk" "$rf_cpu_front" "$rf_cpu_up" "$rf_cpu_jg"
fi
awk -v nw="$n_cpu_wrk" -v nf="$n_cpu_front" -v nu="$n_cpu_up" \
    -v aw="$a_cpu_wrk" -v af="$a_cpu_front" -v au="$a_cpu_up" -v aj="$a_cpu_jg" \
    -v ww="$w_cpu_wrk" -v wf="$w_cpu_front" -v wu="$w_cpu_up" -v wj="$w_cpu_jg" -v cores="$(nproc)" \
    -v uw="$u_cpu_wrk" -v uf="$u_cpu_front" -v uu="$u_cpu_up" -v uj="$u_cpu_jg" 'BEGIN {
    n = nw + nf + nu; a = aw + af + au + aj; w = ww + wf + wu + wj; u = uw + uf + uu + uj
    printf "CPU-bound ratio, total CPU per request no auth / auth: %.0f%% (measured: above)\n", 100 * n / a
    printf "the same over the Unix socket: %.0f%%; unix / TCP: jwtgate %.2fx, nginx front %.2fx, total %.2fx of the CPU per request\n", 100 * n / u, uj / aj, uf / af, u / a
    printf "the same with the no-work auth server: %.0f%%; with jwtgate at the no-work server'"'"'s cost: %.0f%%\n", 100 * n / w, 100 * n / (a - aj + wj)
    printf "nginx front alone, CPU per request auth / no auth: %.2fx; jwtgate: %.0f%% of the auth total\n", af / nf, 100 * aj / a
    printf "bounds on %d cores: no auth %.0f req/s (all CPU), %.0f (the front nginx if one worker); auth %.0f, %.0f\n", cores, cores * 1e6 / n, 1e6 / nf, cores * 1e6 / a, 1e6 / af
}'
