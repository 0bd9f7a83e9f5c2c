"""Issue 19: code written for PyJWT 2.x sees the same exception class *and
message* from jwtgate. Each test makes the same call with PyJWT and with
jwtgate and compares ``(class name, str(exception))`` (or the result).

The deliberate differences that remain are in docs/python.md ("Where
jwtgate differs from PyJWT"); the tests at the end pin them down.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from types import ModuleType
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import jwtgate

KEY = b"a 32-byte secret for HS256 tests"
ALG = ["HS256"]


def outcome(fn: Callable[[ModuleType], Any], mod: ModuleType) -> tuple[str, Any]:
    try:
        return ("ok", fn(mod))
    except Exception as e:  # noqa: BLE001 - class and message are the outcome
        return (type(e).__name__, str(e))


def same(fn: Callable[[ModuleType], Any]) -> tuple[str, Any]:
    """Runs ``fn`` with PyJWT and with jwtgate; asserts the same result, or
    the same exception class and message."""
    theirs = outcome(fn, pyjwt)
    ours = outcome(fn, jwtgate)
    assert ours == theirs
    return ours


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mac(signing_input: str, key: bytes = KEY) -> str:
    return b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def raw_token(header: str, payload: str, key: bytes = KEY) -> str:
    """An HS256 token over the given segments, exactly as written."""
    return f"{header}.{payload}.{mac(f'{header}.{payload}', key)}"


def hs256(header: bytes, payload: bytes, key: bytes = KEY) -> str:
    return raw_token(b64(header), b64(payload), key)


HEADER = b'{"alg":"HS256","typ":"JWT"}'


# --- 1. a header or payload that is valid JSON but not an object ---------------


@pytest.mark.parametrize("payload", [b"1", b"[]", b'"claims"', b"null", b" [1, 2] "])
def test_payload_json_but_not_object(payload: bytes) -> None:
    got = same(lambda m: m.decode(hs256(HEADER, payload), KEY, algorithms=ALG))
    assert got == ("DecodeError", "Invalid payload string: must be a json object")


def test_header_json_but_not_object() -> None:
    got = same(lambda m: m.decode(hs256(b"1", b"{}"), KEY, algorithms=ALG))
    assert got == ("DecodeError", "Invalid header string: must be a json object")


def test_payload_not_object_in_verifier_and_unverified_decode() -> None:
    token = hs256(HEADER, b"1")
    with pytest.raises(jwtgate.DecodeError, match="^Invalid payload string: must be a json object$") as info:
        jwtgate.Verifier(KEY, required=()).verify(token)
    assert info.value.code == 103
    got = same(lambda m: m.decode(token, options={"verify_signature": False}))
    assert got == ("DecodeError", "Invalid payload string: must be a json object")


# --- 2. strict_aud ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("aud", "audience", "message"),
    [
        ("urn:a", "urn:b", "Audience doesn't match (strict)"),
        (["urn:a", "urn:b"], "urn:c", "Invalid claim format in token (strict)"),
        (["urn:a"], "urn:a", "Invalid claim format in token (strict)"),
        ("urn:a", ["urn:a"], "Invalid audience (strict)"),
        ("urn:a", ["urn:b"], "Invalid audience (strict)"),
    ],
)
def test_strict_aud_messages(aud: Any, audience: Any, message: str) -> None:
    token = pyjwt.encode({"aud": aud}, KEY)
    got = same(lambda m: m.decode(token, KEY, algorithms=ALG, audience=audience, options={"strict_aud": True}))
    assert got == ("InvalidAudienceError", message)


# --- 3. a bytes audience -----------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "audience", "expected"),
    [
        ({"aud": "urn:me"}, b"urn:me", ("InvalidAudienceError", "Audience doesn't match")),
        ({"aud": ["urn:me"]}, b"urn:me", ("InvalidAudienceError", "Audience doesn't match")),
        ({"sub": "x"}, b"urn:me", ("MissingRequiredClaimError", 'Token is missing the "aud" claim')),
        ({"aud": 7}, b"urn:me", ("InvalidAudienceError", "Invalid claim format in token")),
        ({"aud": "urn:me"}, [b"urn:me"], ("InvalidAudienceError", "Audience doesn't match")),
        ({"aud": "urn:me"}, [b"urn:me", "urn:me"], ("ok", {"aud": "urn:me"})),
        ({"aud": "urn:me"}, ["urn:me", 1], ("ok", {"aud": "urn:me"})),
    ],
)
def test_bytes_audience(payload: dict[str, Any], audience: Any, expected: tuple[str, Any]) -> None:
    token = pyjwt.encode(payload, KEY)
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, audience=audience)) == expected


def test_bytes_audience_is_an_invalid_token_error() -> None:
    """The point of item 3: a 401, not a TypeError (a 500)."""
    token = pyjwt.encode({"aud": "urn:me"}, KEY)
    with pytest.raises(jwtgate.InvalidTokenError):
        jwtgate.decode(token, KEY, algorithms=ALG, audience=b"urn:me")


# --- 4. "aud": null counts as absent -------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"audience": "urn:me"}, ("MissingRequiredClaimError", 'Token is missing the "aud" claim')),
        ({}, ("ok", {"aud": None, "sub": "x"})),
        ({"options": {"require": ["aud"]}}, ("MissingRequiredClaimError", 'Token is missing the "aud" claim')),
        (
            {"audience": "urn:me", "options": {"strict_aud": True}},
            ("MissingRequiredClaimError", 'Token is missing the "aud" claim'),
        ),
        ({"options": {"verify_signature": False}}, ("ok", {"aud": None, "sub": "x"})),
    ],
)
def test_null_aud_counts_as_absent(kwargs: dict[str, Any], expected: tuple[str, Any]) -> None:
    token = pyjwt.encode({"aud": None, "sub": "x"}, KEY)
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG, **kwargs)) == expected


def test_null_aud_in_verifier() -> None:
    token = pyjwt.encode({"aud": None, "exp": 2_000_000_000}, KEY)
    assert jwtgate.Verifier(KEY).verify(token, now=1) == {"aud": None, "exp": 2_000_000_000}
    with pytest.raises(jwtgate.MissingRequiredClaimError):
        jwtgate.Verifier(KEY, audience="urn:me").verify(token, now=1)


# --- 5. an asymmetric key as the HMAC secret of an allowed HS* alg ---------------------


def _ed_public(encoding: serialization.Encoding, fmt: serialization.PublicFormat) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key().public_bytes(encoding, fmt)


@pytest.mark.parametrize(
    "public",
    [
        _ed_public(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        _ed_public(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
    ],
    ids=["ssh-ed25519", "pem"],
)
def test_hs256_token_macced_with_public_key_is_invalid_key_error(public: bytes) -> None:
    """PyJWT's advisory GHSA-ffqj-6fqr-9h24: HS256 is allowed, the key is not a secret."""
    forged = hs256(HEADER, b'{"sub":"admin"}', public)
    for algorithms in (["HS256", "EdDSA"], ["EdDSA", "HS256"], ["HS256"]):
        got = same(lambda m, a=algorithms: m.decode(forged, public, algorithms=a))
        assert got == (
            "InvalidKeyError",
            "The specified key is an asymmetric key or x509 certificate and should not be used as an HMAC secret.",
        )


