"""``PyJWKClient``: a drop-in for PyJWT's, on jwtgate's key source.

Same constructor arguments and methods as ``jwt.PyJWKClient``
(``fetch_data``, ``get_jwk_set``, ``get_signing_keys``, ``get_signing_key``,
``get_signing_key_from_jwt``), without its two failure modes:

- an unknown ``kid`` does not refetch on every call: it asks the source
  for a refresh behind it, at most one fetch per ``cooldown`` (30 s), and
  the call raises ``PyJWKClientError`` at once;
- a failed fetch never wipes the keys: the last good set stays
  (stale-if-error), and the source retries one cooldown later.

Fetching, the HTTPS-only policy, redirects, the body cap, parsing and the
refresh schedule are jwtgate-sync's (``_jwtgate.JwksSource``); this module
converts its keys to ``cryptography`` key objects, as PyJWT's ``PyJWK.key``.
"""

from __future__ import annotations

import threading
from typing import Any

from . import _jwtgate
from .api import get_unverified_header
from .exceptions import PyJWKError, PyJWTError


class PyJWKClientError(PyJWTError):
    """No signing key matches, or the key source cannot be used."""


class PyJWKClientConnectionError(PyJWKClientError):
    """The JWKS could not be fetched (the first time: later failures keep
    the last good keys)."""


def _public_key(kind: str, raw: bytes) -> Any:
    """The ``cryptography`` object of a key the core parsed."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError as e:  # pragma: no cover - cryptography is optional
        raise PyJWKError("PyJWKClient needs the 'cryptography' package") from e
    if kind == "ed25519-public":
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if kind == "es256-public":
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    if kind == "rsa-public":
        exponent, modulus = int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:], "big")
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    raise PyJWKError(f"Unsupported key kind {kind}")  # pragma: no cover


class PyJWK:
    """One signing key, in the shape of PyJWT's ``PyJWK``: ``key`` (a
    ``cryptography`` public key), ``key_id``, ``key_type``,
    ``algorithm_name``, ``public_key_use``."""

    _KTY = {"ed25519-public": "OKP", "es256-public": "EC", "rsa-public": "RSA"}

    def __init__(self, kid: str | None, algorithm: str, kind: str, raw: bytes) -> None:
        self.key_id = kid
        self.algorithm_name = algorithm
        self.key_type = self._KTY.get(kind, "")
        self.public_key_use = "sig"
        self.key = _public_key(kind, raw)

    def __repr__(self) -> str:
        return f"PyJWK(kid={self.key_id!r}, alg={self.algorithm_name!r})"


class PyJWKSet:
    """The signing keys of a JWKS, in the shape of PyJWT's ``PyJWKSet``."""

    def __init__(self, keys: list[PyJWK]) -> None:
        self.keys = keys

    def __getitem__(self, kid: str) -> PyJWK:
        for key in self.keys:
            if key.key_id == kid:
                return key
        raise KeyError(f"keyset has no key for kid: {kid}")


class PyJWKClient:
    """Keys from a JWKS URL, refreshed in the background (see the module
    documentation). PyJWT's arguments are accepted; ``lifespan`` bounds the
    refresh interval, ``timeout`` the whole request. ``headers`` and
    ``ssl_context`` cannot be honoured by the Rust client and are refused
    when given; use ``ca_file`` for a private CA. ``cache_keys`` and
    ``max_cached_keys`` have nothing to do: every key of the set is kept.
    ``key_miss_wait`` (seconds, 0 by default) is the longest
    ``get_signing_key`` waits for the fetch that may bring an unknown kid
    (the one in flight, or the one it asks for outside the cooldown)
    before raising; by default it raises at once and the refresh happens
    behind it."""

    def __init__(
        self,
        uri: str,
        cache_keys: bool = False,
        max_cached_keys: int = 16,
        cache_jwk_set: bool = True,
        lifespan: float = 300,
        headers: dict[str, Any] | None = None,
        timeout: float = 30,
        ssl_context: Any = None,
        *,
        ca_file: str | None = None,
        cooldown: float = 30.0,
        allow_http_loopback: bool = False,
        key_miss_wait: float = 0.0,
    ) -> None:
        if headers:
            raise PyJWKClientError("PyJWKClient: custom request headers are not supported by jwtgate")
        if ssl_context is not None:
            raise PyJWKClientError("PyJWKClient: pass ca_file=... instead of an ssl_context")
        if lifespan <= 0:
            raise PyJWKClientError(f'Lifespan must be greater than 0, the input is "{lifespan}"')
        self.uri = uri
        self._lifespan, self._timeout, self._cooldown = float(lifespan), float(timeout), float(cooldown)
        if key_miss_wait < 0:
            raise PyJWKClientError(f'key_miss_wait must not be negative, the input is "{key_miss_wait}"')
        self._key_miss_wait = float(key_miss_wait)
        self._ca_file = ca_file
        self._allow_http_loopback = allow_http_loopback
        self._source: _jwtgate.JwksSource | None = None
        self._lock = threading.Lock()

    def _started(self) -> _jwtgate.JwksSource:
        """The key source, started on first use (one fetch, under a lock)."""
        source = self._source
        if source is not None:
            return source
        with self._lock:
            if self._source is None:
                try:
                    self._source = _jwtgate.JwksSource(
                        self.uri,
                        lifespan=self._lifespan,
                        timeout=self._timeout,
                        cooldown=self._cooldown,
                        ca_file=self._ca_file,
                        allow_http_loopback=self._allow_http_loopback,
                    )
                except (ConnectionError, ValueError) as e:
                    raise PyJWKClientConnectionError(f"Fail to fetch data from the url, err: {e}") from e
            return self._source

    def fetch_data(self) -> Any:
        """The JWKS in force, as a ``dict`` of its signing keys' ids and
        algorithms (the source keeps parsed keys, not the document)."""
        return {
            "keys": [
                {"kid": kid, "alg": alg, "use": "sig"} for kid, alg, _, _ in self._started().keys()
            ]
        }

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        """The keys in force. ``refresh=True`` asks for a refresh behind
        this call (at most one per cooldown); it does not wait for it."""
        source = self._started()
        if refresh:
            source.unknown_kid(None)
        return PyJWKSet([PyJWK(*key) for key in source.keys()])

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        keys = self.get_jwk_set(refresh).keys
        if not keys:  # pragma: no cover - the source never installs an empty set
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return keys

    def _find(self, kid: str | None) -> PyJWK | None:
        return next((key for key in self.get_signing_keys() if key.key_id == kid), None)

    def get_signing_key(self, kid: str | None) -> PyJWK:
        key = self._find(kid)
        if key is None and kid is not None and self._key_miss_wait > 0:
            # The source decides whether a fetch may bring it, and bounds the wait.
            self._started().await_kid(kid, self._key_miss_wait)
            key = self._find(kid)
        if key is not None:
            return key
        # Unknown: a refresh behind this call, never a fetch per call.
        self._started().unknown_kid(kid)
        raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        kid = get_unverified_header(token).get("kid")
        return self.get_signing_key(kid if isinstance(kid, str) else None)

    def metrics(self) -> dict[str, int]:
        """The key source's counters (fetches, unknown kids, cooldown hits...)."""
        return dict(self._started().metrics())

    def staleness(self) -> float | None:
        """Seconds since the keys were last confirmed current."""
        return self._started().staleness()
