#!/usr/bin/env bash
# scripts/demo.sh — the main job: builds everything and runs the whole flow.
#
#   1. Rust: issue tokens (HS256 and EdDSA), revoke one by token, one by
#      session, one by subject into a denylist snapshot, verify them all;
#      write tokens, keys and the snapshot to target/demo/.
#   2. C, Go and Python verify the very same tokens against the very same
#      snapshot, each failing if an outcome differs from Rust's.
#   3. Every further demo script present (scripts/demo-*.sh not listed here,
#      such as the Redis flow) runs last.
#
# Runs scripts/setup.sh first (fast when everything is installed;
# JG_SKIP_SETUP=1 skips it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
bash scripts/setup.sh
DIR="${1:-target/demo}"
rm -rf "$DIR"

banner() { printf '\n=== %s ===\n' "$*"; }

banner "Rust: issue, revoke, verify"
cargo run -q --release -p jwtgate --example demo -- "$DIR"
banner "C: the same tokens and denylist through libjwtgate"
bash scripts/demo-c.sh "$DIR"
banner "Go: the same tokens through the cgo package"
bash scripts/demo-go.sh "$DIR"
banner "Python: the same tokens through the jwtgate package"
bash scripts/demo-python.sh "$DIR"
for extra in scripts/demo-*.sh; do
    case "$extra" in
        scripts/demo-c.sh | scripts/demo-go.sh | scripts/demo-python.sh) ;;
        *)
            banner "$(basename "$extra" .sh)"
            bash "$extra"
            ;;
    esac
done
banner "demo complete: every language agreed on every token"
