#!/usr/bin/env bash
# What the C ABI and the Go package add to the Rust core, on the same
# token in one run (issue 21):
#
#   bash bench/overhead.sh            # 3 rounds, about 100 s
#   JG_OVERHEAD_ROUNDS=5 bash bench/overhead.sh
#
# The token is HS256 over the benchmarks' claims (core/benches/common),
# made by core/examples/overhead.rs; the Rust core (`Verifier::verify`),
# bench/overhead.c (`jg_verifier_verify` from C, claims written to a
# jg_claims, and the verdict alone in alternate blocks) and
# go/overhead_test.go (BenchmarkOverhead: an empty cgo call, the cgo call alone
# (jg_verifier_verify_offsets), building a new Claims from its offsets
# alone, `VerifyAt` with both, `VerifyInto` reusing one Claims,
# `VerifyView` reusing one ClaimsView, `VerifyView` then every claim read
# through its accessors, and `VerifyAt` under RunParallel)
# verify it with the same secret, issuer, audience and clock, no denylist;
# then ffi/examples/abi_overhead.rs calls the core, `jg_verifier_verify`
# and `jg_verifier_verify_offsets` side by side in one process.
# Each side runs in turn in every round; the fastest figure of each side
# over the rounds is compared (the machine is shared: the minimum is what
# the code costs when undisturbed). Prints ratios; quote them with the date
# in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

