#!/usr/bin/env python3
"""Envoy's gRPC ext_authz API of `jwtgate serve`, from an independent client.

Envoy itself is not packaged for Debian; this plays its part: grpcio (a
real HTTP/2 gRPC client) calls envoy.service.auth.v3.Authorization/Check
with CheckRequest bytes encoded, and CheckResponse bytes decoded, by the
`envoy-data-plane` package (messages generated from Envoy's own .proto
files; no code shared with jwtgate's hand-kept prost messages).

    gateway-grpc.py suite ADDR     the cases below; tokens from the
                                   environment (GOOD, ADMIN, EXPIRED,
                                   WRONG_AUD, FORGED, OTHER_KEY, GRPC_VICTIM),
                                   JG (the jwtgate binary) and
                                   JG_REDIS_URL for the revocation
    gateway-grpc.py expect ADDR TOKEN PATH STATUS [HEADER]
                                   one call: the HTTP status Envoy would
                                   answer (200 for ok_response), and
                                   HEADER set non-empty on the request
    gateway-grpc.py inflight ADDR SECONDS
                                   for a shutdown test: one call (prints
                                   "connected"), then a call whose message
                                   follows its headers SECONDS later
                                   (prints "inflight 200" if allowed)

Prints one "ok NAME" or "FAIL NAME: why" line a check (scripts/test-gateway.sh
counts them) and exits 1 if any failed.
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import grpc
    from envoy_data_plane.envoy.service.auth.v3 import (
        AttributeContext,
        AttributeContextHttpRequest,
        AttributeContextRequest,
        CheckRequest,
        CheckResponse,
    )
except ImportError as e:  # scripts/setup.sh installs them
    print(f"FAIL grpc: {e} (pip install -r scripts/requirements-dev.txt)")
    sys.exit(1)

METHOD = "/envoy.service.auth.v3.Authorization/Check"
FAILED = 0


def ok(name):
    print(f"ok   grpc: {name}", flush=True)


def bad(name, why):
    global FAILED
    FAILED += 1
    print(f"FAIL grpc: {name}: {why}", flush=True)


def expect(name, want, got):
    if want == got:
        ok(name)
    else:
        bad(name, f"want [{want}], got [{got}]")


def request(headers, path="/app", method="GET"):
    http = AttributeContextHttpRequest(
        method=method, path=path, host="app.test", headers=headers
    )
    return CheckRequest(
        attributes=AttributeContext(request=AttributeContextRequest(http=http))
    )


def stub(channel, raw=False):
    return channel.unary_unary(
        METHOD,
        request_serializer=(lambda b: b) if raw else bytes,
        response_deserializer=CheckResponse.parse,
    )


def bearer(token, **extra):
    headers = {"authorization": f"Bearer {token}", ":path": "/app"}
    headers.update(extra)
    return headers


def http_status(response):
    """The status Envoy answers the client: 200 when allowed."""
    if response.ok_response is not None and response.status.code == 0:
        return 200
    if response.denied_response is not None:
        return int(response.denied_response.status.code)
    return None


def set_headers(response):
    """ok_response's headers: name -> (value, append)."""
    return {
        o.header.key: (o.header.value, o.append)
        for o in response.ok_response.headers
    }


def denied_header(response, name):
    for o in response.denied_response.headers:
        if o.header.key.lower() == name:
            return o.header.value
    return None


