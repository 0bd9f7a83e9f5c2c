"""The exhaustiveness guard for algorithms: the Python layer's names must be
the core's, every core algorithm must have a key kind here, and every one
must verify end to end. An algorithm added to the core (``Algorithm::ALL``)
without its Python side fails this file, as ``every_algorithm_has_an_id``
fails the C side."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from conftest import NOW, SECRETS, claims
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import jwtgate
from jwtgate import _jwtgate, _keys


def test_python_names_are_the_cores() -> None:
    assert _jwtgate.ALGORITHMS == _keys.SUPPORTED


def test_every_algorithm_has_one_key_kind() -> None:
    served = [alg for algs in _keys.KIND_ALGORITHMS.values() for alg in algs]
    for alg in _jwtgate.ALGORITHMS:
        hmac = alg in _keys.HMAC_ALGORITHMS
        assert hmac != (alg in served), f"{alg}: an HMAC secret or an asymmetric key kind, exactly one"
    assert set(_keys.HMAC_ALGORITHMS) | set(served) == set(_jwtgate.ALGORITHMS)
    assert set(_keys.SIGNING) <= set(_jwtgate.ALGORITHMS)


@pytest.mark.parametrize("alg", sorted(_keys.HMAC_ALGORITHMS))
def test_hmac_minimum_is_the_cores(alg: str) -> None:
    need = _keys.HMAC_ALGORITHMS[alg]
    _jwtgate.KeySet().add("secret", b"k" * need, alg)
    with pytest.raises(jwtgate.InvalidKeyError) as info:
        _jwtgate.KeySet().add("secret", b"k" * (need - 1), alg)
    assert info.value.code == 304


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_input(alg: str) -> bytes:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims()).encode())
    return f"{header}.{payload}".encode()


def _token(alg: str, sign: Callable[[bytes], bytes]) -> str:
    signing_input = _signing_input(alg)
    return f"{signing_input.decode()}.{_b64(sign(signing_input))}"


def _es256(key: ec.EllipticCurvePrivateKey) -> Callable[[bytes], bytes]:
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


_ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
_EC = ec.derive_private_key(7, ec.SECP256R1())
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

#: Per algorithm: a token signer outside jwtgate and the key that verifies.
#: A new core algorithm needs an entry here (and its Python support).
SIGNERS: dict[str, tuple[Callable[[bytes], bytes], object]] = {
    "HS256": (lambda d: _hmac(d, "HS256"), SECRETS["HS256"]),
    "HS384": (lambda d: _hmac(d, "HS384"), SECRETS["HS384"]),
    "HS512": (lambda d: _hmac(d, "HS512"), SECRETS["HS512"]),
    "EdDSA": (_ED.sign, _ED.public_key()),
    "ES256": (_es256(_EC), _EC.public_key()),
    "RS256": (lambda d: _RSA.sign(d, padding.PKCS1v15(), hashes.SHA256()), _RSA.public_key()),
    "PS256": (lambda d: _RSA.sign(d, _PSS, hashes.SHA256()), _RSA.public_key()),
}


def _hmac(data: bytes, alg: str) -> bytes:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    return hmac.new(SECRETS[alg], data, digest).digest()


@pytest.mark.parametrize("alg", _jwtgate.ALGORITHMS)
def test_every_core_algorithm_verifies_from_python(alg: str) -> None:
    assert alg in SIGNERS, f"{alg} is in the core but has no Python test signer (and maybe no support)"
    sign, key = SIGNERS[alg]
    token = _token(alg, sign)
    got = jwtgate.decode(token, key, algorithms=[alg], audience="api", options={"verify_exp": False})
    assert got["sub"] == "user-42"
    verifier = jwtgate.Verifier(key, algorithms=[alg], audience="api")
    assert verifier.verify(token, now=NOW)["jti"] == "t-1"
    signing_input, signature = token.rsplit(".", 1)
    tampered = f"{signing_input}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    with pytest.raises(jwtgate.InvalidSignatureError):
        verifier.verify(tampered, now=NOW)


def test_signers_cover_only_core_algorithms() -> None:
    assert set(SIGNERS) == set(_jwtgate.ALGORITHMS)
