"""The Python side of the demo: verifies the tokens the Rust demo wrote
(core/examples/demo.rs) against the same HMAC secret, JWKS and denylist
snapshot, and fails if any outcome differs from the expected one.

    python python/examples/demo.py target/demo
"""

from __future__ import annotations

import sys
from pathlib import Path

import jwtgate


def main(folder: str) -> int:
    d = Path(folder)
    now = int((d / "now").read_text().strip())
    denylist = jwtgate.Denylist.load(d / "denylist.bin")
    # The keys the services hold: the shared HMAC secret and the issuer's JWKS.
    keys = jwtgate.KeySet.from_jwks((d / "jwks.json").read_bytes())
    keys.add("secret", (d / "hs256.secret").read_bytes(), "HS256", "hs-1")
    verifier = jwtgate.Verifier(keys, issuer="https://auth.demo", audience="api", denylist=denylist)
    print(f"jwtgate demo (Python): denylist {len(denylist)} bytes, {denylist.entry_count} revocations")
    lines = [line.split("\t") for line in (d / "tokens.tsv").read_text().splitlines() if line]
    batch = verifier.verify_many([token for _, _, token in lines], now=now)
    mismatches = 0
    for (name, expected, token), result in zip(lines, batch):
        # The batch and the single call must agree.
        try:
            single = f"valid (sub {verifier.verify(token, now=now)['sub']})"
        except jwtgate.RevokedTokenError as e:
            single = f"revoked ({e.kind}) [{e.code}]"
        except jwtgate.InvalidTokenError as e:
            single = f"invalid: {e} [{e.code}]"
        if isinstance(result, dict):
            outcome = f"valid (sub {result['sub']})"
        elif isinstance(result, jwtgate.RevokedTokenError):
            outcome = f"revoked ({result.kind}) [{result.code}]"
        else:
            outcome = f"invalid: {result} [{getattr(result, 'code', None)}]"
        ok = outcome.startswith(expected) and outcome == single
        mismatches += not ok
        print(f"  {name:<13} {outcome}{'' if ok else '  <-- UNEXPECTED'}")
    if mismatches:
        print(f"{mismatches} unexpected outcomes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "target/demo"))
