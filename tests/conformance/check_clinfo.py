#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run Debian's clinfo against svmcl and check what it prints.

Usage: check_clinfo.py CLINFO

Run with OCL_ICD_VENDORS pointing at the build tree's vendors directory
(meson test does). clinfo runs twice, plainly and with -a (every property,
conditions ignored); each run must exit 0, show the svmcl platform with an
OpenCL 3.0 GPU device and all four SVM capabilities, and contain no
"<error" line.
"""
import re
import subprocess
import sys

REQUIRED = [
    (r"^\s*Platform Name\s+svmcl\s*$", "platform svmcl"),
    (r"^\s*Platform Version\s+OpenCL 3\.0 svmcl", "platform OpenCL 3.0"),
    (r"^\s*Device Version\s+OpenCL 3\.0", "device OpenCL 3.0"),
    (r"^\s*Device Type\s+GPU\s*$", "device type GPU"),
    (r"^\s*Shared Virtual Memory \(SVM\) capabilities", "SVM capabilities"),
    (r"^\s*Coarse-grained buffer sharing\s+Yes", "SVM coarse-grained buffer"),
    (r"^\s*Fine-grained buffer sharing\s+Yes", "SVM fine-grained buffer"),
    (r"^\s*Fine-grained system sharing\s+Yes", "SVM fine-grained system"),
    (r"^\s*Atomics\s+Yes", "SVM atomics"),
    (r"^\s*Preferred work group size multiple \(kernel\)\s+\d+",
     "a kernel built for the work-group size query"),
]


def check(clinfo, extra_args):
    cmd = [clinfo] + extra_args
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    label = " ".join(cmd)
    problems = []
    if run.returncode != 0:
        problems.append(f"exit status {run.returncode}")
    for lineno, line in enumerate(run.stdout.splitlines(), 1):
        if "<error" in line:
            problems.append(f"line {lineno}: {line.strip()}")
    if "CL_PROGRAM_BUILD_LOG" in run.stderr:
        problems.append("a build failed:\n" + run.stderr)
    for pattern, what in REQUIRED:
        if not re.search(pattern, run.stdout, re.MULTILINE):
            problems.append(f"missing: {what}")
    if problems:
        print(f"FAIL {label}:")
        for p in problems:
            print(f"  {p}")
        print("---- stdout ----")
        print(run.stdout)
        print("---- stderr ----")
        print(run.stderr)
        return False
    print(f"ok   {label}")
    return True


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    ok = check(sys.argv[1], [])
    ok = check(sys.argv[1], ["-a"]) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
