"""Warnings, with PyJWT's names."""

from __future__ import annotations

__all__ = ["InsecureKeyLengthWarning", "RemovedInPyjwt3Warning"]


class RemovedInPyjwt3Warning(DeprecationWarning):
    """A PyJWT feature that PyJWT 3 removes (accepted for compatibility)."""


class InsecureKeyLengthWarning(UserWarning):
    """An HMAC secret is shorter than the hash output (RFC 7518 section 3.2)."""
