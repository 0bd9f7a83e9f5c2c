"""Type stubs for the compiled extension ``jwtgate._jwtgate``."""

import os
from datetime import datetime
from types import TracebackType
from typing import Any, Iterable, Literal, TypeVar

from typing_extensions import disjoint_base, final

_Now = int | float | datetime | None
_V = TypeVar("_V", bound="Verifier")

ALGORITHMS: tuple[str, ...]
ERROR_CODES: dict[int, str]
BUFFER_LEN: int
MAX_KEYS: int
__version__: str
__all__ = [
    "KeySet",
    "Verifier",
    "Denylist",
    "DenylistBuilder",
    "Follower",
    "FileWatcher",
    "RevocationStore",
    "JwksSource",
    "KeySource",
    "encode",
    "b64url_decode",
    "b64url_encode",
    "check_hmac_secret",
    "ALGORITHMS",
    "ERROR_CODES",
    "BUFFER_LEN",
    "MAX_KEYS",
    "__version__",
]

@final
class KeySet:
    """A set of up to 16 keys, each bound to one algorithm and optionally a ``kid``."""

    def __new__(cls) -> KeySet: ...
    @staticmethod
    def from_jwks(document: str | bytes) -> KeySet: ...
    def add(
        self,
        kind: str,
        material: bytes,
        algorithm: str,
        kid: str | None = None,
        allow_short: bool = False,
    ) -> None: ...
    def add_jwks(self, document: str | bytes) -> None: ...
    def keys(self) -> list[tuple[str, str | None]]: ...
    def __len__(self) -> int: ...

@final
class Denylist:
    """A revocation denylist snapshot, validated once when loaded."""

    @staticmethod
    def from_bytes(data: bytes) -> Denylist: ...
    @staticmethod
    def load(path: str | os.PathLike[str]) -> Denylist: ...
    def __bytes__(self) -> bytes: ...
    @property
    def sequence(self) -> int: ...
    @property
    def entry_count(self) -> int: ...
    @property
    def segment_count(self) -> int: ...
    def __len__(self) -> int: ...

@final
class DenylistBuilder:
    """Collects revocations and builds a denylist snapshot."""

    def __new__(
        cls,
        *,
        seed: bytes | None = None,
        sequence: int = 0,
        segment_width: int = 3600,
        bits_per_entry: int = 16,
        fingerprints: bool = True,
        max_leeway: int = 300,
        max_token_lifetime: int = 86400,
        now: _Now = None,
    ) -> DenylistBuilder: ...
    def revoke_token(self, jti: str | bytes, until: _Now = None, *, exp: _Now = None) -> None: ...
    def revoke_session(self, sid: str | bytes, until: _Now = None) -> None: ...
    def revoke_subject(
        self,
        sub: str | bytes,
        until: _Now = None,
        *,
        issued_before: int = 0,
        below_version: int = 0,
    ) -> None: ...
    def __len__(self) -> int: ...
    def build(self, now: _Now = None) -> bytes: ...
    def build_denylist(self, now: _Now = None) -> Denylist: ...

_Outcome = Literal["added", "unchanged"]

@final
class Follower:
    """A background thread following a Redis revocation stream into a verifier's live denylist."""

    def wait_ready(self, timeout: float) -> bool: ...
    @property
    def ready(self) -> bool: ...
    @property
    def connected(self) -> bool: ...
    @property
    def running(self) -> bool: ...
    @property
    def last_error(self) -> str | None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Follower: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> bool: ...

@final
class FileWatcher:
    """A background thread polling a snapshot file into a verifier's live denylist."""

    @property
    def last_error(self) -> str | None: ...
    @property
    def running(self) -> bool: ...
    def stop(self) -> None: ...
    def __enter__(self) -> FileWatcher: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> bool: ...

@final
class RevocationStore:
    """The authority's side: writes revocations to Redis for every follower."""

    def __new__(
        cls,
        url: str,
        *,
        namespace: str = "jwtgate",
        max_leeway: int = 300,
        max_token_lifetime: int = 86400,
        wait_replicas: int | None = None,
        wait_timeout_ms: int = 1000,
    ) -> RevocationStore: ...
    def revoke_token(self, jti: str | bytes, until: _Now = None, *, exp: _Now = None) -> _Outcome: ...
    def revoke_session(self, sid: str | bytes, until: _Now = None) -> _Outcome: ...
    def revoke_subject(
        self,
        sub: str | bytes,
        until: _Now = None,
        *,
        issued_before: int | None = None,
        below_version: int | None = None,
    ) -> _Outcome: ...
    def revoke_many(
        self,
        revocations: Iterable[
            tuple[str, str | bytes, _Now] | tuple[str, str | bytes, _Now, int, int]
        ],
    ) -> list[_Outcome]: ...
    @property
    def namespace(self) -> str: ...

