#!/bin/bash
# Installs what svmcl needs from Debian 12's archive, and nothing when all of
# it is already there. Run as root. Extra package names may be passed as
# arguments (bench.sh adds pocl-opencl-icd).
set -euo pipefail

packages=(
	meson ninja-build pkg-config gcc g++ libc6-dev
	clang-19 llvm-19-dev libclang-rt-19-dev libclang-cpp19-dev libclang-19-dev
	opencl-c-headers ocl-icd-opencl-dev ocl-icd-libopencl1 clinfo
	libcmocka-dev
	"$@"
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "svmcl: missing Debian packages: ${missing[*]}" >&2
	echo "svmcl: run this script as root, or install them with apt-get" >&2
	exit 1
fi

echo "svmcl: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
