#!/usr/bin/env bash
# scripts/test-go.sh — the Go package (go/): vet, tests, and a short benchmark.
#
#   bash scripts/test-go.sh
#
# Builds libjwtgate.a (cargo build --release -p jwtgate-ffi) and copies it
# to go/lib/ (gitignored), where the package's #cgo LDFLAGS look; writes
# the denylist fixture (JWTGATE_TEST_DENYLIST); then go vet, go test (with
# the runnable examples the README shows), and go test -bench. Go comes
# from Debian's golang-go (scripts/setup.sh); GOTOOLCHAIN=local and
# GOPROXY=off (scripts/env.sh): the module has no dependencies.
#   JG_GO_BENCHTIME=2000x   the -benchtime of the benchmark run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
OUT="$TARGET/go-tests"
mkdir -p "$OUT" go/lib

echo "== cargo build --release -p jwtgate-ffi"
cargo build --release -p jwtgate-ffi
cp -f "$TARGET/release/libjwtgate.a" go/lib/libjwtgate.a

echo "== fixtures"
cargo run -q -p jwtgate-ffi --example c_fixtures -- "$OUT"
export JWTGATE_TEST_DENYLIST="$OUT/denylist.bin"

echo "== the local identity provider for keysource_test.go (sync/examples/jwks_server.rs)"
cargo build -q -p jwtgate-sync --example jwks_server
export JG_JWKS_SERVER="$TARGET/debug/examples/jwks_server"

cd go
echo "== go vet ./...   ($(go version))"
go vet ./...
echo "== go test ./..."
go test -count=1 -v ./... 2>&1 | tee "$OUT/go-test.log" | grep -E '^(=== RUN|--- (FAIL|SKIP)|FAIL|ok|PASS)' | grep -v '^=== RUN' || true
if grep -qE '^(--- FAIL|FAIL)' "$OUT/go-test.log"; then
    cat "$OUT/go-test.log"
    echo "go test failed" >&2
    exit 1
fi
if grep -q -- '--- SKIP' "$OUT/go-test.log"; then
    echo "tests were skipped: the fixtures are missing" >&2
    exit 1
fi
echo "== go test -bench (cgo call and the copy into Go values included)"
go test -count=1 -run '^$' -bench . -benchtime "${JG_GO_BENCHTIME:-2000x}" ./...
passed="$(grep -cE '^\s*--- PASS' "$OUT/go-test.log" || true)"
echo
echo "go: $passed passed, 0 failed"
