# shellcheck shell=bash
# scripts/gateway-lib.sh — throwaway nginx, Caddy, echo upstream and
# `jwtgate serve` on loopback ports picked at run time (sourced by
# scripts/test-gateway.sh and bench/gateway.sh; needs scripts/redis-lib.sh).
#
#   jg_gw_echo_start DIR            JG_ECHO_PORT; each request's headers are
#                                   appended as one JSON line to DIR/echo.log
#   jg_gw_serve_start DIR CONFIG [unix:PATH]
#                                   JG_SERVE_PORT, JG_SERVE_PID (extra env
#                                   through the caller's environment); with
#                                   unix:PATH it listens on that Unix socket
#                                   (JG_SERVE_PORT empty) and the socket's
#                                   group becomes the nginx workers' (what
#                                   docs/gateway.md says to arrange)
#   jg_gw_nginx_start DIR NAME AUTH_PORT UPSTREAM_PORT [phantom]
#                                   JG_NGINX_PORT, JG_NGINX_PID (the
#                                   master's; AUTH_PORT "-": no
#                                   auth_request; "unix:PATH": jwtgate on a
#                                   Unix socket; "phantom": the minted JWT
#                                   goes upstream as Authorization)
#   jg_gw_caddy_start DIR AUTH_PORT UPSTREAM_PORT        JG_CADDY_PORT
#                                   (AUTH_PORT "unix:PATH" as for nginx)
#   jg_gw_static_start DIR          JG_STATIC_PORT, JG_STATIC_PID: an nginx
#                                   answering 200 "ok" (a fast upstream for
#                                   benchmarks), and on /auth 200 with fixed
#                                   claim headers (a no-work auth server)
#   jg_gw_idp_start DIR             JG_IDP_URL, JG_IDP_CA: an identity
#                                   provider on loopback HTTPS with a test CA
#                                   (sync/examples/jwks_server, built by the
#                                   caller) serving DIR/jwks.json, which the
#                                   caller may replace at any time
#   jg_gw_cpu_ticks PID             CPU ticks (user + system) of PID and
#                                   its children so far (/proc; 1/CLK_TCK s)
#   jg_gw_stop_all                  stops everything started here
#
# The nginx and Caddy configs are the ones docs/gateway.md shows. Every
# nginx runs JG_GW_NGINX_WORKERS worker processes (default 1; "auto": one
# per core, what a production nginx.conf usually says).

JG_GW_PIDS=()
JG_GW_BIN="${JG_GW_BIN:-${CARGO_TARGET_DIR:-target}/release/jwtgate}"
JG_GW_IDP_BIN="${JG_GW_IDP_BIN:-${CARGO_TARGET_DIR:-target}/release/examples/jwks_server}"

jg_gw_wait_port() { # PORT [PATH]: until an HTTP answer (any status) comes
    local i
    for i in $(seq 1 200); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1${2:-/}"; then return 0; fi
        sleep 0.05
    done
    echo "nothing answers on port $1" >&2
    return 1
}

jg_gw_wait_unix() { # SOCKET PATH: until an HTTP answer comes on the socket
    local i
    for i in $(seq 1 200); do
        if curl -s -o /dev/null --max-time 1 --unix-socket "$1" "http://jwtgate$2"; then return 0; fi
        sleep 0.05
    done
    echo "nothing answers on $1" >&2
    return 1
}

# The group nginx's workers run as when the master is root (nginx's
# built-in "user nobody <group>"); the socket is given that group, mode 0660.
JG_GW_NGINX_GROUP="${JG_GW_NGINX_GROUP:-$(getent group nogroup >/dev/null && echo nogroup || echo nobody)}"

