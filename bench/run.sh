#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/run.sh - build svmcl in release mode (no debug checks, no tests)
# and run the benchmarks (bench-hmm, bench-gpu, bench-build), which print tables with
# ratios.
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

# bench-gpu goes through the OpenCL loader for the launch-latency rows,
# with svmcl and (when installed: apt-get install pocl-opencl-icd) pocl
# side by side in one vendors directory.
ninja -C "$build" bench/bench-gpu bench/bench-kernels icd/libsvmcl-opencl.so.1.0.0
vendors="$build/bench-vendors"
mkdir -p "$vendors"
cp "$build/icd/vendors/svmcl.icd" "$vendors/"
if [ -f /etc/OpenCL/vendors/pocl.icd ]; then
	cp /etc/OpenCL/vendors/pocl.icd "$vendors/"
else
	echo "bench: pocl is not installed; its columns stay empty" >&2
fi
echo
OCL_ICD_VENDORS="$vendors" "$build/bench/bench-gpu" "$mib"

# bench-build: clBuildProgram cold and cached, svmcl and pocl.
ninja -C "$build" bench/bench-build
echo
OCL_ICD_VENDORS="$vendors" "$build/bench/bench-build"

# Kernel throughput (STREAM, mandelbrot) next to pocl and the host; then
# svmcl again with its device MMU switched off in the compiler, which shows
# what the MMU itself costs (the switch exists only for this comparison).
echo
OCL_ICD_VENDORS="$vendors" "$build/bench/bench-kernels" "$mib"
echo
SVMCL_MMU=off OCL_ICD_VENDORS="$build/icd/vendors" "$build/bench/bench-kernels" "$mib"
