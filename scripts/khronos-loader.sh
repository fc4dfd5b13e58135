#!/bin/bash
# Runs svmcl through the Khronos OpenCL ICD loader instead of ocl-icd.
#
#   scripts/khronos-loader.sh <loader-src> <svmcl-build-dir> [exe...]
#
# <loader-src> is a checkout of KhronosGroup/OpenCL-ICD-Loader (docs/icd.md
# says which tag builds with Debian 12's headers and how to get it); nothing
# of it enters this repository. Debian 12 packages only ocl-icd, so the
# Khronos loader is built here, out of tree, in <loader-src>/../khronos-build
# (configured once; later runs only rebuild what changed), with its test
# layer (libPrintLayer.so) and its own tests.
#
# Every program then runs with LD_LIBRARY_PATH at the Khronos libOpenCL.so.1
# and OCL_ICD_VENDORS at <svmcl-build-dir>/icd/vendors, so svmcl is the only
# platform. Which libOpenCL.so.1 the process really loaded is read from the
# dynamic linker's own trace (LD_DEBUG=libs, "calling init:"): a run that
# loaded another loader, or not the svmcl library, fails even if the program
# passed. The steps:
#
#   loader-selftest        the loader's own ctest (driver stub, layer info)
#   khronos:enumerate      OCL_ICD_ENABLE_TRACE=1 clinfo -l: the loader's
#                          trace says it added svmcl with suffix "svmcl"
#   khronos:clinfo[-a]     Debian's clinfo: exit 0, no "<error" line, the
#                          svmcl platform, "ICD loader Name Khronos ..."
#   khronos:check_clinfo   tests/conformance/check_clinfo.py (CI's checks)
#   khronos:layer          clinfo -a under the Khronos print layer
#                          (OPENCL_LAYERS): every call passes a layer first
#   ocl-icd:clinfo[-a]     the same clinfo through ocl-icd, for comparison
#   same-output            both loaders print the same platform and device
#                          sections (they differ only in the NULL-platform
#                          checks, which the loaders answer, and the loader
#                          properties)
#   <exe>                  each executable in <svmcl-build-dir>/tests/
#                          conformance/ that links libOpenCL.so.1, then any
#                          [exe...] given (e.g. tests/e2e, samples): exit 0
#
# Logs go to <loader-build>/svmcl-logs/<step>.log (<step>.log.ld.<pid> are the
# dynamic linker traces). Exit status: 0 when every step passed, 1 when one
# failed, 2 on a usage or build error.
#
# Environment: KHRONOS_HEADERS (OpenCL headers for the loader, default
# /usr/include, i.e. Debian's opencl-c-headers; a newer loader needs an
# OpenCL-Headers checkout of its own date), KHRONOS_TIMEOUT (seconds per
# program, default 600), KHRONOS_JOBS (build jobs, default 2).
#
# A sanitizer build of svmcl works too: clinfo then gets the sanitizer
# runtime preloaded, as in the meson test (tests/meson.build).
set -euo pipefail

