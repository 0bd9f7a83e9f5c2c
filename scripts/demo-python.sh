#!/usr/bin/env bash
# scripts/demo-python.sh — the Python side of the demo: verifies the tokens
# the Rust demo wrote (core/examples/demo.rs) with the jwtgate Python
# package (python/examples/demo.py), and fails if any outcome differs from
# the expected one.
#
#   bash scripts/demo-python.sh [DIR]   (DIR defaults to target/demo; the
#                                        Rust demo is run first if DIR has no
#                                        tokens)
#
# Installs the package from python/ (pip install --no-build-isolation,
# with the maturin pinned in scripts/requirements-dev.txt) unless
# JG_PY_NO_INSTALL=1 says it is installed already.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
DIR="$(mkdir -p "${1:-target/demo}" && cd "${1:-target/demo}" && pwd)"
[ -f "$DIR/tokens.tsv" ] || cargo run -q --release -p jwtgate --example demo -- "$DIR"
if [ "${JG_PY_NO_INSTALL:-0}" != "1" ]; then
    python3 -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python
fi
# Run from outside the source tree so the installed package is the one imported.
cd "$DIR" && python3 "$JG_ROOT/python/examples/demo.py" "$DIR"
