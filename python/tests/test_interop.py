"""Interoperability with PyJWT, both ways, for every shared algorithm."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from conftest import NOW, SECRETS, claims

import jwtgate

# (algorithm, signing-key name, verifying-key name) over the key forms both accept.
HMAC_FORMS = [(alg, form) for alg in SECRETS for form in ("bytes", "str")]
ED_FORMS = [("pem", "pem"), ("object", "object"), ("object", "pem"), ("pem", "object")]


def ed_keys(form: str, ed_private: Any, ed_private_pem: bytes, ed_public_pem: bytes) -> tuple[Any, Any]:
    if form == "pem":
        return ed_private_pem, ed_public_pem
    return ed_private, ed_private.public_key()


@pytest.mark.parametrize(("alg", "form"), HMAC_FORMS)
def test_hmac_pyjwt_signs_jwtgate_verifies(alg: str, form: str) -> None:
    key: Any = SECRETS[alg] if form == "bytes" else SECRETS[alg].decode()
    token = pyjwt.encode(claims(), key, algorithm=alg, headers={"kid": "k1"})
    expected = pyjwt.decode(token, key, algorithms=[alg], audience="api", options={"verify_exp": False})
    assert jwtgate.decode(token, key, algorithms=[alg], audience="api", now=NOW) == expected
    assert jwtgate.Verifier(key, algorithms=[alg], audience="api").verify(token, now=NOW) == expected


@pytest.mark.parametrize(("alg", "form"), HMAC_FORMS)
def test_hmac_jwtgate_signs_pyjwt_verifies(alg: str, form: str) -> None:
    key: Any = SECRETS[alg] if form == "bytes" else SECRETS[alg].decode()
    token = jwtgate.encode(claims(nested={"a": [1, 2.5, None, True, "é"]}), key, algorithm=alg, headers={"kid": "k1"})
    assert pyjwt.get_unverified_header(token) == {"alg": alg, "typ": "JWT", "kid": "k1"}
    got = pyjwt.decode(token, key, algorithms=[alg], audience="api", options={"verify_exp": False})
    assert got == claims(nested={"a": [1, 2.5, None, True, "é"]})


@pytest.mark.parametrize(("sign_form", "verify_form"), ED_FORMS)
def test_eddsa_both_ways(
    sign_form: str, verify_form: str, ed_private: Any, ed_private_pem: bytes, ed_public_pem: bytes
) -> None:
    sign_key, _ = ed_keys(sign_form, ed_private, ed_private_pem, ed_public_pem)
    _, verify_key = ed_keys(verify_form, ed_private, ed_private_pem, ed_public_pem)
    ours = jwtgate.encode(claims(), sign_key, algorithm="EdDSA")
    theirs = pyjwt.encode(claims(), sign_key, algorithm="EdDSA")
    # Ed25519 is deterministic and both write {"alg":"EdDSA","typ":"JWT"}
    # headers with the same claims JSON: the tokens agree on the payload.
    assert ours.split(".")[1] == theirs.split(".")[1]
    for token in (ours, theirs):
        expected = pyjwt.decode(token, verify_key, algorithms=["EdDSA"], audience="api", options={"verify_exp": False})
        assert expected == claims()
        assert jwtgate.decode(token, verify_key, algorithms=["EdDSA"], audience="api", now=NOW) == expected
        assert jwtgate.Verifier(verify_key, audience="api").verify(token, now=NOW) == expected


@pytest.mark.parametrize("alg", list(SECRETS))
def test_hmac_failures_match(alg: str) -> None:
    key = SECRETS[alg]
    token = pyjwt.encode(claims(), key, algorithm=alg)
    wrong = key[::-1]
    for mod in (pyjwt, jwtgate):
        with pytest.raises(mod.InvalidSignatureError):
            kwargs: dict[str, Any] = {"now": NOW} if mod is jwtgate else {"options": {"verify_exp": False}}
            mod.decode(token, wrong, algorithms=[alg], audience="api", **kwargs)


def test_eddsa_tampered_fails_in_both(ed_private: Any) -> None:
    token = pyjwt.encode(claims(), ed_private, algorithm="EdDSA")
    head, payload, sig = token.split(".")
    forged = jwtgate._jwtgate.b64url_encode(b'{"sub":"admin"}')
    tampered = f"{head}.{forged}.{sig}"
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(tampered, ed_private.public_key(), algorithms=["EdDSA"])
    with pytest.raises(jwtgate.InvalidSignatureError):
        jwtgate.decode(tampered, ed_private.public_key(), algorithms=["EdDSA"], now=NOW)


def test_same_exception_names_and_hierarchy() -> None:
    for name in (
        "PyJWTError", "InvalidTokenError", "DecodeError", "InvalidSignatureError", "ExpiredSignatureError",
        "InvalidAudienceError", "InvalidIssuerError", "InvalidIssuedAtError", "ImmatureSignatureError",
        "InvalidKeyError", "InvalidAlgorithmError", "MissingRequiredClaimError", "PyJWKError",
        "PyJWKSetError", "InvalidSubjectError", "InvalidJTIError",
    ):
        ours, theirs = getattr(jwtgate, name), getattr(pyjwt.exceptions, name)
        ours_bases = [c.__name__ for c in ours.__mro__ if c.__name__ not in ("ValueError",)]
        theirs_bases = [c.__name__ for c in theirs.__mro__]
        assert ours_bases == theirs_bases, name
    assert issubclass(jwtgate.RevokedTokenError, jwtgate.InvalidTokenError)


def test_decode_cache_never_mixes_keys(ed_private: Any) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    token = jwtgate.encode(claims(), ed_private, algorithm="EdDSA")
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    for _ in range(3):  # unhashable key objects are cached by identity
        assert jwtgate.decode(token, ed_private.public_key(), algorithms=["EdDSA"], audience="api", now=NOW)
        with pytest.raises(jwtgate.InvalidSignatureError):
            jwtgate.decode(token, other, algorithms=["EdDSA"], audience="api", now=NOW)
    hs = jwtgate.encode(claims(), SECRETS["HS256"])
    assert jwtgate.decode(hs, SECRETS["HS256"], algorithms=["HS256"], audience="api", now=NOW)
    with pytest.raises(jwtgate.InvalidSignatureError):
        jwtgate.decode(hs, SECRETS["HS256"][::-1], algorithms=["HS256"], audience="api", now=NOW)
