#!/usr/bin/env bash
# Cheap checks of the house around the code (a test.sh hook):
#   docs   cargo doc of every workspace crate with warnings denied (broken
#          intra-doc links, bad code blocks, missing docs)
#   msrv   the declared minimum Rust versions against the dependencies'
#          (scripts/check-msrv.py), and clippy's incompatible_msrv lint:
#          denied in Cargo.toml, allowed nowhere, and firing in this clippy
#          (a probe crate that must be refused)
#   vectors the vector generators in check mode: tests/fixtures/
#          make_idp_tokens.py and core/tests/keys/generate.py
# docs/decisions.md ("Minimum Rust version") says what the msrv part proves.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== docs: cargo doc --no-deps, warnings denied"
# ffi's library (libjwtgate) and the CLI binary are named jwtgate like the
# core: one cargo doc run would write them to the same path, so they get
# runs of their own (cargo refuses the collision, it is no doc problem).
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p jwtgate -p jwtgate-sync -p jwtgate-python
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p jwtgate-ffi
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p jwtgate-cli

echo "== msrv: dependencies' rust-version"
cargo metadata -q --format-version 1 --all-features | python3 scripts/check-msrv.py

echo "== msrv: clippy's incompatible_msrv"
grep -q '^incompatible_msrv = "deny"' Cargo.toml || fail "incompatible_msrv is not denied in Cargo.toml"
if grep -rn --include='*.rs' --include='*.toml' 'allow.*incompatible_msrv\|incompatible_msrv *= *"allow"' \
    core ffi python sync cli clippy.toml; then
    fail "incompatible_msrv is allowed somewhere"
fi
for manifest in core ffi python sync cli; do
    grep -q '^workspace = true' "$manifest/Cargo.toml" || fail "$manifest does not use the workspace lints"
done
# The lint must fire in this clippy: Option::is_none_or is stable since 1.82.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
mkdir "$probe/src"
cat >"$probe/Cargo.toml" <<'TOML'
[package]
name = "msrv-probe"
version = "0.0.0"
edition = "2021"
rust-version = "1.80"
publish = false

[workspace]
TOML
echo 'pub fn probe(x: Option<u8>) -> bool { x.is_none_or(|v| v > 1) }' >"$probe/src/lib.rs"
if out=$(cd "$probe" && CARGO_TARGET_DIR="$probe/target" cargo clippy -q --offline -- -D clippy::incompatible_msrv 2>&1); then
    fail "clippy accepted a 1.82 API in a crate declaring rust-version 1.80"
fi
grep -q 'incompatible_msrv' <<<"$out" || { echo "$out"; fail "the msrv probe failed for another reason"; }
echo "msrv: incompatible_msrv fires (probe refused)"

echo "== vectors: generators in check mode"
python3 tests/fixtures/make_idp_tokens.py --check
python3 core/tests/keys/generate.py --check
echo "hygiene: ok (docs, msrv, vectors)"