TARGET="${CARGO_TARGET_DIR:-$JG_ROOT/target}"
ROUNDS=${JG_OVERHEAD_ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build -q --release -p jwtgate-ffi
cargo build -q --release -p jwtgate --example overhead
cargo build -q --release -p jwtgate-ffi --example abi_overhead
mkdir -p go/lib
cp -f "$TARGET/release/libjwtgate.a" go/lib/libjwtgate.a
cc -O2 -Wall -Wextra -Werror -Iinclude bench/overhead.c "$TARGET/release/libjwtgate.a" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -o "$work/overhead_c"
(cd go && go test -c -o "$work/go.test" .)

token=$("$TARGET/release/examples/overhead")
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
rust="" rread="" c="" cv="" floor="" cgo="" cpy="" gov="" goi="" gow="" gowr="" allocs="" bytes="" iallocs="" rpar="" best_scale="" best_vscale="" best_rpar=""
for round in $(seq "$ROUNDS"); do
    out=$("$TARGET/release/examples/overhead" "$token")
    rust=$(min "$rust" "$(awk '/^rust_core_ns/ { print $2 }' <<<"$out")")
    rread=$(min "$rread" "$(awk '/^rust_core_read_ns/ { print $2 }' <<<"$out")")
    rpar=$(awk '/^rust_core_parallel_scaling/ { print $2 }' <<<"$out")
    out=$("$work/overhead_c" "$token")
    c=$(min "$c" "$(awk '/^c_abi_ns/ { print $2 }' <<<"$out")")
    cv=$(min "$cv" "$(awk '/^c_abi_verdict_ns/ { print $2 }' <<<"$out")")
    out=$(JG_OVERHEAD_TOKEN=$token "$work/go.test" -test.run '^$' -test.bench '^BenchmarkOverhead$' \
        -test.benchtime 1s -test.cpu 2)
    floor=$(min "$floor" "$(awk '$1 ~ /Overhead\/floor/ { print $5 }' <<<"$out")")
    cgo=$(min "$cgo" "$(awk '$1 ~ /Overhead\/cgo/ { print $5 }' <<<"$out")")
    cpy=$(min "$cpy" "$(awk '$1 ~ /Overhead\/copy/ { print $5 }' <<<"$out")")
    gov=$(min "$gov" "$(awk '$1 ~ /Overhead\/verify/ { print $5 }' <<<"$out")")
    goi=$(min "$goi" "$(awk '$1 ~ /Overhead\/into/ { print $5 }' <<<"$out")")
    gow=$(min "$gow" "$(awk '$1 ~ /Overhead\/view-/ { print $5 }' <<<"$out")")
    gowr=$(min "$gowr" "$(awk '$1 ~ /Overhead\/viewread-/ { print $5 }' <<<"$out")")
    # Scaling compares means (ns/op) of one run: RunParallel has no blocks.
    serial=$(awk '$1 ~ /Overhead\/verify/ { print $3 }' <<<"$out")
    par=$(awk '$1 ~ /Overhead\/parallel-/ { print $3 }' <<<"$out")
    scale=$(awk -v s="$serial" -v p="$par" 'BEGIN { printf "%.2f", s / p }')
    vserial=$(awk '$1 ~ /Overhead\/view-/ { print $3 }' <<<"$out")
    vpar=$(awk '$1 ~ /Overhead\/parallelview/ { print $3 }' <<<"$out")
    vscale=$(awk -v s="$vserial" -v p="$vpar" 'BEGIN { printf "%.2f", s / p }')
    best_vscale=$(awk -v a="$best_vscale" -v b="$vscale" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }')
    best_scale=$(awk -v a="$best_scale" -v b="$scale" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }')
    best_rpar=$(awk -v a="$best_rpar" -v b="$rpar" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }')
    allocs=$(awk '$1 ~ /Overhead\/verify/ { print $9 }' <<<"$out")
    bytes=$(awk '$1 ~ /Overhead\/verify/ { print $7 }' <<<"$out")
    iallocs=$(awk '$1 ~ /Overhead\/into/ { print $9 }' <<<"$out")
    wallocs=$(awk '$1 ~ /Overhead\/view-/ { print $9 }' <<<"$out")
    wrallocs=$(awk '$1 ~ /Overhead\/viewread-/ { print $9 }' <<<"$out")
    echo "round $round (fastest so far): Rust core $rust ns, C ABI from C $c ns, Go cgo call only $cgo ns, Go VerifyAt $gov ns, Go VerifyInto $goi ns, Go VerifyView $gow ns; this round's 2-core scaling: Go RunParallel ${scale}x (VerifyView ${vscale}x), Rust core on 2 threads ${rpar}x"
done
awk -v r="$rust" -v rr="$rread" -v c="$c" -v cv="$cv" -v fl="$floor" -v cgo="$cgo" -v cp="$cpy" -v g="$gov" -v gi="$goi" -v ia="$iallocs" -v gw="$gow" -v wa="$wallocs" -v gwr="$gowr" -v wra="$wrallocs" -v a="$allocs" -v b="$bytes"  -v s="$best_scale" -v vs="$best_vscale" -v rp="$best_rpar" 'BEGIN {
    printf "| path (same token; fastest block of each over the rounds) | ns per verify | vs the Rust core |\n"
    printf "| --- | --- | --- |\n"
    printf "| Rust core, `Verifier::verify` | %.0f | 1.00 |\n", r
    printf "| Rust core, reading every claim a `jg_claims` holds after it (`core/benches/common/read.rs`) | %.0f | %.2fx |\n", rr, rr / r
    printf "| C ABI from C, `jg_verifier_verify` writing a `jg_claims` | %.0f | %.2fx (+%.0f ns); %.2fx the core reading every claim (+%.0f ns) |\n", c, c / r, c - r, c / rr, c - rr
    printf "| C ABI from C, the verdict alone (`claims_out` NULL) | %.0f | %.2fx (+%.0f ns) |\n", cv, cv / r, cv - r
    printf "| Go, an empty cgo call (the floor of any cgo call; not a verify) | %.0f | |\n", fl
    printf "| Go, the cgo call alone (`jg_verifier_verify_offsets`) | %.0f | %.2fx (+%.0f ns) |\n", cgo, cgo / r, cgo - r
    printf "| Go, building a new `Claims` from the offsets alone (not a verify) | %.0f | |\n", cp
    printf "| Go, `VerifyAt` (%s allocs, %s B per verify) | %.0f | %.2fx (+%.0f ns) |\n", a, b, g, g / r, g - r
    printf "| Go, `VerifyInto` a reused `Claims` (%s allocs) | %.0f | %.2fx (+%.0f ns) |\n", ia, gi, gi / r, gi - r
    printf "| Go, `VerifyView` a reused `ClaimsView` (%s allocs; claims read on demand) | %.0f | %.2fx (+%.0f ns) |\n", wa, gw, gw / r, gw - r
    printf "| Go, `VerifyView` then every claim read through its accessors (%s allocs) | %.0f | %.2fx the core reading every claim (+%.0f ns) |\n", wra, gwr, gwr / rr, gwr - rr
    printf "\n2-core scaling (best round): Go `RunParallel` %.2fx with `VerifyAt`, %.2fx with `VerifyView`; the Rust core on 2 threads %.2fx\n", s, vs, rp
}'
# The same C ABI calls and the core in one process, alternating blocks
# (no difference of program layout between the two sides):
echo
echo "one process (ffi/examples/abi_overhead.rs):"
"$TARGET/release/examples/abi_overhead" "$token"
