#!/usr/bin/env bash
# scripts/test.sh — THE test command for jwtgate (CI runs it via .ci/run).
#
#   ./scripts/test.sh
#
# Runs, in order, stopping at the first failure with a non-zero exit:
#   setup        scripts/setup.sh (installs only what is missing)
#   fmt          cargo fmt --all -- --check
#   clippy       cargo clippy --workspace --all-targets -- -D warnings
#   test         cargo test --workspace   (unit, integration and doc tests)
#   hooks        each script in HOOKS below, if the file exists
# Every stage gets a header and a timing; a summary line of all timings ends
# the run (also on failure). The very last line on success is a plain
# "cargo: N passed, N failed, N skipped" with the cargo test counts.
#
# Hook contract: a hook is run as `bash scripts/test-X.sh` from the repo root
# with scripts/env.sh already sourced (it should source it too, to be runnable
# alone), and fails the run with any non-zero exit. It must not print a line
# that looks like a test summary unless it ran tests.
#
# Knobs: JG_SKIP_SETUP=1 skips setup (local quick loops only).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

# The hooks, in the order they run. Add new ones here: a scripts/test-*.sh
# that is not listed is NOT run (a warning says so).
HOOKS=(
    scripts/test-nostd.sh
    scripts/test-features.sh
    scripts/test-hygiene.sh
    scripts/test-footprint.sh
    scripts/test-examples.sh
    scripts/test-c.sh
    scripts/test-go.sh
    scripts/test-python.sh
    scripts/test-fuzz.sh
    scripts/test-sync.sh
    scripts/test-ha.sh
    scripts/test-gateway.sh
)

SUMMARY=()
RUN_T0=$(date +%s%N)

secs_since() { # $1 = start in ns -> "12.3s"
    local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
    printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

print_summary() {
    local IFS='|'
    echo
    echo "== test.sh summary: ${SUMMARY[*]} | total $(secs_since "$RUN_T0")"
}

stage() { # stage NAME CMD...
    local name=$1; shift
    echo
    echo "================================================================"
    echo "== stage: $name"
    echo "== \$ ${JG_STAGE_SHOW:-$*}"
    echo "================================================================"
    local t0 rc=0
    t0=$(date +%s%N)
    "$@" || rc=$?
    local took; took=$(secs_since "$t0")
    if [ "$rc" -ne 0 ]; then
        SUMMARY+=(" $name FAILED $took ")
        echo
        echo "!! test.sh: stage '$name' FAILED (exit $rc) after $took: ${JG_STAGE_SHOW:-$*}" >&2
        print_summary
        echo "!! test.sh: FAILED at stage '$name'" >&2
        exit "$rc"
    fi
    SUMMARY+=(" $name $took ")
    echo "== stage $name ok ($took)"
}

stage setup  bash scripts/setup.sh
# setup may have installed things (e.g. a nightly toolchain): re-read env.
. scripts/env.sh

stage fmt    cargo fmt --all -- --check
stage clippy cargo clippy --workspace --all-targets -- -D warnings
CARGO_TEST_LOG="$(mktemp)"
trap 'rm -f "$CARGO_TEST_LOG"' EXIT
cargo_test() { cargo test --workspace 2>&1 | tee "$CARGO_TEST_LOG"; }
JG_STAGE_SHOW="cargo test --workspace" stage test cargo_test

# Warn about hook-like scripts that nobody listed.
for f in scripts/test-*.sh; do
    [ -e "$f" ] || continue
    listed=0
    for h in "${HOOKS[@]}"; do [ "$h" = "$f" ] && listed=1; done
    [ "$listed" = 1 ] || echo "!! test.sh: WARNING: $f exists but is not in HOOKS; it is not run" >&2
done

for h in "${HOOKS[@]}"; do
    name="$(basename "$h" .sh)"
    name="${name#test-}"
    if [ -f "$h" ]; then
        stage "$name" bash "$h"
    else
        echo
        echo "== stage: $name skipped ($h not present yet)"
        SUMMARY+=(" $name skipped ")
    fi
done

print_summary
echo "== test.sh: all stages passed"
# Plain closing line with the Rust test counts (summed over every
# "test result:" line of cargo test; ignored tests are reported as skipped).
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed/)  p += $i
            if ($(i+1) ~ /^failed/)  f += $i
            if ($(i+1) ~ /^ignored/) s += $i
        }
     }
     END { printf "cargo: %d passed, %d failed, %d skipped\n", p, f, s }' "$CARGO_TEST_LOG"
