"""The Python runner of the cross-binding rule table
(``tests/fixtures/rules.json``): the same keys and options as the Rust, C
and Go runners, through the public Python API, must give the same codes
(0: the verifier is built; otherwise the ``.code`` of the exception)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import jwtgate

TABLE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "rules.json"
CASES: list[dict[str, Any]] = json.loads(TABLE.read_text())["cases"]

#: The table's option names and the ``Verifier`` keywords they are.
OPTIONS = {
    "algorithms": "algorithms",
    "issuers": "issuer",
    "audiences": "audience",
    "leeway": "leeway",
    "required": "required",
    "typ": "typ",
    "max_age": "max_age",
    "verify_exp": "verify_exp",
    "verify_nbf": "verify_nbf",
    "verify_iat": "verify_iat",
    "verify_aud": "verify_aud",
}


def build(case: dict[str, Any]) -> int:
    """0, or the code of the first error: keys in order, then the verifier."""
    unknown = set(case["options"]) - set(OPTIONS)
    assert not unknown, f"options this runner does not know: {unknown}"
    try:
        keys = jwtgate.KeySet()
        for key in case["keys"]:
            keys.add("secret", key["secret"].encode(), key["alg"], key.get("kid"))
        jwtgate.Verifier(keys, **{OPTIONS[name]: value for name, value in case["options"].items()})
    except Exception as e:  # noqa: BLE001 - every refusal must carry its code
        code = getattr(e, "code", None)
        assert isinstance(code, int), f"{type(e).__name__} without a code: {e}"
        return code
    return 0


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_gives_its_code(case: dict[str, Any]) -> None:
    assert build(case) == case["code"]


def test_table_is_whole() -> None:
    assert len(CASES) >= 20
    codes = {c["code"] for c in CASES}
    assert {0, 304, 305, 307, 308, 309, 704, 909} <= codes
