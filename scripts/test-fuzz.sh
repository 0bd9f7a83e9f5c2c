#!/usr/bin/env bash
# scripts/test-fuzz.sh — the fuzzing stage of scripts/test.sh (a hook).
#
#   bash scripts/test-fuzz.sh            # every target
#   bash scripts/test-fuzz.sh json jwks  # some targets
#
# For the fuzz workspace (fuzz/, its own workspace, nightly or
# RUSTC_BOOTSTRAP=1 through jg_cargo_nightly):
#   1. cargo fmt --check and clippy -D warnings (fuzz/ and fuzz/seeds/),
#      and the harness's own unit tests;
#   2. cargo fuzz build (all targets, ASan, release + debug assertions);
#   3. per target: a short smoke run from its committed corpus
#      (JG_FUZZ_SECS seconds, default 6; nothing written to the corpus),
#      then a replay of every committed corpus input and of every crash
#      ever found (fuzz/regressions/<target>/), each run once.
# Prints "N passed, M failed" (targets) and fails if any target failed.
# Long runs and how to reproduce findings: docs/security.md, "Fuzzing".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

SECS="${JG_FUZZ_SECS:-6}"
FUZZ_DIR="$JG_ROOT/fuzz"
# Fuzz builds need their own target directory (other flags, nightly).
export CARGO_TARGET_DIR="${JG_FUZZ_TARGET_DIR:-$FUZZ_DIR/target}"

t0=$(date +%s)
elapsed() { echo "$(($(date +%s) - t0))s"; }

echo "[fuzz] nightly mode: $JG_NIGHTLY_MODE; smoke ${SECS}s per target; target dir $CARGO_TARGET_DIR"

echo "[fuzz] fmt"
(cd "$FUZZ_DIR" && cargo fmt --all -- --check)
(cd "$FUZZ_DIR/seeds" && cargo fmt --all -- --check)

echo "[fuzz] clippy ($(elapsed))"
(cd "$FUZZ_DIR" && cargo clippy --quiet --all-targets -- -D warnings)
(cd "$FUZZ_DIR/seeds" && cargo clippy --quiet --all-targets -- -D warnings)

echo "[fuzz] harness tests ($(elapsed))"
(cd "$FUZZ_DIR" && jg_cargo_nightly test --quiet --lib)

echo "[fuzz] build ($(elapsed))"
(cd "$FUZZ_DIR" && jg_cargo_nightly fuzz build)

if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cd "$FUZZ_DIR" && jg_cargo_nightly fuzz list)
fi

passed=0
failed=0
failed_names=()
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_target() { # run_target T
    local t=$1 log="$scratch/$1.log"
    local corpus="$FUZZ_DIR/corpus/$t" regressions="$FUZZ_DIR/regressions/$t"
    # The smoke run mutates a copy: the committed corpus stays as it is.
    mkdir -p "$scratch/$t"
    if [ -d "$corpus" ]; then cp -r "$corpus/." "$scratch/$t/"; fi
    # slow_json reports the slowest inputs (its own timing, and libFuzzer's
    # list of inputs over a second); a few seconds of it are enough here.
    local secs=$SECS extra=()
    if [ "$t" = slow_json ]; then
        secs=$((SECS < 4 ? SECS : 4))
        extra=(-report_slow_units=1)
    fi
    (cd "$FUZZ_DIR" && jg_cargo_nightly fuzz run "$t" "$scratch/$t" -- \
        -max_total_time="$secs" -workers=1 -print_final_stats=1 "${extra[@]}" \
        -artifact_prefix="$scratch/" >"$log" 2>&1) || {
        echo "[fuzz] $t: smoke run FAILED; its output:"
        tail -n 60 "$log"
        return 1
    }
    local execs cov
    execs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    local replay=()
    [ -d "$corpus" ] && replay+=("$corpus")
    [ -d "$regressions" ] && replay+=("$regressions")
    if [ ${#replay[@]} -gt 0 ]; then
        # -runs=0 runs every given input once and stops.
        (cd "$FUZZ_DIR" && jg_cargo_nightly fuzz run "$t" "${replay[@]}" -- \
            -runs=0 -artifact_prefix="$scratch/" >"$log.replay" 2>&1) || {
            echo "[fuzz] $t: replay of ${replay[*]} FAILED; its output:"
            tail -n 60 "$log.replay"
            return 1
        }
    fi
    local n_corpus n_regr
    n_corpus=$(find "$corpus" -type f 2>/dev/null | wc -l)
    n_regr=$(find "$regressions" -type f 2>/dev/null | wc -l)
    if [ "$t" = slow_json ]; then
        grep 'slowest so far' "$log" | tail -n 1 | sed 's/^/[fuzz] slow_json /' || true
    fi
    echo "[fuzz] $t ok: smoke ${execs:-?} execs, cov ${cov:-?}; replayed $n_corpus corpus + $n_regr regression inputs ($(elapsed))"
}

for t in "${TARGETS[@]}"; do
    if run_target "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names+=("$t")
    fi
done

echo "[fuzz] done in $(elapsed)"
if [ "$failed" -ne 0 ]; then
    echo "[fuzz] failed targets: ${failed_names[*]}" >&2
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
