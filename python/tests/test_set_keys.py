"""``Verifier.set_keys``: the key set replaced as a whole, atomically, while
other threads verify."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import NOW, SECRETS, claims
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import jwtgate

KEY = SECRETS["HS256"]
OTHER = b"another 32-byte secret for HS256"


def test_set_keys_replaces_every_key() -> None:
    verifier = jwtgate.Verifier(KEY, audience="api")
    old = jwtgate.encode(claims(), KEY)
    new = jwtgate.encode(claims(sub="new"), OTHER)
    assert verifier.verify(old, now=NOW)["sub"] == "user-42"
    verifier.set_keys(OTHER)
    assert verifier.verify(new, now=NOW)["sub"] == "new"
    with pytest.raises(jwtgate.InvalidSignatureError):
        verifier.verify(old, now=NOW)
    assert verifier.keys == [("HS256", None)]


def test_set_keys_takes_every_form_and_keeps_the_algorithms(ed_private: Ed25519PrivateKey) -> None:
    verifier = jwtgate.Verifier(SECRETS["HS512"], algorithms=["HS512"], audience="api")
    assert verifier.keys == [("HS512", None)]
    verifier.set_keys({"a": SECRETS["HS512"], "b": SECRETS["HS512"][::-1]})
    # Bound to the verifier's algorithms, as the constructor binds them.
    assert verifier.keys == [("HS512", "a"), ("HS512", "b")]
    token = jwtgate.encode(claims(), SECRETS["HS512"], algorithm="HS512", headers={"kid": "a"})
    assert verifier.verify(token, now=NOW)["sub"] == "user-42"
    ed = jwtgate.Verifier(ed_private.public_key(), audience="api")
    ed.set_keys(jwtgate.KeySet.from_jwks(_jwks(ed_private, "k2")))
    assert ed.keys == [("EdDSA", "k2")]


def test_set_keys_refused_changes_nothing() -> None:
    verifier = jwtgate.Verifier(KEY, algorithms=["HS256"], audience="api")
    token = jwtgate.encode(claims(), KEY)
    with pytest.raises(ValueError, match="at least one key"):
        verifier.set_keys(jwtgate.KeySet())
    with pytest.raises(jwtgate.InvalidKeyError) as info:
        verifier.set_keys(b"short")
    assert info.value.code == 304
    assert verifier.keys == [("HS256", None)]
    assert verifier.verify(token, now=NOW)["sub"] == "user-42"


def test_set_keys_counts_generations_and_keeps_the_denylists() -> None:
    b = jwtgate.DenylistBuilder(now=NOW)
    b.revoke_token("t-1", NOW + 900)
    verifier = jwtgate.Verifier(KEY, audience="api", denylist=b.build_denylist(now=NOW))
    assert verifier.key_generation == 0
    verifier.set_keys(OTHER)
    assert verifier.key_generation == 1
    with pytest.raises(ValueError):
        verifier.set_keys([])
    assert verifier.key_generation == 1, "a refused set changes nothing"
    # The static denylist outlives the key change.
    with pytest.raises(jwtgate.RevokedTokenError):
        verifier.verify(jwtgate.encode(claims(), OTHER), now=NOW)
    assert verifier.verify(jwtgate.encode(claims(jti="t-2"), OTHER), now=NOW)["jti"] == "t-2"


def _jwks(private: Ed25519PrivateKey, kid: str) -> str:
    x = jwtgate._jwtgate.b64url_encode(private.public_key().public_bytes_raw())
    return f'{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"{kid}"}}]}}'


def test_threads_verify_while_keys_are_replaced() -> None:
    """Eight threads verify tokens of two Ed25519 keys (same kid) and a
    forged one while the main thread swaps the key set between the two:
    every verdict is the one key set or the other, never a forged token
    accepted, never another error. Ed25519 releases the GIL, so swaps land
    while verifications run."""
    a = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    b = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    forger = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
    headers = {"kid": "k"}
    token_a = jwtgate.encode(claims(sub="a"), a, algorithm="EdDSA", headers=headers)
    token_b = jwtgate.encode(claims(sub="b"), b, algorithm="EdDSA", headers=headers)
    forged = jwtgate.encode(claims(sub="f"), forger, algorithm="EdDSA", headers=headers)
    sets = [{"k": a.public_key()}, {"k": b.public_key()}]
    verifier = jwtgate.Verifier(sets[0], audience="api")
    stop = threading.Event()
    errors: list[str] = []
    seen = [set[str]() for _ in range(8)]

    def worker(n: int) -> None:
        while not stop.is_set():
            for token, sub in ((token_a, "a"), (token_b, "b"), (forged, None)):
                try:
                    got = verifier.verify(token, now=NOW)["sub"]
                except jwtgate.InvalidSignatureError:
                    continue
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))
                    continue
                if got != sub:
                    errors.append(f"accepted {sub!r} token as {got!r}")
                seen[n].add(got)
            for result in verifier.verify_many([token_a, token_b, forged], now=NOW):
                if isinstance(result, dict):
                    if result["sub"] not in ("a", "b"):
                        errors.append(f"batch accepted {result['sub']!r}")
                elif not isinstance(result, jwtgate.InvalidSignatureError):
                    errors.append(f"batch: {result!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    swaps = 0
    # At least 300 swaps, and on until every thread saw both keys at work.
    while swaps < 300 or (any(s != {"a", "b"} for s in seen) and time.monotonic() < deadline):
        verifier.set_keys(sets[swaps % 2])
        swaps += 1
        if swaps % 16 == 0:
            time.sleep(0.0005)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert all(s == {"a", "b"} for s in seen), seen
