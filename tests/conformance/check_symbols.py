#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that a shared library exports exactly the expected symbols.

Usage: check_symbols.py --nm NM --lib LIB --symbols-file FILE

FILE lists one symbol per line ('#' starts a comment). The defined dynamic
symbols of LIB (nm -D --defined-only) must be exactly that set.
"""
import argparse
import subprocess
import sys


def expected_symbols(path):
    with open(path, encoding="utf-8") as f:
        lines = (line.split("#", 1)[0].strip() for line in f)
        return {line for line in lines if line}


def exported_symbols(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        kind, name = fields[1], fields[2]
        if kind == "A":  # version-node names, not code or data
            continue
        # Local (b, d, r, t): left in .dynsym by the linker for C++
        # vague-linkage objects that libclang-cpp also defines, but
        # bound locally by the version script: not exports.
        if kind in "bdrt":
            continue
        symbols.add(name.split("@", 1)[0])
    return symbols


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nm", default="nm")
    parser.add_argument("--lib", required=True)
    parser.add_argument("--symbols-file", required=True)
    args = parser.parse_args()

    want = expected_symbols(args.symbols_file)
    got = exported_symbols(args.nm, args.lib)
    for name in sorted(got - want):
        print(f"unexpected export: {name}")
    for name in sorted(want - got):
        print(f"missing export: {name}")
    if got != want:
        return 1
    print(f"{args.lib}: exports exactly {', '.join(sorted(got))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
