"""Issue 20, item 3: a public key is never an HMAC secret, whatever its
encoding (PEM, OpenSSH, DER SubjectPublicKeyInfo, DER PKCS#1, DER X.509
certificate), wherever a key is accepted (``decode``, ``decode_complete``,
``encode``, ``Verifier``, ``KeySet.add``). The rule is one Rust function
(``python/src/asymmetric.rs``); PyJWT refuses the same keys with the same
exception and message.

Also issue 20, item 5: ``verify_many`` reports a token whose claims hold an
integer past Python's digit limit as that token's error.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import jwt as pyjwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

import jwtgate

ASYMMETRIC = "The specified key is an asymmetric key or x509 certificate and should not be used as an HMAC secret."

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())
_ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _self_signed(private: Any, hash_alg: hashes.HashAlgorithm | None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtgate test")])
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
    when = datetime.datetime(2020, 1, 1)
    builder = builder.serial_number(1).not_valid_before(when).not_valid_after(when.replace(year=2040))
    return builder.sign(private, hash_alg)


_CERT = _self_signed(_RSA, hashes.SHA256())
_ED_CERT = _self_signed(_ED, None)
DER, SPKI = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo

PUBLIC_KEYS = {
    "DER SPKI RSA": _RSA.public_key().public_bytes(DER, SPKI),
    "DER SPKI P-256": _EC.public_key().public_bytes(DER, SPKI),
    "DER SPKI Ed25519": _ED.public_key().public_bytes(DER, SPKI),
    "DER PKCS#1 RSA": _RSA.public_key().public_bytes(DER, serialization.PublicFormat.PKCS1),
    "DER certificate RSA": _CERT.public_bytes(DER),
    "DER certificate Ed25519": _ED_CERT.public_bytes(DER),
    "PEM SPKI RSA": _RSA.public_key().public_bytes(serialization.Encoding.PEM, SPKI),
    "PEM PKCS#1 RSA": _RSA.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
    "PEM certificate": _CERT.public_bytes(serialization.Encoding.PEM),
    "OpenSSH RSA": _RSA.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    "OpenSSH Ed25519": _ED.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
}
IDS = list(PUBLIC_KEYS)
KEYS = list(PUBLIC_KEYS.values())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(key: bytes, payload: bytes = b'{"sub":"admin","exp":2000000000}') -> str:
    """An HS256 token MACed with the public key's bytes: the classic attack."""
    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(payload)
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def outcome(fn: Callable[[ModuleType], Any], mod: ModuleType) -> tuple[str, Any]:
    try:
        return ("ok", fn(mod))
    except Exception as e:  # noqa: BLE001 - class and message are the outcome
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("key", KEYS, ids=IDS)
@pytest.mark.parametrize("algorithms", [["HS256"], ["RS256", "HS256"], ["HS256", "EdDSA", "ES256"]], ids=str)
def test_decode_refuses_public_key_as_secret(key: bytes, algorithms: list[str]) -> None:
    token = forged(key)
    theirs = outcome(lambda m: m.decode(token, key, algorithms=algorithms), pyjwt)
    ours = outcome(lambda m: m.decode(token, key, algorithms=algorithms), jwtgate)
    assert ours == theirs == ("InvalidKeyError", ASYMMETRIC)
    ours = outcome(lambda m: m.decode_complete(token, key, algorithms=algorithms), jwtgate)
    assert ours == ("InvalidKeyError", ASYMMETRIC)


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_encode_refuses_public_key_as_secret(key: bytes) -> None:
    for alg in ("HS256", "HS384", "HS512"):
        theirs = outcome(lambda m, a=alg: m.encode({"a": 1}, key, algorithm=a), pyjwt)
        ours = outcome(lambda m, a=alg: m.encode({"a": 1}, key, algorithm=a), jwtgate)
        assert ours == theirs == ("InvalidKeyError", ASYMMETRIC)


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_verifier_refuses_public_key_as_secret(key: bytes) -> None:
    with pytest.raises(jwtgate.InvalidKeyError, match="^The specified key is an asymmetric key"):
        jwtgate.Verifier(key, algorithms=["HS256", "HS512"])
    with pytest.raises(jwtgate.InvalidKeyError, match="^The specified key is an asymmetric key"):
        jwtgate.Verifier({"kid-1": key}, algorithms=["HS384"])
    # Without `algorithms`: PEM and OpenSSH keys are read as the keys they
    # are (RS256, EdDSA); DER is not read at all, and never becomes HS256.
    try:
        verifier = jwtgate.Verifier(key)
    except jwtgate.InvalidKeyError as e:
        assert str(e) == ASYMMETRIC and key.startswith(b"0")
    else:
        assert all(not alg.startswith("HS") for alg, _ in verifier.keys)
        with pytest.raises(jwtgate.InvalidTokenError):
            verifier.verify(forged(key))


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_low_level_keyset_refuses_public_key_as_secret(key: bytes) -> None:
    """The rule is in Rust: even the raw ``KeySet.add`` and ``encode`` refuse."""
    keyset = jwtgate.KeySet()
    with pytest.raises(jwtgate.InvalidKeyError, match="^The specified key is an asymmetric key"):
        keyset.add("secret", key, "HS256")
    assert len(keyset) == 0
    with pytest.raises(jwtgate.InvalidKeyError, match="^The specified key is an asymmetric key"):
        jwtgate._jwtgate.encode(b"{}", "HS256", "secret", key)


