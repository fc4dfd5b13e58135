#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end check of SVMCL_TRACE: run a sample with tracing on, then check
that the file is valid Trace Event JSON with every kind of event the sample
must cause, on the threads that must record them, and that the exit
summary agrees with the file.

usage: check_trace.py SAMPLE_EXECUTABLE
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# The coarse-grained pipeline migrates to VRAM, which invalidates the CPU
# range (invalidate + shootdown), faults pages in (fault batches) and runs
# kernels on every compute unit.
REQUIRED = ["kernel scale", "kernel smooth", "work-groups", "fault batch",
            "migrate", "invalidate", "TLB shootdown"]


def fail(msg):
    print("check_trace: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    sample = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        env = dict(os.environ, SVMCL_TRACE=path)
        proc = subprocess.run([sample], env=env, capture_output=True,
                              text=True, timeout=300)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            fail("%s exited with %d" % (sample, proc.returncode))
        with open(path) as f:
            doc = json.load(f)

    events = doc["traceEvents"]
    names = {}
    spans = []
    for e in events:
        for key in ("name", "ph", "pid", "tid"):
            if key not in e:
                fail("event without %s: %r" % (key, e))
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[e["tid"]] = e["args"]["name"]
            continue
        if e["ph"] != "X" or e["dur"] < 0 or e["ts"] < 0:
            fail("bad span: %r" % e)
        spans.append(e)

    for want in REQUIRED:
        if not any(e["name"] == want for e in spans):
            fail("no '%s' event in the trace" % want)
    # Compute units record on their own, named threads.
    unit_threads = {e["tid"] for e in spans if e["name"] == "work-groups"}
    if not any(names.get(t, "").startswith("svmcl-cu") for t in unit_threads):
        fail("no work-groups span on an svmcl-cu thread: %r" %
             {t: names.get(t) for t in unit_threads})
    # Kernel spans contain the work-groups of their own dispatch.
    for k in (e for e in spans if e["name"].startswith("kernel ")):
        if k["args"]["work_groups"] <= 0 or k["args"]["work_items"] <= 0:
            fail("empty kernel span: %r" % k)
    for m in (e for e in spans if e["name"] == "migrate"):
        if m["args"]["to"] not in ("vram", "system"):
            fail("bad migrate direction: %r" % m)

    summary = re.search(r"svmcl trace: (\d+) events written to .* \((\d+) dropped\)",
                        proc.stderr)
    if not summary:
        fail("no exit summary on stderr")
    if int(summary.group(1)) != len(spans) or int(summary.group(2)) != 0:
        fail("summary says %s events (%s dropped), the file has %d" %
             (summary.group(1), summary.group(2), len(spans)))
    print("check_trace: %d events, %d threads, all required kinds present" %
          (len(spans), len(names)))


if __name__ == "__main__":
    main()
