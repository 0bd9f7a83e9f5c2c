"""Denylist: build, load, check, replace, and the same bytes as the core."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOW, SECRETS, claims

import jwtgate

KEY = SECRETS["HS256"]
EXP = NOW + 900


def token(**extra: object) -> str:
    return jwtgate.encode(claims(**extra), KEY)


def test_readme_revocation(tmp_path: Path) -> None:
    # --- README: revocation ---
    builder = jwtgate.DenylistBuilder()
    builder.revoke_token("t-1", exp=NOW + 900)  # one stolen token, by jti
    builder.revoke_session("s-9", until=NOW + 900)  # logout on one device, by sid
    builder.revoke_subject("mallory", until=NOW + 900, issued_before=NOW)  # logout everywhere
    (tmp_path / "denylist.bin").write_bytes(builder.build(now=NOW))

    denylist = jwtgate.Denylist.load(tmp_path / "denylist.bin")
    verifier = jwtgate.Verifier(KEY, audience="api", denylist=denylist)
    try:
        verifier.verify(token(jti="t-1"), now=NOW)
    except jwtgate.RevokedTokenError as e:
        assert e.kind == "token"
    # --- end ---
    else:
        pytest.fail("not revoked")


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({"jti": "t-1"}, "token"),
        ({"jti": "t-2", "sid": "s-9"}, "session"),
        ({"jti": "t-3", "sub": "mallory"}, "subject"),
        ({"jti": "t-4", "sub": "v", "ver": 1}, "subject"),
        ({"jti": "t-5"}, None),
        ({"jti": "t-6", "sub": "mallory", "iat": NOW}, None),
        ({"jti": "t-7", "sub": "v", "ver": 2}, None),
    ],
)
def test_kinds(extra: dict[str, object], kind: str | None) -> None:
    b = jwtgate.DenylistBuilder(seed=bytes(16), sequence=7)
    b.revoke_token("t-1", EXP)
    b.revoke_session("s-9", EXP)
    b.revoke_subject("mallory", EXP, issued_before=NOW)
    b.revoke_subject(b"v", EXP, below_version=2)
    assert len(b) == 4
    dl = b.build_denylist(now=NOW)
    assert dl.sequence == 7 and dl.entry_count == 4
    assert bytes(jwtgate.Denylist.from_bytes(bytes(dl))) == bytes(dl) == b.build(now=NOW)
    v = jwtgate.Verifier(KEY, audience="api")
    assert v.verify(token(**extra), now=NOW)  # no denylist yet
    for check in (
        lambda: jwtgate.Verifier(KEY, audience="api", denylist=dl).verify(token(**extra), now=NOW),
        lambda: jwtgate.decode(token(**extra), KEY, algorithms=["HS256"], audience="api", now=NOW, denylist=dl),
    ):
        if kind is None:
            assert check()["aud"] == "api"
        else:
            with pytest.raises(jwtgate.RevokedTokenError) as info:
                check()
            assert info.value.kind == kind and info.value.code == 600


def test_replace_on_live_verifier() -> None:
    v = jwtgate.Verifier(KEY, audience="api")
    t = token(jti="t-1")
    b = jwtgate.DenylistBuilder()
    b.revoke_token("t-1", EXP)
    v.set_denylist(b.build_denylist(now=NOW))
    assert v.denylist is not None and v.denylist.entry_count == 1
    with pytest.raises(jwtgate.RevokedTokenError):
        v.verify(t, now=NOW)
    v.set_denylist(jwtgate.DenylistBuilder().build_denylist(now=NOW))
    assert v.verify(t, now=NOW)["jti"] == "t-1"
    v.set_denylist(None)
    assert v.denylist is None


def test_decode_denylist_does_not_leak_between_calls() -> None:
    b = jwtgate.DenylistBuilder()
    b.revoke_token("t-1", EXP)
    dl = b.build_denylist(now=NOW)
    t = token(jti="t-1")
    with pytest.raises(jwtgate.RevokedTokenError):
        jwtgate.decode(t, KEY, algorithms=["HS256"], audience="api", now=NOW, denylist=dl)
    assert jwtgate.decode(t, KEY, algorithms=["HS256"], audience="api", now=NOW)["jti"] == "t-1"


def test_expired_revocations_are_dropped() -> None:
    b = jwtgate.DenylistBuilder()
    b.revoke_token("old", NOW - 1)
    assert b.build_denylist(now=NOW).entry_count == 0


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: b"nope" + d[4:], 800),
        (lambda d: d[:-1] + bytes([d[-1] ^ 1]), 801),
        (lambda d: d[: len(d) // 2], None),
        (lambda d: b"", 800),
    ],
)
def test_corrupt_bytes_are_refused(mutate: object, code: int | None) -> None:
    b = jwtgate.DenylistBuilder()
    b.revoke_token("t-1", EXP)
    data = b.build(now=NOW)
    with pytest.raises(jwtgate.DenylistError) as info:
        jwtgate.Denylist.from_bytes(mutate(data))  # type: ignore[operator]
    assert isinstance(info.value, ValueError)
    if code is not None:
        assert info.value.code == code


def test_builder_arguments() -> None:
    with pytest.raises(ValueError):
        jwtgate.DenylistBuilder(seed=b"short")
    with pytest.raises(ValueError):
        jwtgate.DenylistBuilder().revoke_subject("x", EXP)
    with pytest.raises(FileNotFoundError):
        jwtgate.Denylist.load("/nonexistent/denylist.bin")
