"""Turning keys as users pass them into the core's key set.

Accepted, as PyJWT accepts them for our algorithms:

- ``str`` or ``bytes`` HMAC secrets (``str`` is UTF-8 encoded);
- Ed25519 keys as PEM (``-----BEGIN PUBLIC KEY-----`` SubjectPublicKeyInfo,
  ``-----BEGIN PRIVATE KEY-----`` PKCS#8) or OpenSSH public keys
  (``ssh-ed25519 AAAA...``), parsed here without ``cryptography``;
- RSA (RS256, PS256) and P-256 (ES256) keys as PEM (``PUBLIC KEY``,
  ``RSA PUBLIC KEY``, ``CERTIFICATE``, private keys for their public half
  or, for P-256, to sign) or OpenSSH public keys, parsed with
  ``cryptography`` (``InvalidKeyError`` when it is not installed);
- ``cryptography`` key objects: ``Ed25519PublicKey`` / ``Ed25519PrivateKey``,
  ``RSAPublicKey`` / ``RSAPrivateKey`` (its public half) and P-256
  ``EllipticCurvePublicKey`` / ``EllipticCurvePrivateKey``;
- objects with PyJWT's ``PyJWK`` shape (``.key`` and ``.algorithm_name``).
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from . import _jwtgate
from .exceptions import InvalidKeyError

HMAC_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}
SUPPORTED = ("HS256", "HS384", "HS512", "EdDSA", "ES256", "RS256", "PS256")
#: What ``encode`` signs with: RSA keys only verify.
SIGNING = ("HS256", "HS384", "HS512", "EdDSA", "ES256")
#: The algorithms each asymmetric key kind serves; the first is the default.
KIND_ALGORITHMS = {
    "ed25519-public": ("EdDSA",),
    "ed25519-private": ("EdDSA",),
    "es256-public": ("ES256",),
    "es256-private": ("ES256",),
    "rsa-public": ("RS256", "PS256"),
}

_NO_CRYPTOGRAPHY = (
    "RSA and EC keys given as PEM or OpenSSH text need the 'cryptography' package"
    " (pip install cryptography); or pass a JWKS"
)

# DER prefixes of Ed25519 keys (RFC 8410): SubjectPublicKeyInfo, and the
# PKCS#8 v1 / v2 private key up to the 32-byte seed.
_SPKI = bytes.fromhex("302a300506032b6570032100")
_PKCS8_V1 = bytes.fromhex("302e020100300506032b657004220420")
_PKCS8_V2_BODY = bytes.fromhex("020101300506032b657004220420")

_ASYMMETRIC_SECRET = (
    "The specified key is an asymmetric key or x509 certificate and"
    " should not be used as an HMAC secret."
)


def short_key_message(length: int, alg: str) -> str:
    """PyJWT's ``InsecureKeyLengthWarning`` text."""
    need = HMAC_ALGORITHMS[alg]
    return (
        f"The HMAC key is {length} bytes long, which is below "
        f"the minimum recommended length of {need} bytes for "
        f"SHA{alg[2:]}. See RFC 7518 Section 3.2."
    )


def _pem_der(data: bytes) -> tuple[str, bytes]:
    text = data.decode("ascii", "replace").strip()
    lines = text.splitlines()
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN ") or not lines[-1].startswith("-----END "):
        raise InvalidKeyError("Could not parse the PEM key")
    label = lines[0][len("-----BEGIN ") :].rstrip("-").strip()
    try:
        der = base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKeyError("Could not parse the PEM key") from None
    return label, der


def _ed25519_from_pem(data: bytes) -> tuple[str, bytes]:
    label, der = _pem_der(data)
    if label == "PUBLIC KEY" and len(der) == 44 and der.startswith(_SPKI):
        return "ed25519-public", der[12:]
    if label == "PRIVATE KEY":
        if len(der) == 48 and der.startswith(_PKCS8_V1):
            return "ed25519-private", der[16:48]
        # v2 (OneAsymmetricKey) with the public key attached: SEQUENCE,
        # version 1, algorithm, seed, [1] public key.
        if len(der) > 50 and der[0] == 0x30 and der[2:16] == _PKCS8_V2_BODY:
            return "ed25519-private", der[16:48]
    return _from_cryptography_pem(data, label)


