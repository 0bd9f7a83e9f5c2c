#!/usr/bin/env python3
"""Generates the RSA and P-256 test keys of tests/idp_algs.rs (needs `cryptography`).

Each key is written as DER for jsonwebtoken (PKCS#1 for RSA private keys,
PKCS#8 for P-256 private keys) and all public halves as one JWKS,
`jwks.json`, the way an identity provider publishes them. Re-running makes
new keys; the tests only need the files to agree with one another.
"""
import base64
import json
import pathlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = pathlib.Path(__file__).parent


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(value: int, length: int = 0) -> bytes:
    return value.to_bytes(max(length, (value.bit_length() + 7) // 8), "big")


keys = []
for bits in (2048, 3072, 4096):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (HERE / f"rsa{bits}.der").write_bytes(der)
    numbers = key.public_key().public_numbers()
    keys.append(
        {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": f"rsa{bits}",
            "n": b64(int_bytes(numbers.n)),
            "e": b64(int_bytes(numbers.e)),
        }
    )

key = ec.generate_private_key(ec.SECP256R1())
(HERE / "p256.der").write_bytes(
    key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
)
numbers = key.public_key().public_numbers()
keys.append(
    {
        "kty": "EC",
        "use": "sig",
        "alg": "ES256",
        "crv": "P-256",
        "kid": "p256",
        "x": b64(int_bytes(numbers.x, 32)),
        "y": b64(int_bytes(numbers.y, 32)),
    }
)
(HERE / "p256.d").write_text(b64(int_bytes(key.private_numbers().private_value, 32)) + "\n")
(HERE / "jwks.json").write_text(json.dumps({"keys": keys}, indent=1) + "\n")
