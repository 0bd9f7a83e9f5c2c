"""PyJWT-compatible ``decode``, ``decode_complete``, ``encode`` and
``get_unverified_header``: same argument names, defaults, return types and
exceptions, verified by the jwtgate core.

``decode`` builds a core verifier for each distinct configuration (key,
algorithms, options, audience, issuer, leeway) once and keeps it in a small
cache, so repeated calls cost one verification. Where jwtgate is stricter
than PyJWT, ``docs/python.md`` says so.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from calendar import timegm
from collections.abc import Container, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from . import _jwtgate, _keys, _unverified
from .exceptions import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWTError,
)
from .warnings import InsecureKeyLengthWarning, RemovedInPyjwt3Warning

__all__ = ["decode", "decode_complete", "encode", "get_unverified_header"]

#: Registered claims the core can require; others are checked here.
_CORE_CLAIMS = frozenset(("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "ver"))

_DEFAULT_OPTIONS: dict[str, Any] = {
    "verify_signature": True,
    "verify_exp": True,
    "verify_nbf": True,
    "verify_iat": True,
    "verify_aud": True,
    "verify_iss": True,
    "verify_sub": True,
    "verify_jti": True,
    "require": [],
    "strict_aud": False,
    "enforce_minimum_key_length": False,
}

_CACHE_SIZE = 64
# Entries of each kept plan's verified-token cache (32 KiB of slots; at most
# _CACHE_SIZE plans: 2 MiB). docs/decisions.md, "The verified-token cache".
_PLAN_CACHE_ENTRIES = 1024

#: ``encode``'s default ``algorithm``: ``"HS256"``, or a ``PyJWK``'s own.
_ALGORITHM_UNSET: Any = object()


def _is_pyjwk(key: Any) -> bool:
    """PyJWT's ``PyJWK`` (or an object of its shape)."""
    return hasattr(key, "algorithm_name") and hasattr(key, "key")


class _Plan:
    """One decode configuration: a core verifier plus the few PyJWT checks
    the core does not do (custom required claims, strict audience, an
    audience that matches nothing, subject), and the ``InvalidKeyError``
    (or ``InvalidAlgorithmError``) PyJWT gives for each allowed algorithm
    the key cannot serve."""

    __slots__ = (
        "key",
        "key_class",
        "algorithms",
        "issuer",
        "leeway",
        "verify",
        "short",
        "secret_len",
        "extra_required",
        "strict_aud",
        "aud_matches_nothing",
        "audience",
        "iss_container",
        "alg_errors",
        "simple",
    )

    def __init__(
        self,
        key: Any,
        algorithms: Any,
        issuer: Any,
        leeway: Any,
        verifier: _jwtgate.Verifier,
        short: frozenset[str],
        secret_len: int,
        extra_required: tuple[str, ...],
        strict_aud: bool,
        aud_matches_nothing: bool,
        audience: Any,
        iss_container: Any,
        alg_errors: dict[str, tuple[type[PyJWTError], str]],
    ) -> None:
        self.key = key
        self.key_class = key.__class__
        # The arguments it was built for, as given (``audience`` too, below).
        self.algorithms = algorithms
        self.issuer = issuer
        self.leeway = leeway
        # The bound method: one attribute load per call on the fast path.
        self.verify = verifier._verify_with
        self.short = short
        self.secret_len = secret_len
        self.extra_required = extra_required
        self.strict_aud = strict_aud
        self.aud_matches_nothing = aud_matches_nothing
        self.audience = audience
        self.iss_container = iss_container
        self.alg_errors = alg_errors
        #: Nothing to check after the core but the subject.
        self.simple = not (short or extra_required or strict_aud or aud_matches_nothing or iss_container is not None)


#: Plans by configuration (``_plan_key``).
_plans: dict[Any, _Plan] = {}
#: ``decode``'s fast path: by key (by ``id`` for unhashable keys), the last
#: plan used without ``options``; a hit is confirmed by comparing the other
#: arguments with the plan's.
_by_key: dict[Any, _Plan] = {}


def _merge_options(options: dict[str, Any] | None) -> dict[str, Any]:
    if not options:
        return _DEFAULT_OPTIONS
    merged = dict(options)
    if not merged.get("verify_signature", True):
        for name in ("verify_exp", "verify_nbf", "verify_iat", "verify_aud", "verify_iss", "verify_sub", "verify_jti"):
            merged.setdefault(name, False)
    return {**_DEFAULT_OPTIONS, **merged}


