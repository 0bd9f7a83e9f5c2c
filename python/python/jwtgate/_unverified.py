"""``decode(..., options={"verify_signature": False})``: reading a token
without verifying it, and PyJWT's claim checks for that case.

Parsing stays strict (canonical base64url, strict JSON, no duplicate
members); claims are checked only when an option asks for it, exactly as
PyJWT does. With a verified signature the core does all of this instead.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable
from typing import Any

from . import _jwtgate
from .exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DecodeError("Duplicate JSON member name")
    return result


def _no_constants(name: str) -> Any:
    raise DecodeError(f"Invalid JSON constant {name}")


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except DecodeError:
        raise
    except (ValueError, RecursionError) as e:
        raise DecodeError(f"Invalid {what} string: {e}") from e
    if not isinstance(value, dict):
        raise DecodeError(f"Invalid {what} string: must be a json object")
    return value


def split(jwt: str | bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """``(header, payload bytes, signature bytes)`` of a compact JWS, unverified."""
    if isinstance(jwt, str):
        jwt = jwt.encode("utf-8")
    if not isinstance(jwt, bytes):
        raise DecodeError(f"Invalid token type. Token must be a {bytes}")
    parts = jwt.split(b".")
    if len(parts) != 3 or not parts[0]:
        raise DecodeError("Not enough segments")
    header = _json_object(_jwtgate.b64url_decode(parts[0], "header"), "header")
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if "crit" in header:
        raise InvalidTokenError("Unsupported critical extension")
    payload = _jwtgate.b64url_decode(parts[1], "payload")
    signature = _jwtgate.b64url_decode(parts[2], "crypto")
    return header, payload, signature


def payload_of(payload: bytes) -> dict[str, Any]:
    """The claims object, strictly parsed."""
    return _json_object(payload, "payload")


def validate_claims(
    payload: dict[str, Any],
    options: dict[str, Any],
    *,
    audience: str | Iterable[str] | None,
    issuer: str | Container[str] | None,
    subject: str | None,
    leeway: float,
    now: float,
) -> None:
    """PyJWT's ``_validate_claims``, for unverified decoding."""
    if audience is not None and not isinstance(audience, (str, Iterable)):
        raise TypeError("audience must be a string, iterable or None")
    for claim in options.get("require", ()):
        if payload.get(claim) is None:
            raise MissingRequiredClaimError(claim)
    if "iat" in payload and options.get("verify_iat"):
        try:
            iat = int(payload["iat"])
        except (ValueError, TypeError, OverflowError):
            raise InvalidIssuedAtError("Issued At claim (iat) must be an integer.") from None
        if iat > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in payload and options.get("verify_nbf"):
        try:
            nbf = int(payload["nbf"])
        except (ValueError, TypeError, OverflowError):
            raise DecodeError("Not Before claim (nbf) must be an integer.") from None
        if nbf > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (nbf)")
    if "exp" in payload and options.get("verify_exp"):
        try:
            exp = int(payload["exp"])
        except (ValueError, TypeError, OverflowError):
            raise DecodeError("Expiration Time claim (exp) must be an integer.") from None
        if exp <= now - leeway:
            raise ExpiredSignatureError("Signature has expired")
    if options.get("verify_iss") and issuer is not None:
        if "iss" not in payload:
            raise MissingRequiredClaimError("iss")
        iss = payload["iss"]
        if not isinstance(iss, str):
            raise InvalidIssuerError("Payload Issuer (iss) must be a string")
        if isinstance(issuer, str):
            if iss != issuer:
                raise InvalidIssuerError("Invalid issuer")
        else:
            try:
                ok = iss in issuer
            except TypeError:
                raise InvalidIssuerError('Issuer param must be "str" or "Container[str]"') from None
            if not ok:
                raise InvalidIssuerError("Invalid issuer")
    if options.get("verify_aud"):
        validate_aud(payload, audience, strict=bool(options.get("strict_aud", False)))
    if options.get("verify_sub") and "sub" in payload:
        if not isinstance(payload["sub"], str):
            raise InvalidSubjectError("Subject must be a string")
        if subject is not None and payload["sub"] != subject:
            raise InvalidSubjectError("Invalid subject")
    if options.get("verify_jti") and "jti" in payload and not isinstance(payload["jti"], str):
        raise InvalidJTIError("JWT ID must be a string")


def validate_aud(payload: dict[str, Any], audience: str | Iterable[str] | None, *, strict: bool) -> None:
    """PyJWT's audience rules."""
    if audience is None:
        if "aud" not in payload or not payload["aud"]:
            return
        raise InvalidAudienceError("Invalid audience")
    if "aud" not in payload or not payload["aud"]:
        raise MissingRequiredClaimError("aud")
    claims = payload["aud"]
    if strict:
        if not isinstance(audience, str):
            raise InvalidAudienceError("Invalid audience (strict)")
        if not isinstance(claims, str):
            raise InvalidAudienceError("Invalid claim format in token (strict)")
        if audience != claims:
            raise InvalidAudienceError("Audience doesn't match (strict)")
        return
    if isinstance(claims, str):
        claims = [claims]
    if not isinstance(claims, list) or any(not isinstance(c, str) for c in claims):
        raise InvalidAudienceError("Invalid claim format in token")
    wanted = [audience] if isinstance(audience, str) else list(audience)
    if all(a not in claims for a in wanted):
        raise InvalidAudienceError("Audience doesn't match")
