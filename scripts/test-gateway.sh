#!/usr/bin/env bash
# scripts/test-gateway.sh — `jwtgate serve` behind real proxies (issue 16).
#
# Starts, on loopback ports picked at run time: a redis-server, an upstream
# that echoes the headers it receives (and logs every call), `jwtgate serve`
# (EdDSA keys from a JWKS file, revocations followed from Redis), nginx
# (auth_request) and Caddy (forward_auth), configured as docs/gateway.md
# shows. Then, through each proxy:
#
#   - a valid token: the upstream sees the claim headers;
#   - the same plus client-sent X-Auth-Subject / X-Auth-Email: the upstream
#     sees the true subject and no forged email (the claim is absent);
#   - no token, a forged, an expired and a wrong-audience token: 401 with
#     the RFC 6750 WWW-Authenticate header, the upstream never called;
#   - a route rule not met: 403, the upstream never called;
#   - a token revoked through Redis while traffic flows: rejected (time
#     reported);
#   - key rotation under traffic (a new JWKS file and SIGHUP): no request
#     of the old key fails, the new key's tokens pass once reloaded;
#   - JWKS rotation under traffic, keys from a JWKS URL (a local HTTPS
#     identity provider with a test CA, sync/examples/jwks_server): the new
#     key's tokens pass once published (unknown kid -> refresh), no request
#     of the old key fails meanwhile, the old key is refused once withdrawn;
#     the provider failing past keys.max_staleness: jwtgate 503, nginx
#     closed (500), /readyz 503, until it answers again;
#   - phantom tokens (a second jwtgate in [phantom] mode): an opaque session
#     cookie in, a minted JWT to the upstream; logout (the session deleted)
#     gives 401 and revokes the minted JWT's sid;
#   - Envoy's gRPC ext_authz API (scripts/gateway-grpc.py: grpcio with
#     messages generated from Envoy's protos, standing in for Envoy, which
#     Debian does not package): allowed with claim headers set and empty
#     ones removed, spoofed identity headers overwritten, 401 with the RFC
#     6750 challenge for no/forged/expired/wrong-audience/unknown-key
#     tokens, 403 on a route rule, a Redis revocation denied, malformed
#     protobuf INVALID_ARGUMENT, oversized messages and too many headers
#     RESOURCE_EXHAUSTED; the SIGHUP key rotation reaches it; phantom mode
#     through it (minted JWT set, 401 after logout); a gRPC call in flight
#     at SIGTERM is answered before jwtgate exits;
#   - nginx and Caddy to jwtgate on a Unix domain socket (`server.listen =
#     "unix:..."`, the socket in this run's temp dir): claims upstream,
#     spoofing overwritten, 401 / 403 with the upstream not called, metrics
#     and access log; the gRPC API on a Unix socket too (allowed, 401);
#     SIGTERM removes both sockets and both proxies fail closed;
#   - jwtgate down: the proxy fails closed, the upstream never called.
#
# Ends with "N passed, N failed". Needs nginx, caddy, curl, redis-server,
# and Python's grpcio and envoy-data-plane (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/redis-lib.sh
. scripts/redis-lib.sh
# shellcheck source=scripts/gateway-lib.sh
. scripts/gateway-lib.sh

for tool in nginx caddy curl jq redis-server; do
    command -v "$tool" >/dev/null || { echo "$tool not found (scripts/setup.sh installs it)" >&2; exit 1; }
done

PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*" >&2; }
expect() { # expect NAME WANT GOT
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want [$2], got [$3]"; fi
}

TMP="$(mktemp -d)"
chmod 755 "$TMP"
cleanup() {
    jg_gw_stop_all
    jg_redis_stop
    rm -rf "$TMP"
}
trap cleanup EXIT

echo "== building jwtgate and the test identity provider (release)"
cargo build -q --release -p jwtgate-cli
cargo build -q --release -p jwtgate-sync --example jwks_server
JG="$JG_GW_BIN"

jg_redis_start "$TMP/redis"
jg_gw_echo_start "$TMP"

