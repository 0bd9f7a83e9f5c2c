#!/usr/bin/env python3
"""The declared minimum Rust version (MSRV) against the dependencies.

    cargo metadata --format-version 1 --all-features | python3 scripts/check-msrv.py

For every workspace crate, every crate it depends on (normal and build
dependencies, transitively, with all features on; dev-dependencies only
build its tests and are left out) must declare a `rust-version` no higher
than the crate's own. A dependency that declares none passes (nothing to
compare). What this does not prove: that the code compiles with that
toolchain (none but the current one can be installed here). Clippy's
`incompatible_msrv` lint (denied in Cargo.toml, probed by
scripts/test-hygiene.sh) covers the standard library APIs the crates' own
code calls; docs/decisions.md says what neither covers.
"""
import json
import sys


def version(text):
    return tuple(int(part) for part in text.split("."))


def main():
    meta = json.load(sys.stdin)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}

    def deps(node_id, with_dev):
        for dep in nodes[node_id]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if with_dev or kinds - {"dev"}:
                yield dep["pkg"]

    problems, checked = [], 0
    for member in meta["workspace_members"]:
        own = packages[member].get("rust_version")
        name = packages[member]["name"]
        if not own:
            problems.append(f"{name}: declares no rust-version")
            continue
        seen, todo = set(), [d for d in deps(member, False)]
        while todo:
            pkg = todo.pop()
            if pkg in seen:
                continue
            seen.add(pkg)
            todo.extend(deps(pkg, False))
            theirs = packages[pkg].get("rust_version")
            if theirs and version(theirs) > version(own):
                dep = packages[pkg]
                problems.append(
                    f"{name} (rust-version {own}) depends on {dep['name']} {dep['version']}"
                    f" (rust-version {theirs})"
                )
        checked += len(seen)
        print(f"msrv: {name} {own}: {len(seen)} dependencies")
    for problem in problems:
        print(f"msrv: FAIL: {problem}")
    if problems:
        sys.exit(1)
    print(f"msrv: ok ({checked} crate dependencies checked)")


if __name__ == "__main__":
    main()
