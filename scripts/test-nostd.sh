#!/usr/bin/env bash
# Links the core into a #![no_std] static library without an allocator and
# checks that nothing in it asks for an allocator or for std.
set -euo pipefail
cd "$(dirname "$0")/.."
crate=tests/nostd-link
target=${CARGO_TARGET_DIR:-$PWD/target}/nostd-link
cargo build --quiet --release --manifest-path "$crate/Cargo.toml" --target-dir "$target"
lib="$target/release/libjwtgate_nostd_link.a"
undefined=$(nm -u --format=just-symbols "$lib" 2>/dev/null | sort -u)
forbidden=$(grep -E '__rust_alloc|__rust_dealloc|__rust_realloc|__rg_alloc|__rdl_alloc|^malloc$|^free$|^calloc$|^realloc$|std[0-9]+|_ZN3std' <<<"$undefined" || true)
echo "no_std link: $(wc -l <<<"$undefined") undefined symbols in $lib"
if [ -n "$forbidden" ]; then
    echo "FAIL: the no_std library references allocation or std symbols:"
    echo "$forbidden"
    exit 1
fi
# The check must be able to fail: the entry point must be in the archive.
defined=$(nm --defined-only "$lib" 2>/dev/null)
grep -q ' T nostd_verify$' <<<"$defined" || { echo "FAIL: nostd_verify missing"; exit 1; }
grep -q ' T nostd_verify_cached$' <<<"$defined" || { echo "FAIL: nostd_verify_cached missing"; exit 1; }
echo "no_std link: ok (no allocator, no std symbols)"
