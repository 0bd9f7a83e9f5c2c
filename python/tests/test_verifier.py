"""The fast path: Verifier, verify_many, JWKS, injected time, error codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import NOW, SECRETS, claims

import jwtgate

KEY = SECRETS["HS256"]


def test_readme_fast_path() -> None:
    # --- README: fast path ---
    verifier = jwtgate.Verifier(KEY, issuer="https://auth.example", audience="api", leeway=30)
    token = jwtgate.encode({"iss": "https://auth.example", "aud": "api", "sub": "ada", "exp": NOW + 900}, KEY)
    assert verifier.verify(token, now=NOW)["sub"] == "ada"
    results = verifier.verify_many([token, "not-a-token"], now=NOW)
    assert results[0]["sub"] == "ada" and isinstance(results[1], jwtgate.DecodeError)
    # --- end ---


def test_readme_drop_in() -> None:
    # --- README: drop-in ---
    import jwtgate as jwt  # was: import jwt

    token = jwt.encode({"sub": "ada", "exp": NOW + 900}, KEY, algorithm="HS256")
    try:
        claims = jwt.decode(token, KEY, algorithms=["HS256"], now=NOW)
    except jwt.InvalidTokenError:
        raise
    assert claims == {"sub": "ada", "exp": NOW + 900}
    # --- end ---


def test_now_is_injected_everywhere() -> None:
    token = jwtgate.encode(claims(), KEY)
    v = jwtgate.Verifier(KEY, audience="api")
    for now in (NOW, float(NOW) + 0.5, datetime.fromtimestamp(NOW, tz=timezone.utc)):
        assert v.verify(token, now=now)["sub"] == "user-42"
    for late in (NOW + 900, float(NOW + 900), datetime.fromtimestamp(NOW + 900, tz=timezone.utc)):
        with pytest.raises(jwtgate.ExpiredSignatureError) as info:
            v.verify(token, now=late)
        assert info.value.code == 500
        with pytest.raises(jwtgate.ExpiredSignatureError):
            jwtgate.decode(token, KEY, algorithms=["HS256"], audience="api", now=late)
        assert isinstance(v.verify_many([token], now=late)[0], jwtgate.ExpiredSignatureError)
    with pytest.raises(ValueError):
        v.verify(token, now=-1)
    # Without now: the system clock, far past NOW + 900.
    with pytest.raises(jwtgate.ExpiredSignatureError):
        v.verify(token)


def test_required_defaults_to_exp() -> None:
    token = jwtgate.encode({"sub": "a"}, KEY)
    with pytest.raises(jwtgate.MissingRequiredClaimError) as info:
        jwtgate.Verifier(KEY).verify(token, now=NOW)
    assert info.value.claim == "exp" and info.value.code == 505
    assert jwtgate.Verifier(KEY, required=[]).verify(token, now=NOW) == {"sub": "a"}
    with pytest.raises(ValueError):
        jwtgate.Verifier(KEY, required=["custom"])


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"issuer": "other"}, jwtgate.InvalidIssuerError, 503),
        ({"audience": ["x", "y"]}, jwtgate.InvalidAudienceError, 504),
        ({"typ": "at+jwt"}, jwtgate.InvalidTokenError, 506),
        ({"required": ["exp", "sid"]}, jwtgate.MissingRequiredClaimError, 505),
        ({"max_age": 5}, jwtgate.ExpiredSignatureError, 507),
    ],
)
def test_policy_errors(kwargs: dict[str, Any], error: type[Exception], code: int) -> None:
    base: dict[str, Any] = {"audience": "api"}
    base.update(kwargs)
    with pytest.raises(error) as info:
        jwtgate.Verifier(KEY, **base).verify(jwtgate.encode(claims(), KEY), now=NOW)
    assert getattr(info.value, "code") == code
    assert code in jwtgate.ERROR_CODES


def test_keys_by_kid_and_algorithm(ed_private: Any) -> None:
    v = jwtgate.Verifier({"hs": KEY, "ed": ed_private.public_key()}, audience="api")
    assert v.keys == [("HS256", "hs"), ("EdDSA", "ed")]
    hs = jwtgate.encode(claims(), KEY, headers={"kid": "hs"})
    ed = jwtgate.encode(claims(), ed_private, algorithm="EdDSA", headers={"kid": "ed"})
    assert [r["sub"] for r in v.verify_many([hs, ed], now=NOW)] == ["user-42", "user-42"]
    # The algorithm is the key's: an HS256 token naming the Ed25519 key fails.
    confused = jwtgate.encode(claims(), KEY, headers={"kid": "ed"})
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        v.verify(confused, now=NOW)


def test_from_jwks(ed_private: Any) -> None:
    x = jwtgate._jwtgate.b64url_encode(ed_private.public_key().public_bytes_raw())
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": "ed-1", "x": x}]}
    token = jwtgate.encode(claims(), ed_private, algorithm="EdDSA", headers={"kid": "ed-1"})
    for doc in (jwks, json.dumps(jwks), json.dumps(jwks).encode()):
        assert jwtgate.Verifier.from_jwks(doc, audience="api").verify(token, now=NOW)["sub"] == "user-42"
    with pytest.raises(jwtgate.PyJWKSetError):
        jwtgate.Verifier.from_jwks('{"nokeys": []}')


def test_verifier_refuses_weak_or_bad_keys() -> None:
    with pytest.raises(jwtgate.InvalidKeyError) as info:
        jwtgate.Verifier(b"short")
    assert info.value.code == 304
    with pytest.raises(jwtgate.InvalidKeyError):
        jwtgate.Verifier(object())
    with pytest.raises(jwtgate.InvalidKeyError):
        jwtgate.Verifier(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_verify_many_keeps_order_and_types() -> None:
    good = jwtgate.encode(claims(), KEY)
    bad = good[:-2] + ("AA" if not good.endswith("AA") else "BA")
    results = jwtgate.Verifier(KEY, audience="api").verify_many(iter([good, bad, good.encode(), 5]), now=NOW)
    assert results[0] == results[2] == claims()
    assert isinstance(results[1], jwtgate.InvalidSignatureError) and results[1].code == 400
    assert isinstance(results[3], jwtgate.DecodeError)


def test_large_token_uses_heap_buffer() -> None:
    token = jwtgate.encode(claims(blob="x" * 5000), KEY)
    assert jwtgate.Verifier(KEY, audience="api").verify(token, now=NOW)["blob"] == "x" * 5000
    with pytest.raises(jwtgate.DecodeError) as info:
        jwtgate.Verifier(KEY, audience="api").verify(jwtgate.encode(claims(blob="x" * 9000), KEY), now=NOW)
    assert info.value.code == 700


def test_claims_json_to_python_like_json_loads() -> None:
    payload = {
        "s": "tab\t quote\" backslash\\ nul\u0000 emoji\U0001f600 e\u0301",
        "ints": [0, -1, 2**63, -(2**63) - 1, 10**40],
        "floats": [0.5, -0.0, 1e300, 1.0, 12345.678],
        "nested": {"a": {"b": [[], {}, [None, False]]}},
    }
    token = jwtgate.encode(payload, KEY)
    got = jwtgate.Verifier(KEY, required=[]).verify(token, now=NOW)
    assert got == json.loads(json.dumps(payload))
    assert repr(got) == repr(json.loads(json.dumps(payload)))


def _hs256_raw(payload: bytes) -> str:
    """A token whose claims are exactly `payload` (json.dumps cannot write most of these)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(payload)
    return signing_input + "." + b64(hmac.new(KEY, signing_input.encode(), hashlib.sha256).digest())