def _from_cryptography_pem(data: bytes, label: str) -> tuple[str, bytes]:
    """RSA and P-256 PEM keys and certificates, through ``cryptography``."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - exercised with cryptography hidden
        raise InvalidKeyError(_NO_CRYPTOGRAPHY) from None
    try:
        key: Any
        if label == "CERTIFICATE":
            key = x509.load_pem_x509_certificate(data).public_key()
        elif "PRIVATE KEY" in label:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as e:
        raise InvalidKeyError(f"Could not parse the PEM key: {e}") from None
    return _from_cryptography_object(key)


def _from_cryptography_object(key: Any) -> tuple[str, bytes]:
    """``(kind, bytes)`` of a ``cryptography`` key object; ``InvalidKeyError``
    for unsupported types and curves, ``("", b"")`` when ``cryptography`` is
    missing or the object is not one of its keys."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError:  # pragma: no cover - cryptography is optional
        return "", b""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519-public", key.public_bytes_raw()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519-private", key.private_bytes_raw()
    if isinstance(key, rsa.RSAPrivateKey):
        key = key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        if not 0 < numbers.e < 2**32:
            raise InvalidKeyError("RSA public exponent out of range")
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        return "rsa-public", numbers.e.to_bytes(4, "big") + n
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        if not isinstance(key.curve, ec.SECP256R1):
            raise InvalidKeyError(f"Unsupported curve {key.curve.name}: jwtgate implements ES256 (P-256)")
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return "es256-private", key.private_numbers().private_value.to_bytes(32, "big")
        return "es256-public", key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if type(key).__module__.startswith("cryptography"):
        raise InvalidKeyError(
            f"Unsupported key type {type(key).__name__}: jwtgate implements Ed25519, RSA and P-256 keys"
        )
    return "", b""


def _ed25519_from_ssh(data: bytes) -> tuple[str, bytes]:
    parts = data.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (n,) = struct.unpack(">I", blob[:4])
        name, rest = blob[4 : 4 + n], blob[4 + n :]
        (m,) = struct.unpack(">I", rest[:4])
        raw = rest[4 : 4 + m]
    except (IndexError, binascii.Error, ValueError, struct.error):
        raise InvalidKeyError("Could not parse the SSH public key") from None
    if parts[0] != b"ssh-ed25519" or name != b"ssh-ed25519" or len(raw) != 32:
        if parts[0] == name and name in (b"ssh-rsa", b"ecdsa-sha2-nistp256"):
            return _from_cryptography_ssh(data)
        raise InvalidKeyError("Not an Ed25519, RSA or P-256 key")
    return "ed25519-public", raw


def _from_cryptography_ssh(data: bytes) -> tuple[str, bytes]:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - cryptography is optional
        raise InvalidKeyError(_NO_CRYPTOGRAPHY) from None
    try:
        key = serialization.load_ssh_public_key(data)
    except (ValueError, TypeError, NotImplementedError) as e:
        raise InvalidKeyError(f"Could not parse the SSH public key: {e}") from None
    return _from_cryptography_object(key)


