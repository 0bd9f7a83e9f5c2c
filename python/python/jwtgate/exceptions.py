"""Exceptions, with PyJWT's names and hierarchy.

Code that catches ``jwt.InvalidTokenError`` (or any other PyJWT exception)
keeps working after ``import jwtgate as jwt``. Every exception raised for a
core error carries ``.code``, the core's stable error number (the same in
C, Go and Python; see ``jwtgate.ERROR_CODES``); ``None`` when the error was
raised by the Python layer.
"""

from __future__ import annotations

__all__ = [
    "PyJWTError",
    "InvalidTokenError",
    "DecodeError",
    "InvalidSignatureError",
    "ExpiredSignatureError",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "InvalidIssuedAtError",
    "ImmatureSignatureError",
    "InvalidKeyError",
    "InvalidAlgorithmError",
    "MissingRequiredClaimError",
    "PyJWKError",
    "PyJWKSetError",
    "InvalidSubjectError",
    "InvalidJTIError",
    "RevokedTokenError",
    "DenylistError",
    "StaleDenylistError",
    "SyncError",
    "InvalidRevocationError",
]


class PyJWTError(Exception):
    """Base class for all exceptions (PyJWT's name, kept for drop-in use)."""

    code: int | None = None


class InvalidTokenError(PyJWTError):
    """Base exception when ``decode()`` or ``Verifier.verify()`` fails on a token."""


class DecodeError(InvalidTokenError):
    """The token cannot be decoded: malformed, bad base64url or JSON, too large."""


class InvalidSignatureError(DecodeError):
    """The signature does not verify, or no key can verify it."""


class ExpiredSignatureError(InvalidTokenError):
    """The token's ``exp`` claim is in the past."""


class InvalidAudienceError(InvalidTokenError):
    """The token's ``aud`` claim matches none of the expected audiences."""


class InvalidIssuerError(InvalidTokenError):
    """The token's ``iss`` claim is not an accepted issuer."""


class InvalidIssuedAtError(InvalidTokenError):
    """The token's ``iat`` claim is not a valid NumericDate."""


class ImmatureSignatureError(InvalidTokenError):
    """The token's ``nbf`` or ``iat`` claim is in the future."""


class InvalidKeyError(PyJWTError):
    """A key is not in a usable format, or is too weak."""


class InvalidAlgorithmError(InvalidTokenError):
    """The token's ``alg`` is not allowed, not supported, or not the key's."""


class MissingRequiredClaimError(InvalidTokenError):
    """A claim that is required is absent from the token."""

    def __init__(self, claim: str) -> None:
        super().__init__(claim)
        self.claim = claim

    def __str__(self) -> str:
        return f'Token is missing the "{self.claim}" claim'


class PyJWKError(PyJWTError):
    """A JWK is invalid."""


class PyJWKSetError(PyJWTError):
    """A JWKS document is invalid."""


class InvalidSubjectError(InvalidTokenError):
    """The token's ``sub`` claim is not a string or not the expected subject."""


class InvalidJTIError(InvalidTokenError):
    """The token's ``jti`` claim is not a string."""


class RevokedTokenError(InvalidTokenError):
    """The denylist revokes the token.

    ``kind`` says by what: ``"token"`` (its ``jti``), ``"session"`` (its
    ``sid``) or ``"subject"`` (its ``sub``, issued before a point or below
    a version).
    """

    def __init__(self, message: str = "Token has been revoked", kind: str = "token") -> None:
        super().__init__(message)
        self.kind = kind


class DenylistError(PyJWTError, ValueError):
    """Denylist bytes are malformed, corrupt, of another version, or too large."""


class StaleDenylistError(InvalidTokenError):
    """The live denylist is older than ``Verifier.max_staleness`` (or was never
    synced): the verifier fails closed until its source catches up. Code 900."""


class SyncError(PyJWTError):
    """Revocation distribution failed: Redis unreachable or refusing (code 902),
    a snapshot file unreadable (901), unexpected data in Redis (903), a
    follower not ready in time (905), a second source for one verifier (906)."""


class InvalidRevocationError(SyncError, ValueError):
    """A revocation that cannot be stored: empty identifier, no bound, or a
    value past 2^53 (code 904)."""