def rpc_error(call, message, raw=False):
    try:
        call(message, timeout=5)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def suite(addr):
    env = os.environ
    with channel_to(addr) as channel:
        check = stub(channel)

        r = check(request(bearer(env["GOOD"])), timeout=5)
        expect("valid token -> allowed (status OK, ok_response)", 200, http_status(r))
        h = set_headers(r)
        expect("valid token -> x-auth-subject set", ("alice", False), h.get("x-auth-subject"))
        expect("valid token -> x-auth-roles set", ('["user"]', False), h.get("x-auth-roles"))
        expect(
            "valid token -> absent claim's header removed",
            True,
            "x-auth-email" in r.ok_response.headers_to_remove,
        )

        spoof = bearer(env["GOOD"], **{"x-auth-subject": "mallory", "x-auth-email": "ceo@example.com"})
        r = check(request(spoof), timeout=5)
        h = set_headers(r)
        expect(
            "spoofed x-auth-subject overwritten (set, append false)",
            ("alice", False),
            h.get("x-auth-subject"),
        )
        expect(
            "spoofed x-auth-email (claim absent) removed",
            True,
            "x-auth-email" in r.ok_response.headers_to_remove and "x-auth-email" not in h,
        )

        r = check(request({":path": "/app"}), timeout=5)
        expect("no token -> denied 401", 401, http_status(r))
        expect("no token -> google.rpc.Code UNAUTHENTICATED", 16, r.status.code)
        expect(
            "no token -> WWW-Authenticate without error",
            'Bearer realm="jwtgate"',
            denied_header(r, "www-authenticate"),
        )
        for what in ["FORGED", "EXPIRED", "WRONG_AUD", "OTHER_KEY"]:
            r = check(request(bearer(env[what])), timeout=5)
            expect(f"{what.lower()} -> denied 401", 401, http_status(r))
            challenge = denied_header(r, "www-authenticate") or ""
            expect(
                f"{what.lower()} -> RFC 6750 invalid_token",
                True,
                challenge.startswith('Bearer realm="jwtgate", error="invalid_token", error_description="'),
            )

        r = check(request(bearer(env["GOOD"]), path="/admin/users"), timeout=5)
        expect("route rule not met -> denied 403", 403, http_status(r))
        expect("route rule not met -> PERMISSION_DENIED", 7, r.status.code)
        expect(
            "route rule not met -> insufficient_scope",
            True,
            'error="insufficient_scope"' in (denied_header(r, "www-authenticate") or ""),
        )
        r = check(request(bearer(env["GOOD"]), path="/app/%2e%2e/admin/users"), timeout=5)
        expect("/app/../admin cannot dodge the rule", 403, http_status(r))
        spoof_uri = bearer(env["GOOD"], **{"x-forwarded-uri": "/app", "x-original-uri": "/app"})
        r = check(request(spoof_uri, path="/admin/users"), timeout=5)
        expect("client-sent forwarded URI headers do not pick the rule", 403, http_status(r))
        r = check(request(bearer(env["ADMIN"]), path="/admin/users"), timeout=5)
        expect("route rule met -> allowed", 200, http_status(r))

        # Revocation through Redis, seen by the gRPC listener.
        victim = env["GRPC_VICTIM"]
        r = check(request(bearer(victim)), timeout=5)
        expect("session token allowed before its revocation", 200, http_status(r))
        subprocess.run(
            [env["JG"], "revoke", "--redis", env["JG_REDIS_URL"], "session", "s-grpc"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        t0 = time.monotonic()
        status = None
        for _ in range(300):
            status = http_status(check(request(bearer(victim)), timeout=5))
            if status == 401:
                break
            time.sleep(0.01)
        expect("revoked session -> denied 401", 401, status)
        print(f"     revoke -> first gRPC denial: {(time.monotonic() - t0) * 1000:.0f} ms")

        # Many calls at once on one HTTP/2 connection.
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: http_status(check(request(bearer(env["GOOD"])), timeout=5)), range(200)))
        expect("200 concurrent calls on one connection all allowed", [200] * 200, results)

        raw = stub(channel, raw=True)
        expect(
            "malformed protobuf -> INVALID_ARGUMENT",
            grpc.StatusCode.INVALID_ARGUMENT,
            rpc_error(raw, b"\x0a\xff\xff\xff\xff\x0f"),
        )
        expect(
            "CheckRequest without HTTP attributes -> INVALID_ARGUMENT",
            grpc.StatusCode.INVALID_ARGUMENT,
            rpc_error(raw, b""),
        )
        big = request(bearer(env["GOOD"], **{"x-padding": "p" * (70 * 1024)}))
        expect(
            "message over grpc_max_message_bytes -> RESOURCE_EXHAUSTED",
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            rpc_error(check, big),
        )
        many = bearer(env["GOOD"], **{f"x-h{i}": "v" for i in range(150)})
        expect(
            "more headers than server.max_headers -> RESOURCE_EXHAUSTED",
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            rpc_error(check, request(many)),
        )
        other = channel.unary_unary("/envoy.service.auth.v3.Authorization/Other")
        expect(
            "another method -> UNIMPLEMENTED",
            grpc.StatusCode.UNIMPLEMENTED,
            rpc_error(other, b""),
        )
        # The server is still serving after all that.
        r = check(request(bearer(env["GOOD"])), timeout=5)
        expect("still serving after the refusals", 200, http_status(r))


def channel_to(addr):
    """A channel to `addr` (`host:port` or `unix:/path`). With grpcio's
    default :authority for a `unix:` target, jwtgate's HTTP/2 server reset
    every call (RST_STREAM PROTOCOL_ERROR, observed with this grpcio);
    Envoy sends its cluster's name, so this client names one too."""
    if addr.startswith("unix:"):
        return grpc.insecure_channel(addr, options=[("grpc.default_authority", "jwtgate")])
    return grpc.insecure_channel(addr)


def expect_one(addr, token, path, want, header=None):
    with channel_to(addr) as channel:
        headers = bearer(token) if token else {}
        r = stub(channel)(request(headers, path=path), timeout=5)
        expect(f"{path} -> {want}", int(want), http_status(r))
        if header:
            value = set_headers(r).get(header, ("", None))[0] if r.ok_response else ""
            expect(f"{path} -> {header} set", True, value != "")


def inflight(addr, delay, token):
    """One call, then one whose message is sent `delay` seconds after the
    call started (its headers are on the wire at once): a call in flight
    when the test sends SIGTERM."""
    with channel_to(addr) as channel:
        if http_status(stub(channel)(request(bearer(token)), timeout=5)) != 200:
            print("inflight first call refused", flush=True)
            return
        print("connected", flush=True)

        def late():
            time.sleep(float(delay))
            yield request(bearer(token))

        slow = channel.stream_unary(
            METHOD, request_serializer=bytes, response_deserializer=CheckResponse.parse
        )
        try:
            print(f"inflight {http_status(slow(late(), timeout=10))}", flush=True)
        except grpc.RpcError as e:
            print(f"inflight {e.code()}", flush=True)


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    if mode == "suite":
        suite(addr)
    elif mode == "expect":
        expect_one(addr, *sys.argv[3:7])
    elif mode == "inflight":
        inflight(addr, sys.argv[3], os.environ["GOOD"])
    else:
        sys.exit(f"unknown mode {mode}")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