def test_secret_with_an_allowed_eddsa_token_is_invalid_key_error() -> None:
    token = pyjwt.encode({"a": 1}, Ed25519PrivateKey.from_private_bytes(bytes(range(32))), algorithm="EdDSA")
    got = same(lambda m: m.decode(token, KEY, algorithms=["HS256", "EdDSA"]))
    assert got == ("InvalidKeyError", "Not a public or private key")


@pytest.mark.parametrize(
    ("alg", "expected"),
    [
        ("RS256", ("InvalidKeyError", "Could not parse the provided public key.")),
        ("RS512", ("InvalidAlgorithmError", "The specified alg value is not allowed")),
        ("HS512", ("InvalidAlgorithmError", "The specified alg value is not allowed")),
    ],
)
def test_token_alg_the_key_cannot_serve(alg: str, expected: tuple[str, str]) -> None:
    token = raw_token(b64(f'{{"alg":"{alg}"}}'.encode()), b64(b"{}"))
    for _ in range(2):  # the plan is built, then cached (the fast path)
        assert same(lambda m: m.decode(token, KEY, algorithms=["HS256", "RS256"])) == expected


# --- 6. malformed base64url names the segment ------------------------------------------


GOOD = hs256(HEADER, b'{"a":1}')
H, P, S = GOOD.split(".")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (f"{H[:-1]}.{P}.{S}", "Invalid header padding"),  # 4n+1 characters
        (f"*{H}.{P}.{S}", "Invalid header padding"),
        (f"{H}.{P}.A", "Invalid crypto padding"),
        (f"{H}.{P}.{S}!", "Invalid crypto padding"),
        (f"{H}.{P}!.{S}!", "Invalid payload padding"),  # the first bad one, in PyJWT's order
        (raw_token(H, P + "!"), "Invalid payload padding"),  # MACed over the bad segment
        (raw_token(H, "A"), "Invalid payload padding"),
    ],
)
def test_bad_base64url_names_the_segment(token: str, message: str) -> None:
    assert same(lambda m: m.decode(token, KEY, algorithms=ALG)) == ("DecodeError", message)
    assert same(lambda m: m.decode(token, options={"verify_signature": False})) == ("DecodeError", message)