@disjoint_base
class Verifier:
    """Low-level verifier; ``jwtgate.Verifier`` is the public subclass."""

    def __new__(
        cls: type[_V],
        keys: KeySet | None,
        *,
        issuer: list[str] | None = None,
        audience: list[str] | None = None,
        leeway: int = 0,
        required: list[str] | None = None,
        denylist: Denylist | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        verify_iat: bool = True,
        verify_aud: bool = True,
        typ: str | None = None,
        max_age: int | None = None,
        algorithms: list[str] | None = None,
        cache_size: int | None = None,
    ) -> _V: ...
    def set_keys(self, keys: KeySet) -> None: ...
    def _follow_keys(
        self,
        url: str,
        *,
        issuer: bool = False,
        ca_file: str | os.PathLike[str] | None = None,
        allow_http_loopback: bool = False,
        refresh_min: float = 60.0,
        refresh_max: float = 86400.0,
        cooldown: float = 30.0,
        timeout: float = 10.0,
        max_key_staleness: float | None = None,
        key_miss_wait: float | None = None,
    ) -> KeySource: ...
    @property
    def key_staleness(self) -> float | None: ...
    def verify(self, token: str | bytes, now: _Now = None) -> dict[str, Any]: ...
    def _verify_with(
        self, token: str | bytes, now: _Now = None, denylist: Denylist | None = None
    ) -> dict[str, Any]: ...
    def verify_many(self, tokens: Iterable[str | bytes], now: _Now = None) -> list[dict[str, Any] | Exception]: ...
    def set_denylist(self, denylist: Denylist | None) -> None: ...
    @property
    def denylist(self) -> Denylist | None: ...
    @property
    def issuers(self) -> list[str]: ...
    @property
    def audiences(self) -> list[str]: ...
    @property
    def algorithms(self) -> list[str]: ...
    @property
    def leeway(self) -> int: ...
    @property
    def keys(self) -> list[tuple[str, str | None]]: ...
    @property
    def key_generation(self) -> int: ...
    def follow_redis(self, url: str, *, namespace: str = "jwtgate", wait: float | None = 10.0) -> Follower: ...
    def watch_file(self, path: str | os.PathLike[str], *, poll: float = 0.05) -> FileWatcher: ...
    @property
    def max_staleness(self) -> float | None: ...
    @max_staleness.setter
    def max_staleness(self, value: float | None) -> None: ...
    @property
    def staleness(self) -> float | None: ...
    def metrics(self) -> dict[str, Any]: ...
    def metrics_prometheus(self, prefix: str = "jwtgate") -> str: ...

def encode(
    claims_json: bytes,
    algorithm: str,
    kind: str,
    material: bytes,
    *,
    kid: str | None = None,
    typ: str | None = None,
    extra_header: bytes | None = None,
    allow_short: bool = False,
) -> str: ...
def b64url_decode(data: bytes, segment: str | None = None) -> bytes: ...
def b64url_encode(data: bytes) -> str: ...
def check_hmac_secret(secret: bytes) -> None: ...

@final
class JwksSource:
    """Keys fetched from a JWKS URL (or an issuer's discovery) and refreshed in the background."""

    def __new__(
        cls,
        url: str,
        *,
        issuer: bool = False,
        lifespan: float = 300.0,
        timeout: float = 30.0,
        cooldown: float = 30.0,
        ca_file: str | os.PathLike[str] | None = None,
        allow_http_loopback: bool = False,
        max_body: int = 1048576,
    ) -> JwksSource: ...
    def keys(self) -> list[tuple[str | None, str, str, bytes]]: ...
    def unknown_kid(self, kid: str | None = None) -> None: ...
    def await_kid(self, kid: str, bound: float) -> None: ...
    @property
    def jwks_uri(self) -> str: ...
    def staleness(self) -> float | None: ...
    def last_error(self) -> str | None: ...
    def metrics(self) -> dict[str, int]: ...

@final
class KeySource:
    """The key source of a Verifier (jwks_url, from_issuer)."""

    @property
    def jwks_uri(self) -> str | None: ...
    def staleness(self) -> float | None: ...
    def last_error(self) -> str | None: ...
    def metrics(self) -> dict[str, int]: ...
    def stop(self) -> None: ...
