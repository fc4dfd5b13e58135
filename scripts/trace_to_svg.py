#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render an svmcl trace (SVMCL_TRACE=file.json) as an SVG timeline.

One row per thread, one rectangle per span, coloured by category, a red
tick per device fault. Meant for documentation pictures and for a quick
look without a browser; ui.perfetto.dev opens the same file interactively.

usage: trace_to_svg.py TRACE.json OUT.svg [--from-us T0] [--to-us T1]
"""
import argparse
import json
import sys
from xml.sax.saxutils import escape

COLOURS = {
    "kernel": "#4e79a7",
    "unit": "#a0cbe8",
    "fault": "#f28e2b",
    "migrate": "#59a14f",
    "mmu": "#e15759",
    "tlb": "#b07aa1",
}
ROW_H = 22
LEFT = 150
WIDTH = 1100


def load(path):
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    names = {}
    spans = []
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[e["tid"]] = e["args"]["name"]
        elif e.get("ph") in ("X", "i"):
            spans.append(e)
    return names, spans


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("out")
    ap.add_argument("--from-us", type=float, default=None)
    ap.add_argument("--to-us", type=float, default=None)
    args = ap.parse_args()

    names, spans = load(args.trace)
    if not spans:
        sys.exit("no events in %s" % args.trace)
    t0 = args.from_us if args.from_us is not None else min(e["ts"] for e in spans)
    t1 = args.to_us if args.to_us is not None else max(
        e["ts"] + e.get("dur", 0) for e in spans)
    spans = [e for e in spans if e["ts"] + e.get("dur", 0) >= t0 and e["ts"] <= t1]
    t1 = max(t1, t0 + 1e-3)
    # Rows: threads in order of their first event.
    rows = []
    for e in sorted(spans, key=lambda e: e["ts"]):
        if e["tid"] not in rows:
            rows.append(e["tid"])
    scale = (WIDTH - LEFT - 10) / (t1 - t0)
    height = 40 + ROW_H * len(rows) + 30

    out = []
    out.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
               'font-family="sans-serif" font-size="11">' % (WIDTH, height))
    out.append('<rect width="100%" height="100%" fill="white"/>')
    out.append('<text x="8" y="16" font-size="13">svmcl memory-system trace, '
               '%.1f us shown</text>' % (t1 - t0))
    for i, tid in enumerate(rows):
        y = 30 + i * ROW_H
        out.append('<text x="8" y="%d">%s</text>' % (
            y + 14, escape(names.get(tid, str(tid)))))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#ddd"/>' % (
            LEFT, WIDTH - 10, y + ROW_H - 2, y + ROW_H - 2))
    for e in spans:
        y = 30 + rows.index(e["tid"]) * ROW_H
        x = LEFT + (max(e["ts"], t0) - t0) * scale
        title = escape("%s (%s)" % (e["name"], json.dumps(e.get("args", {}))))
        if e["ph"] == "i":
            out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="red" '
                       'stroke-width="2"><title>%s</title></line>' % (
                           x, x, y + 1, y + ROW_H - 3, title))
            continue
        w = max(e.get("dur", 0) * scale, 0.8)
        colour = COLOURS.get(e.get("cat"), "#999")
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s">'
                   '<title>%s</title></rect>' % (x, y + 2, w, ROW_H - 6,
                                                  colour, title))
    # Time axis and legend.
    ay = 30 + len(rows) * ROW_H + 12
    for k in range(6):
        t = (t1 - t0) * k / 5
        x = LEFT + t * scale
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%.0f us</text>' % (
            x, ay, t))
    lx = LEFT
    for cat, colour in COLOURS.items():
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (
            lx, ay + 6, colour))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 14, ay + 15, cat))
        lx += 90
    out.append('</svg>')
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