def test_bad_base64url_keeps_its_code_in_verifier() -> None:
    with pytest.raises(jwtgate.DecodeError, match="^Invalid crypto padding$") as info:
        jwtgate.Verifier(KEY).verify(f"{H}.{P}.A")
    assert info.value.code == 101
    result = jwtgate.Verifier(KEY).verify_many([f"*{H}.{P}.{S}"])[0]
    assert isinstance(result, jwtgate.DecodeError) and str(result) == "Invalid header padding"


# --- 7. a kid that is not a string ---------------------------------------------------------


@pytest.mark.parametrize("kid", [None, 1, ["k"]])
def test_encode_kid_must_be_a_string(kid: Any) -> None:
    got = same(lambda m: m.encode({"a": 1}, KEY, headers={"kid": kid}))
    assert got == ("InvalidTokenError", "Key ID header parameter must be a string")


# --- 8. encode with a PyJWK and no algorithm ------------------------------------------------


def test_encode_pyjwk_uses_its_algorithm() -> None:
    jwk = pyjwt.PyJWK({"kty": "oct", "k": b64(b"k" * 64), "alg": "HS384"})
    token = same(lambda m: m.encode({"a": 1}, jwk))
    assert token[0] == "ok"
    assert pyjwt.get_unverified_header(token[1])["alg"] == "HS384"
    assert same(lambda m: m.encode({"a": 1}, jwk, algorithm=None)) == token
    assert same(lambda m: m.encode({"a": 1}, jwk, algorithm="HS512"))[0] == "ok"


def test_encode_es256_pyjwk() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = pyjwt.PyJWK.from_json(pyjwt.algorithms.ECAlgorithm.to_jwk(private))
    token = jwtgate.encode({"a": 1}, jwk)
    assert pyjwt.get_unverified_header(token) == {"alg": "ES256", "typ": "JWT"}
    assert pyjwt.decode(token, private.public_key(), algorithms=["ES256"]) == {"a": 1}


def test_decode_pyjwk_is_bound_to_its_algorithm() -> None:
    jwk = pyjwt.PyJWK({"kty": "oct", "k": b64(b"k" * 48), "alg": "HS384"})
    hs256_token = pyjwt.encode({"a": 1}, b"k" * 48, algorithm="HS256")
    got = same(lambda m: m.decode(hs256_token, jwk, algorithms=["HS256", "HS384"]))
    assert got == ("InvalidAlgorithmError", "Token algorithm 'HS256' does not match the key's algorithm 'HS384'")
    hs384_token = pyjwt.encode({"a": 1}, jwk)
    assert same(lambda m: m.decode(hs384_token, jwk, algorithms=["HS256", "HS384"])) == ("ok", {"a": 1})
    assert same(lambda m: m.decode(hs384_token, jwk)) == ("ok", {"a": 1})


# --- mutable keys (issue 20, item 5) ----------------------------------------------------------


@pytest.mark.parametrize("wrap", [bytearray, memoryview], ids=["bytearray", "memoryview"])
def test_mutable_keys_are_refused_as_in_pyjwt(wrap: Callable[[bytes], Any]) -> None:
    token = pyjwt.encode({"a": 1}, KEY)
    expected = ("TypeError", "Expected a string or bytes value")
    assert same(lambda m: m.decode(token, wrap(KEY), algorithms=ALG)) == expected
    assert same(lambda m: m.encode({"a": 1}, wrap(KEY))) == expected


