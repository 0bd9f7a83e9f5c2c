"""RS256/PS256/ES256 the way identity providers issue them.

Tokens signed by PyJWT + cryptography verify with jwtgate through ``decode``
(PEM, ``RSA PUBLIC KEY``, certificates, ``cryptography`` objects, PyJWT's
``PyJWK``) and through ``Verifier`` (keys and JWKS); plus the fixture shared
with the C and Go tests (tests/fixtures/idp_tokens.json, signed with the keys
of core/tests/keys, whose public JWKS is core/tests/keys/jwks.json).
"""

from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any

import jwt as pyjwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import jwtgate

from conftest import NOW, claims

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "idp_tokens.json").read_text())
JWKS = (ROOT / "core" / "tests" / "keys" / "jwks.json").read_text()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())


def spki_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def decode(token: str, key: Any, algorithms: list[str]) -> dict[str, Any]:
    return jwtgate.decode(token, key, algorithms=algorithms, audience="api", now=NOW)


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_rsa_decode_key_forms(rsa_key: rsa.RSAPrivateKey, alg: str) -> None:
    token = pyjwt.encode(claims(), rsa_key, algorithm=alg, headers={"kid": "k1"})
    pkcs1 = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert pkcs1.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    ssh = rsa_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    for key in (spki_pem(rsa_key), spki_pem(rsa_key).decode(), pkcs1, ssh, rsa_key.public_key(), rsa_key):
        assert decode(token, key, [alg]) == claims()
    assert decode(token, rsa_key.public_key(), ["RS256", "PS256"]) == claims()
    jwk = pyjwt.PyJWK(json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key())), alg)
    assert jwtgate.decode(token, jwk, audience="api", now=NOW) == claims()
    assert jwtgate.decode_complete(token, rsa_key.public_key(), [alg], audience="api", now=NOW)[
        "header"
    ] == {"alg": alg, "kid": "k1", "typ": "JWT"}


def test_rsa_certificate(rsa_key: rsa.RSAPrivateKey) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(rsa_key, hashes.SHA256())
    )
    token = pyjwt.encode(claims(), rsa_key, algorithm="RS256")
    assert decode(token, cert.public_bytes(serialization.Encoding.PEM), ["RS256"]) == claims()


def test_es256_decode_and_encode(ec_key: ec.EllipticCurvePrivateKey) -> None:
    token = pyjwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "e1"})
    ssh = ec_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    for key in (spki_pem(ec_key), ssh, ec_key.public_key(), ec_key):
        assert decode(token, key, ["ES256"]) == claims()
    # jwtgate signs ES256; PyJWT verifies it.
    ours = jwtgate.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "e1"})
    assert pyjwt.decode(ours, ec_key.public_key(), algorithms=["ES256"], audience="api",
                        options={"verify_exp": False}) == claims()
    assert decode(ours, spki_pem(ec_key), ["ES256"]) == claims()
    pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    assert decode(jwtgate.encode(claims(), pem, algorithm="ES256"), ec_key, ["ES256"]) == claims()


def test_wrong_keys_and_algorithms(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> None:
    rs = pyjwt.encode(claims(), rsa_key, algorithm="RS256")
    ps = pyjwt.encode(claims(), rsa_key, algorithm="PS256")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwtgate.InvalidSignatureError):
        decode(rs, other.public_key(), ["RS256"])
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        decode(ps, rsa_key.public_key(), ["RS256"])
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        decode(rs, ec_key.public_key(), ["ES256"])
    with pytest.raises(jwtgate.InvalidKeyError):
        decode(rs, ec_key.public_key(), ["RS256"])
    with pytest.raises(jwtgate.InvalidKeyError):
        decode(rs, rsa.generate_private_key(65537, 1024).public_key(), ["RS256"])
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(jwtgate.InvalidKeyError, match="P-256"):
        decode(rs, p384.public_key(), ["RS256", "ES256"])
    with pytest.raises(jwtgate.InvalidKeyError):
        decode(rs, b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", ["RS256"])
    with pytest.raises(NotImplementedError):
        jwtgate.encode(claims(), rsa_key, algorithm="RS256")
    with pytest.raises(NotImplementedError):
        jwtgate.encode(claims(), rsa_key, algorithm="PS256")
    with pytest.raises(jwtgate.InvalidKeyError):
        jwtgate.encode(claims(), ec_key.public_key(), algorithm="ES256")


def test_verifier_keys(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> None:
    v = jwtgate.Verifier({"r": rsa_key.public_key(), "e": spki_pem(ec_key)}, audience="api")
    rs = pyjwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "r"})
    es = pyjwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "e"})
    assert v.verify(rs, now=NOW) == claims()
    assert v.verify(es, now=NOW) == claims()
    # The default binds an RSA key to RS256 only; ask for PS256 explicitly.
    ps = pyjwt.encode(claims(), rsa_key, algorithm="PS256", headers={"kid": "r"})
    with pytest.raises(jwtgate.InvalidAlgorithmError):
        v.verify(ps, now=NOW)
    both = jwtgate.Verifier({"r": rsa_key.public_key()}, algorithms=["RS256", "PS256"], audience="api")
    assert both.verify(ps, now=NOW) == claims() == both.verify(rs, now=NOW)