def _leeway_secs(leeway: float | timedelta) -> float:
    if isinstance(leeway, timedelta):
        leeway = leeway.total_seconds()
    return float(leeway)


def _plan_key(key: Any, algorithms: Any, options: Any, audience: Any, issuer: Any, leeway: Any) -> Any:
    """A hashable identity of the configuration, or ``None`` when some part
    is not hashable (the plan is then built for this call only)."""
    if audience is not None and not isinstance(audience, (str, Iterable)):
        return None
    opts = None if not options else tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    aud = audience if audience is None or isinstance(audience, str) else ("__seq__", *audience)
    iss = issuer if issuer is None or isinstance(issuer, str) else (type(issuer), *issuer) if isinstance(issuer, (list, tuple, set, frozenset)) else id(issuer)
    try:
        hash(key)
        key_part: Any = key
    except TypeError:
        # Key objects without a hash (cryptography's): by identity. The
        # plan keeps the key alive, so the id cannot be reused while cached,
        # and a hit is confirmed with `is`.
        key_part = ("__id__", id(key))
    ident = (type(key), key_part, tuple(algorithms) if not isinstance(algorithms, str) else (algorithms,), opts, aud, iss, leeway)
    try:
        hash(ident)
    except TypeError:
        return None
    return ident


class _NoUsableKey(Exception):
    """The key serves none of ``algorithms``: what to raise depends on the
    token (PyJWT checks the token's ``alg`` before the key)."""

    def __init__(self, algorithms: list[str], alg_errors: dict[str, tuple[type[PyJWTError], str]]) -> None:
        super().__init__()
        self.algorithms = algorithms
        self.alg_errors = alg_errors


def _raise_alg_error(jwt: str | bytes, algorithms: Sequence[str], alg_errors: dict[str, tuple[type[PyJWTError], str]]) -> None:
    """PyJWT's error for a token whose ``alg`` the key cannot serve: the
    token's own parse error first, then ``alg`` not allowed, then the key's
    error for that ``alg``. Returns when none applies."""
    alg = _unverified.split(jwt)[0].get("alg")
    if alg is None:
        raise InvalidAlgorithmError("Algorithm not specified")
    if alg not in algorithms:
        raise InvalidAlgorithmError("The specified alg value is not allowed")
    error = alg_errors.get(alg)
    if error is not None:
        raise error[0](error[1])
    if alg not in _keys.SUPPORTED:
        raise InvalidAlgorithmError("Algorithm not supported")


def _build_plan(
    key: Any,
    algorithms: Sequence[str],
    options: dict[str, Any],
    audience: Any,
    issuer: Any,
    leeway: float | timedelta,
    cache_size: int,
) -> _Plan:
    original = key
    algs = [algorithms] if isinstance(algorithms, str) else list(algorithms)
    alg_errors: dict[str, tuple[type[PyJWTError], str]] = {}
    if _is_pyjwk(key):
        # A PyJWK is bound to its algorithm, whatever else `algorithms` allows.
        name = key.algorithm_name
        for alg in algs:
            if alg != name:
                alg_errors[alg] = (InvalidAlgorithmError, f"Token algorithm {alg!r} does not match the key's algorithm {name!r}")
        key = key.key
    if isinstance(key, (bytearray, memoryview)):
        # PyJWT's refusal; mutable secrets would also go stale in the cache.
        raise TypeError("Expected a string or bytes value")
    keyset = _jwtgate.KeySet()
    kind, raw = _keys.material(key)
    used, errors = _keys.add_material(keyset, kind, raw, [a for a in algs if a not in alg_errors], allow_short=True)
    for alg, message in errors.items():
        alg_errors[alg] = (InvalidKeyError, message)
    if not used:
        raise _NoUsableKey(algs, alg_errors)
    short = frozenset(a for a in used if kind == "secret" and len(raw) < _keys.HMAC_ALGORITHMS[a])

    if audience is not None and not isinstance(audience, (str, Iterable)):
        raise TypeError("audience must be a string, iterable or None")
    auds: list[str] | None = None
    aud_matches_nothing = False
    if options["verify_aud"] and audience is not None:
        given = [audience] if isinstance(audience, str) else list(audience)
        # As in PyJWT, values that are not strings (the ints of a bytes
        # audience) never match; an audience of only those matches nothing.
        auds = [a for a in given if isinstance(a, str)]
        if given and not auds:
            auds, aud_matches_nothing = None, True
    issuers: list[str] | None = None
    iss_container = None
    if options["verify_iss"] and issuer is not None:
        if isinstance(issuer, str):
            issuers = [issuer]
        elif isinstance(issuer, (list, tuple, set, frozenset)):
            issuers = list(issuer)
        else:  # another Container: checked here after the core
            iss_container = issuer
    leeway_s = _leeway_secs(leeway)
    if leeway_s < 0:
        raise ValueError("jwtgate does not support a negative leeway")
    required = [c for c in options["require"] if c in _CORE_CLAIMS]
    extra_required = tuple(c for c in options["require"] if c not in _CORE_CLAIMS)
    verifier = _jwtgate.Verifier(
        keyset,
        issuer=issuers,
        audience=auds,
        leeway=math.floor(leeway_s),
        required=required,
        verify_exp=bool(options["verify_exp"]),
        verify_nbf=bool(options["verify_nbf"]),
        verify_iat=bool(options["verify_iat"]),
        verify_aud=bool(options["verify_aud"]),
        cache_size=cache_size,
    )
    return _Plan(
        original,
        algorithms,
        issuer,
        leeway,
        verifier,
        short,
        len(raw),
        extra_required,
        bool(options.get("strict_aud")) and bool(options["verify_aud"]),
        aud_matches_nothing,
        audience,
        iss_container,
        alg_errors,
    )


