#!/usr/bin/env bash
# scripts/demo.sh — build and run the jwtgate demo example.
#   ./scripts/demo.sh [ARGS...]    (ARGS are passed to the example)
# Runs scripts/setup.sh first (fast when everything is installed;
# JG_SKIP_SETUP=1 skips it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
bash scripts/setup.sh
exec cargo run --release -p jwtgate --example demo -- "$@"
