"""Live revocation: a Redis follower and a file watcher feeding a verifier,
``RevocationStore``, fail-closed staleness and the counters.

The Redis tests start a throwaway ``redis-server`` on a free loopback port;
without one they fail (``scripts/setup.sh`` installs it), never skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, SECRETS

import jwtgate

KEY = SECRETS["HS256"]
WAIT = 5.0


class Redis:
    def __init__(self, tmp: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server not found (scripts/setup.sh installs it)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + WAIT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("redis-server did not answer")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path)
    yield server
    server.stop()


def token(**claims: Any) -> str:
    claims.setdefault("sub", "p")
    claims.setdefault("exp", int(time.time()) + 600)
    return jwtgate.encode(claims, KEY)


def eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def rejected_with(verifier: jwtgate.Verifier, tok: str, exc: type[Exception]) -> Callable[[], bool]:
    def check() -> bool:
        try:
            verifier.verify(tok)
        except exc:
            return True
        except jwtgate.InvalidTokenError:
            return False
        return False

    return check


def test_readme_live_revocation(redis: Redis) -> None:
    url = redis.url
    # --- README: live revocation ---
    verifier = jwtgate.Verifier(KEY)
    follower = verifier.follow_redis(url, namespace="auth")  # waits for the first load
    verifier.max_staleness = 5.0  # fail closed if Redis is out of reach for 5 s

    store = jwtgate.RevocationStore(url, namespace="auth")  # on the authority's side
    store.revoke_session("s-9", until=int(time.time()) + 3600)
    # --- end ---
    assert eventually(rejected_with(verifier, token(sid="s-9"), jwtgate.RevokedTokenError))
    follower.stop()


def test_revoke_in_another_process(redis: Redis) -> None:
    verifier = jwtgate.Verifier(KEY)
    exp = int(time.time()) + 600
    live, fresh = token(jti="p-live", exp=exp), token(jti="p-fresh", exp=exp)
    with verifier.follow_redis(redis.url, namespace="py") as follower:
        assert follower.ready and follower.running and follower.connected
        assert verifier.verify(live)["jti"] == "p-live"
        staleness = verifier.staleness
        assert staleness is not None and staleness < 2.0
        script = (
            "import sys, jwtgate\n"
            "store = jwtgate.RevocationStore(sys.argv[1], namespace='py')\n"
            "print(store.revoke_token('p-live', int(sys.argv[2])))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script, redis.url, str(exp)], capture_output=True, text=True, timeout=30
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "added"
        assert eventually(rejected_with(verifier, live, jwtgate.RevokedTokenError))
        with pytest.raises(jwtgate.RevokedTokenError) as info:
            verifier.verify(live)
        assert info.value.kind == "token" and info.value.code == 600
        assert verifier.verify(fresh)["jti"] == "p-fresh"
    assert not follower.running and not follower.ready
    follower.stop()  # twice is harmless


def test_store_outcomes_and_errors(redis: Redis) -> None:
    now = int(time.time())
    store = jwtgate.RevocationStore(redis.url, namespace="outcomes")
    assert store.namespace == "outcomes"
    assert store.revoke_token("t", now + 600) == "added"
    assert store.revoke_token(b"t", now + 600) == "unchanged"
    assert store.revoke_token("t", now + 900) == "added"  # wider
    # Out of force (until + max_leeway past): an error, never a silent no-op.
    with pytest.raises(jwtgate.DenylistError) as past:
        store.revoke_token("old", now - 301)
    assert past.value.code == 804
    assert store.revoke_token("recent", now - 10) == "added"  # within the leeway: still matters
    with pytest.raises(jwtgate.DenylistError) as far:
        store.revoke_token("far", now + 86_400 + 3600)
    assert far.value.code == 805
    assert store.revoke_token("t-float", until=now + 600.5) == "added"
    assert store.revoke_token("t-alias", exp=now + 600) == "added"
    assert store.revoke_token("t-default") == "added"  # the maximum token lifetime
    assert store.revoke_subject("u", now + 600, issued_before=now) == "added"
    assert store.revoke_subject("u", until=now + 600, below_version=3) == "added"
    with pytest.raises(jwtgate.InvalidRevocationError) as bad:
        store.revoke_subject("u", now + 600)
    assert bad.value.code == 904 and isinstance(bad.value, ValueError)
    with pytest.raises(jwtgate.InvalidRevocationError):
        store.revoke_token("", now + 600)
    # Negative or huge numbers: ValueError, not OverflowError.
    for call in (
        lambda: store.revoke_token("n", -1),
        lambda: store.revoke_session("n", -5),
        lambda: store.revoke_subject("n", now + 600, issued_before=-1),
        lambda: store.revoke_token("n", 2**64),
        lambda: store.revoke_many([("token", "n", -1)]),
    ):
        with pytest.raises(ValueError) as neg:
            call()
        assert not isinstance(neg.value, OverflowError)
    with pytest.raises(TypeError):
        store.revoke_token("n", "soon")
    # The bulk path.
    assert store.revoke_many(
        [("token", "m-1", now + 600), ("token", b"t", now + 600), ("subject", "m-u", now + 600, 0, 2)]
    ) == ["added", "unchanged", "added"]
    assert store.revoke_many([]) == []
    with pytest.raises(ValueError):
        store.revoke_many([("nothing", "x", now + 600)])
    with pytest.raises(ValueError):
        store.revoke_many([("token", "x", now + 600, 1, 0)])
    with pytest.raises(jwtgate.InvalidRevocationError):
        store.revoke_many([("token", "ok", now + 600), ("session", "", now + 600)])
    assert store.revoke_token("ok", now + 600) == "added", "nothing sent when one is bad"
    with pytest.raises(jwtgate.SyncError) as down:
        jwtgate.RevocationStore("redis://127.0.0.1:1/")
    assert down.value.code == 902
    with pytest.raises(jwtgate.SyncError):
        jwtgate.RevocationStore("not a url")
    with pytest.raises(ValueError):
        jwtgate.RevocationStore(redis.url, namespace="")


def test_store_wait_without_replicas(redis: Redis) -> None:
    # WAIT for a replica that does not exist: stored, but reported (907),
    # from the keyword and from the URL option alike.
    now = int(time.time())
    for store in (
        jwtgate.RevocationStore(redis.url, namespace="wait", wait_replicas=1, wait_timeout_ms=50),
        jwtgate.RevocationStore(redis.url + "?wait=1&wait_timeout=50", namespace="wait"),
    ):
        with pytest.raises(jwtgate.SyncError) as err:
            store.revoke_token("w", now + 600)
        assert err.value.code == 907
    off = jwtgate.RevocationStore(redis.url, namespace="wait", wait_replicas=0)
    assert off.revoke_token("w", now + 600) == "unchanged"  # stored by the first


def test_subject_and_session_kinds(redis: Redis) -> None:
    now = int(time.time())
    verifier = jwtgate.Verifier(KEY)
    store = jwtgate.RevocationStore(redis.url, namespace="kinds")
    with verifier.follow_redis(redis.url, namespace="kinds"):
        old, new = token(sub="eve", iat=now - 60), token(sub="eve", iat=now + 1)
        store.revoke_subject("eve", now + 600, issued_before=now)
        assert eventually(rejected_with(verifier, old, jwtgate.RevokedTokenError))
        assert verifier.verify(new, now=now + 1)["sub"] == "eve"
    m = verifier.metrics()
    assert m["rejected"]["revoked_subject"] >= 1
    assert m["revocations_applied"] >= 1 and m["denylist_entries"] >= 1


def test_fail_closed_when_redis_goes_away(redis: Redis) -> None:
    verifier = jwtgate.Verifier(KEY)
    fresh = token(jti="f")
    assert verifier.max_staleness is None
    assert verifier.staleness is None
    verifier.max_staleness = 60
    with pytest.raises(jwtgate.StaleDenylistError) as never:  # never synced
        verifier.verify(fresh)
    assert never.value.code == 900 and isinstance(never.value, jwtgate.InvalidTokenError)
    follower = verifier.follow_redis(redis.url, namespace="stale")
    with pytest.raises(jwtgate.SyncError) as busy:
        verifier.follow_redis(redis.url, namespace="stale")
    assert busy.value.code == 906
    verifier.max_staleness = 1.0
    assert verifier.max_staleness == 1.0
    for _ in range(6):  # a live follower confirms every quarter second
        verifier.verify(fresh)
        time.sleep(0.25)
    redis.stop()
    assert eventually(rejected_with(verifier, fresh, jwtgate.StaleDenylistError))
    staleness = verifier.staleness
    assert staleness is not None and staleness > 1.0
    results = verifier.verify_many([fresh, "garbage"])
    assert isinstance(results[0], jwtgate.StaleDenylistError) and results[0].code == 900
    assert follower.last_error is not None and not follower.connected
    m = verifier.metrics()
    assert m["rejected"]["stale"] >= 3 and m["disconnects"] >= 1
    assert m["staleness"] is not None and m["staleness"] > 1.0
    verifier.max_staleness = None
    assert verifier.verify(fresh)["jti"] == "f"
    with pytest.raises(ValueError):
        verifier.max_staleness = -1
    follower.stop()
    # The slot is free again; an unreachable server times out with the last error.
    with pytest.raises(jwtgate.SyncError) as late:
        verifier.follow_redis(redis.url, namespace="stale", wait=0.3)
    assert late.value.code == 905 and "last error" in str(late.value)
    # ... and releases the slot.
    verifier.follow_redis(redis.url, wait=None).stop()


def test_watch_file(tmp_path: Path) -> None:
    path = tmp_path / "denylist.bin"
    empty = jwtgate.DenylistBuilder(now=NOW).build(now=NOW)
    builder = jwtgate.DenylistBuilder(now=NOW)
    builder.revoke_token("t-1", exp=NOW + 900)
    revoking = builder.build(now=NOW)

    def write(data: bytes) -> None:
        (tmp_path / "tmp").write_bytes(data)
        (tmp_path / "tmp").replace(path)

    write(empty)
    verifier = jwtgate.Verifier(KEY)
    tok = token(jti="t-1", exp=NOW + 600)
    with pytest.raises(jwtgate.SyncError) as missing:
        verifier.watch_file(tmp_path / "missing.bin")
    assert missing.value.code == 901
    with verifier.watch_file(path, poll=0.01) as watcher:
        assert watcher.running and watcher.last_error is None
        assert verifier.verify(tok, now=NOW)["jti"] == "t-1"
        write(revoking)

        def revoked() -> bool:
            try:
                verifier.verify(tok, now=NOW)
            except jwtgate.RevokedTokenError:
                return True
            return False

        assert eventually(revoked)
        write(b"garbage")
        assert eventually(lambda: watcher.last_error is not None)
        assert revoked()  # the last good version stays
        # The static denylist is a second layer: removing it keeps the live one.
        verifier.set_denylist(jwtgate.Denylist.from_bytes(empty))
        verifier.set_denylist(None)
        assert revoked()
    assert not watcher.running
    m = verifier.metrics()
    assert m["reloads"] >= 2 and m["reload_failures"] >= 1 and m["denylist_entries"] == 1
    assert m["accepted"] >= 1 and m["rejected"]["revoked_token"] >= 3
    assert m["verifications"] == m["accepted"] + sum(m["rejected"].values())
    text = verifier.metrics_prometheus()
    assert "# TYPE jwtgate_verifications_total counter" in text
    assert f"jwtgate_accepted_total {m['accepted']}" in text
    assert "svc_snapshot_reloads_total" in verifier.metrics_prometheus(prefix="svc")
    with pytest.raises(ValueError):
        verifier.metrics_prometheus(prefix="bad-prefix")


def test_error_codes_are_exposed() -> None:
    for code in range(900, 907):
        assert code in jwtgate.ERROR_CODES


def test_issue_12_revocation_by_until_through_redis(redis: Redis) -> None:
    # Issue 12's scenario: a token expiring in 15 minutes (and one expiring
    # one second before a window boundary), revoked by jti until +15m, +20m,
    # +1h, +2h, +1d or without until, is rejected by a follower, also
    # within the verifier's leeway after exp.
    now = int(time.time())
    edge = now - now % 3600 + 3599
    if edge < now + 120:
        edge += 3600
    verifier = jwtgate.Verifier(KEY, leeway=30)
    store = jwtgate.RevocationStore(redis.url, namespace="until")
    with verifier.follow_redis(redis.url, namespace="until"):
        for e, exp in enumerate((now + 900, edge)):
            untils = [exp, now + 1200, now + 3600, now + 7200, now + 86_400, None]
            for u, until in enumerate(untils):
                jti = f"u-{e}-{u}"
                t = token(jti=jti, exp=exp)
                assert verifier.verify(t, now=now)["jti"] == jti
                assert store.revoke_token(jti, until) == "added"
                assert eventually(rejected_with(verifier, t, jwtgate.RevokedTokenError))
                with pytest.raises(jwtgate.RevokedTokenError):
                    verifier.verify(t, now=exp + 29)
            assert verifier.verify(token(jti="other", exp=exp), now=now)["jti"] == "other"
