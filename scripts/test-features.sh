#!/usr/bin/env bash
# The core's algorithm features (core/Cargo.toml): each feature set builds
# and passes the core's unit tests and tests/features.rs, and the core's
# *default* features (pure-Rust p256 for ES256, no `ring`) pass every core
# test (`cargo test -p jwtgate`: unit, integration and doc tests). `cargo test --workspace` cannot cover the latter:
# feature unification with ffi and python turns `ring` on there. With
# `-p jwtgate` alone, resolver 2 builds the core with its own features only.
# Every run shares the workspace target dir (each feature set gets its own
# artifacts there, nothing is rebuilt twice).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

SETS=(
    hmac
    eddsa
    hmac,eddsa
    es256
    rsa
)
for set in "${SETS[@]}"; do
    echo "== core features: $set"
    cargo test -q -p jwtgate --no-default-features --features "$set" --lib --test features
done

echo "== core default features (p256 verifies ES256, no ring): cargo test -p jwtgate"
cargo test -q -p jwtgate

# A build with no algorithm feature must fail, with the core's own message.
if out=$(cargo check -q -p jwtgate --no-default-features --lib 2>&1); then
    echo "FAIL: the core built without any algorithm feature"
    exit 1
fi
grep -q 'needs at least one algorithm feature' <<<"$out" || { echo "$out"; echo "FAIL: unexpected error"; exit 1; }
echo "features: ok (${#SETS[@]} feature sets and the defaults)"
