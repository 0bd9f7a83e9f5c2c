"""PyJWT's own decode/encode test cases that apply to our algorithms,
re-expressed: each case runs through PyJWT *and* jwtgate and must give the
same outcome (the same claims, or the same exception class), except the
cases in ``test_stricter.py``, where jwtgate is deliberately stricter.

Times are relative to the real clock, since PyJWT cannot be given one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import jwt as pyjwt
import pytest

import jwtgate

KEY = b"a 32-byte secret for HS256 tests"
ALG = ["HS256"]


def outcome(fn: Callable[[ModuleType], Any], mod: ModuleType) -> Any:
    try:
        return ("ok", fn(mod))
    except Exception as e:  # noqa: BLE001 - the class is the outcome
        return ("raise", type(e).__name__, str(e) if not isinstance(e, pyjwt.PyJWTError | jwtgate.PyJWTError) else None)


def same(fn: Callable[[ModuleType], Any]) -> Any:
    """Runs ``fn`` with PyJWT and with jwtgate; asserts equal outcomes."""
    theirs = outcome(fn, pyjwt)
    ours = outcome(fn, jwtgate)
    assert ours == theirs
    return ours


def tok(payload: dict[str, Any], **kw: Any) -> str:
    return pyjwt.encode(payload, KEY, algorithm="HS256", **kw)


def now() -> int:
    return int(time.time())


# --- decode: the basics (test_api_jwt.py, test_api_jws.py) -------------------


def test_decodes_valid_jwt() -> None:
    payload = {"hello": "world", "n": 1, "f": 1.5, "big": 2**70, "u": "\u00e9\U0001f600", "l": [None, True]}
    assert same(lambda m: m.decode(tok(payload), KEY, algorithms=ALG)) == ("ok", payload)


def test_decodes_bytes_token_and_str_key() -> None:
    assert same(lambda m: m.decode(tok({"a": 1}).encode(), KEY.decode(), algorithms=ALG))[0] == "ok"


def test_algorithms_are_required() -> None:
    assert same(lambda m: m.decode(tok({"a": 1}), KEY))[1] == "DecodeError"


def test_alg_not_in_algorithms() -> None:
    assert same(lambda m: m.decode(tok({"a": 1}), KEY, algorithms=["HS512"]))[1] == "InvalidAlgorithmError"


def test_algorithm_names_are_case_sensitive() -> None:
    assert same(lambda m: m.encode({"a": 1}, KEY, algorithm="hs256"))[1] == "NotImplementedError"


def test_bad_secret() -> None:
    assert same(lambda m: m.decode(tok({"a": 1}), KEY[::-1], algorithms=ALG))[1] == "InvalidSignatureError"


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",  # one segment
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30",  # two segments
        "a!!.e30.abc",  # header not base64url
        "e30.e30.abc",  # header without alg
        "WyJhIl0.e30.abc",  # header is a JSON array
        "bm90IGpzb24.e30.abc",  # header is not JSON
    ],
)
def test_malformed_tokens(token: str) -> None:
    kind = same(lambda m: m.decode(token, KEY, algorithms=ALG))
    assert kind[0] == "raise"


def test_payload_must_be_object() -> None:
    head = tok({"a": 1}).split(".")[0]
    import base64
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(b"[1,2]").rstrip(b"=").decode()
    sig = base64.urlsafe_b64encode(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()).rstrip(b"=")
    token = f"{head}.{body}.{sig.decode()}"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[1] == "DecodeError"


def test_invalid_token_type() -> None:
    assert same(lambda m: m.decode(1234, KEY, algorithms=ALG))[1] == "DecodeError"  # type: ignore[arg-type]


def test_unsupported_crit() -> None:
    token = tok({"a": 1}, headers={"crit": ["exp"], "exp": 1})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[1] == "InvalidTokenError"


def test_skip_signature_verification() -> None:
    exp = now() - 100
    token = tok({"a": 1, "exp": exp})
    assert same(lambda m: m.decode(token, "wrong", options={"verify_signature": False})) == ("ok", {"a": 1, "exp": exp})


def test_skip_signature_but_verify_exp_explicitly() -> None:
    token = tok({"exp": now() - 100})
    assert same(lambda m: m.decode(token, options={"verify_signature": False, "verify_exp": True}))[1] == "ExpiredSignatureError"


def test_get_unverified_header() -> None:
    token = tok({"a": 1}, headers={"kid": "k1"})
    assert same(lambda m: m.get_unverified_header(token)) == ("ok", {"alg": "HS256", "typ": "JWT", "kid": "k1"})


def test_decode_complete() -> None:
    token = tok({"a": 1})
    ours = jwtgate.decode_complete(token, KEY, algorithms=ALG)
    theirs = pyjwt.decode_complete(token, KEY, algorithms=ALG)
    assert ours == theirs


def test_legacy_verify_argument_warns() -> None:
    with pytest.warns(DeprecationWarning):
        jwtgate.decode(tok({"a": 1}), KEY, algorithms=ALG, verify=False)


def test_unsupported_kwargs_warn() -> None:
    with pytest.warns(jwtgate.RemovedInPyjwt3Warning):
        jwtgate.decode(tok({"a": 1}), KEY, algorithms=ALG, foo="bar")


def test_options_are_not_mutated() -> None:
    options = {"verify_signature": False}
    jwtgate.decode(tok({"a": 1}), options=options)
    assert options == {"verify_signature": False}


# --- time claims --------------------------------------------------------------


def test_expired() -> None:
    assert same(lambda m: m.decode(tok({"exp": now() - 1}), KEY, algorithms=ALG))[1] == "ExpiredSignatureError"


def test_expired_with_leeway() -> None:
    token = tok({"exp": now() - 5})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, leeway=30))[0] == "ok"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, leeway=timedelta(seconds=30)))[0] == "ok"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, leeway=1))[1] == "ExpiredSignatureError"


def test_skip_expiration() -> None:
    token = tok({"exp": now() - 5})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, options={"verify_exp": False}))[0] == "ok"


def test_not_before() -> None:
    token = tok({"nbf": now() + 100})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[1] == "ImmatureSignatureError"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, leeway=200))[0] == "ok"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, options={"verify_nbf": False}))[0] == "ok"


def test_iat_in_future() -> None:
    token = tok({"iat": now() + 100})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[1] == "ImmatureSignatureError"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, options={"verify_iat": False}))[0] == "ok"


@pytest.mark.parametrize(("claim", "error"), [("exp", "DecodeError"), ("nbf", "DecodeError"), ("iat", "InvalidIssuedAtError")])
def test_time_claims_must_be_numbers(claim: str, error: str) -> None:
    token = tok({claim: "not-an-int"})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[1] == error


def test_float_time_claims() -> None:
    token = tok({"exp": now() + 100.5, "iat": now() - 0.5})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG))[0] == "ok"


def test_encode_datetime_claims() -> None:
    when = datetime(2100, 1, 1, tzinfo=timezone.utc)
    ours = jwtgate.decode(jwtgate.encode({"exp": when, "iat": when, "nbf": when}, KEY), options={"verify_signature": False})
    assert ours == {"exp": 4102444800, "iat": 4102444800, "nbf": 4102444800}


# --- required claims ----------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "sub", "jti", "custom"])
def test_required_claims(claim: str) -> None:
    err = same(lambda m: m.decode(tok({"a": 1}), KEY, algorithms=ALG, options={"require": [claim]}))
    assert err[1] == "MissingRequiredClaimError"
    with pytest.raises(jwtgate.MissingRequiredClaimError) as info:
        jwtgate.decode(tok({"a": 1}), KEY, algorithms=ALG, options={"require": [claim]})
    assert info.value.claim == claim
    assert str(info.value) == f'Token is missing the "{claim}" claim'


# --- audience -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("aud", "audience", "expected"),
    [
        ("api", "api", "ok"),
        (["api", "web"], "web", "ok"),
        ("api", ["x", "api"], "ok"),
        (["api"], ["x", "y"], "InvalidAudienceError"),
        ("api", "other", "InvalidAudienceError"),
        ("api", None, "InvalidAudienceError"),
        (None, "api", "MissingRequiredClaimError"),
        (1, "api", "InvalidAudienceError"),
        (["api", 1], "api", "InvalidAudienceError"),
    ],
)
def test_audience(aud: Any, audience: Any, expected: str) -> None:
    payload = {} if aud is None else {"aud": aud}
    got = same(lambda m: m.decode(tok(payload), KEY, algorithms=ALG, audience=audience))
    assert got[0] == expected if expected == "ok" else got[1] == expected


def test_audience_param_type() -> None:
    assert same(lambda m: m.decode(tok({"aud": "api"}), KEY, algorithms=ALG, audience=1))[1] == "TypeError"


def test_skip_audience() -> None:
    token = tok({"aud": "api"})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, options={"verify_aud": False}))[0] == "ok"


@pytest.mark.parametrize(
    ("aud", "audience", "expected"),
    [("api", "api", "ok"), (["api"], "api", "InvalidAudienceError"), ("api", ["api"], "InvalidAudienceError")],
)
def test_strict_audience(aud: Any, audience: Any, expected: str) -> None:
    got = same(lambda m: m.decode(tok({"aud": aud}), KEY, algorithms=ALG, audience=audience, options={"strict_aud": True}))
    assert got[0] == expected if expected == "ok" else got[1] == expected


# --- issuer, subject, jti -----------------------------------------------------


@pytest.mark.parametrize(
    ("iss", "issuer", "expected"),
    [
        ("a", "a", "ok"),
        ("a", ["b", "a"], "ok"),
        ("a", ("a",), "ok"),
        ("a", "b", "InvalidIssuerError"),
        ("a", ["b"], "InvalidIssuerError"),
        (None, "a", "MissingRequiredClaimError"),
        ("a", None, "ok"),
    ],
)
def test_issuer(iss: Any, issuer: Any, expected: str) -> None:
    payload = {} if iss is None else {"iss": iss}
    got = same(lambda m: m.decode(tok(payload), KEY, algorithms=ALG, issuer=issuer))
    assert got[0] == expected if expected == "ok" else got[1] == expected


def test_skip_issuer() -> None:
    token = tok({"iss": "a"})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, issuer="b", options={"verify_iss": False}))[0] == "ok"


def test_subject() -> None:
    token = tok({"sub": "u1"})
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, subject="u1"))[0] == "ok"
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, subject="u2"))[1] == "InvalidSubjectError"
    assert same(lambda m: m.decode(tok({"sub": 1}), KEY, algorithms=ALG))[1] == "InvalidSubjectError"


def test_jti_must_be_string() -> None:
    assert same(lambda m: m.decode(tok({"jti": 1}), KEY, algorithms=ALG))[1] == "InvalidJTIError"


# --- keys ---------------------------------------------------------------------


def test_empty_hmac_key() -> None:
    assert same(lambda m: m.decode(tok({"a": 1}), b"", algorithms=ALG))[1] == "InvalidKeyError"


def test_asymmetric_key_as_hmac_secret(ed_public_pem: bytes) -> None:
    assert same(lambda m: m.decode(tok({"a": 1}), ed_public_pem, algorithms=ALG))[1] == "InvalidKeyError"
    assert same(lambda m: m.encode({"a": 1}, ed_public_pem, algorithm="HS256"))[1] == "InvalidKeyError"


def test_jwk_as_hmac_secret() -> None:
    jwk = b'{"kty":"oct","k":"c2VjcmV0"}'
    assert same(lambda m: m.encode({"a": 1}, jwk, algorithm="HS256"))[1] == "InvalidKeyError"


def test_secret_as_eddsa_key() -> None:
    assert same(lambda m: m.encode({"a": 1}, KEY, algorithm="EdDSA"))[1] == "InvalidKeyError"


def test_short_hmac_key_warns_on_encode_and_decode() -> None:
    with pytest.warns(jwtgate.InsecureKeyLengthWarning, match="The HMAC key is 6 bytes long"):
        token = jwtgate.encode({"a": 1}, "secret", algorithm="HS256")
    with pytest.warns(pyjwt.warnings.InsecureKeyLengthWarning):
        assert pyjwt.decode(token, "secret", algorithms=ALG) == {"a": 1}
    with pytest.warns(jwtgate.InsecureKeyLengthWarning):
        assert jwtgate.decode(token, "secret", algorithms=ALG) == {"a": 1}


def test_short_hmac_key_enforced() -> None:
    with pytest.warns(pyjwt.warnings.InsecureKeyLengthWarning):
        token = pyjwt.encode({"a": 1}, "secret", algorithm="HS256")
    options = {"enforce_minimum_key_length": True}
    assert same(lambda m: m.decode(token, "secret", algorithms=ALG, options=options))[1] == "InvalidKeyError"


def test_key_long_enough_for_token_alg_only_does_not_warn() -> None:
    token = tok({"a": 1})  # HS256 with a 32-byte key: fine, though short for HS512
    assert jwtgate.decode(token, KEY, algorithms=["HS256", "HS512"]) == {"a": 1}


# --- encode -------------------------------------------------------------------


def test_encode_requires_dict() -> None:
    assert same(lambda m: m.encode(["a"], KEY))[1] == "TypeError"  # type: ignore[arg-type]


def test_encode_iss_must_be_string() -> None:
    assert same(lambda m: m.encode({"iss": 1}, KEY))[1] == "TypeError"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"kid": "k1"}, {"alg": "HS256", "typ": "JWT", "kid": "k1"}),
        ({"typ": ""}, {"alg": "HS256"}),
        ({"typ": None}, {"alg": "HS256"}),
        ({"typ": "at+jwt", "x5t": "abc"}, {"alg": "HS256", "typ": "at+jwt", "x5t": "abc"}),
        ({"alg": "HS512"}, {"alg": "HS512", "typ": "JWT"}),
    ],
)
def test_encode_headers(headers: dict[str, Any], expected: dict[str, Any]) -> None:
    key = KEY * 2
    ours = jwtgate.get_unverified_header(jwtgate.encode({"a": 1}, key, headers=headers))
    theirs = pyjwt.get_unverified_header(pyjwt.encode({"a": 1}, key, headers=headers))
    assert ours == theirs == expected


def test_encode_kid_must_be_string() -> None:
    assert same(lambda m: m.encode({"a": 1}, KEY, headers={"kid": 1}))[1] == "InvalidTokenError"


def test_encode_custom_json_encoder() -> None:
    import json
    from decimal import Decimal

    class Enc(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            return str(o) if isinstance(o, Decimal) else super().default(o)

    token = jwtgate.encode({"d": Decimal("1.5")}, KEY, json_encoder=Enc)
    assert pyjwt.decode(token, KEY, algorithms=ALG) == {"d": "1.5"}