# Keys: k1 now, k2 for the rotation.
"$JG" keygen --alg EdDSA --kid k1 --out "$TMP/k1.jwks" --public "$TMP/k1.pub.jwks" 2>/dev/null
"$JG" keygen --alg EdDSA --kid k2 --out "$TMP/k2.jwks" --public "$TMP/k2.pub.jwks" 2>/dev/null
cp "$TMP/k1.pub.jwks" "$TMP/keys.jwks"

GRPC_PORT=$(jg_free_port)
GRPC="127.0.0.1:$GRPC_PORT"
cat >"$TMP/gateway.toml" <<EOF
[server]
grpc_listen = "$GRPC"
[keys]
jwks_file = "keys.jwks"
[policy]
issuers = ["https://issuer.test"]
audiences = ["api"]
[revocation]
redis_url_env = "JWTGATE_TEST_REDIS"
max_staleness = "2s"
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"X-Auth-Email" = "email"
[[route]]
prefix = "/admin"
roles = ["admin"]
[log]
access = true
EOF
export JWTGATE_TEST_REDIS="$JG_REDIS_URL"
jg_gw_serve_start "$TMP" "$TMP/gateway.toml"
for i in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$JG_SERVE_PORT/readyz" && break
    sleep 0.05
done
expect "jwtgate serve ready (Redis loaded)" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$JG_SERVE_PORT/readyz")"

jg_gw_nginx_start "$TMP" auth "$JG_SERVE_PORT" "$JG_ECHO_PORT"
jg_gw_caddy_start "$TMP" "$JG_SERVE_PORT" "$JG_ECHO_PORT"

sign() { # sign KEY [sign options...]
    local key=$1; shift
    "$JG" sign --key "$TMP/$key.jwks" --iss https://issuer.test "$@"
}
GOOD=$(sign k1 --sub alice --aud api --sid s-alice --claims '{"roles":["user"]}')
ADMIN=$(sign k1 --sub root --aud api --claims '{"roles":["admin"]}')
EXPIRED=$(sign k1 --sub alice --aud api --iat 1000 --exp 2000)
WRONG_AUD=$(sign k1 --sub alice --aud other)
OTHER_KEY=$(sign k2 --sub alice --aud api)
# A changed signature character (not the last: it carries unused bits).
FORGED="${GOOD%??}$( [ "${GOOD: -2:1}" = A ] && echo B || echo A )${GOOD: -1}"

calls() { wc -l <"$TMP/echo.log" | tr -d ' '; }
status() { # status URL [curl args]
    local url=$1; shift
    curl -s -o /dev/null -w '%{http_code}' "$@" "$url"
}
traffic() { # traffic LOG URL [curl args]: requests in a loop, one status a line, in the background (TRAFFIC)
    local log=$1; shift
    ( while :; do
          echo "$(status "$@")"
      done ) >"$log" 2>/dev/null &
    TRAFFIC=$!
}
wait_status() { # wait_status WANT URL [curl args]: polls (10 ms apart, 300 times at most) for that status
    local want=$1 i; shift
    for i in $(seq 1 300); do
        [ "$(status "$@")" = "$want" ] && return 0
        sleep 0.01
    done
    return 1
}

