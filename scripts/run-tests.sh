#!/bin/bash
# The whole test suite: install what is missing, build with -Werror, run
# every suite (unit, conformance, e2e, samples), then the same again in an
# ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

run_suite() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --werror "$@"
	fi
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2
}

echo "== debug build with invariant checks, -Werror =="
run_suite build-tests --buildtype=debugoptimized -Ddebug-checks=true

echo "== ASan + UBSan build (clang-19) =="
# clang's sanitizer runtime, not gcc 12's: gcc 12's LeakSanitizer misreads
# the dynamic TLS of threads in dlopen()ed libraries (the ICD) on this glibc
# and dies in its tracer. Programs that are not built here (clinfo) get the
# shared runtime preloaded by the test definitions.
export CC=clang-19
export CXX=clang++-19
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
run_suite build-asan --buildtype=debug -Db_sanitize=address,undefined \
	-Db_lundef=false -Ddebug-checks=true
