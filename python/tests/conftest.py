"""Shared fixtures: keys for every algorithm, a fixed clock."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NOW = 1_760_000_000

SECRETS = {
    "HS256": b"a 32-byte secret for HS256 tests",
    "HS384": b"a 48-byte secret for HS384 tests, long enough!!!",
    "HS512": b"a 64-byte secret for HS512 tests: long enough, RFC 7518 says so.",
}


@pytest.fixture(scope="session")
def ed_private() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="session")
def ed_public_pem(ed_private: Ed25519PrivateKey) -> bytes:
    return ed_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="session")
def ed_private_pem(ed_private: Ed25519PrivateKey) -> bytes:
    return ed_private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def claims(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "iss": "https://auth.example",
        "aud": "api",
        "sub": "user-42",
        "jti": "t-1",
        "iat": NOW - 10,
        "exp": NOW + 900,
    }
    base.update(extra)
    return base
