#!/usr/bin/env bash
# scripts/demo-go.sh — the Go side of the demo: verifies the tokens the
# Rust demo wrote (core/examples/demo.rs) with the Go package, through its
# net/http middleware, and fails if any outcome differs from the expected one.
#
#   bash scripts/demo-go.sh [DIR]   (DIR defaults to target/demo; the Rust
#                                    demo is run first if DIR has no tokens)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
DIR="$(mkdir -p "${1:-target/demo}" && cd "${1:-target/demo}" && pwd)"
TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
[ -f "$DIR/tokens.tsv" ] || cargo run -q --release -p jwtgate --example demo -- "$DIR"
cargo build -q --release -p jwtgate-ffi
mkdir -p go/lib
cp -f "$TARGET/release/libjwtgate.a" go/lib/libjwtgate.a
cd go && go run ./cmd/jwtgate-demo "$DIR"
