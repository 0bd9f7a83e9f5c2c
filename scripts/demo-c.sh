#!/usr/bin/env bash
# scripts/demo-c.sh — the C side of the demo: verifies the tokens the Rust
# demo wrote (core/examples/demo.rs) with libjwtgate, and fails if any
# outcome differs from the expected one.
#
#   bash scripts/demo-c.sh [DIR]    (DIR defaults to target/demo; the Rust
#                                    demo is run first if DIR has no tokens)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
DIR="${1:-target/demo}"
TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
[ -f "$DIR/tokens.tsv" ] || cargo run -q --release -p jwtgate --example demo -- "$DIR"
cargo build -q --release -p jwtgate-ffi
mkdir -p "$TARGET/c-demo"
gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude tests/c/demo/jg_demo.c -o "$TARGET/c-demo/jg_demo" \
    "$TARGET/release/libjwtgate.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl
"$TARGET/c-demo/jg_demo" "$DIR"