UNUSUAL_CLAIMS = [
    # Numbers as written: int of any size (-0 included), float for any fraction or exponent.
    b'{"n":[-0,0,-0.0,-0e0,0e0,1E+2,1e2,1e-5,2.5E3,-1.5e-3,1e400,-1e400,0.1,5e-324,'
    b"9223372036854775807,9223372036854775808,-9223372036854775808,-9223372036854775809,"
    b'123456789012345678901234567890,-123456789012345678901234567890]}',
    # Every escape, surrogate pairs, raw UTF-8, NUL, escaped and empty names.
    b'{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u00e9\\u20AC\\ud83d\\ude00\\uD834\\uDD1E\\uffff",'
    b'"raw":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 e\xcc\x81","k\\u0065y":1,"":"","\\u00e9":"\\/"}',
    # Nesting, empty containers, literals, and repeated names inside (json.loads keeps the last).
    b'{"a":{"b":[[],{},[{"c":[1,[2,[3,[true,false,null]]]]}]],"d":{"x":1,"x":2}},"e":[{}]}',
    # Whitespace wherever JSON allows it.
    b' \t\r\n{ \n"a" \t: [ 1 , { "b" : null } ] ,\r\n"c":"d" } \n',
    # Registered names (interned on the way) beside a custom one that escapes one.
    b'{"iss":"i","sub":"s","jti":"j","scope":"a b","azp":"c","\\u0073id":"x","ver":3}',
]


@pytest.mark.parametrize("payload", UNUSUAL_CLAIMS)
def test_unusual_claims_json_matches_json_loads(payload: bytes) -> None:
    expected = json.loads(payload)
    token = _hs256_raw(payload)
    verifier = jwtgate.Verifier(KEY, required=[])
    got = [
        verifier.verify(token, now=NOW),
        verifier.verify_many([token], now=NOW)[0],
        jwtgate.decode(token, KEY, algorithms=["HS256"], now=NOW),
    ]
    for claims_got in got:
        # repr tells -0.0 from 0.0, 1.0 from 1, and shows key order.
        assert claims_got == expected
        assert repr(claims_got) == repr(expected)