jg_gw_nginx_prelude() { # DIR: the top of an nginx.conf, up to inside http {
    local dir=$1
    cat <<EOF
daemon off;
worker_processes ${JG_GW_NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
}

jg_gw_nginx_run() { # DIR PORT: start nginx on DIR/nginx.conf, wait for PORT;
    # JG_GW_LAST_PID: the master's pid (its workers are its children)
    local dir=$1
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>>"$dir/error.log" &
    JG_GW_LAST_PID=$!
    JG_GW_PIDS+=("$JG_GW_LAST_PID")
    jg_gw_wait_port "$2" || { cat "$dir/error.log" >&2; return 1; }
}

jg_gw_echo_start() {
    local dir=$1
    mkdir -p "$dir"
    JG_ECHO_PORT=$(jg_free_port)
    cat >"$dir/echo.py" <<'PY'
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
LOG = open(sys.argv[2], "a", buffering=1)
LOCK = threading.Lock()
class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        # Every copy of every header, lower-cased names.
        seen = {}
        for k, v in self.headers.items():
            seen.setdefault(k.lower(), []).append(v)
        body = json.dumps({"path": self.path, "headers": seen}).encode()
        with LOCK:
            LOG.write(body.decode() + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *a):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
PY
    : >"$dir/echo.log"
    python3 "$dir/echo.py" "$JG_ECHO_PORT" "$dir/echo.log" 2>"$dir/echo.err" &
    JG_GW_PIDS+=($!)
    jg_gw_wait_port "$JG_ECHO_PORT"
}

jg_gw_serve_start() {
    local dir=$1 config=$2 listen=${3:-}
    if [ -n "$listen" ]; then
        JG_SERVE_PORT=
    else
        JG_SERVE_PORT=$(jg_free_port)
        listen="127.0.0.1:$JG_SERVE_PORT"
    fi
    "$JG_GW_BIN" serve --config "$config" --listen "$listen" \
        >"$dir/serve.out" 2>"$dir/serve.err" &
    JG_SERVE_PID=$!
    JG_GW_PIDS+=("$JG_SERVE_PID")
    if [ -n "$JG_SERVE_PORT" ]; then
        jg_gw_wait_port "$JG_SERVE_PORT" /healthz || { cat "$dir/serve.err" >&2; return 1; }
    else
        jg_gw_wait_unix "${listen#unix:}" /healthz || { cat "$dir/serve.err" >&2; return 1; }
        chgrp "$JG_GW_NGINX_GROUP" "${listen#unix:}"
    fi
}

jg_gw_nginx_start() {
    local dir=$1/nginx-$2 auth=$3 upstream=$4 mode=${5:-} i
    mkdir -p "$dir/tmp"
    JG_NGINX_PORT=$(jg_free_port)
    local protect=""
    local server="127.0.0.1:${auth/-/1}"
    case $auth in unix:*) server=$auth ;; esac
    if [ "$auth" != "-" ]; then
        protect="
            auth_request /_jwtgate;
            # The claims, from jwtgate's answer. proxy_set_header replaces
            # the client's copy of each header (an empty value removes it).
            auth_request_set \$jg_sub   \$upstream_http_x_auth_subject;
            auth_request_set \$jg_roles \$upstream_http_x_auth_roles;
            auth_request_set \$jg_email \$upstream_http_x_auth_email;
            proxy_set_header X-Auth-Subject \$jg_sub;
            proxy_set_header X-Auth-Roles   \$jg_roles;
            proxy_set_header X-Auth-Email   \$jg_email;"
    fi
    if [ "$mode" = phantom ]; then
        protect="$protect
            # Phantom tokens: the JWT jwtgate minted replaces the client's
            # credentials on the way to the app.
            auth_request_set \$jg_jwt \$upstream_http_x_auth_token;
            proxy_set_header Authorization \"Bearer \$jg_jwt\";
            proxy_set_header Cookie \"\";"
    fi
    { jg_gw_nginx_prelude "$dir"; cat <<EOF; } >"$dir/nginx.conf"
    upstream jwtgate { server $server; keepalive 64; }
    upstream app     { server 127.0.0.1:$upstream; keepalive 64; }
    server {
        listen 127.0.0.1:$JG_NGINX_PORT;
        location = /_jwtgate {
            internal;
            proxy_pass http://jwtgate/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
            # Replace any client copy: jwtgate refuses differing URIs.
            proxy_set_header X-Forwarded-Uri \$request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location / {$protect
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://app;
        }
    }
}
EOF
    jg_gw_nginx_run "$dir" "$JG_NGINX_PORT"
    JG_NGINX_PID=$JG_GW_LAST_PID
}