def test_mutated_bytearray_never_verifies_with_the_old_secret() -> None:
    """What issue 20 saw: decode cached a bytearray key by identity, so after
    an in-place change it kept verifying with the old secret."""
    key = bytearray(KEY)
    old = pyjwt.encode({"a": 1}, bytes(key))
    jwtgate.decode(old, bytes(key), algorithms=ALG)  # a cached plan for the old bytes
    key[:] = b"another 32-byte secret for HS256"
    with pytest.raises(TypeError):
        jwtgate.decode(old, key, algorithms=ALG)
    # A Verifier copies its keys when built: a later change cannot reach it.
    verifier = jwtgate.Verifier(key, required=())
    new = pyjwt.encode({"a": 2}, bytes(key))
    key[:] = KEY
    assert verifier.verify(new) == {"a": 2}
    with pytest.raises(jwtgate.InvalidSignatureError):
        verifier.verify(old)


# --- deliberate differences (docs/python.md) --------------------------------------------------


def test_difference_malformed_json_message_has_no_parser_detail() -> None:
    token = hs256(HEADER, b"{")
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), pyjwt)[1].startswith("Invalid payload string: Expecting")
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), jwtgate) == ("DecodeError", "Invalid payload string")


def test_difference_signature_is_checked_before_the_payload_is_decoded() -> None:
    """A bad payload segment under a signature that does not verify: PyJWT
    decodes every segment first, the core never decodes an unauthenticated
    payload. Both are InvalidTokenError (and DecodeError) subclasses."""
    token = f"{H}.{P}!.{S}"
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), pyjwt) == ("DecodeError", "Invalid payload padding")
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), jwtgate) == (
        "InvalidSignatureError",
        "Signature verification failed",
    )
    hs512 = hs256(b'{"alg":"HS512"}', b"{}").split(".")
    token = f"{hs512[0]}.{P}!.{S}"
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), pyjwt) == ("DecodeError", "Invalid payload padding")
    assert outcome(lambda m: m.decode(token, KEY, algorithms=ALG), jwtgate) == (
        "InvalidAlgorithmError",
        "The specified alg value is not allowed",
    )


def test_difference_alg_none_is_not_implemented() -> None:
    assert outcome(lambda m: m.encode({"a": 1}, KEY, algorithm=None), pyjwt)[0] == "InvalidKeyError"
    assert outcome(lambda m: m.encode({"a": 1}, KEY, algorithm=None), jwtgate) == ("NotImplementedError", "Algorithm not supported")


# --- decode's plan cache -------------------------------------------------------------------


def test_cached_plans_never_mix_up_keys_or_arguments() -> None:
    """The fast path finds plans by key (by identity for key objects) and
    compares every other argument: a different key object, algorithm list,
    audience, issuer or leeway never reuses another call's verifier."""
    one = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    two = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    token = pyjwt.encode({"aud": "a", "iss": "i"}, one, algorithm="EdDSA")
    for _ in range(3):
        assert jwtgate.decode(token, one.public_key(), algorithms=["EdDSA"], audience="a", issuer="i") == {"aud": "a", "iss": "i"}
        with pytest.raises(jwtgate.InvalidSignatureError):
            jwtgate.decode(token, two.public_key(), algorithms=["EdDSA"], audience="a", issuer="i")
    public = one.public_key()
    assert jwtgate.decode(token, public, algorithms=["EdDSA"], audience="a", issuer="i")["aud"] == "a"
    for kwargs, error in [
        ({"algorithms": ["ES256"]}, jwtgate.InvalidAlgorithmError),
        ({"algorithms": ["EdDSA"], "audience": "b", "issuer": "i"}, jwtgate.InvalidAudienceError),
        ({"algorithms": ["EdDSA"], "audience": "a", "issuer": "j"}, jwtgate.InvalidIssuerError),
    ]:
        with pytest.raises(error):
            jwtgate.decode(token, public, **kwargs)
    hs = pyjwt.encode({"exp": 1_000}, KEY)
    assert jwtgate.decode(hs, KEY, algorithms=ALG, leeway=10**10)["exp"] == 1_000
    with pytest.raises(jwtgate.ExpiredSignatureError):
        jwtgate.decode(hs, KEY, algorithms=ALG)
