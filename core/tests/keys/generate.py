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
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = pathlib.Path(__file__).parent


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(value: int, length: int = 0) -> bytes:
    return value.to_bytes(max(length, (value.bit_length() + 7) // 8), "big")


def probable_prime(bits: int) -> int:
    """A random prime of exactly `bits` bits, its two top bits set (Miller-Rabin, 40 rounds)."""
    while True:
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if candidate % 65537 == 1:
            continue
        d, r = candidate - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(secrets.randbelow(candidate - 3) + 2, d, candidate)
            if x in (1, candidate - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, candidate)
                if x == candidate - 1:
                    break
            else:
                break
        else:
            return candidate


def odd_size_key(bits: int) -> rsa.RSAPrivateKey:
    """OpenSSL rounds sizes of 8k + 1 bits down; build one from two primes."""
    while True:
        p, q = probable_prime(bits // 2 + 1), probable_prime(bits // 2)
        n = p * q
        if n.bit_length() == bits and p != q:
            break
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


keys = []
for bits in (2048, 2049, 3072, 4096):
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
        if bits % 8 == 0
        else odd_size_key(bits)
    )
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
