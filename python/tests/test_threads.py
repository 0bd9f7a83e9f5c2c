"""Many threads verifying while the denylist is replaced."""

from __future__ import annotations

import threading
import time

from conftest import NOW, SECRETS, claims

import jwtgate

KEY = SECRETS["HS256"]
EXP = NOW + 900


def test_threads_verify_while_denylist_is_replaced() -> None:
    """Eight threads verify (single and batch) while the main thread swaps
    the static denylist between two snapshots: every verdict is one
    snapshot's (a token is revoked, or accepted with its own claims), never
    another error, and every token is seen both ways. A batch verifies each
    token against the denylist in force when it reaches it (the live
    verifier loads the configuration per token)."""
    tokens = [jwtgate.encode(claims(jti=f"t-{i}"), KEY) for i in range(8)]
    # Two snapshots: A revokes the even tokens, B the odd ones.
    snapshots = []
    for parity in (0, 1):
        b = jwtgate.DenylistBuilder(now=NOW)
        for i in range(parity, 8, 2):
            b.revoke_token(f"t-{i}", EXP)
        snapshots.append(b.build_denylist(now=NOW))
    verifier = jwtgate.Verifier(KEY, audience="api", denylist=snapshots[0])
    stop = threading.Event()
    errors: list[str] = []
    counts = [0] * 8
    # Per token: (seen revoked, seen accepted), from any thread.
    seen = [[False, False] for _ in tokens]

    def judge(i: int, result: object) -> None:
        if isinstance(result, jwtgate.RevokedTokenError):
            seen[i][0] = True
        elif isinstance(result, dict) and result.get("jti") == f"t-{i}":
            seen[i][1] = True
        else:
            errors.append(f"token {i}: {result!r}")

    def worker(n: int) -> None:
        while not stop.is_set():
            for i, result in enumerate(verifier.verify_many(tokens, now=NOW)):
                judge(i, result)
            for i, t in enumerate(tokens):
                try:
                    judge(i, verifier.verify(t, now=NOW))
                except jwtgate.RevokedTokenError as e:
                    judge(i, e)
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))
            counts[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    i = 0
    while i < 300 or (not all(all(s) for s in seen) and time.monotonic() < deadline):
        verifier.set_denylist(snapshots[i % 2])
        i += 1
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert all(c > 0 for c in counts)
    assert all(all(s) for s in seen), seen
