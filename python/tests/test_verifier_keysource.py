"""``Verifier(jwks_url=...)`` and ``Verifier.from_issuer``: keys from a real
local HTTPS identity provider with a test CA made at run time
(sync/examples/jwks_server.rs, named by JG_JWKS_SERVER, which
scripts/test-python.sh builds; built here with cargo otherwise): refusals,
rotation, outage."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import jwtgate

REPO = Path(__file__).resolve().parents[2]


def _server_binary() -> str:
    given = os.environ.get("JG_JWKS_SERVER")
    if given:
        return given
    subprocess.run(
        ["cargo", "build", "-q", "-p", "jwtgate-sync", "--example", "jwks_server"], cwd=REPO, check=True
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return str(target / "debug" / "examples" / "jwks_server")


class Provider:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "srv"
        info = tmp / "info"
        self.proc = subprocess.Popen([_server_binary(), str(self.dir), str(info), "120"], stdin=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            lines = info.read_text().split() if info.exists() else []
            if len(lines) == 2:
                break
            assert time.monotonic() < deadline, "jwks_server did not write its port"
            time.sleep(0.05)
        self.issuer = f"https://127.0.0.1:{lines[0]}"
        self.ca = lines[1]

    def token(self, name: str) -> str:
        return (self.dir / name).read_text().strip()

    def serve(self, name: str) -> None:
        tmp = self.dir / "jwks.json.new"
        tmp.write_bytes((self.dir / name).read_bytes())
        tmp.replace(self.dir / "jwks.json")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def options(self) -> dict[str, object]:
        return {
            "ca_file": self.ca,
            "refresh_min": 0.1,
            "refresh_max": 0.3,
            "cooldown": 0.2,
            "fetch_timeout": 2.0,
            "max_key_staleness": 1.5,
        }


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    p = Provider(tmp_path)
    yield p
    if p.proc.stdin is not None:
        p.proc.stdin.close()
    p.kill()


def until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Calls ``check`` every 50 ms until it returns True (or the bound
    passes) and returns the last result."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def code_of(verifier: jwtgate.Verifier, token: str) -> int | None:
    """None when accepted, else the error's code."""
    try:
        verifier.verify(token)
    except jwtgate.InvalidTokenError as e:
        return int(getattr(e, "code", -1))
    return None


UNKNOWN_KID = 300


def test_refusals(provider: Provider) -> None:
    jwks = provider.issuer + "/jwks.json"
    with pytest.raises(jwtgate.SyncError) as e:
        jwtgate.Verifier(jwks_url=jwks)  # the web roots do not trust the test CA
    assert e.value.code == 910
    with pytest.raises(ValueError) as v:
        jwtgate.Verifier(jwks_url=jwks.replace("https://", "http://"), **provider.options())
    assert getattr(v.value, "code", None) == 911
    with pytest.raises(ValueError, match="either keys or jwks_url"):
        jwtgate.Verifier()
    with pytest.raises(ValueError, match="either keys or jwks_url"):
        jwtgate.Verifier(b"k" * 32, jwks_url=jwks)
    with pytest.raises(ValueError, match="no keys or jwks_url"):
        jwtgate.Verifier.from_issuer(provider.issuer, jwks_url=jwks)
    with pytest.raises(ValueError, match="max_key_staleness"):
        jwtgate.Verifier(jwks_url=jwks, **{**provider.options(), "max_key_staleness": -1.0})


def test_readme_example(provider: Provider) -> None:
    issuer, ca_file, token = provider.issuer, provider.ca, provider.token("token-a")
    # Discovery at {issuer}/.well-known/openid-configuration; tokens must name the issuer.
    verifier = jwtgate.Verifier.from_issuer(issuer, ca_file=ca_file, max_key_staleness=3600)
    claims = verifier.verify(token)  # unknown kid: rejected now, refresh behind it
    assert claims["sub"] == "ada" and claims["iss"] == issuer


def test_jwks_url(provider: Provider) -> None:
    v = jwtgate.Verifier(jwks_url=provider.issuer + "/jwks.json", **provider.options())
    assert v.verify(provider.token("token-a"))["sub"] == "ada"
    assert code_of(v, provider.token("token-b")) == UNKNOWN_KID
    assert v.key_source is not None
    assert v.key_source.jwks_uri == provider.issuer + "/jwks.json"
    assert v.key_source.metrics()["fetch_ok"] >= 1
    v.key_source.stop()
    v.key_source.stop()
    assert v.key_source.staleness() is None
    assert v.verify(provider.token("token-a"))["sub"] == "ada"  # the keys stay


def test_from_issuer_rotation_and_outage(provider: Provider) -> None:
    v = jwtgate.Verifier.from_issuer(provider.issuer, **provider.options())
    assert v.issuers == [provider.issuer]
    a, b = provider.token("token-a"), provider.token("token-b")
    assert v.verify(a)["iss"] == provider.issuer
    assert code_of(v, b) == UNKNOWN_KID

    # Rotation: b arrives (asked for by its unknown kid), then a goes.
    provider.serve("jwks-ab.json")
    assert until(lambda: code_of(v, b) is None)
    provider.serve("jwks-b.json")
    assert until(lambda: code_of(v, a) == UNKNOWN_KID)
    staleness = v.key_staleness
    assert staleness is not None and staleness < 1.5

    # Outage: the last keys keep verifying, then verify fails closed (908).
    provider.kill()
    assert code_of(v, b) is None
    assert until(lambda: code_of(v, b) == 908, 10.0)
    assert v.key_source is not None and v.key_source.last_error()


def test_key_miss_wait(provider: Provider) -> None:
    # No timed refresh: only the unknown kid fetches.
    options = {**provider.options(), "refresh_min": 3600.0, "refresh_max": 3600.0, "max_key_staleness": None}
    no_wait = jwtgate.Verifier(jwks_url=provider.issuer + "/jwks.json", **options)
    waits = jwtgate.Verifier.from_issuer(provider.issuer, key_miss_wait=3.0, **options)
    provider.serve("jwks-ab.json")
    time.sleep(0.4)  # past the cooldown of the first fetch
    b = provider.token("token-b")
    assert code_of(no_wait, b) == UNKNOWN_KID  # rejected at once, the refresh behind it
    assert code_of(waits, b) is None  # the first call waited for that refresh
    assert waits.key_source is not None and waits.key_source.metrics()["miss_waits"] == 1
    assert until(lambda: code_of(no_wait, b) is None)
    with pytest.raises(ValueError, match="key_miss_wait"):
        jwtgate.Verifier(jwks_url=provider.issuer + "/jwks.json", **{**options, "key_miss_wait": -1.0})
    with pytest.raises(ValueError, match="key_miss_wait goes with jwks_url"):
        jwtgate.Verifier(b"k" * 32, key_miss_wait=1.0)
