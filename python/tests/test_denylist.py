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
    builder = jwtgate.DenylistBuilder(now=NOW)  # revoke_* judge `until` at NOW (default: the clock)
    builder.revoke_token("t-1", until=NOW + 3600)  # a stolen token, by jti: exp at or before +1h
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
    b = jwtgate.DenylistBuilder(seed=bytes(16), sequence=7, now=NOW)
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
    b = jwtgate.DenylistBuilder(now=NOW)
    b.revoke_token("t-1", EXP)
    v.set_denylist(b.build_denylist(now=NOW))
    assert v.denylist is not None and v.denylist.entry_count == 1
    with pytest.raises(jwtgate.RevokedTokenError):
        v.verify(t, now=NOW)
    v.set_denylist(jwtgate.DenylistBuilder(now=NOW).build_denylist(now=NOW))
    assert v.verify(t, now=NOW)["jti"] == "t-1"
    v.set_denylist(None)
    assert v.denylist is None


def test_decode_denylist_does_not_leak_between_calls() -> None:
    b = jwtgate.DenylistBuilder(now=NOW)
    b.revoke_token("t-1", EXP)
    dl = b.build_denylist(now=NOW)
    t = token(jti="t-1")
    with pytest.raises(jwtgate.RevokedTokenError):
        jwtgate.decode(t, KEY, algorithms=["HS256"], audience="api", now=NOW, denylist=dl)
    assert jwtgate.decode(t, KEY, algorithms=["HS256"], audience="api", now=NOW)["jti"] == "t-1"


def test_revocations_age_out_max_leeway_after_until() -> None:
    b = jwtgate.DenylistBuilder(now=NOW)
    b.revoke_token("recent", NOW - 300)  # a verifier with 300 s of leeway still accepts it
    assert b.build_denylist(now=NOW).entry_count == 1
    assert b.build_denylist(now=NOW + 1).entry_count == 0  # a later rebuild drops it


def test_revocations_that_would_do_nothing_or_too_much_are_refused() -> None:
    b = jwtgate.DenylistBuilder(now=NOW)
    with pytest.raises(jwtgate.DenylistError) as past:
        b.revoke_token("old", NOW - 301)  # until + max_leeway is past: it would revoke nothing
    assert past.value.code == 804 and isinstance(past.value, ValueError)
    with pytest.raises(jwtgate.DenylistError) as far:
        b.revoke_token("far", NOW + 86_401)  # beyond the maximum token lifetime
    assert far.value.code == 805
    with pytest.raises(TypeError):
        b.revoke_token("both", NOW + 60, exp=NOW + 60)
    with pytest.raises(ValueError):
        b.revoke_token("neg", -1.0)
    assert len(b) == 0
    long_lived = jwtgate.DenylistBuilder(now=NOW, max_token_lifetime=30 * 86_400, max_leeway=60)
    long_lived.revoke_token("refresh", NOW + 30 * 86_400)
    long_lived.revoke_token("no-until")  # lasts the maximum token lifetime
    assert long_lived.build_denylist(now=NOW).entry_count == 2
    with pytest.raises(jwtgate.DenylistError):
        long_lived.revoke_token("old", NOW - 61)


# Issue 12: the revoker gives an upper bound (`until`), not the token's exp.
EDGE = NOW - NOW % 3600 + 3599  # one second before a one-hour window boundary
UNTILS = [None, 0, 300, 1200, 3600, 7200, 86_399]  # offsets from the token's exp (None: omitted)


@pytest.mark.parametrize("exp", [NOW + 900, EDGE, NOW + 900.5, EDGE + 0.5, NOW + 0.25])
@pytest.mark.parametrize("offset", UNTILS)
@pytest.mark.parametrize("alias", [False, True])
def test_token_revocation_reaches_every_exp_up_to_until(exp: float, offset: int | None, alias: bool) -> None:
    b = jwtgate.DenylistBuilder(now=NOW)
    if offset is None:
        b.revoke_token("t-1")
    else:
        until = exp + offset  # a float when exp is: rounded up
        if NOW + 86_400 < until:
            return
        if alias:
            b.revoke_token("t-1", exp=until)
        else:
            b.revoke_token("t-1", until)
    dl = b.build_denylist(now=NOW)
    revoked, other = token(jti="t-1", exp=exp), token(jti="t-2", exp=exp)
    for leeway in (0, 30):
        v = jwtgate.Verifier(KEY, audience="api", denylist=dl, leeway=leeway)
        # Every time the policy accepts the token (exp is floored): up to
        # exp + leeway.
        for at in {t for t in (NOW, int(exp) - 1, int(exp) + leeway - 1) if t < int(exp) + leeway}:
            with pytest.raises(jwtgate.RevokedTokenError):
                v.verify(revoked, now=at)
            assert v.verify(other, now=at)["jti"] == "t-2"
    # With exp not checked, the revocation applies as long as it is in the list.
    lax = jwtgate.Verifier(KEY, audience="api", denylist=dl, verify_exp=False)
    with pytest.raises(jwtgate.RevokedTokenError):
        lax.verify(revoked, now=int(exp) + 86_400)
    with pytest.raises(jwtgate.RevokedTokenError):
        jwtgate.decode(
            revoked, KEY, algorithms=["HS256"], audience="api", now=int(exp) + 3600,
            denylist=dl, options={"verify_exp": False},
        )
    assert lax.verify(other, now=int(exp) + 86_400)["jti"] == "t-2"


def test_fractional_exp_with_float_until() -> None:
    # A token expiring at 1700000000.5, revoked "until" exactly that (a
    # float, rounded up to 1700000001) or until the next whole second: both
    # cover it, in one-second windows, up to exp + leeway.
    now = 1_700_000_000 - 600
    b = jwtgate.DenylistBuilder(now=now, segment_width=1)
    b.revoke_token("frac", 1_700_000_000.5)
    b.revoke_token("frac-int", 1_700_000_001)
    dl = b.build_denylist(now=now)
    v = jwtgate.Verifier(KEY, audience="api", denylist=dl, leeway=30)
    for jti in ("frac", "frac-int"):
        t = token(jti=jti, exp=1_700_000_000.5, iat=now - 10)
        for at in (now, 1_700_000_000, 1_700_000_029):
            with pytest.raises(jwtgate.RevokedTokenError):
                v.verify(t, now=at)


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
    b = jwtgate.DenylistBuilder(now=NOW)
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
        jwtgate.DenylistBuilder(now=NOW).revoke_subject("x", EXP)
    with pytest.raises(FileNotFoundError):
        jwtgate.Denylist.load("/nonexistent/denylist.bin")
