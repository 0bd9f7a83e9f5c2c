"""The verified-token cache (issue 15): on by default; a hit still fails on
expiry and on a revocation that arrived between two calls; ``cache_size=0``
turns it off; the counters are in ``metrics()`` and the Prometheus text."""

from __future__ import annotations

import pytest
from conftest import NOW, SECRETS, claims

import jwtgate

KEY = SECRETS["HS256"]


def test_hits_are_counted_and_checked() -> None:
    token = jwtgate.encode(claims(jti="t-1"), KEY)
    v = jwtgate.Verifier(KEY, audience="api")
    for _ in range(3):
        assert v.verify(token, now=NOW)["sub"] == "user-42"
    m = v.metrics()
    assert (m["cache_hits"], m["cache_misses"], m["cache_inserts"]) == (2, 1, 1)
    assert m["cache_entries"] == 4096
    assert "jwtgate_cache_hits_total 2" in v.metrics_prometheus().splitlines()

    # Expiry crossing between two calls: the hit fails as expired.
    with pytest.raises(jwtgate.ExpiredSignatureError):
        v.verify(token, now=NOW + 900)
    # A revocation arriving between two calls: the hit fails as revoked.
    builder = jwtgate.DenylistBuilder(now=NOW)
    builder.revoke_token("t-1", until=NOW + 3600)
    v.set_denylist(jwtgate.Denylist.from_bytes(builder.build(now=NOW)))
    with pytest.raises(jwtgate.RevokedTokenError):
        v.verify(token, now=NOW)
    assert v.metrics()["cache_hits"] == 4


def test_cache_off() -> None:
    token = jwtgate.encode(claims(), KEY)
    v = jwtgate.Verifier(KEY, audience="api", cache_size=0)
    for _ in range(2):
        v.verify(token, now=NOW)
    m = v.metrics()
    assert (m["cache_entries"], m["cache_hits"], m["cache_misses"]) == (0, 0, 0)
    assert m["accepted"] == 2
