"""``jwtgate.PyJWKClient`` (issue 14) against a real HTTPS server on
loopback: a test CA and server certificate made here with ``cryptography``,
``ssl`` + ``http.server`` serving a JWKS each test changes. Rotation,
outage (the last good keys stay: no cache wipe), the unknown-kid storm
(no refetch per call), refusals."""

from __future__ import annotations

import base64
import datetime
import http.server
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

import jwtgate


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _cert(
    subject: str, key: Any, issuer_name: x509.Name | None, issuer_key: Any, ca: bool
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


class Idp:
    """The HTTPS server: ``/jwks`` answers ``self.jwks`` (or ``self.status``)."""

    def __init__(self, tmp: Path) -> None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert("jwtgate test CA", ca_key, None, ca_key, True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert("localhost", key, ca.subject, ca_key, False)
        self.ca_file = tmp / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        chain, key_file = tmp / "server.pem", tmp / "server.key"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(chain, key_file)
        self.jwks: dict[str, Any] = {"keys": []}
        self.status = 200
        self.hits = 0
        self.port = 0
        self.server: http.server.ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                idp.hits += 1
                body = json.dumps(idp.jwks).encode() if idp.status == 200 else b"{}"
                self.send_response(idp.status if self.path == "/jwks" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.socket = self.context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.server = server

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/jwks"


def jwk(kid: str, key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "use": "sig", "kid": kid, "x": _b64(raw)}


def token(kid: str, key: Ed25519PrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    now = int(time.time())
    return jwtgate.encode({"sub": "ada", "exp": now + 600}, pem, algorithm="EdDSA", headers={"kid": kid})


def eventually(check: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


K1 = Ed25519PrivateKey.from_private_bytes(bytes([1] * 32))
K2 = Ed25519PrivateKey.from_private_bytes(bytes([2] * 32))


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[Idp]:
    server = Idp(tmp_path)
    server.jwks = {"keys": [jwk("k1", K1)]}
    yield server
    if server.server is not None:
        server.stop()


def verifies(client: jwtgate.PyJWKClient, tok: str) -> bool:
    try:
        key = client.get_signing_key_from_jwt(tok)
    except jwtgate.PyJWKClientError:
        return False
    return jwtgate.decode(tok, key.key, algorithms=[key.algorithm_name])["sub"] == "ada"


def test_rotation_overlap_then_removal(idp: Idp) -> None:
    client = jwtgate.PyJWKClient(idp.url, lifespan=0.2, ca_file=str(idp.ca_file), cooldown=0.1)
    t1, t2 = token("k1", K1), token("k2", K2)
    assert verifies(client, t1)
    key = client.get_signing_key("k1")
    assert (key.key_id, key.key_type, key.algorithm_name) == ("k1", "OKP", "EdDSA")
    # k2 unknown: rejected at once, a refresh goes behind it.
    with pytest.raises(jwtgate.PyJWKClientError, match='matches: "k2"'):
        client.get_signing_key_from_jwt(t2)
    idp.jwks = {"keys": [jwk("k1", K1), jwk("k2", K2)]}
    assert eventually(lambda: verifies(client, t2))
    assert verifies(client, t1)
    idp.jwks = {"keys": [jwk("k2", K2)]}
    assert eventually(lambda: not verifies(client, t1))
    assert verifies(client, t2)
    assert client.metrics()["fetch_failed"] == 0


def test_outage_keeps_the_last_good_keys_and_recovers(idp: Idp) -> None:
    client = jwtgate.PyJWKClient(idp.url, lifespan=0.1, timeout=1, ca_file=str(idp.ca_file), cooldown=0.1)
    t1 = token("k1", K1)
    assert verifies(client, t1)
    idp.status = 500
    assert eventually(lambda: client.metrics()["fetch_failed"] >= 1)
    # No cache wipe (PyJWT CVE-2026-48524): the old key still verifies.
    assert verifies(client, t1)
    idp.stop()
    assert eventually(lambda: client.metrics()["fetch_failed"] >= 3)
    assert verifies(client, t1)
    assert eventually(lambda: (client.staleness() or 0) > 0.5)
    idp.status = 200
    idp.start()
    assert eventually(lambda: (client.staleness() or 99) < 0.5)
    assert verifies(client, t1)


def test_random_kid_storm_costs_at_most_one_fetch_per_cooldown(idp: Idp) -> None:
    client = jwtgate.PyJWKClient(idp.url, ca_file=str(idp.ca_file), cooldown=60)
    t1 = token("k1", K1)
    assert verifies(client, t1)
    hits = idp.hits
    for i in range(2000):
        with pytest.raises(jwtgate.PyJWKClientError):
            client.get_signing_key(f"storm-{i}")
    time.sleep(0.2)
    # The first fetch started the cooldown: the storm cost nothing.
    assert idp.hits - hits <= 1
    assert client.metrics()["unknown_kid"] == 2000
    assert verifies(client, t1)


def test_first_fetch_failure_and_refusals(idp: Idp) -> None:
    with pytest.raises(jwtgate.PyJWKClientConnectionError, match="910"):
        jwtgate.PyJWKClient(idp.url).get_signing_keys()  # not trusted without the CA
    http_url = idp.url.replace("https://", "http://")
    with pytest.raises(jwtgate.PyJWKClientConnectionError, match="911"):
        jwtgate.PyJWKClient(http_url, ca_file=str(idp.ca_file)).get_signing_keys()
    with pytest.raises(jwtgate.PyJWKClientConnectionError, match="911"):
        jwtgate.PyJWKClient("file:///etc/passwd").get_signing_keys()
    idp.status = 404
    with pytest.raises(jwtgate.PyJWKClientConnectionError, match="404"):
        jwtgate.PyJWKClient(idp.url, ca_file=str(idp.ca_file)).get_signing_keys()
    with pytest.raises(jwtgate.PyJWKClientError):
        jwtgate.PyJWKClient(idp.url, headers={"x": "y"})


def test_readme_example(idp: Idp) -> None:
    """The README's Python OIDC block (copied verbatim there)."""
    jwks_url, ca_file, tok = idp.url, str(idp.ca_file), token("k1", K1)
    # README: begin
    client = jwtgate.PyJWKClient(jwks_url, ca_file=ca_file)  # drop-in for jwt.PyJWKClient
    signing_key = client.get_signing_key_from_jwt(tok)
    claims = jwtgate.decode(tok, signing_key.key, algorithms=["EdDSA", "RS256", "ES256"])
    # README: end
    assert claims["sub"] == "ada"


def test_key_miss_wait_finds_a_new_key_on_the_first_call(idp: Idp) -> None:
    # Long lifespan: only the unknown kid fetches.
    common = {"lifespan": 3600, "ca_file": str(idp.ca_file), "cooldown": 0.1}
    no_wait = jwtgate.PyJWKClient(idp.url, **common)
    waits = jwtgate.PyJWKClient(idp.url, key_miss_wait=3.0, **common)
    assert verifies(no_wait, token("k1", K1)) and verifies(waits, token("k1", K1))
    idp.jwks = {"keys": [jwk("k1", K1), jwk("k2", K2)]}
    time.sleep(0.3)  # past the cooldown of the first fetch
    t2 = token("k2", K2)
    assert not verifies(no_wait, t2)  # rejected at once, refresh behind it
    assert verifies(waits, t2)  # waited for the fetch it asked for
    assert waits.metrics()["miss_waits"] == 1
    assert eventually(lambda: verifies(no_wait, t2))
    with pytest.raises(jwtgate.PyJWKClientError, match="key_miss_wait"):
        jwtgate.PyJWKClient(idp.url, key_miss_wait=-1)
