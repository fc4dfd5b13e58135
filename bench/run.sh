#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/run.sh - build svmcl in release mode (no debug checks, no tests)
# and run the benchmarks, which print a table with ratios.
#
#   bench/run.sh [build-dir] [MiB]
#
# build-dir defaults to build-bench next to the sources; MiB (the buffer
# size, default 64) is passed to bench-hmm. Numbers are medians of several
# runs in one process; nothing is asserted. Record them in
# docs/benchmarks.md together with this command.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$src/build-bench"}
mib=${2:-64}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" --buildtype=release -Ddebug-checks=false \
		-Dtests=false
else
	meson configure "$build" --buildtype=release -Ddebug-checks=false \
		-Dtests=false
fi
ninja -C "$build" bench/bench-hmm

echo
"$build/bench/bench-hmm" "$mib"
