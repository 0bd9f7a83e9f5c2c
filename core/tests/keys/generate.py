#!/usr/bin/env python3
"""Generates the RSA and P-256 test keys of tests/idp_algs.rs (needs `cryptography`).

Each key is written as DER for jsonwebtoken (PKCS#1 for RSA private keys,
PKCS#8 for P-256 private keys) and all public halves as one JWKS,
`jwks.json`, the way an identity provider publishes them. Re-running makes
new keys; the tests only need the files to agree with one another.

    python3 core/tests/keys/generate.py           # new keys (rewrites every file)
    python3 core/tests/keys/generate.py --check   # CI: the committed files agree

New keys are random, so the check cannot regenerate and compare: it parses
every committed private key, checks its size and type, and derives what the
generator derives from it (`jwks.json`, `p256.d`), which must equal the
committed files byte for byte.
"""
import base64
import json
import pathlib
import secrets
import sys

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


RSA_BITS = (2048, 2049, 3072, 4096)


def rsa_jwk(bits: int, key: rsa.RSAPrivateKey) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": f"rsa{bits}",
        "n": b64(int_bytes(numbers.n)),
        "e": b64(int_bytes(numbers.e)),
    }


def ec_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "use": "sig",
        "alg": "ES256",
        "crv": "P-256",
        "kid": "p256",
        "x": b64(int_bytes(numbers.x, 32)),
        "y": b64(int_bytes(numbers.y, 32)),
    }


def p256_d(key: ec.EllipticCurvePrivateKey) -> str:
    return b64(int_bytes(key.private_numbers().private_value, 32)) + "\n"


def jwks_text(keys: list) -> str:
    return json.dumps({"keys": keys}, indent=1) + "\n"


def generate() -> None:
    keys = []
    for bits in RSA_BITS:
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
        keys.append(rsa_jwk(bits, key))
    key = ec.generate_private_key(ec.SECP256R1())
    (HERE / "p256.der").write_bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    keys.append(ec_jwk(key))
    (HERE / "p256.d").write_text(p256_d(key))
    (HERE / "jwks.json").write_text(jwks_text(keys))


def check() -> list:
    """What is wrong with the committed files, as messages."""
    problems, keys = [], []
    for bits in RSA_BITS:
        key = serialization.load_der_private_key((HERE / f"rsa{bits}.der").read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != bits:
            problems.append(f"rsa{bits}.der: not a {bits}-bit RSA key")
            continue
        if key.public_key().public_numbers().e != 65537:
            problems.append(f"rsa{bits}.der: public exponent is not 65537")
        keys.append(rsa_jwk(bits, key))
    key = serialization.load_der_private_key((HERE / "p256.der").read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        problems.append("p256.der: not a P-256 key")
    else:
        keys.append(ec_jwk(key))
        if (HERE / "p256.d").read_text() != p256_d(key):
            problems.append("p256.d: not the private scalar of p256.der")
    if not problems and (HERE / "jwks.json").read_text() != jwks_text(keys):
        problems.append("jwks.json: not the public halves of the private keys")
    return problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        problems = check()
        for problem in problems:
            print(f"core/tests/keys: {problem}")
        if problems:
            sys.exit("core/tests/keys disagree with one another: run generate.py")
        print(f"core/tests/keys: ok ({len(RSA_BITS)} RSA keys, 1 P-256 key, jwks.json, p256.d)")
    else:
        generate()
