#!/usr/bin/env bash
# scripts/test-python.sh — the Python package (python/): build and install
# it, run its pytest suite, check the type stubs, run the Python demo and a
# short benchmark.
#
#   bash scripts/test-python.sh
#
# Stages:
#   build+install  python3 -m pip install --no-build-isolation ./python
#                  (maturin from scripts/requirements-dev.txt; the same
#                  command as the README's `pip install ./python`)
#   clippy         cargo clippy -p jwtgate-python (also in test.sh's
#                  workspace clippy; repeated so this script stands alone)
#   pytest         python/tests (filterwarnings = error), run from python/
#                  against the installed package
#   stubtest       python3 -m mypy.stubtest jwtgate._jwtgate, and mypy
#                  --strict over the package and its examples
#   demo           scripts/demo-python.sh (the tokens the Rust demo wrote)
#   bench          python/bench/bench.py --quick (prints ratios; not a test)
# The last line is pytest's own summary line again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

echo "== build+install: pip install ./python ($(python3 -m maturin --version))"
python3 -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python

echo "== the local identity provider for test_verifier_keysource.py (sync/examples/jwks_server.rs)"
cargo build -q -p jwtgate-sync --example jwks_server
export JG_JWKS_SERVER="${CARGO_TARGET_DIR:-$JG_ROOT/target}/debug/examples/jwks_server"

echo "== clippy -p jwtgate-python"
cargo clippy -q -p jwtgate-python --all-targets -- -D warnings

LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
echo "== pytest python/tests"
# From python/ so its pyproject.toml configures pytest; the source package
# (python/python) is not on sys.path, so the installed wheel is tested.
(cd python && python3 -m pytest -q -p no:cacheprovider tests) 2>&1 | tee "$LOG"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "pytest failed" >&2
    exit 1
fi
if grep -qE '[0-9]+ skipped' "$LOG"; then
    echo "pytest skipped tests: every test must run" >&2
    exit 1
fi

echo "== stubtest jwtgate._jwtgate; mypy --strict"
(cd /tmp && python3 -m mypy.stubtest jwtgate._jwtgate)
python3 -m mypy --strict --no-incremental -p jwtgate
python3 -m mypy --strict --no-incremental python/examples/demo.py

echo "== demo (Python)"
JG_PY_NO_INSTALL=1 bash scripts/demo-python.sh

echo "== bench (quick)"
(cd /tmp && python3 "$JG_ROOT/python/bench/bench.py" --quick)

echo
tail -n 1 "$LOG"