def test_jwks_of_several_keys() -> None:
    """The OIDC setup: RS256 tokens with a kid, a JWKS of several keys."""
    tokens = FIXTURE["tokens"]
    for source in (JWKS, JWKS.encode(), json.loads(JWKS)):
        v = jwtgate.Verifier.from_jwks(source, issuer=FIXTURE["issuer"], audience=FIXTURE["audience"])
        for kid in ("rsa2048", "rsa2049", "rsa3072", "rsa4096", "p256"):
            name = f"es256_{kid}" if kid == "p256" else f"rs256_{kid}"
            payload = v.verify(tokens[name], now=FIXTURE["now"])
            assert payload["sub"] == f"user-{kid}"
            assert payload["aud"] == FIXTURE["audience"]
            assert jwtgate.get_unverified_header(tokens[name])["kid"] == kid
        with pytest.raises(jwtgate.InvalidAlgorithmError):
            v.verify(tokens["ps256_rsa2048"], now=FIXTURE["now"])  # the JWK says RS256
        with pytest.raises(jwtgate.InvalidTokenError):
            v.verify(tokens["rs256_unknown_kid"], now=FIXTURE["now"])
        tampered = tokens["rs256_rsa3072"][:-3] + ("A" if tokens["rs256_rsa3072"][-3] != "A" else "B") + tokens["rs256_rsa3072"][-2:]
        with pytest.raises(jwtgate.InvalidSignatureError):
            v.verify(tampered, now=FIXTURE["now"])
    # The same through a plain dict passed as keys, and through decode with
    # the matching PEM per token (the fixture's keys).
    v = jwtgate.Verifier(json.loads(JWKS), audience=FIXTURE["audience"])
    assert v.verify(tokens["rs256_rsa4096"], now=FIXTURE["now"])["sub"] == "user-rsa4096"
    for name, key, alg in (
        ("rs256_rsa2048", "rsa2048_pem", "RS256"),
        ("rs256_rsa2049", "rsa2049_pem", "RS256"),
        ("ps256_rsa2048", "rsa2048_pem", "PS256"),
        ("es256_p256", "p256_pem", "ES256"),
    ):
        payload = jwtgate.decode(tokens[name], FIXTURE["keys"][key], algorithms=[alg],
                                 audience=FIXTURE["audience"], issuer=FIXTURE["issuer"])
        assert payload["iss"] == FIXTURE["issuer"]


def test_pyjwt_agrees_on_the_fixture() -> None:
    """PyJWT's own PyJWKSet verifies the same tokens (a sanity check of the fixture)."""
    keyset = pyjwt.PyJWKSet.from_json(JWKS)
    for name, token in FIXTURE["tokens"].items():
        if name in ("rs256_unknown_kid", "ps256_rsa2048"):
            continue
        kid = pyjwt.get_unverified_header(token)["kid"]
        key = keyset[kid]
        assert pyjwt.decode(token, key, audience=FIXTURE["audience"]) == jwtgate.decode(
            token, key, audience=FIXTURE["audience"]
        )


def test_without_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    """RSA/EC PEM needs `cryptography`: a clear InvalidKeyError without it;
    JWKS keep working. (A fresh key: decode caches plans by key.)"""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = pyjwt.encode(claims(), rsa_key, algorithm="RS256")
    pem = spki_pem(rsa_key)
    monkeypatch.setitem(__import__("sys").modules, "cryptography", None)
    with pytest.raises(jwtgate.InvalidKeyError, match="cryptography"):
        decode(token, pem, ["RS256"])
    v = jwtgate.Verifier.from_jwks(JWKS, audience=FIXTURE["audience"])
    assert v.verify(FIXTURE["tokens"]["rs256_rsa2048"], now=FIXTURE["now"])["sub"] == "user-rsa2048"
