"""``jwtgate.Verifier``: the fast path."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from . import _jwtgate, _keys

__all__ = ["Verifier"]


def _strings(value: str | Iterable[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    values = list(value)
    if any(not isinstance(v, str) for v in values):
        raise TypeError(f"{what} must be a string or an iterable of strings")
    return values


class Verifier(_jwtgate.Verifier):
    """Verifies tokens against keys (replaceable with ``set_keys``) and a
    fixed policy; build once, share everywhere.

    ``keys``: one key or several (a list, or a ``{kid: key}`` dict), each
    an HMAC secret (``str``/``bytes``, bound to each HMAC algorithm of
    ``algorithms``, default ``HS256``), an Ed25519 key (PEM, OpenSSH or a
    ``cryptography`` object, bound to ``EdDSA``), a P-256 key (bound to
    ``ES256``), an RSA key (bound to each of ``RS256``/``PS256`` in
    ``algorithms``, default ``RS256``), a JWKS ``dict``, or a ``KeySet``. The token's ``alg`` must be the algorithm of the key its
    ``kid`` selects.

    ``algorithms``: the allowed algorithms (default: all); a key of another
    algorithm, from a JWKS or a ``KeySet`` too, is unusable, and a verifier
    left with no usable key is refused (``ValueError``).

    ``issuer``/``audience``: a string or several; a token must match one.
    An empty collection or an empty string is refused (``ValueError``): it
    would accept nothing, and an empty list from a configuration is a
    mistake; pass ``None`` to accept any issuer.
    Without ``audience`` a token that carries ``aud`` is rejected
    (RFC 7519 section 4.1.3). ``leeway``: seconds (or a ``timedelta``) of
    clock skew on ``exp``/``nbf``/``iat``, rounded down. ``required``:
    registered claims that must be present (default ``("exp",)``).
    ``denylist``: a ``Denylist``, replaceable later with ``set_denylist``.
    ``typ``: a required header ``typ``; ``max_age``: reject tokens whose
    ``iat`` is older than this many seconds. ``cache_size``: entries of the
    verified-token cache (default 4096; 0 turns it off): a token verified
    before under the same keys skips only its signature check, everything
    else (expiry, policy, denylists) runs on every call; ``metrics()``
    counts its hits, misses, inserts and evictions.

    ``verify(token, now=None) -> dict`` and ``verify_many(tokens, now=None)``
    release the GIL while verifying (``verify``: for asymmetric keys and
    tokens of 2 KiB or more; a short HMAC check is quicker than the
    handover); one instance is safe to use from any number of threads.

    Live revocation: besides the static ``denylist``, every verifier has a
    live denylist that ``follow_redis(url, namespace=...)`` (a Redis
    revocation stream, written by ``RevocationStore``) or
    ``watch_file(path, poll=...)`` keeps current in the background; a token
    is rejected when either revokes it. Setting ``max_staleness`` (seconds)
    makes ``verify`` raise ``StaleDenylistError`` once the source has not
    confirmed the live denylist for that long; ``staleness`` tells how long
    it has been. ``metrics()`` and ``metrics_prometheus()`` expose the
    counters of every verification.

    Keys from an identity provider: ``jwks_url`` (instead of ``keys``)
    fetches the provider's JWKS now and keeps it current in the background
    (``Verifier.from_issuer`` finds it through OpenID Connect discovery).
    HTTPS only (``allow_http_loopback`` allows plain ``http`` to loopback);
    ``ca_file`` trusts a private CA instead of the web roots. The keys are
    refetched when the provider's ``max-age`` runs out, within
    ``refresh_min``..``refresh_max`` seconds; a token with an unknown
    ``kid`` is rejected at once and asks for an early refresh, at most one
    per ``cooldown`` seconds (``key_miss_wait``, seconds, None by default:
    the longest ``verify`` instead waits for the fetch in flight or the one
    it may start, never inside the cooldown or for a ``kid`` a fetch
    already came back without); a failed fetch keeps the keys, and
    ``max_key_staleness`` (seconds) makes ``verify`` raise
    ``InvalidTokenError`` (``code`` 908) once they were not confirmed for
    that long. A URL refused by policy raises ``ValueError`` (code 911), a
    failed first fetch ``SyncError`` (code 910). ``key_source`` is the
    source (``staleness()``, ``last_error()``, ``metrics()``, ``stop()``).
    """

    #: The ``algorithms`` argument as given (None: all), which binds the
    #: keys of ``set_keys`` as it bound the constructor's.
    __slots__ = ("_key_algorithms", "_key_source")
    _key_algorithms: list[str] | None
    _key_source: _jwtgate.KeySource | None

    def __new__(
        cls,
        keys: Any = None,
        *,
        algorithms: Iterable[str] | None = None,
        issuer: str | Iterable[str] | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float | timedelta = 0,
        required: Iterable[str] | None = ("exp",),
        denylist: _jwtgate.Denylist | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        verify_iat: bool = True,
        verify_aud: bool = True,
        typ: str | None = None,
        max_age: int | None = None,
        cache_size: int = 4096,
        jwks_url: str | None = None,
        ca_file: str | os.PathLike[str] | None = None,
        allow_http_loopback: bool = False,
        refresh_min: float = 60.0,
        refresh_max: float = 86400.0,
        cooldown: float = 30.0,
        fetch_timeout: float = 10.0,
        max_key_staleness: float | None = None,
        key_miss_wait: float | None = None,
        _discover_issuer: str | None = None,
    ) -> Verifier:
        source_url = jwks_url if _discover_issuer is None else _discover_issuer
        if (keys is None) == (source_url is None):
            raise ValueError("give either keys or jwks_url (Verifier.from_issuer: an issuer)")
        if key_miss_wait is not None and source_url is None:
            raise ValueError("key_miss_wait goes with jwks_url (or Verifier.from_issuer)")
        if isinstance(leeway, timedelta):
            leeway = leeway.total_seconds()
        if leeway < 0:
            raise ValueError("leeway must not be negative")
        algs = None if algorithms is None else ([algorithms] if isinstance(algorithms, str) else list(algorithms))
        verifier = super().__new__(
            cls,
            None if keys is None else _keys.keyset_from(keys, algs),
            issuer=_strings(issuer, "issuer"),
            audience=_strings(audience, "audience"),
            leeway=math.floor(leeway),
            required=list(required) if required is not None else [],
            denylist=denylist,
            verify_exp=verify_exp,
            verify_nbf=verify_nbf,
            verify_iat=verify_iat,
            verify_aud=verify_aud,
            typ=typ,
            max_age=max_age,
            algorithms=algs,
            cache_size=cache_size,
        )
        verifier._key_algorithms = algs
        verifier._key_source = None
        if source_url is not None:
            verifier._key_source = verifier._follow_keys(
                source_url,
                issuer=_discover_issuer is not None,
                ca_file=ca_file,
                allow_http_loopback=allow_http_loopback,
                refresh_min=refresh_min,
                refresh_max=refresh_max,
                cooldown=cooldown,
                timeout=fetch_timeout,
                max_key_staleness=max_key_staleness,
                key_miss_wait=key_miss_wait,
            )
        return verifier

    @classmethod
    def from_issuer(cls, issuer: str, **kwargs: Any) -> Verifier:
        """A verifier over the keys of an OpenID Connect provider: reads
        ``{issuer}/.well-known/openid-configuration`` once (its ``issuer``
        must equal ``issuer`` exactly, else ``ValueError`` with code 911),
        then fetches and follows its ``jwks_uri`` as ``jwks_url=`` does;
        tokens must name ``issuer``. ``kwargs`` as for ``Verifier``
        (``audience=...``, ``ca_file=...``, ``max_key_staleness=...``)."""
        if "keys" in kwargs or "jwks_url" in kwargs:
            raise ValueError("from_issuer takes its keys from the issuer: no keys or jwks_url")
        return cls(None, _discover_issuer=issuer, **kwargs)

    @property
    def key_source(self) -> _jwtgate.KeySource | None:
        """The source keeping the keys current (``jwks_url``,
        ``from_issuer``), or None."""
        return self._key_source

    def set_keys(self, keys: Any) -> None:
        """Replaces every key at once, atomically: verifications in flight
        finish with the old keys, every later one uses the new ones. ``keys``
        in any form the constructor takes, bound to the algorithms as the
        constructor binds them. A set with no key ``algorithms`` allows
        raises ``ValueError``, a bad key ``InvalidKeyError``; either way the
        keys in force stay."""
        super().set_keys(_keys.keyset_from(keys, self._key_algorithms))

    @classmethod
    def from_jwks(cls, jwks: str | bytes | dict[str, Any], **kwargs: Any) -> Verifier:
        """A verifier over the keys of a JWKS document (``str``, ``bytes`` or
        a parsed ``dict``), as an OIDC provider publishes it at its
        ``jwks_uri``: ``RSA`` keys (RS256, or PS256 when the JWK's ``alg``
        says so), ``EC`` P-256 keys (ES256), ``OKP`` Ed25519 keys and
        ``oct`` keys with an HMAC ``alg``; others are skipped. ``kwargs`` as
        for ``Verifier``."""
        if isinstance(jwks, dict):
            jwks = json.dumps(jwks)
        return cls(_jwtgate.KeySet.from_jwks(jwks), **kwargs)
