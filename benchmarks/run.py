#!/usr/bin/env python
"""Benchmark of the vpsorg.cloud collection against the local API simulator.

    .venv/bin/python benchmarks/run.py              # full run (about 30 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --smoke      # small sizes, one run each (about a minute)
    .venv/bin/python benchmarks/run.py --only P2,P4 --json results.json

Every figure is the ratio of two commands measured side by side in the same run, alternating
(see benchmarks/README.md and docs/docsite/rst/guide_performance.rst). Progress goes to standard error, the report
(machine, command, figures table, checks, notes) to standard output. The exit status is 0 when every
figure was produced, even if a target was missed; --strict makes a missed target (or a failed check) exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# pylint: disable=wrong-import-position
from benchlib import environment, inventory, modules, per_task, report  # noqa: E402
from benchlib.context import Context, Sizes  # noqa: E402

BENCHMARKS = {
    "P1": inventory.bench_p1,  # also P1m and P5
    "P1c": inventory.bench_p1c,
    "P1s": inventory.bench_p1s,
    "P2": per_task.bench_p2,  # P2a and P2b, each on both paths and on two cores
    "P3": modules.bench_p3,  # also P3s and P4f (the requests of the P3 and P3s runs)
    "P3r": modules.bench_p3r,  # also P3r 429s and P3r creates
    "P4": modules.bench_p4,
}
# Figures another benchmark's runs produce: --only accepts their names and runs that benchmark (once).
PRODUCED_BY = {"P1m": "P1", "P5": "P1", "P3s": "P3", "P4f": "P3"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, one run each, no verdicts (about a minute)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated benchmarks to run: %s (default: all; %s)" % (
        ", ".join(BENCHMARKS), ", ".join("%s runs %s" % item for item in PRODUCED_BY.items())))
    parser.add_argument("--runs", type=int, help="rounds of every benchmark (default 5, 3 for P1s; 1 with --smoke)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures, notes and machine as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (outputs of the last round of every command)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a check failed")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS and name not in PRODUCED_BY]
    if unknown:
        parser.error("unknown benchmark(s) %s; known: %s" % (", ".join(unknown), ", ".join(list(BENCHMARKS) + list(PRODUCED_BY))))
    args.only = list(dict.fromkeys(PRODUCED_BY.get(name, name) for name in names))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    if args.runs:
        sizes.p1_runs = sizes.p1s_runs = sizes.p2_runs = sizes.p3_runs = args.runs
    command = "python benchmarks/run.py " + " ".join(shlex.quote(arg) for arg in (sys.argv[1:] if argv is None else argv))
    work_dir = tempfile.mkdtemp(prefix="vpsorg-bench-")
    ctx = Context(sizes, work_dir, verbose=not args.quiet)
    started = time.monotonic()
    try:
        for name in args.only:
            ctx.log("== %s" % name)
            BENCHMARKS[name](ctx)
    finally:
        ctx.close()
        if args.keep:
            ctx.log("work folder kept: %s" % work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    elapsed = time.monotonic() - started
    machine = environment.machine()

    print("# vpsorg.cloud benchmark%s" % (" (smoke: small sizes, one run each, not judged)" if args.smoke else ""))
    print()
    print("command: %s (%.0f s)" % (command.strip(), elapsed))
    print("machine: %s CPUs (%s), Python %s, ansible-core %s, %s" % (
        machine["nproc"], machine["cpu"], machine["python"], machine["ansible_core"], machine["platform"]))
    print(machine["memory"])
    print()
    print(report.markdown_table(ctx.figures))
    print()
    print("Absolute numbers (min / median / max; for reading the ratios only, never judged):")
    print(report.details(ctx.figures))
    if ctx.checks:
        print()
        print("Checks:")
        for status, text in ctx.checks:
            print("%s: %s" % (status, text))
    if ctx.notes:
        print()
        print("Notes:")
        for note in ctx.notes:
            print("- " + note)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump({"command": command.strip(), "smoke": args.smoke, "elapsed": elapsed, "machine": machine,
                       "figures": [figure.as_dict() for figure in ctx.figures], "notes": ctx.notes,
                       "checks": [{"status": status, "text": text} for status, text in ctx.checks]}, stream, indent=2)
    missed = [figure.key for figure in ctx.figures if figure.judged and not figure.met]
    missed += [text.split(":", 1)[0] for status, text in ctx.checks if status == "FAIL" and text.split(":", 1)[0] not in missed]
    if missed:
        print()
        print("Missed: %s" % ", ".join(missed))
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
