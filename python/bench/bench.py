"""Benchmark: jwtgate.decode, jwtgate.Verifier.verify and PyJWT's decode on
the same HS256, EdDSA, RS256 (2048-bit) and ES256 tokens, in one run, with
ratios; also joserfc, authlib and pyjwt-rs for HS256 and EdDSA when they
are installed.

    python bench/bench.py            # full run (a few seconds)
    python bench/bench.py --quick    # short run, for the test script

Every library verifies the same token with the same checks: signature,
exp, iss and aud. Times are the fastest of many short blocks (per call,
in microseconds), the libraries' blocks alternating so that load on the
machine falls on all of them alike; the first line names the jwtgate, PyJWT and Python
versions, since the ratios depend on PyJWT's version. The targets are
printed with the ratios: Verifier.verify >= 20x PyJWT (HS256) and >= 2x
(EdDSA); decode >= 20x PyJWT (HS256) and decode within 1.3x of
Verifier.verify (HS256: the drop-in's own overhead, issue 19).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import timeit
import warnings
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import jwtgate

SECRET = b"a 32-byte secret for HS256 tests"
ISS = "https://auth.example"
AUD = "api"


def best_us(fns: dict[str, Callable[[], Any]], budget: float, block: float = 0.005) -> dict[str, float]:
    """The fastest block of each function, in microseconds per call. Short
    blocks (about ``block`` seconds) of the functions alternate for about
    ``budget`` seconds, so that a burst of load on the machine hits every
    library alike and the fastest blocks are ones the load missed."""
    numbers: dict[str, int] = {}
    for name, fn in fns.items():
        fn()  # warm up, and fail early if the call fails
        number, took = 1, 0.0
        while took < block:
            number *= 2
            took = timeit.timeit(fn, number=number)
        numbers[name] = number
    best = {name: float("inf") for name in fns}
    for _ in range(max(3, int(budget / block / len(fns)))):
        for name, fn in fns.items():
            best[name] = min(best[name], timeit.timeit(fn, number=numbers[name]) / numbers[name] * 1e6)
    return best


def peers(alg: str, token: str, verify_key: Any, raw: bytes) -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {}
    try:
        from joserfc import jwk as jf_jwk
        from joserfc import jwt as jf_jwt

        key = jf_jwk.OctKey.import_key(SECRET) if alg == "HS256" else jf_jwk.OKPKey.import_key(verify_key)
        registry = jf_jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD})

        def joserfc_decode() -> Any:
            tok = jf_jwt.decode(token, key, algorithms=[alg])
            registry.validate(tok.claims)
            return tok.claims

        out["joserfc"] = joserfc_decode
    except Exception as e:  # noqa: BLE001 - optional peer
        print(f"  (joserfc skipped for {alg}: {type(e).__name__}: {e})", file=sys.stderr)
    try:
        from authlib.jose import JsonWebToken

        authlib_jwt = JsonWebToken([alg])
        authlib_key = SECRET if alg == "HS256" else raw

        def authlib_decode() -> Any:
            claims = authlib_jwt.decode(
                token, authlib_key, claims_options={"iss": {"essential": True, "value": ISS}, "aud": {"essential": True, "value": AUD}}
            )
            claims.validate()
            return claims

        out["authlib"] = authlib_decode
    except Exception as e:  # noqa: BLE001 - optional peer
        print(f"  (authlib skipped for {alg}: {type(e).__name__}: {e})", file=sys.stderr)
    try:
        import pyjwt_rs  # type: ignore[import-not-found]

        out["pyjwt-rs"] = lambda: pyjwt_rs.decode(token, verify_key, algorithms=[alg], audience=AUD, issuer=ISS)
    except Exception:  # noqa: BLE001 - optional peer, usually absent
        pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short run (for the test script)")
    args = parser.parse_args()
    budget = 0.5 if args.quick else 6.0
    # Peers warn about their own deprecations (authlib.jose, EdDSA in joserfc).
    warnings.simplefilter("ignore")

    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "user-42", "jti": "t-1", "sid": "s-1", "iat": now, "exp": now + 3600, "scope": "read write"}
    ed = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    from cryptography.hazmat.primitives import serialization

    ed_raw_pem = ed.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    rs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    es = ec.generate_private_key(ec.SECP256R1())
    cases = {
        "HS256": (pyjwt.encode(claims, SECRET, algorithm="HS256"), SECRET, SECRET),
        "EdDSA": (pyjwt.encode(claims, ed, algorithm="EdDSA"), ed.public_key(), ed_raw_pem),
        "RS256": (pyjwt.encode(claims, rs, algorithm="RS256"), rs.public_key(), None),
        "ES256": (pyjwt.encode(claims, es, algorithm="ES256"), es.public_key(), None),
    }
    print(f"# jwtgate {jwtgate.__version__} vs PyJWT {pyjwt.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print("| alg | library | µs per verify | PyJWT time / this |")
    print("| --- | --- | ---: | ---: |")
    ratios: dict[tuple[str, str], float] = {}
    for alg, (token, key, raw) in cases.items():
        # The same token again and again: `verifier` runs uncached (every call
        # checks the signature); `cached` shows the verified-token cache's hit.
        verifier = jwtgate.Verifier(key, algorithms=[alg], issuer=ISS, audience=AUD, cache_size=0)
        cached = jwtgate.Verifier(key, algorithms=[alg], issuer=ISS, audience=AUD)
        fns: dict[str, Callable[[], Any]] = {
            "PyJWT decode": lambda: pyjwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS),
            "jwtgate.decode": lambda: jwtgate.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS),
            "jwtgate Verifier.verify": lambda: verifier.verify(token),
            "jwtgate Verifier.verify, cache hit": lambda: cached.verify(token),
        }
        if raw is not None:
            fns.update(peers(alg, token, key, raw))
        expected = fns["PyJWT decode"]()
        assert jwtgate.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS) == expected
        assert verifier.verify(token) == expected
        assert cached.verify(token) == expected
        times = best_us(fns, budget)
        base = times["PyJWT decode"]
        for name, us in times.items():
            ratios[(alg, name)] = base / us
            print(f"| {alg} | {name} | {us:.2f} | {base / us:.1f}x |")
    targets = [("HS256", "jwtgate Verifier.verify", 20.0), ("EdDSA", "jwtgate Verifier.verify", 2.0), ("HS256", "jwtgate.decode", 20.0)]
    for alg, name, want in targets:
        got = ratios[(alg, name)]
        print(f"target {alg} {name} >= {want:.0f}x PyJWT {pyjwt.__version__}: {got:.1f}x {'met' if got >= want else 'NOT MET'}")
    for alg in cases:
        # Both ratios are PyJWT time / this, so their quotient is decode's
        # time over Verifier.verify's.
        overhead = ratios[(alg, "jwtgate Verifier.verify")] / ratios[(alg, "jwtgate.decode")]
        if alg == "HS256":
            print(f"target {alg} jwtgate.decode <= 1.3x Verifier.verify: {overhead:.2f}x {'met' if overhead <= 1.3 else 'NOT MET'}")
        else:
            print(f"{alg} jwtgate.decode / Verifier.verify: {overhead:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