usage() {
	echo "usage: $0 <loader-src> <svmcl-build-dir> [exe...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
loader_src=$(realpath -e "$1") || usage
svmcl_build=$(realpath -e "$2") || usage
shift 2
extra_exes=()
for exe in "$@"; do
	path=$(realpath -e "$exe") || usage
	extra_exes+=("$path")
done
repo=$(realpath "$(dirname "$0")/..")

[ -f "$loader_src/loader/icd.c" ] || {
	echo "khronos-loader: $loader_src is not an OpenCL-ICD-Loader checkout" >&2
	exit 2
}
vendors="$svmcl_build/icd/vendors"
[ -f "$vendors/svmcl.icd" ] || {
	echo "khronos-loader: $vendors/svmcl.icd missing: build svmcl first" \
	     "(meson setup $svmcl_build -Dtests=true && ninja -C $svmcl_build)" >&2
	exit 2
}
svmcl_lib=$(head -n 1 "$vendors/svmcl.icd")
[ -f "$svmcl_lib" ] || {
	echo "khronos-loader: $svmcl_lib (named by svmcl.icd) missing" >&2
	exit 2
}

kbuild=$(realpath -m "$loader_src/../khronos-build")
headers=${KHRONOS_HEADERS:-/usr/include}
timeout_s=${KHRONOS_TIMEOUT:-600}
jobs=${KHRONOS_JOBS:-2}

# cmake for the loader; clinfo and opencl-c-headers are in the base list.
"$repo/scripts/install-deps.sh" cmake || exit 2

if git -C "$loader_src" rev-parse HEAD > /dev/null 2>&1; then
	commit=$(git -C "$loader_src" rev-parse HEAD)
	tag=$(git -C "$loader_src" describe --tags --always 2>/dev/null ||
	      echo "-")
else
	commit=unknown
	tag=-
fi
echo "khronos-loader: OpenCL-ICD-Loader $tag ($commit) in $loader_src"
echo "khronos-loader: headers $headers, build dir $kbuild"
echo "khronos-loader: svmcl $svmcl_lib"

# ---- build the loader -------------------------------------------------

mkdir -p "$kbuild"
if [ ! -f "$kbuild/CMakeCache.txt" ]; then
	# BUILD_TESTING gives the driver stub, the loader's tests and the
	# print layer used below.
	cmake -S "$loader_src" -B "$kbuild" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DOPENCL_ICD_LOADER_HEADERS_DIR="$headers" \
		-DBUILD_TESTING=ON \
		> "$kbuild/configure.log" 2>&1 || {
		tail -20 "$kbuild/configure.log" >&2
		echo "khronos-loader: cmake failed, see $kbuild/configure.log" >&2
		exit 2
	}
fi
cmake --build "$kbuild" -j "$jobs" > "$kbuild/build.log" 2>&1 || {
	grep -m 20 -E 'error' "$kbuild/build.log" >&2 || true
	echo "khronos-loader: build failed, see $kbuild/build.log." \
	     "Loaders after v2023.04.17 need OpenCL-Headers newer than" \
	     "Debian 12's 2023.02.06 (docs/icd.md)." >&2
	exit 2
}
klib="$kbuild/libOpenCL.so.1"
layer="$kbuild/test/layer/libPrintLayer.so"
for f in "$klib" "$layer"; do
	[ -f "$f" ] || {
		echo "khronos-loader: $f was not built" >&2
		exit 2
	}
done

# The loader an unmodified program gets: ocl-icd, from the system.
clinfo=$(command -v clinfo)
ocl_icd_lib=$(ldd "$clinfo" | awk '$1 == "libOpenCL.so.1" { print $3 }')

# Programs not built with svmcl's sanitizers load a sanitized ICD only with
# the runtime preloaded; their own leaks are not svmcl's.
foreign_env=()
undefined=$(nm -D --undefined-only "$svmcl_lib")
if grep -q ' __asan_init$' <<< "$undefined"; then
	# The runtime the build's own clinfo test preloads (tests/meson.build).
	rt=$(python3 -c '
import json, sys
tests = json.load(open(sys.argv[1] + "/meson-info/intro-tests.json"))
print(next((t["env"].get("LD_PRELOAD", "") for t in tests
	    if t["name"] == "clinfo"), ""))' "$svmcl_build")
	[ -n "$rt" ] || {
		echo "khronos-loader: sanitized svmcl, but $svmcl_build has" \
		     "no clinfo test that names the sanitizer runtime" >&2
		exit 2
	}
	foreign_env=("LD_PRELOAD=$rt" "ASAN_OPTIONS=detect_leaks=0")
	echo "khronos-loader: sanitized svmcl; clinfo runs with LD_PRELOAD=$rt"
fi

# Since c987c97 (2026-01, in v2026.05.29) khrIcdVendorAdd() frees the
# platform extension string only when it lists cl_khr_icd_unloadable, so
# LeakSanitizer reports that string (41 bytes for svmcl) at exit in every
# sanitized test. It is the loader's leak: suppress it, on top of the
# suppressions the caller gives (run-tests.sh: tests/lsan.supp).
if [ ${#foreign_env[@]} -gt 0 ]; then
	supp="$kbuild/lsan-khronos.supp"
	given=$(sed -n 's/.*\(^\|:\)suppressions=\([^:]*\).*/\2/p' \
		<<< "${LSAN_OPTIONS:-}")
	{
		[ -z "$given" ] || cat "$given"
		echo "# The Khronos loader's own allocations (scripts/khronos-loader.sh)"
		echo "leak:khrIcdVendorAdd"
	} > "$supp"
	# shellcheck disable=SC2001 # a regular expression, not a pattern
	rest=$(sed 's/\(^\|:\)suppressions=[^:]*//' <<< "${LSAN_OPTIONS:-}")
	export LSAN_OPTIONS="${rest:+${rest#:}:}suppressions=$supp"
fi

logs="$kbuild/svmcl-logs"
mkdir -p "$logs"
khronos_env=("LD_LIBRARY_PATH=$kbuild${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	     "OCL_ICD_VENDORS=$vendors")
ocl_icd_env=("OCL_ICD_VENDORS=$vendors")

pass=0 fail=0 failed_steps=()
result() {
	local step=$1 ok=$2
	shift 2
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1))
		printf '%-40s pass  %s\n' "$step" "$*"
	else
		fail=$((fail + 1))
		failed_steps+=("$step")
		printf '%-40s FAIL  %s\n' "$step" "$*"
	fi
}

# run_traced <step> <expected-libOpenCL> <env...> -- <command...>
#
# Runs the command with the dynamic linker tracing library loads into
# <log>.ld.<pid>; sets rc, loaded (the libOpenCL.so* files the process
# initialised) and why (empty when the expected loader and svmcl were the
# ones loaded).
run_traced() {
	local step=$1 want=$2
	shift 2
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	log="$logs/$step.log"
	rm -f "$log" "$log".ld.*
	rc=0
	env "${envs[@]}" LD_DEBUG=libs LD_DEBUG_OUTPUT="$log.ld" \
		timeout "$timeout_s" "$@" > "$log" 2>&1 || rc=$?
	loaded=$(cat "$log".ld.* 2>/dev/null |
		 sed -n 's/.*calling init: \(.*\/libOpenCL\.so[^ ]*\)$/\1/p' |
		 sort -u | tr '\n' ' ')
	loaded=${loaded% }
	why=
	if [ "$loaded" != "$want" ]; then
		why="loaded libOpenCL '$loaded', not '$want'"
	elif ! grep -q -h "calling init: $svmcl_lib\$" "$log".ld.*; then
		why="svmcl ($svmcl_lib) was not loaded"
	fi
	if [ $rc -eq 124 ]; then
		why="timeout after ${timeout_s}s${why:+; $why}"
	elif [ $rc -gt 128 ]; then
		why="killed by signal $((rc - 128))${why:+; $why}"
	elif [ $rc -ne 0 ]; then
		why="exit status $rc${why:+; $why}"
	fi
}

# check_clinfo <step> <loader-name>: what a clinfo log must show.
check_clinfo() {
	local step=$1 name=$2 errors
	errors=$(grep -c '<error' "$log" || true)
	[ "$errors" -eq 0 ] || why="${why:+$why; }$errors '<error' lines"
	grep -q -E '^ +Platform Name +svmcl$' "$log" ||
		why="${why:+$why; }no svmcl platform"
	grep -q -E "^ +ICD loader Name +$name\$" "$log" ||
		why="${why:+$why; }ICD loader Name is not '$name'"
	if [ -z "$why" ]; then
		result "$step" 1 "0 errors, $(grep -c . "$log") lines, loader $loaded"
	else
		result "$step" 0 "$why (log $log)"
	fi
}

printf '%-40s %s\n' step result

# ---- the loader itself ------------------------------------------------

log="$logs/loader-selftest.log"
if (cd "$kbuild" && ctest --output-on-failure) > "$log" 2>&1; then
	result loader-selftest 1 "$(grep -m 1 'tests passed' "$log")"
else
	result loader-selftest 0 "ctest failed (log $log)"
fi

# ---- clinfo through the Khronos loader --------------------------------

run_traced khronos-enumerate "$klib" "${khronos_env[@]}" "${foreign_env[@]}" \
	OCL_ICD_ENABLE_TRACE=1 -- "$clinfo" -l
added=$(grep -m 1 'successfully added vendor' "$log" || true)
grep -q "successfully added vendor $svmcl_lib with suffix svmcl\$" "$log" ||
	why="${why:+$why; }the loader trace does not show svmcl added"
grep -q '^Platform #0: svmcl$' "$log" || why="${why:+$why; }no platform #0 svmcl"
if [ -z "$why" ]; then
	result khronos:enumerate 1 "trace: ${added#*: }"
else
	result khronos:enumerate 0 "$why (log $log)"
fi

for args in "" "-a"; do
	step="khronos:clinfo${args:+ $args}"
	run_traced "khronos-clinfo$args" "$klib" "${khronos_env[@]}" \
		"${foreign_env[@]}" -- "$clinfo" $args
	check_clinfo "$step" "Khronos OpenCL ICD Loader"
	cp "$log" "$logs/khronos-clinfo$args.out"
done

run_traced khronos-check_clinfo "$klib" "${khronos_env[@]}" \
	"${foreign_env[@]}" -- python3 "$repo/tests/conformance/check_clinfo.py" \
	"$clinfo"
if [ -z "$why" ]; then
	result khronos:check_clinfo 1 "$(grep -c '^ok ' "$log") runs ok"
else
	result khronos:check_clinfo 0 "$why (log $log)"
fi

run_traced khronos-layer "$klib" "${khronos_env[@]}" "${foreign_env[@]}" \
	"OPENCL_LAYERS=$layer" -- "$clinfo" -a
errors=$(grep -c '<error' "$log" || true)
calls=$(grep -c -E '^cl[A-Za-z]+$' "$log" || true)
[ "$errors" -eq 0 ] || why="${why:+$why; }$errors '<error' lines"
[ "$calls" -gt 0 ] || why="${why:+$why; }the print layer printed no call"
grep -q -E '^ +Platform Name +svmcl$' "$log" || why="${why:+$why; }no svmcl platform"
if [ -z "$why" ]; then
	result khronos:layer 1 "clinfo -a under libPrintLayer.so: $calls calls, 0 errors"
else
	result khronos:layer 0 "$why (log $log)"
fi

# ---- the same through ocl-icd, for comparison -------------------------

for args in "" "-a"; do
	step="ocl-icd:clinfo${args:+ $args}"
	run_traced "ocl-icd-clinfo$args" "$ocl_icd_lib" "${ocl_icd_env[@]}" \
		"${foreign_env[@]}" -- "$clinfo" $args
	check_clinfo "$step" "OpenCL ICD Loader"
	cp "$log" "$logs/ocl-icd-clinfo$args.out"
done

# Platform and device sections end where the NULL-platform checks begin;
# those and the loader properties are answered by the loaders themselves.
same=1
for args in "" "-a"; do
	if ! diff <(sed '/^NULL platform behavior/,$d' "$logs/ocl-icd-clinfo$args.out") \
		  <(sed '/^NULL platform behavior/,$d' "$logs/khronos-clinfo$args.out") \
		  > "$logs/same-output$args.diff"; then
		same=0
	fi
done
if [ $same = 1 ]; then
	result same-output 1 "platform and device sections identical (clinfo, clinfo -a)"
else
	result same-output 0 "the loaders differ, see $logs/same-output*.diff"
fi

# ---- svmcl's tests through the Khronos loader -------------------------

exes=()
for exe in "$svmcl_build"/tests/conformance/*; do
	if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then
		continue
	fi
	dynamic=$(readelf -d "$exe")
	if ! grep -q 'NEEDED.*\[libOpenCL\.so\.1\]' <<< "$dynamic"; then
		printf '%-40s -     does not link libOpenCL.so.1 (no loader)\n' \
		       "$(basename "$exe")"
		continue
	fi
	exes+=("$exe")
done
exes+=("${extra_exes[@]}")
for exe in "${exes[@]}"; do
	name=$(basename "$exe")
	run_traced "$name" "$klib" "${khronos_env[@]}" -- "$exe"
	# cmocka prints one summary per group; add them up.
	summary=$(awk '
		/^\[=+\] [0-9]+ test\(s\) run/ { run += $2 }
		/^\[  PASSED  \] [0-9]+ test/ { ok += $4 }
		/^\[  SKIPPED \] [0-9]+ test/ { skipped += $4 }
		END { if (run) printf "cmocka: %d run, %d passed, %d skipped",
				     run, ok, skipped }' "$log")
	skipped=$(grep -E '^\[  SKIPPED \] [a-z_]' "$log" |
		  awk '{ print $NF }' | sort -u | tr '\n' ' ' || true)
	[ -z "$skipped" ] || summary="$summary (${skipped% })"
	failed=$(grep -E '^\[ *(FAILED|ERROR) *\] [a-z_]' "$log" |
		 awk '{ print $NF }' | sort -u | tr '\n' ' ' || true)
	[ -z "$failed" ] || why="${why:+$why; }failed: ${failed% }"
	if [ -z "$why" ]; then
		result "$name" 1 "${summary:-exit 0}"
	else
		result "$name" 0 "$why (log $log)"
	fi
done

echo "khronos-loader: $pass passed, $fail failed${failed_steps[*]:+:" ${failed_steps[*]}"}" \
     "(OpenCL-ICD-Loader $tag, logs in $logs)"
[ $fail -eq 0 ]