def test_private_keys_and_random_secrets_stay_secrets() -> None:
    """PyJWT accepts DER private keys as HMAC secrets (they are secret), and
    so does jwtgate; random secrets, including ones starting like DER, too."""
    candidates = [
        _RSA.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        _RSA.private_bytes(DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
        b"\x30\x82" + os.urandom(62),
        b"\x30\x20" + os.urandom(32),
        os.urandom(64),
        b"ssh is not an ssh key, just a secret",
    ]
    for secret in candidates:
        token = pyjwt.encode({"a": 1}, secret, algorithm="HS256")
        assert jwtgate.decode(token, secret, algorithms=["HS256"]) == {"a": 1}
        assert jwtgate.Verifier(secret, required=()).verify(token) == {"a": 1}


def test_truncated_or_padded_der_is_a_secret() -> None:
    """Structure must cover the input exactly: these are not keys."""
    spki = PUBLIC_KEYS["DER SPKI RSA"]
    for secret in (spki[:-1], spki + b"\0", b"\x30\x03\x02\x01\x01"):
        token = pyjwt.encode({"a": 1}, secret, algorithm="HS256") if len(secret) >= 32 else None
        if token is not None:
            assert jwtgate.decode(token, secret, algorithms=["HS256"]) == {"a": 1}
        jwtgate._jwtgate.check_hmac_secret(secret)


# --- verify_many and integers past Python's digit limit (issue 20, item 5) ---------------------


def test_verify_many_reports_a_huge_integer_per_token() -> None:
    key = b"a 32-byte secret for HS256 tests"
    huge = jwtgate.encode({"exp": 2_000_000_000, "n": 0}, key).split(".")
    payload = b'{"exp":2000000000,"n":' + b"9" * 5000 + b"}"
    signing_input = f"{huge[0]}.{b64(payload)}"
    token = f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"
    good = jwtgate.encode({"exp": 2_000_000_000, "sub": "ok"}, key)
    verifier = jwtgate.Verifier(key)
    results = verifier.verify_many([good, token, good], now=1)
    assert results[0] == results[2] == {"exp": 2_000_000_000, "sub": "ok"}
    assert isinstance(results[1], jwtgate.DecodeError)
    # PyJWT's message for the same token (json.loads hits the same limit).
    with pytest.raises(pyjwt.DecodeError) as theirs:
        pyjwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})
    assert str(results[1]) == str(theirs.value)
    with pytest.raises(jwtgate.DecodeError) as ours:
        verifier.verify(token, now=1)
    assert str(ours.value) == str(theirs.value)