run_proxy() { # run_proxy NAME PORT
    local name=$1 base="http://127.0.0.1:$2" body before h
    echo "== $name"
    body=$(curl -s -H "Authorization: Bearer $GOOD" "$base/app/x?q=1")
    expect "$name: valid token, upstream sees the subject" alice \
        "$(jq -r '.headers["x-auth-subject"][0]' <<<"$body")"
    expect "$name: valid token, upstream sees the roles" '["user"]' \
        "$(jq -r '.headers["x-auth-roles"][0]' <<<"$body")"

    body=$(curl -s -H "Authorization: Bearer $GOOD" -H "X-Auth-Subject: mallory" \
        -H "X-Auth-Email: ceo@example.com" "$base/app")
    expect "$name: spoofed X-Auth-Subject overwritten" '["alice"]' \
        "$(jq -c '.headers["x-auth-subject"]' <<<"$body")"
    expect "$name: spoofed X-Auth-Email (claim absent) not passed" "" \
        "$(jq -r '.headers["x-auth-email"] // [] | map(select(. != "")) | join(",")' <<<"$body")"

    for case in "no token:" "forged:$FORGED" "expired:$EXPIRED" "wrong audience:$WRONG_AUD" \
        "unknown key:$OTHER_KEY"; do
        local what=${case%%:*} tok=${case#*:} args=()
        [ -n "$tok" ] && args=(-H "Authorization: Bearer $tok")
        before=$(calls)
        h=$(curl -s -D - -o /dev/null "${args[@]}" "$base/app")
        expect "$name: $what -> 401" 401 "$(head -1 <<<"$h" | awk '{print $2}')"
        if [ -n "$tok" ]; then
            expect "$name: $what -> RFC 6750 invalid_token" 1 \
                "$(grep -ci '^www-authenticate: Bearer realm="jwtgate", error="invalid_token", error_description="' <<<"$h" || true)"
        else
            expect "$name: $what -> WWW-Authenticate without error" 1 \
                "$(grep -ci '^www-authenticate: Bearer realm="jwtgate"' <<<"$h" || true)"
        fi
        expect "$name: $what -> upstream not called" "$before" "$(calls)"
    done

    before=$(calls)
    expect "$name: route rule not met -> 403" 403 \
        "$(status "$base/admin/users" -H "Authorization: Bearer $GOOD")"
    expect "$name: /public/../admin cannot dodge the rule" 403 \
        "$(status "$base/app/%2e%2e/admin/users" --path-as-is -H "Authorization: Bearer $GOOD")"
    expect "$name: a client-sent forwarded URI cannot pick the rule" 403 \
        "$(status "$base/admin/users" -H "X-Forwarded-Uri: /app" -H "X-Original-URI: /app" -H "Authorization: Bearer $GOOD")"
    expect "$name: 403 -> upstream not called" "$before" "$(calls)"
    expect "$name: route rule met -> 200" 200 \
        "$(status "$base/admin/users" -H "Authorization: Bearer $ADMIN")"
}

run_proxy nginx "$JG_NGINX_PORT"
run_proxy caddy "$JG_CADDY_PORT"

echo "== Envoy ext_authz over gRPC (grpcio + envoy-data-plane messages)"
grpc_count() { # grpc_count OUTPUT: adds its ok/FAIL lines to PASS/FAIL
    local out=$1 n
    echo "$out"
    n=$(grep -c '^ok ' <<<"$out" || true); PASS=$((PASS + n))
    n=$(grep -c '^FAIL ' <<<"$out" || true); FAIL=$((FAIL + n))
    grep -qE '^(ok|FAIL) ' <<<"$out" || bad "grpc: no result (the client failed to run)"
}
GRPC_VICTIM=$(sign k1 --sub grpc-victim --aud api --sid s-grpc)
grpc_count "$(GOOD=$GOOD ADMIN=$ADMIN EXPIRED=$EXPIRED WRONG_AUD=$WRONG_AUD FORGED=$FORGED \
    OTHER_KEY=$OTHER_KEY GRPC_VICTIM=$GRPC_VICTIM JG=$JG \
    python3 scripts/gateway-grpc.py suite "$GRPC" 2>&1)"
expect "grpc: refusals counted as other in /metrics" 1 \
    "$(curl -s "http://127.0.0.1:$JG_SERVE_PORT/metrics" | awk '/^jwtgate_serve_http_requests_total\{outcome="other"\}/ {print ($2 >= 5) ? 1 : 0}')"
expect "grpc: refusals in the access log (outcome other)" 1 \
    "$(grep '"uri":"/envoy.service.auth.v3.Authorization/Check"' "$TMP/serve.out" | grep -c '"outcome":"other"' | awk '{print ($1 >= 5) ? 1 : 0}')"

echo "== revocation through Redis while traffic flows (nginx)"
VICTIM=$(sign k1 --sub victim --aud api --sid s-victim)
NGX="http://127.0.0.1:$JG_NGINX_PORT/app"
# Traffic: a loop of requests with the victim's token, each status logged.
( while :; do
      echo "$(date +%s%N) $(status "$NGX" -H "Authorization: Bearer $VICTIM")"
  done ) >"$TMP/traffic.log" 2>/dev/null &
TRAFFIC=$!
sleep 0.3
T0=$(date +%s%N)
"$JG" revoke --redis "$JG_REDIS_URL" session s-victim >/dev/null
wait_status 401 "$NGX" -H "Authorization: Bearer $VICTIM" || true
T1=$(date +%s%N)
sleep 0.2
kill "$TRAFFIC"; wait "$TRAFFIC" 2>/dev/null || true
expect "revoked session -> 401 through nginx" 401 "$(status "$NGX" -H "Authorization: Bearer $VICTIM")"
expect "traffic before the revocation passed" 1 \
    "$(awk -v t="$T0" '$1 < t && $2 == 200 {n++} END {print (n > 0) ? 1 : 0}' "$TMP/traffic.log")"
echo "     revoke -> first 401 seen by a client: $(( (T1 - T0) / 1000000 )) ms (includes the revoke command's start-up)"
expect "other sessions unaffected" 200 "$(status "$NGX" -H "Authorization: Bearer $GOOD")"

echo "== key rotation under traffic (new JWKS file, SIGHUP)"
traffic "$TMP/rotation.log" "$NGX" -H "Authorization: Bearer $GOOD"
sleep 0.2
jq -s '{keys: (.[0].keys + .[1].keys)}' "$TMP/k1.pub.jwks" "$TMP/k2.pub.jwks" >"$TMP/keys.jwks.new"
mv "$TMP/keys.jwks.new" "$TMP/keys.jwks"
kill -HUP "$JG_SERVE_PID"
for i in $(seq 1 100); do
    [ "$(status "$NGX" -H "Authorization: Bearer $OTHER_KEY")" = 200 ] && break
    sleep 0.02
done
sleep 0.2
kill "$TRAFFIC"; wait "$TRAFFIC" 2>/dev/null || true
expect "new key's token passes after reload" 200 "$(status "$NGX" -H "Authorization: Bearer $OTHER_KEY")"
grpc_count "$(python3 scripts/gateway-grpc.py expect "$GRPC" "$OTHER_KEY" /app 200 2>&1)"
expect "no old-key request failed during the reload ($(wc -l <"$TMP/rotation.log") requests)" 0 \
    "$(grep -cv '^200$' "$TMP/rotation.log" || true)"

echo "== access log"
expect "access log is JSON, one line per request" 0 \
    "$(jq -e . "$TMP/serve.out" >/dev/null 2>&1; echo $?)"
expect "access log holds no token" 0 \
    "$(grep -cF -e "${GOOD##*.}" -e "${VICTIM##*.}" -e "${FORGED##*.}" "$TMP/serve.out" || true)"

echo "== phantom tokens through nginx: opaque session in, minted JWT upstream, logout"
MAIN_PORT=$JG_SERVE_PORT
MAIN_PID=$JG_SERVE_PID
"$JG" keygen --alg EdDSA --kid gw-1 --out "$TMP/gw.jwks" --public "$TMP/gw.pub.jwks" 2>/dev/null
PHANTOM_GRPC="127.0.0.1:$(jg_free_port)"
cat >"$TMP/phantom.toml" <<EOF
[server]
grpc_listen = "$PHANTOM_GRPC"
[phantom]
redis_url_env = "JWTGATE_TEST_REDIS"
signing_key = "gw.jwks"
issuer = "https://gateway.test"
audience = "mesh"
ttl = "60s"
[revocation]
redis_url_env = "JWTGATE_TEST_REDIS"
[token]
cookie = "session"
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"X-Auth-Email" = "email"
EOF
mkdir -p "$TMP/phantom"
jg_gw_serve_start "$TMP/phantom" "$TMP/phantom.toml"
jg_gw_nginx_start "$TMP" phantom "$JG_SERVE_PORT" "$JG_ECHO_PORT" phantom
PH="http://127.0.0.1:$JG_NGINX_PORT/orders"
redis-cli -u "$JG_REDIS_URL" SET session:opaque-zoe '{"sub":"zoe","sid":"s-zoe","roles":["user"]}' >/dev/null
body=$(curl -s -b "session=opaque-zoe" "$PH")
expect "phantom: upstream sees the subject" zoe "$(jq -r '.headers["x-auth-subject"][0]' <<<"$body")"
MINTED=$(jq -r '.headers["authorization"][0]' <<<"$body" | sed 's/^Bearer //')
expect "phantom: the opaque cookie does not reach the upstream" null "$(jq -r '.headers["cookie"]' <<<"$body")"
expect "phantom: upstream gets a JWT it verifies with the gateway's public key" zoe \
    "$("$JG" verify --jwks "$TMP/gw.pub.jwks" --iss https://gateway.test --aud mesh "$MINTED" 2>/dev/null | jq -r .sub)"
expect "phantom: unknown session -> 401" 401 "$(status "$PH" -b "session=opaque-nobody")"
grpc_count "$(python3 scripts/gateway-grpc.py expect "$PHANTOM_GRPC" opaque-zoe /orders 200 x-auth-token 2>&1)"
redis-cli -u "$JG_REDIS_URL" DEL session:opaque-zoe >/dev/null
before=$(calls)
expect "phantom: after logout -> 401" 401 "$(status "$PH" -b "session=opaque-zoe")"
expect "phantom: after logout -> upstream not called" "$before" "$(calls)"
grpc_count "$(python3 scripts/gateway-grpc.py expect "$PHANTOM_GRPC" opaque-zoe /orders 401 2>&1)"
"$JG" verify --jwks "$TMP/gw.pub.jwks" --iss https://gateway.test --aud mesh \
    --redis "$JG_REDIS_URL" "$MINTED" >/dev/null 2>&1 && rc=0 || rc=$?
expect "phantom: the minted JWT is revoked for services that verify it (exit 15)" 15 "$rc"
JG_SERVE_PORT=$MAIN_PORT
JG_SERVE_PID=$MAIN_PID

echo "== JWKS rotation under traffic, keys from a JWKS URL (nginx)"
mkdir -p "$TMP/idp" "$TMP/jwks"
cp "$TMP/k1.pub.jwks" "$TMP/idp/jwks.json"
jg_gw_idp_start "$TMP/idp"
cat >"$TMP/jwks.toml" <<EOF
[keys]
jwks_url = "$JG_IDP_URL/jwks.json"
ca_file = "$JG_IDP_CA"
cooldown = "200ms"
refresh_min = "300ms"
refresh_default = "300ms"
max_staleness = "1500ms"
[policy]
issuers = ["https://issuer.test"]
audiences = ["api"]
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"X-Auth-Email" = "email"
EOF
jg_gw_serve_start "$TMP/jwks" "$TMP/jwks.toml"
JWKS_PID=$JG_SERVE_PID
jg_gw_nginx_start "$TMP" jwks "$JG_SERVE_PORT" "$JG_ECHO_PORT"
JX="http://127.0.0.1:$JG_NGINX_PORT/app"
expect "jwks_url: k1 token passes" 200 "$(status "$JX" -H "Authorization: Bearer $GOOD")"
expect "jwks_url: k2 token refused before k2 is published" 401 \
    "$(status "$JX" -H "Authorization: Bearer $OTHER_KEY")"
traffic "$TMP/jwks-rotation.log" "$JX" -H "Authorization: Bearer $GOOD"
sleep 0.2
jq -s '{keys: (.[0].keys + .[1].keys)}' "$TMP/k1.pub.jwks" "$TMP/k2.pub.jwks" >"$TMP/idp/new"
mv "$TMP/idp/new" "$TMP/idp/jwks.json"
T0=$(date +%s%N)
wait_status 200 "$JX" -H "Authorization: Bearer $OTHER_KEY" || true
T1=$(date +%s%N)
sleep 0.5
kill "$TRAFFIC"; wait "$TRAFFIC" 2>/dev/null || true
expect "jwks_url: k2 token passes once published" 200 \
    "$(status "$JX" -H "Authorization: Bearer $OTHER_KEY")"
echo "     published -> first k2 200 seen by a client: $(( (T1 - T0) / 1000000 )) ms"
expect "jwks_url: no k1 request failed during the rotation ($(wc -l <"$TMP/jwks-rotation.log") requests)" 0 \
    "$(grep -cv '^200$' "$TMP/jwks-rotation.log" || true)"
cp "$TMP/k2.pub.jwks" "$TMP/idp/jwks.json.new"
mv "$TMP/idp/jwks.json.new" "$TMP/idp/jwks.json"
wait_status 401 "$JX" -H "Authorization: Bearer $GOOD" || true
expect "jwks_url: k1 token refused once k1 is withdrawn" 401 \
    "$(status "$JX" -H "Authorization: Bearer $GOOD")"
expect "jwks_url: key fetches in /metrics" 1 \
    "$(curl -s "http://127.0.0.1:$JG_SERVE_PORT/metrics" | grep -c '^jwtgate_keys_fetch_total{result="ok"}')"
rm "$TMP/idp/jwks.json" # the provider answers 404: keys kept, aging
wait_status 500 "$JX" -H "Authorization: Bearer $OTHER_KEY" || true
# jwtgate answers 503 (it cannot decide); nginx turns any auth answer but
# 2xx, 401 and 403 into 500: closed either way.
expect "jwks_url: provider failing past keys.max_staleness -> jwtgate 503" 503 \
    "$(status "http://127.0.0.1:$JG_SERVE_PORT/auth" -H "Authorization: Bearer $OTHER_KEY")"
expect "jwks_url: ... -> nginx fails closed (500)" 500 \
    "$(status "$JX" -H "Authorization: Bearer $OTHER_KEY")"
expect "jwks_url: not ready while the keys are stale" 503 \
    "$(status "http://127.0.0.1:$JG_SERVE_PORT/readyz")"
cp "$TMP/k2.pub.jwks" "$TMP/idp/jwks.json.new"
mv "$TMP/idp/jwks.json.new" "$TMP/idp/jwks.json"
wait_status 200 "$JX" -H "Authorization: Bearer $OTHER_KEY" || true
expect "jwks_url: provider back -> k2 token passes" 200 \
    "$(status "$JX" -H "Authorization: Bearer $OTHER_KEY")"
kill "$JWKS_PID"; wait "$JWKS_PID" 2>/dev/null || true
JG_SERVE_PORT=$MAIN_PORT
JG_SERVE_PID=$MAIN_PID

echo "== nginx and Caddy -> jwtgate on a Unix domain socket"
mkdir -p "$TMP/uds"
SOCK="$TMP/uds/jwtgate.sock"
GSOCK="$TMP/uds/grpc.sock"
# The main config with the gRPC listener on a Unix socket too.
sed "s#^grpc_listen = .*#grpc_listen = \"unix:$GSOCK\"#" "$TMP/gateway.toml" >"$TMP/uds.toml"
jg_gw_serve_start "$TMP/uds" "$TMP/uds.toml" "unix:$SOCK"
UDS_PID=$JG_SERVE_PID
for i in $(seq 1 100); do
    curl -sf -o /dev/null --unix-socket "$SOCK" http://jwtgate/readyz && break
    sleep 0.05
done
expect "uds: ready over the socket" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://jwtgate/readyz)"
expect "uds: a socket with mode 660 (the default)" "socket 660" \
    "$(stat -c '%F %a' "$SOCK")"
jg_gw_nginx_start "$TMP" uds "unix:$SOCK" "$JG_ECHO_PORT"
MAIN_CADDY_PORT=$JG_CADDY_PORT
jg_gw_caddy_start "$TMP/uds" "unix:$SOCK" "$JG_ECHO_PORT"
UDS_PROXIES="nginx:$JG_NGINX_PORT caddy:$JG_CADDY_PORT"
JG_CADDY_PORT=$MAIN_CADDY_PORT
for p in $UDS_PROXIES; do
    name="${p%%:*} (unix socket)" base="http://127.0.0.1:${p#*:}"
    body=$(curl -s -H "Authorization: Bearer $GOOD" -H "X-Auth-Subject: mallory" "$base/app/x")
    expect "$name: valid token, upstream sees the true subject" '["alice"]' \
        "$(jq -c '.headers["x-auth-subject"]' <<<"$body")"
    expect "$name: valid token, upstream sees the roles" '["user"]' \
        "$(jq -r '.headers["x-auth-roles"][0]' <<<"$body")"
    before=$(calls)
    h=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $FORGED" "$base/app")
    expect "$name: forged -> 401" 401 "$(head -1 <<<"$h" | awk '{print $2}')"
    expect "$name: forged -> RFC 6750 invalid_token" 1 \
        "$(grep -ci '^www-authenticate: Bearer realm="jwtgate", error="invalid_token"' <<<"$h" || true)"
    expect "$name: route rule not met -> 403" 403 \
        "$(status "$base/admin/users" -H "Authorization: Bearer $GOOD")"
    expect "$name: refusals -> upstream not called" "$before" "$(calls)"
done
grpc_count "$(python3 scripts/gateway-grpc.py expect "unix:$GSOCK" "$GOOD" /app 200 2>&1)"
grpc_count "$(python3 scripts/gateway-grpc.py expect "unix:$GSOCK" "$FORGED" /app 401 2>&1)"
expect "uds: answers counted in /metrics" 1 \
    "$(curl -s --unix-socket "$SOCK" http://jwtgate/metrics | awk '/^jwtgate_serve_http_requests_total\{outcome="allowed"\}/ {print ($2 >= 2) ? 1 : 0}')"
expect "uds: answers in the access log" 1 \
    "$(grep -c '"status":401' "$TMP/uds/serve.out" | awk '{print ($1 >= 2) ? 1 : 0}')"
kill "$UDS_PID"; wait "$UDS_PID" 2>/dev/null || true
expect "uds: SIGTERM drains and removes both sockets" "drained gone gone" \
    "$(grep -c '^jwtgate serve: drained$' "$TMP/uds/serve.err" | sed 's/^1$/drained/') $(for f in "$SOCK" "$GSOCK"; do [ -e "$f" ] && echo present || echo gone; done | xargs)"
before=$(calls)
for p in $UDS_PROXIES; do
    s=$(status "http://127.0.0.1:${p#*:}/app" -H "Authorization: Bearer $GOOD")
    case "$s" in 5??) ok "${p%%:*} (unix socket) fails closed ($s) with jwtgate down" ;;
        *) bad "${p%%:*} (unix socket) answered $s with jwtgate down" ;; esac