jg_gw_caddy_start() {
    local dir=$1/caddy auth=$2 upstream=$3
    # Caddy names a Unix socket upstream unix//PATH.
    case $auth in unix:*) auth="unix/${auth#unix:}" ;; *) auth="127.0.0.1:$auth" ;; esac
    mkdir -p "$dir"
    JG_CADDY_PORT=$(jg_free_port)
    cat >"$dir/Caddyfile" <<EOF
{
    admin off
    auto_https off
    storage file_system $dir/data
}
http://127.0.0.1:$JG_CADDY_PORT {
    # route keeps this order: strip the client's copies, ask jwtgate, copy
    # its headers, proxy. (Outside a route, Caddy runs request_header after
    # forward_auth and would delete the copied claims.)
    route {
        request_header -X-Auth-Subject
        request_header -X-Auth-Roles
        request_header -X-Auth-Email
        forward_auth $auth {
            uri /auth
            copy_headers X-Auth-Subject X-Auth-Roles X-Auth-Email
        }
        reverse_proxy 127.0.0.1:$upstream
    }
}
EOF
    HOME="$dir" XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" \
        caddy run --config "$dir/Caddyfile" --adapter caddyfile >"$dir/caddy.log" 2>&1 &
    JG_GW_PIDS+=($!)
    jg_gw_wait_port "$JG_CADDY_PORT" || { cat "$dir/caddy.log" >&2; return 1; }
}

jg_gw_static_start() {
    local dir=$1/static
    mkdir -p "$dir/tmp"
    JG_STATIC_PORT=$(jg_free_port)
    { jg_gw_nginx_prelude "$dir"; cat <<EOF; } >"$dir/nginx.conf"
    server {
        listen 127.0.0.1:$JG_STATIC_PORT;
        location / { return 200 "ok\\n"; }
        # A forward-auth server that does no work (benchmarks: the ceiling
        # of any auth server): 200 with the claim headers jwtgate sends.
        location = /auth {
            add_header Cache-Control no-store;
            add_header X-Auth-Subject bench-user;
            add_header X-Auth-Roles '["user"]';
            add_header X-Auth-Email u@example.com;
            return 200;
        }
    }
}
EOF
    jg_gw_nginx_run "$dir" "$JG_STATIC_PORT"
    JG_STATIC_PID=$JG_GW_LAST_PID
}

jg_gw_idp_start() {
    local dir=$1 i
    mkdir -p "$dir"
    rm -f "$dir/idp.info" "$dir/idp.stdin"
    mkfifo "$dir/idp.stdin"
    # It exits when its standard input closes: this shell holds the fifo's
    # writing end (fd JG_IDP_FD) until it ends.
    "$JG_GW_IDP_BIN" "$dir" "$dir/idp.info" 900 <"$dir/idp.stdin" 2>"$dir/idp.err" &
    JG_GW_PIDS+=("$!")
    exec {JG_IDP_FD}>"$dir/idp.stdin"
    for i in $(seq 1 200); do
        [ -s "$dir/idp.info" ] && break
        sleep 0.05
    done
    [ -s "$dir/idp.info" ] || { cat "$dir/idp.err" >&2; return 1; }
    JG_IDP_URL="https://127.0.0.1:$(sed -n 1p "$dir/idp.info")"
    JG_IDP_CA=$(sed -n 2p "$dir/idp.info")
}

jg_gw_cpu_ticks() { # PID: CPU clock ticks (user + system) used so far by
    # PID's threads and its live children (nginx's workers)
    local p kids total=0 fields f
    kids=$(cat /proc/"$1"/task/*/children 2>/dev/null || true)
    for p in "$1" $kids; do
        # Fields after the ")" closing the command name: utime is the
        # 12th, stime the 13th.
        fields=$(sed 's/^.*) //' /proc/"$p"/stat 2>/dev/null) || continue
        read -r -a f <<<"$fields"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

jg_gw_stop_all() {
    local p
    for p in "${JG_GW_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${JG_GW_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    JG_GW_PIDS=()
}
