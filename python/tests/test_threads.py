"""Many threads verifying while the denylist is replaced."""

from __future__ import annotations

import threading

from conftest import NOW, SECRETS, claims

import jwtgate

KEY = SECRETS["HS256"]
EXP = NOW + 900


def test_threads_verify_while_denylist_is_replaced() -> None:
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

    def worker(n: int) -> None:
        while not stop.is_set():
            results = verifier.verify_many(tokens, now=NOW)
            revoked = [isinstance(r, jwtgate.RevokedTokenError) for r in results]
            # One snapshot per batch: exactly the evens or exactly the odds.
            if revoked not in ([i % 2 == 0 for i in range(8)], [i % 2 == 1 for i in range(8)]):
                errors.append(f"mixed snapshot: {revoked}")
            for t in tokens:
                try:
                    verifier.verify(t, now=NOW)
                except jwtgate.RevokedTokenError:
                    pass
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))
            counts[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for i in range(300):
        verifier.set_denylist(snapshots[i % 2])
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert all(c > 0 for c in counts)