done
expect "uds: jwtgate down -> upstream not called" "$before" "$(calls)"
JG_SERVE_PORT=$MAIN_PORT
JG_SERVE_PID=$MAIN_PID

echo "== SIGTERM with a gRPC call in flight: drained, then down"
GOOD=$GOOD python3 scripts/gateway-grpc.py inflight "$GRPC" 1 >"$TMP/inflight.out" 2>&1 &
INFLIGHT=$!
for i in $(seq 1 200); do
    grep -q '^connected$' "$TMP/inflight.out" && break
    sleep 0.05
done
sleep 0.3 # the slow call's headers are in, its message 0.7 s away
T0=$(date +%s%N)
kill "$JG_SERVE_PID"; wait "$JG_SERVE_PID" 2>/dev/null || true
T1=$(date +%s%N)
wait "$INFLIGHT" 2>/dev/null || true
expect "grpc: a call in flight at SIGTERM is answered (allowed)" "inflight 200" \
    "$(grep '^inflight' "$TMP/inflight.out" || cat "$TMP/inflight.out")"
expect "SIGTERM drains the gRPC listener too (no drain timeout)" 1 \
    "$(grep -c '^jwtgate serve: drained$' "$TMP/serve.err" || true)"
echo "     SIGTERM -> exit with a gRPC call in flight: $(( (T1 - T0) / 1000000 )) ms"

echo "== jwtgate down: the proxies fail closed"
before=$(calls)
s=$(status "$NGX" -H "Authorization: Bearer $GOOD")
expect "nginx answers 500 with jwtgate down" 500 "$s"
s=$(status "http://127.0.0.1:$JG_CADDY_PORT/app" -H "Authorization: Bearer $GOOD")
case "$s" in 5??) ok "caddy answers $s with jwtgate down" ;; *) bad "caddy answered $s with jwtgate down" ;; esac
expect "jwtgate down -> upstream not called" "$before" "$(calls)"

echo
echo "gateway: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
