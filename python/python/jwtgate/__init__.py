"""jwtgate: fast JWT verification with revocation, a drop-in for PyJWT.

Drop-in: ``import jwtgate as jwt`` and keep calling ``jwt.decode`` /
``jwt.encode`` and catching ``jwt.InvalidTokenError`` and friends.

Fast path: build a ``Verifier`` once and call ``verify(token)`` per request
(the GIL is released while verifying asymmetric signatures and long
tokens), or ``verify_many(tokens)``.

Revocation: ``DenylistBuilder`` compiles revocations (by ``jti``, ``sid``
or subject) into the core's denylist bytes; ``Denylist.from_bytes`` /
``Denylist.load`` read them; pass one to ``Verifier(denylist=...)``,
``Verifier.set_denylist`` or ``decode(denylist=...)``.

Live revocation: ``Verifier.follow_redis(url)`` (or ``watch_file(path)``)
keeps a live denylist current in the background; ``RevocationStore(url)``
revokes from anywhere; ``Verifier.max_staleness`` fails closed
(``StaleDenylistError``) when the source falls behind; ``Verifier.metrics()``
and ``metrics_prometheus()`` expose the counters.
"""

from __future__ import annotations

from ._jwtgate import (
    BUFFER_LEN,
    ERROR_CODES,
    MAX_KEYS,
    Denylist,
    DenylistBuilder,
    FileWatcher,
    Follower,
    KeySet,
    RevocationStore,
)
from ._jwtgate import __version__ as __version__
from ._verifier import Verifier
from .api import decode, decode_complete, encode, get_unverified_header
from .exceptions import (
    DecodeError,
    DenylistError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidRevocationError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKError,
    PyJWKSetError,
    PyJWTError,
    RevokedTokenError,
    StaleDenylistError,
    SyncError,
)
from ._jwk_client import PyJWK, PyJWKClient, PyJWKClientConnectionError, PyJWKClientError, PyJWKSet
from .warnings import InsecureKeyLengthWarning, RemovedInPyjwt3Warning

__all__ = [
    "BUFFER_LEN",
    "ERROR_CODES",
    "MAX_KEYS",
    "DecodeError",
    "Denylist",
    "DenylistBuilder",
    "DenylistError",
    "ExpiredSignatureError",
    "FileWatcher",
    "Follower",
    "ImmatureSignatureError",
    "InsecureKeyLengthWarning",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidRevocationError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "KeySet",
    "MissingRequiredClaimError",
    "PyJWK",
    "PyJWKClient",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSet",
    "PyJWKSetError",
    "PyJWTError",
    "RemovedInPyjwt3Warning",
    "RevocationStore",
    "RevokedTokenError",
    "StaleDenylistError",
    "SyncError",
    "Verifier",
    "decode",
    "decode_complete",
    "encode",
    "get_unverified_header",
]
