#!/bin/bash
# The main job: install what is missing, build, show the freshly built
# platform in Debian's clinfo (uninstalled, through the build-dir vendors
# file) and run the flagship SVM sample.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release
fi
ninja -C build

export OCL_ICD_VENDORS="$PWD/build/icd/vendors"

echo
echo "== clinfo (OCL_ICD_VENDORS=$OCL_ICD_VENDORS) =="
clinfo

echo
echo "== flagship sample: a malloc'd linked list walked on the device =="
./build/samples/linked_list
