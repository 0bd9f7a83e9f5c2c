"""Where jwtgate is deliberately stricter than PyJWT (docs/python.md lists
these): PyJWT accepts, jwtgate rejects with the named exception."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt as pyjwt
import pytest
from conftest import NOW

import jwtgate

KEY = b"a 32-byte secret for HS256 tests"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: bytes, payload: bytes, *, pad: bool = False) -> str:
    h, p = b64(header), b64(payload)
    if pad:
        h += "=" * (-len(h) % 4)
        p += "=" * (-len(p) % 4)
    sig = b64(hmac.new(KEY, f"{h}.{p}".encode(), hashlib.sha256).digest())
    return f"{h}.{p}.{sig}"


HEADER = b'{"alg":"HS256","typ":"JWT"}'

CASES: list[tuple[str, str, type[Exception]]] = [
    ("duplicate claim", signed(HEADER, b'{"sub":"a","sub":"admin"}'), jwtgate.DecodeError),
    ("duplicate header member", signed(b'{"alg":"HS256","alg":"HS256"}', b'{"a":1}'), jwtgate.DecodeError),
    ("padded base64url", signed(b'{"alg":"HS256"}', b'{"a":12}', pad=True), jwtgate.DecodeError),
    ("NaN in claims", signed(HEADER, b'{"a":NaN}'), jwtgate.DecodeError),
    ("numeric-string iat", signed(HEADER, b'{"iat":"1700000000"}'), jwtgate.InvalidIssuedAtError),
    ("string exp with verify_exp off", signed(HEADER, b'{"exp":"soon"}'), jwtgate.DecodeError),
    ("empty aud without audience", signed(HEADER, b'{"aud":""}'), jwtgate.InvalidAudienceError),
    ("negative iat", signed(HEADER, b'{"iat":-5}'), jwtgate.InvalidIssuedAtError),
]


@pytest.mark.parametrize(("name", "token", "error"), CASES, ids=[c[0] for c in CASES])
def test_pyjwt_accepts_jwtgate_rejects(name: str, token: str, error: type[Exception]) -> None:
    options: dict[str, Any] = {"verify_exp": False}
    pyjwt.decode(token, KEY, algorithms=["HS256"], options=options)  # accepted by PyJWT
    with pytest.raises(error):
        jwtgate.decode(token, KEY, algorithms=["HS256"], options=options, now=NOW)
    with pytest.raises(error):
        jwtgate.Verifier(KEY, required=[], verify_exp=False).verify(token, now=NOW)


def test_unverified_decode_is_strict_too() -> None:
    token = signed(HEADER, b'{"sub":"a","sub":"admin"}')
    assert pyjwt.decode(token, options={"verify_signature": False}) == {"sub": "admin"}
    with pytest.raises(jwtgate.DecodeError):
        jwtgate.decode(token, options={"verify_signature": False})


def test_negative_leeway_is_refused() -> None:
    token = jwtgate.encode({"a": 1}, KEY)
    with pytest.raises(ValueError):
        jwtgate.decode(token, KEY, algorithms=["HS256"], leeway=-1)


def test_unsupported_algorithms() -> None:
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        jwtgate.decode(jwtgate.encode({"a": 1}, KEY), KEY, algorithms=["RS512"])
    with pytest.raises(NotImplementedError):
        jwtgate.encode({"a": 1}, KEY, algorithm="RS512")
    with pytest.raises(NotImplementedError):
        jwtgate.encode({"a": 1}, KEY, algorithm=None)


def test_encode_refuses_nan() -> None:
    with pytest.raises(ValueError):
        jwtgate.encode({"a": float("nan")}, KEY)
    json.dumps({"a": float("nan")})  # which PyJWT would sign
