#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Soak: hundreds of server lifecycles under every fault mode, against one local simulator.

    .venv/bin/python tests/reliability/soak.py --lifecycles 300

Runs rounds until it has done ``--lifecycles`` lifecycles (or ``--max-minutes`` have passed). Each
round takes the next fault mode of fault_lifecycles.MODES with a seed of its own and runs two
ansible-playbook processes at once, each with one vps_fleet task per step for ``--servers`` servers,
checked exactly as the pytest suite checks them. Prints one line per round, then a table per mode
(Markdown, as in docs/docsite/rst/guide_reliability.rst). Exits 1 if any round went wrong, listing what.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(REPO_ROOT, "tests", "simulator"), os.path.join(REPO_ROOT, "tests"), os.path.join(REPO_ROOT, "scripts")]

# pylint: disable=wrong-import-position,import-error
import harness  # noqa: E402

from fault_lifecycles import MODES, SIMULATOR_OPTIONS, format_table, run_mode  # noqa: E402
from reliability_support import reliability_env, soak_verdict  # noqa: E402

SUMMED = ("runs", "requests", "faults", "retries", "servers", "correct", "duplicates", "leaked", "seconds")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--lifecycles", type=int, default=300, help="server lifecycles to run in all (default 300)")
    parser.add_argument("--servers", type=int, default=15, help="servers per ansible-playbook process; two run at once (default 15)")
    parser.add_argument("--max-minutes", type=float, default=15.0, help="start no round after this many minutes (default 15)")
    return parser.parse_args(argv)


def add_up(totals, row):
    """Sum a round's row into the row of its mode."""
    total = totals.setdefault(row["mode"], dict({key: 0 for key in SUMMED}, mode=row["mode"]))
    for key in SUMMED:
        total[key] += row[key]
    total["seconds"] = round(total["seconds"], 1)


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    totals, failures, done, round_number = {}, [], 0, 0
    names = list(MODES)
    with harness.Simulator(**SIMULATOR_OPTIONS) as sim, tempfile.TemporaryDirectory(prefix="vpsorg-soak-") as workdir:
        env = reliability_env(workdir, sim)
        while done < args.lifecycles and time.monotonic() - started < args.max_minutes * 60:
            name = names[round_number % len(names)]
            mode = dict(MODES[name], drivers=("fleet", "fleet"), servers=args.servers, seed=MODES[name]["seed"] + 1000 * round_number)
            row, problems = run_mode(sim, workdir, env, mode, prefix="soak%d" % round_number)
            round_number += 1
            done += row["servers"]
            add_up(totals, row)
            failures.extend("round %d (%s, seed %d): %s" % (round_number, name, mode["seed"], problem) for problem in problems)
            print("round %d %-12s seed %-6d %3d lifecycles, %4d requests, %3d faults, %3d retries, %d/%d correct, "
                  "%d duplicates, %d leaked, %.0fs" % (round_number, name, mode["seed"], row["servers"], row["requests"], row["faults"],
                                                       row["retries"], row["correct"], row["servers"], row["duplicates"], row["leaked"],
                                                       row["seconds"]), flush=True)
    return soak_verdict("%d lifecycles in %d rounds, %.1f minutes" % (done, round_number, (time.monotonic() - started) / 60),
                        format_table([totals[name] for name in names if name in totals]), failures)


if __name__ == "__main__":
    sys.exit(main())
