#!/usr/bin/env bash
# Runs the measuring tools of core/examples once, in the dev build: one round
# of `ratios` (which refuses to time a token that jwtgate or `jsonwebtoken`
# rejects) and `profile_verify` for both algorithms (which counts the
# verifications that succeed). A benchmark that quietly times a rejection
# reports nonsense, so this fails instead; the figures themselves are not
# checked, a dev build and a loaded machine say nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

cargo run -q -p jwtgate --example ratios -- 400
# Adversarial headers and claims (issue 20): a few rounds, checking that every
# shape gets the verdict it is built for; the ratios of a dev build mean nothing.
cargo run -q -p jwtgate --example adversarial -- quick | tail -n 1
for alg in hs256 eddsa; do
    out=$(cargo run -q -p jwtgate --example profile_verify -- 20 "$alg")
    echo "profile_verify $alg: $out"
    case "$out" in
        "20/20 verified,"*) ;;
        *) echo "FAIL: profile_verify $alg did not verify every token" >&2; exit 1 ;;
    esac
done
echo "examples: ok"