def _check_short_key(plan: _Plan, jwt: str | bytes, options: dict[str, Any]) -> None:
    """PyJWT's short-secret rule for the token's algorithm: a warning, or
    ``InvalidKeyError`` with ``enforce_minimum_key_length``."""
    alg = _unverified.split(jwt)[0].get("alg")
    if alg in plan.short:
        message = _keys.short_key_message(plan.secret_len, alg)
        if options.get("enforce_minimum_key_length", False):
            raise InvalidKeyError(message)
        warnings.warn(message, InsecureKeyLengthWarning, stacklevel=4)


def _now_float(now: Any) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def decode_complete(
    jwt: str | bytes,
    key: Any = "",
    algorithms: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
    verify: bool | None = None,
    detached_payload: bytes | None = None,
    audience: str | Iterable[str] | None = None,
    issuer: str | Container[str] | None = None,
    subject: str | None = None,
    leeway: float | timedelta = 0,
    *,
    now: int | float | datetime | None = None,
    denylist: _jwtgate.Denylist | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Like ``decode``, but returns ``{"header": ..., "payload": ...,
    "signature": ...}`` as PyJWT's ``decode_complete`` does."""
    payload = _decode(
        jwt, key, algorithms, options, verify, detached_payload, audience, issuer, subject, leeway, now, denylist, kwargs, "decode_complete"
    )
    header, _, signature = _unverified.split(jwt)
    return {"header": header, "payload": payload, "signature": signature}


def decode(
    jwt: str | bytes,
    key: Any = "",
    algorithms: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
    verify: bool | None = None,
    detached_payload: bytes | None = None,
    audience: str | Iterable[str] | None = None,
    subject: str | None = None,
    issuer: str | Container[str] | None = None,
    leeway: float | timedelta = 0,
    *,
    now: int | float | datetime | None = None,
    denylist: _jwtgate.Denylist | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Verifies ``jwt`` and returns its claims: PyJWT's ``jwt.decode``.

    Same arguments, defaults and exceptions as PyJWT. ``algorithms`` is
    required (as in PyJWT) unless ``options={"verify_signature": False}``.
    jwtgate additions: ``now`` (seconds since the epoch, a float or a
    ``datetime``; default the system clock) and ``denylist`` (a
    ``Denylist``; a revoked token raises ``RevokedTokenError``).
    """
    # The fast path: the last plan used with this key, if it has nothing to
    # check after the core and was built for equal arguments.
    if options is None and verify is None and detached_payload is None and subject is None and not kwargs:
        try:
            plan = _by_key[key]  # only plans with nothing to check after the core
        except KeyError:
            plan = None
        except TypeError:  # an unhashable key (a cryptography object): by identity
            plan = _by_key.get(id(key))
            if plan is not None and plan.key is not key:
                plan = None
        if (
            plan is not None
            and key.__class__ is plan.key_class  # memoryview(b"k") == b"k"
            and algorithms == plan.algorithms
            and audience == plan.audience
            and issuer == plan.issuer
            and leeway == plan.leeway
        ):
            try:
                return plan.verify(jwt, now, denylist)
            except InvalidAlgorithmError:
                if plan.alg_errors:
                    _raise_alg_error(jwt, plan.algorithms, plan.alg_errors)
                raise
    return _decode(
        jwt, key, algorithms, options, verify, detached_payload, audience, issuer, subject, leeway, now, denylist, kwargs, "decode"
    )


def _strict_aud_error(jwt: str | bytes, audience: Any) -> None:
    """PyJWT's ``strict_aud`` message for a token the core found outside
    the audience (its signature verified, so its claims can be read)."""
    _unverified.validate_aud(_unverified.payload_of(_unverified.split(jwt)[1]), audience, strict=True)


def _decode(
    jwt: str | bytes,
    key: Any,
    algorithms: Sequence[str] | None,
    options: dict[str, Any] | None,
    verify: bool | None,
    detached_payload: bytes | None,
    audience: Any,
    issuer: Any,
    subject: str | None,
    leeway: float | timedelta,
    now: Any,
    denylist: _jwtgate.Denylist | None,
    kwargs: dict[str, Any],
    name: str,
) -> dict[str, Any]:
    if kwargs:
        warnings.warn(
            f"passing additional kwargs to {name}() is deprecated "
            "and will be removed in pyjwt version 3. "
            f"Unsupported kwargs: {tuple(kwargs.keys())}",
            RemovedInPyjwt3Warning,
            stacklevel=3,
        )
    verify_signature = True if options is None else options.get("verify_signature", True)
    if verify is not None and verify != verify_signature:
        warnings.warn(
            "The `verify` argument to `decode` does nothing in PyJWT 2.0 and newer. "
            "The equivalent is setting `verify_signature` to False in the `options` dictionary. "
            "This invocation has a mismatch between the kwarg and the option entry.",
            category=DeprecationWarning,
            stacklevel=3,
        )
    if detached_payload is not None:
        raise DecodeError(
            'It is only valid to pass "detached_payload" when the protected header has "b64" set to false.'
        )
    merged = _merge_options(options)
    if not verify_signature:
        _, raw, _ = _unverified.split(jwt)
        payload = _unverified.payload_of(raw)
        _unverified.validate_claims(
            payload, merged, audience=audience, issuer=issuer, subject=subject, leeway=_leeway_secs(leeway), now=_now_float(now)
        )
        return payload
    if not algorithms and not _is_pyjwk(key):
        raise DecodeError(
            'It is required that you pass in a value for the "algorithms" argument when calling decode().'
        )
    if not algorithms:
        algorithms = [key.algorithm_name]
    ident = _plan_key(key, algorithms, options, audience, issuer, leeway)
    plan = _plans.get(ident) if ident is not None else None
    if plan is not None and plan.key is not key and plan.key != key:
        plan = None
    if plan is None:
        try:
            # A plan kept for later calls gets a verified-token cache of
            # _PLAN_CACHE_ENTRIES; a plan for this call only, none.
            cache_size = _PLAN_CACHE_ENTRIES if ident is not None else 0
            plan = _build_plan(key, algorithms, merged, audience, issuer, leeway, cache_size)
        except _NoUsableKey as e:
            _raise_alg_error(jwt, e.algorithms, e.alg_errors)
            raise InvalidKeyError("The key cannot verify any of the allowed algorithms") from None
        if ident is not None:
            if len(_plans) >= _CACHE_SIZE:
                _plans.clear()
            _plans[ident] = plan
    if options is None and plan.simple:
        if len(_by_key) >= _CACHE_SIZE:
            _by_key.clear()
        try:
            _by_key[key] = plan
        except TypeError:
            # An unhashable key, by its id: the plan holds the key, so no
            # other object can have that id while the entry exists (and a
            # hit is confirmed with `is`). Keys are never ints.
            _by_key[id(key)] = plan
    if plan.short:
        _check_short_key(plan, jwt, merged)
    try:
        payload = plan.verify(jwt, now, denylist)
    except InvalidAlgorithmError:
        if plan.alg_errors:
            _raise_alg_error(jwt, plan.algorithms, plan.alg_errors)
        raise
    except InvalidAudienceError:
        if plan.strict_aud:
            _strict_aud_error(jwt, plan.audience)
        raise
    if plan.extra_required:
        for claim in plan.extra_required:
            if payload.get(claim) is None:
                raise MissingRequiredClaimError(claim)
    if plan.iss_container is not None:
        iss = payload.get("iss")
        if iss is None:
            raise MissingRequiredClaimError("iss")
        if iss not in plan.iss_container:
            raise InvalidIssuerError("Invalid issuer")
    if plan.aud_matches_nothing:
        # The core accepted the token, so it has no `aud` (or a null one).
        raise MissingRequiredClaimError("aud")
    if plan.strict_aud:
        _unverified.validate_aud(payload, plan.audience, strict=True)
    if subject is not None and merged["verify_sub"] and payload.get("sub") != subject:
        raise InvalidSubjectError("Invalid subject")
    return payload


def get_unverified_header(jwt: str | bytes) -> dict[str, Any]:
    """The token's header, NOT verified (PyJWT's ``jwt.get_unverified_header``);
    parsed as strictly as on verification."""
    return _unverified.split(jwt)[0]


def encode(
    payload: dict[str, Any],
    key: Any,
    algorithm: str | None = _ALGORITHM_UNSET,
    headers: dict[str, Any] | None = None,
    json_encoder: type[json.JSONEncoder] | None = None,
    sort_headers: bool = True,
) -> str:
    """Signs ``payload`` into a compact JWT: PyJWT's ``jwt.encode``.

    ``algorithm`` is one of ``HS256``, ``HS384``, ``HS512`` (``key`` a str or
    bytes secret; a short secret warns as in PyJWT), ``EdDSA`` (``key`` an
    Ed25519 private key as PEM or a ``cryptography`` object) or ``ES256``
    (a P-256 private key, likewise; deterministic RFC 6979 signatures).
    Left out, it is ``HS256``, or a ``PyJWK`` key's own algorithm (as in
    PyJWT; ``None`` means PyJWT's ``"none"``, which jwtgate does not
    implement, except for a ``PyJWK``). RS256 and PS256 only verify:
    signing raises ``NotImplementedError``. ``headers`` adds header members
    (``kid``, ``typ``, others); ``crit`` and ``b64`` are not supported.
    ``sort_headers`` is accepted for compatibility.
    """
    if not isinstance(payload, dict):
        raise TypeError("Expecting a dict object, as JWT only supports JSON objects as payloads.")
    payload = payload.copy()
    for claim in ("exp", "iat", "nbf"):
        if isinstance(payload.get(claim), datetime):
            payload[claim] = timegm(payload[claim].utctimetuple())
    if "iss" in payload and not isinstance(payload["iss"], str):
        raise TypeError("Issuer (iss) must be a string.")
    pyjwk = _is_pyjwk(key)
    if algorithm is _ALGORITHM_UNSET:
        algorithm = key.algorithm_name if pyjwk else "HS256"
    elif algorithm is None:
        algorithm = key.algorithm_name if pyjwk else "none"
    header = dict(headers) if headers else {}
    alg = header.pop("alg", None) or algorithm
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if alg not in _keys.SUPPORTED:
        raise NotImplementedError("Algorithm not supported")
    if alg not in _keys.SIGNING:
        raise NotImplementedError(f"jwtgate verifies {alg} but does not sign with RSA keys")
    typ = header.pop("typ", "JWT")
    kid = header.pop("kid", None)
    if header.get("b64", True) is not True or "crit" in header:
        raise NotImplementedError("jwtgate does not sign tokens with 'b64' or 'crit' headers")
    header.pop("b64", None)
    if pyjwk:
        key = key.key
    if isinstance(key, (bytearray, memoryview)):
        raise TypeError("Expected a string or bytes value")
    kind, raw = _keys.material(key)
    allow_short = False
    if alg in _keys.HMAC_ALGORITHMS:
        if kind != "secret":
            raise InvalidKeyError(_keys._ASYMMETRIC_SECRET)
        _keys.check_secret(raw)
        if len(raw) < _keys.HMAC_ALGORITHMS[alg]:
            warnings.warn(_keys.short_key_message(len(raw), alg), InsecureKeyLengthWarning, stacklevel=2)
            allow_short = True
    elif kind != {"EdDSA": "ed25519-private", "ES256": "es256-private"}[alg]:
        raise InvalidKeyError(f"{alg} signs with a private key of its own type, not {kind or 'this key'}")
    claims_json = json.dumps(payload, separators=(",", ":"), cls=json_encoder).encode("utf-8")
    extra = json.dumps(header, separators=(",", ":"), cls=json_encoder, sort_keys=sort_headers).encode() if header else None
    return _jwtgate.encode(
        claims_json, alg, kind, raw, kid=kid, typ=typ or None, extra_header=extra, allow_short=allow_short
    )
