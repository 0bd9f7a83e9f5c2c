"""Allow-lists and empty key sets (issues 12 and 20): the core's rules, seen
from Python. An empty issuer or audience collection (or an empty string) is
refused where it is configured; ``algorithms`` narrows every constructor's
keys, a JWKS's included; a verifier with no usable key is refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt as pyjwt
import pytest

import jwtgate

from conftest import NOW, SECRETS


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWKS: dict[str, Any] = {
    "keys": [
        {"kty": "oct", "alg": "HS256", "kid": "h256", "k": b64(SECRETS["HS256"])},
        {"kty": "oct", "alg": "HS384", "kid": "h384", "k": b64(SECRETS["HS384"])},
    ]
}


def token(alg: str, kid: str, **claims: Any) -> str:
    return pyjwt.encode({"exp": NOW + 60, **claims}, SECRETS[alg], algorithm=alg, headers={"kid": kid})


@pytest.mark.parametrize("empty", [[], (), set(), frozenset()])
def test_decode_refuses_an_empty_issuer_collection(empty: Any) -> None:
    t = token("HS256", "h256", iss="anyone")
    with pytest.raises(ValueError, match="issuer: an empty allow-list"):
        jwtgate.decode(t, SECRETS["HS256"], algorithms=["HS256"], issuer=empty)
    no_iss = token("HS256", "h256")
    with pytest.raises(ValueError, match="issuer"):
        jwtgate.decode(no_iss, SECRETS["HS256"], algorithms=["HS256"], issuer=empty)


@pytest.mark.parametrize("empty", [[], (), ""])
def test_decode_refuses_an_empty_audience(empty: Any) -> None:
    for t in (token("HS256", "h256"), token("HS256", "h256", aud=""), token("HS256", "h256", aud="x")):
        with pytest.raises(ValueError, match="audience: an empty allow-list"):
            jwtgate.decode(t, SECRETS["HS256"], algorithms=["HS256"], audience=empty)


def test_verifier_refuses_empty_issuer_and_audience() -> None:
    for kwargs in ({"issuer": []}, {"issuer": ""}, {"issuer": ["a", ""]}, {"audience": []}, {"audience": ""}):
        with pytest.raises(ValueError, match="empty allow-list"):
            jwtgate.Verifier(SECRETS["HS256"], **kwargs)
    v = jwtgate.Verifier(SECRETS["HS256"], issuer=["a", "b"], audience="api")
    assert v.verify(token("HS256", "h256", iss="b", aud="api"), now=NOW)["iss"] == "b"
    with pytest.raises(jwtgate.InvalidIssuerError):
        v.verify(token("HS256", "h256", iss="c", aud="api"), now=NOW)


def test_from_jwks_honours_algorithms() -> None:
    """Issue 12: algorithms=["HS384"] used to accept HS256 from a JWKS."""
    t256, t384 = token("HS256", "h256"), token("HS384", "h384")
    assert jwtgate.Verifier.from_jwks(JWKS).verify(t256, now=NOW)["exp"] == NOW + 60
    narrow = jwtgate.Verifier.from_jwks(JWKS, algorithms=["HS384"])
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        narrow.verify(t256, now=NOW)
    assert narrow.verify(t384, now=NOW)["exp"] == NOW + 60
    # The same through a KeySet, and from a JSON string.
    keyset = jwtgate.KeySet.from_jwks(json.dumps(JWKS))
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        jwtgate.Verifier(keyset, algorithms=["HS384"]).verify(t256, now=NOW)
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        jwtgate.Verifier.from_jwks(json.dumps(JWKS), algorithms="HS384").verify(t256, now=NOW)


def test_algorithms_that_leave_no_key_or_name_nothing_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        jwtgate.Verifier.from_jwks(JWKS, algorithms=["EdDSA"])
    with pytest.raises(ValueError, match="algorithms"):
        jwtgate.Verifier.from_jwks(JWKS, algorithms=[])
    # The sync crate's name rule and message (code 909, as in C and Go).
    with pytest.raises(ValueError, match="algorithms: unknown algorithm name") as info:
        jwtgate.Verifier.from_jwks(JWKS, algorithms=["HS256", "XS999"])
    assert getattr(info.value, "code", None) == 909


def test_empty_key_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        jwtgate.Verifier.from_jwks({"keys": []})
    with pytest.raises(ValueError, match="at least one key"):
        jwtgate.Verifier(jwtgate.KeySet())