def _looks_like_jwk(data: bytes) -> bool:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith((b"{", b"[")):
        return False
    try:
        obj = json.loads(data)
    except RecursionError:
        return stripped.startswith(b"{")
    except ValueError:
        return False
    todo = [obj]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if "kty" in item:
                return True
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def material(key: Any) -> tuple[str, bytes]:
    """``(kind, bytes)`` for a key: ``("secret", secret)``,
    ``("ed25519-public", raw 32 bytes)``, ``("ed25519-private", seed)``,
    ``("es256-public", SEC1)``, ``("es256-private", scalar)`` or
    ``("rsa-public", e as 4 bytes + n)``."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, (bytearray, memoryview)):
        key = bytes(key)
    if isinstance(key, bytes):
        if b"-----BEGIN" in key:
            return _ed25519_from_pem(key)
        if key.startswith((b"ssh-", b"ecdsa-sha2-")):
            return _ed25519_from_ssh(key)
        return "secret", key
    kind, raw = _from_cryptography_object(key)
    if kind:
        return kind, raw
    raise InvalidKeyError(
        f"Unsupported key type {type(key).__name__}: jwtgate implements HS256, HS384, "
        "HS512 (str or bytes secrets), EdDSA, ES256, RS256 and PS256 (PEM or cryptography keys)"
    )


def check_secret(secret: bytes) -> None:
    """PyJWT's checks on an HMAC secret, in its order: empty, a public key
    or certificate in any encoding (the rule lives in Rust:
    ``_jwtgate.check_hmac_secret``), a JWK."""
    if not secret:
        raise InvalidKeyError("HMAC key must not be empty.")
    _jwtgate.check_hmac_secret(secret)
    if _looks_like_jwk(secret):
        raise InvalidKeyError(
            "The specified key looks like a JWK and should not be "
            "used directly as an HMAC secret. Load it via "
            "PyJWK / HMACAlgorithm.from_jwk first."
        )


def alg_error(kind: str, raw: bytes, alg: str) -> str | None:
    """Why a key of ``kind`` cannot serve ``alg`` (PyJWT's ``InvalidKeyError``
    message for that pairing), or ``None`` when it can."""
    if alg in HMAC_ALGORITHMS:
        if kind != "secret":
            return _ASYMMETRIC_SECRET
        try:
            check_secret(raw)
        except InvalidKeyError as e:
            return str(e)
        return None
    if kind == "secret":
        return "Could not parse the provided public key." if alg in ("RS256", "PS256") else "Not a public or private key"
    if alg not in KIND_ALGORITHMS[kind]:
        return f"The {kind.split('-')[0].upper()} key cannot verify {alg} (it serves {', '.join(KIND_ALGORITHMS[kind])})"
    return None


def add_material(
    keyset: _jwtgate.KeySet,
    kind: str,
    raw: bytes,
    algorithms: Iterable[str],
    kid: str | None = None,
    *,
    allow_short: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """Adds the key ``(kind, raw)`` once per supported algorithm of
    ``algorithms`` it can serve. Returns those algorithms, and for the
    others the ``InvalidKeyError`` message of that pairing."""
    used: list[str] = []
    errors: dict[str, str] = {}
    for alg in dict.fromkeys(algorithms):
        if alg not in SUPPORTED:
            continue
        error = alg_error(kind, raw, alg)
        if error is not None:
            errors[alg] = error
        elif kind == "secret":
            keyset.add(kind, raw, alg, kid, allow_short)
            used.append(alg)
        else:
            keyset.add(kind, raw, alg, kid)
            used.append(alg)
    return used, errors


def add_key(
    keyset: _jwtgate.KeySet,
    key: Any,
    algorithms: Iterable[str],
    kid: str | None = None,
    *,
    allow_short: bool = False,
) -> list[str]:
    """Adds ``key`` once per algorithm of ``algorithms`` it can serve and
    returns those algorithms. Raises ``InvalidKeyError`` when it serves none."""
    kind, raw = material(key)
    used, errors = add_material(keyset, kind, raw, algorithms, kid, allow_short=allow_short)
    if not used and errors:
        if kind != "secret" and any(a not in HMAC_ALGORITHMS for a in errors):
            algs = ", ".join(errors)
            raise InvalidKeyError(
                f"The {kind.split('-')[0].upper()} key cannot verify {algs} (it serves {', '.join(KIND_ALGORITHMS[kind])})"
            )
        raise InvalidKeyError(next(iter(errors.values())))
    return used


def keyset_from(keys: Any, algorithms: Iterable[str] | None) -> _jwtgate.KeySet:
    """The key set of ``Verifier(keys=...)``: a key, a list of keys, a
    ``{kid: key}`` mapping, a JWKS ``dict``, or a ``KeySet``."""
    if isinstance(keys, _jwtgate.KeySet):
        return keys
    if isinstance(keys, Mapping) and "keys" in keys and isinstance(keys["keys"], list):
        return _jwtgate.KeySet.from_jwks(json.dumps(keys))
    keyset = _jwtgate.KeySet()
    items: list[tuple[str | None, Any]]
    if isinstance(keys, Mapping):
        items = list(keys.items())
    elif isinstance(keys, (list, tuple)):
        items = [(None, k) for k in keys]
    else:
        items = [(None, keys)]
    for kid, key in items:
        kind, _ = material(key)
        if algorithms is None:
            algs: Iterable[str] = ("HS256",) if kind == "secret" else KIND_ALGORITHMS[kind][:1]
        else:
            algs = algorithms
        add_key(keyset, key, algs, kid)
    return keyset
