#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Soak: concurrent ansible-playbook runs that ensure the same names, against one local simulator.

    .venv/bin/python tests/reliability/soak_concurrency.py --rounds 20

Each round runs two scenarios, with names of its own:

- race: 5 ansible-playbook processes at once, each with one vps_server task ensuring one server started;
- fleet: 3 ansible-playbook processes at once, each with one vps_fleet task ensuring the same 4 servers started.

The processes of a scenario are started together and meet at a barrier (a task that waits for a file
the soak creates once every process has reached it), so their lookups coincide instead of being spread
over Python's start-up time. ``--create-latency`` (a latency fault on POST /api/v1/servers/) sets how
long the simulator takes to carry out a create, in turn per round: by default 1 s in odd rounds (every
run finds no server and creates one: the runs must converge) and 0.1 s in even rounds, about the spread
of the runs' lookups after the barrier (lookups and creates interleave: some runs create, some find the
server another run made a moment before, some look up while a race is being resolved).

After each round the simulator's own state is checked: duplicates (names carried by more than one
server, in the whole account) and leaked servers (servers made in the round that no run reports), and
every run must have exited 0 and reported the surviving id. Prints one line per round, then a Markdown
table. Exits 1 on any duplicate, leak or failed run, listing what.

The scenarios and their checks are also used by test_concurrency.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
for _path in (os.path.join(REPO_ROOT, "tests", "simulator"), os.path.join(REPO_ROOT, "tests"), os.path.join(REPO_ROOT, "scripts"), HERE):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=wrong-import-position,import-error
import harness  # noqa: E402

from reliability_support import duplicates, play, reliability_env, run_ansible_together, soak_verdict, write_yaml  # noqa: E402

PROVISION_DELAY = 0.5
ACTION_DELAY = 0.2
# The simulator of test_concurrency.py (the simulator fixture of tests/support/simulator.py reads it) and of this soak.
SIMULATOR_OPTIONS = {"provision_delay": PROVISION_DELAY, "action_delay": ACTION_DELAY}
NEW = {"plan_id": 1, "os_id": 5, "location": "us-west"}
RACE_RUNS = 5
FLEET_RUNS = 3
FLEET_SIZE = 4
CREATE_PATH = "/api/v1/servers/"
BARRIER_TIMEOUT = 120

# Run by every process at the barrier: say it is there, then wait for the file that opens the barrier.
BARRIER_SCRIPT = """\
import os, sys, time
ready, go, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
open(ready, "w").close()
deadline = time.monotonic() + limit
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit("barrier: %s never appeared" % go)
    time.sleep(0.005)
"""


class Barrier:
    """A point every process of a scenario reaches before its real task; opened once all are there."""

    def __init__(self, workdir, label):
        self.folder = os.path.join(workdir, "barrier-" + label)
        os.makedirs(self.folder)
        self.script = os.path.join(self.folder, "barrier.py")
        with open(self.script, "w", encoding="utf-8") as stream:
            stream.write(BARRIER_SCRIPT)
        self.go = os.path.join(self.folder, "go")
        self.ready = []
        self.waited = None

    def task(self, number):
        """The task process ``number`` runs first: a lookup on the controller, so no module start-up delays it."""
        ready = os.path.join(self.folder, "ready-%d" % number)
        self.ready.append(ready)
        command = " ".join([sys.executable, self.script, ready, self.go, str(BARRIER_TIMEOUT)])
        if "'" in command or '"' in command:
            raise ValueError("the barrier's paths must not contain quotes: %s" % command)
        return {"name": "barrier", "ansible.builtin.set_fact": {"barrier": "{{ lookup('ansible.builtin.pipe', '%s') }}" % command}}

    def open_when_all_ready(self, processes):
        """Wait until every process is at the barrier (or one has ended), then open it."""
        started = time.monotonic()
        while not all(os.path.exists(path) for path in self.ready):
            if any(process.poll() is not None for process in processes):
                break  # it failed before the barrier; the others are let through and the run's output says why
            if time.monotonic() - started > BARRIER_TIMEOUT:
                raise RuntimeError("the processes did not all reach the barrier within %ds" % BARRIER_TIMEOUT)
            time.sleep(0.01)
        self.waited = time.monotonic() - started
        with open(self.go, "w", encoding="utf-8"):
            pass


def save_task(path):
    """A task that writes the registered result ``outcome`` to ``path`` as JSON."""
    return {"name": "save", "ansible.builtin.copy": {"content": "{{ outcome | to_json }}", "dest": path, "mode": "0600"}}


def read_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def log_mark(sim):
    """The number of the last logged request: requests after it belong to what comes next."""
    return sim.stats()["requests_total"]


def run_together(sim, workdir, env, label, task_lists, api_options=None):
    """One ansible-playbook process per task list, started together and released at one barrier.

    Returns (runs, registered results read back from each run's JSON file, log entries of the scenario, seconds).
    """
    barrier = Barrier(workdir, label)
    commands, saved = [], []
    for number, tasks in enumerate(task_lists):
        saved.append(os.path.join(workdir, "%s-run%d.json" % (label, number)))
        playbook = write_yaml(workdir, "%s-run%d.yml" % (label, number),
                              play([barrier.task(number)] + list(tasks) + [save_task(saved[-1])], api_options))
        commands.append((["ansible-playbook", playbook], env))
    mark = log_mark(sim)
    started = time.monotonic()
    runs = run_ansible_together(commands, workdir, started=barrier.open_when_all_ready)
    seconds = time.monotonic() - started
    return runs, [read_json(path) for path in saved], sim.request_log(since=mark), seconds


def ensure_one(name, **options):
    return {"name": "ensure", "vpsorg.cloud.vps_server": dict(NEW, name=name, state="started", **options), "register": "outcome"}


def ensure_fleet(names, **options):
    servers = [dict(NEW, name=name, state="started") for name in names]
    return {"name": "ensure", "vpsorg.cloud.vps_fleet": dict({"servers": servers}, **options), "register": "outcome"}


def reported_ids(outcome):
    """name -> server id, as one run's registered result reports them (vps_server or vps_fleet)."""
    if not outcome:
        return {}
    items = outcome.get("results") if "results" in outcome else [outcome]
    return {(item.get("server") or {}).get("name") or item.get("name"): (item.get("server") or {}).get("id") for item in items}


def create_latency_rules(seconds):
    """Creates carried out ``seconds`` after they arrive (and answered then): the window in which concurrent runs all find no server."""
    if not seconds:
        return []
    return [{"kind": "latency", "method": "POST", "path": "^%s$" % CREATE_PATH, "seconds": seconds}]


class Verdict:
    """What a scenario left behind, judged from the simulator's state and request log, not from what the modules said."""

    def __init__(self, scenario, runs, outcomes, entries, seconds, names, servers, before_ids):
        self.scenario = scenario
        self.runs = runs
        self.names = list(names)
        self.servers = servers
        self.entries = entries
        self.seconds = seconds
        self.problems = []
        self.reports = [reported_ids(outcome) for outcome in outcomes]
        self.survivors = {}
        self.duplicates = duplicates(servers)
        for run in runs:
            self.problems.extend(run.problems())
        for number, outcome in enumerate(outcomes):
            if outcome is None:
                self.problems.append("%s run %d saved no result" % (scenario, number))
        for name in self.names:
            carrying = [server for server in servers if server["name"] == name]
            if len(carrying) != 1:
                self.problems.append("%d servers named %s (ids %s)" % (len(carrying), name, [server["id"] for server in carrying]))
                continue
            self.survivors[name] = carrying[0]["id"]
            for number, report in enumerate(self.reports):
                if report and report.get(name) != carrying[0]["id"]:
                    self.problems.append("%s run %d reports id %s for %s; the simulator holds id %s" % (
                        scenario, number, report.get(name), name, carrying[0]["id"]))
        self.problems.extend("duplicate: %s" % name for name in self.duplicates)
        reported = set(server_id for report in self.reports for server_id in report.values())
        self.leaked = [server for server in servers if server["id"] not in before_ids and server["id"] not in reported]
        self.problems.extend("leaked: %s (id %s), reported by no run" % (server["name"], server["id"]) for server in self.leaked)
        for server_id in self.deleted_ids():
            if server_id in self.survivors.values():
                self.problems.append("DELETE of the surviving server %s" % server_id)

    def creates(self):
        return [entry for entry in self.entries if entry["method"] == "POST" and entry["path"] == CREATE_PATH]

    def deletes(self):
        return [entry for entry in self.entries if entry["method"] == "DELETE"]

    def deleted_ids(self):
        return [int(entry["path"].rstrip("/").rsplit("/", 1)[1]) for entry in self.deletes()]

    def row(self):
        return {"scenario": self.scenario, "runs": len(self.runs), "expected": len(self.names), "requests": len(self.entries),
                "creates": len(self.creates()), "deleted": len(self.deletes()), "duplicates": len(self.duplicates),
                "leaked": len(self.leaked), "failed": len([run for run in self.runs if run.returncode != 0]),
                "seconds": self.seconds}


def race_one_name(sim, workdir, env, name, runs=RACE_RUNS, create_latency=1.0):
    """``runs`` processes at once, each ensuring server ``name`` started with one vps_server task."""
    before_ids = set(server["id"] for server in sim.servers())
    sim.set_faults(create_latency_rules(create_latency))
    try:
        result = run_together(sim, workdir, env, name, [[ensure_one(name)] for _number in range(runs)])
    finally:
        sim.clear_faults()
    return Verdict("race", *result, names=[name], servers=sim.servers(), before_ids=before_ids)


def race_fleet(sim, workdir, env, names, runs=FLEET_RUNS, create_latency=1.0):
    """``runs`` processes at once, each ensuring every one of ``names`` started with one vps_fleet task (each in its own order)."""
    before_ids = set(server["id"] for server in sim.servers())
    sim.set_faults(create_latency_rules(create_latency))
    orders = [names[number % len(names):] + names[:number % len(names)] for number in range(runs)]
    try:
        result = run_together(sim, workdir, env, names[0] + "-fleet", [[ensure_fleet(order)] for order in orders])
    finally:
        sim.clear_faults()
    return Verdict("fleet", *result, names=names, servers=sim.servers(), before_ids=before_ids)


# ----- the soak -----

TABLE = (("scenario", "scenario"), ("create latency", "latency"), ("rounds", "rounds"), ("runs", "runs"), ("failed runs", "failed"),
         ("servers expected", "expected"), ("creates sent", "creates"), ("deleted by runs", "deleted"), ("requests", "requests"),
         ("duplicates", "duplicates"), ("leaked", "leaked"), ("seconds", "seconds"))
SUMMED = ("rounds", "runs", "failed", "expected", "creates", "deleted", "requests", "duplicates", "leaked", "seconds")


def format_table(rows):
    """The rows as a Markdown table (it reads as plain text too)."""
    lines = ["| " + " | ".join(heading for heading, _key in TABLE) + " |", "|" + "---|" * len(TABLE)]
    for row in rows:
        cells = []
        for _heading, key in TABLE:
            value = row[key]
            cells.append(("%.1f" % value) if key == "seconds" else ("%g s" % value) if key == "latency" and value != "" else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def latencies(text):
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected seconds separated by commas, got %r" % text) from None
    if not values or any(value < 0 for value in values):
        raise argparse.ArgumentTypeError("expected seconds (0 or more) separated by commas, got %r" % text)
    return values


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds to run; each runs both scenarios with fresh names (default 20)")
    parser.add_argument("--create-latency", type=latencies, default=[1.0, 0.1], metavar="SECONDS[,SECONDS...]",
                        help="seconds the simulator takes to carry out and answer a create, one value per round in turn "
                             "(default 1,0.1: in odd rounds every run creates and the runs converge; in even rounds the "
                             "runs' lookups and creates interleave)")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="start no round after this many minutes (default 30)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    totals = {}
    failures = []
    rounds = 0
    with harness.Simulator(**SIMULATOR_OPTIONS) as sim, tempfile.TemporaryDirectory(prefix="vpsorg-soak-concurrency-") as workdir:
        env = reliability_env(workdir, sim)
        for number in range(1, args.rounds + 1):
            if time.monotonic() - started > args.max_minutes * 60:
                break
            rounds += 1
            latency = args.create_latency[(number - 1) % len(args.create_latency)]
            prefix = "r%d" % number
            verdicts = [
                race_one_name(sim, workdir, env, "%s-race" % prefix, create_latency=latency),
                race_fleet(sim, workdir, env, ["%s-fleet-%d" % (prefix, item) for item in range(1, FLEET_SIZE + 1)], create_latency=latency),
            ]
            # Duplicates anywhere in the account, not only among this round's names.
            account = sim.servers()
            stray = [name for name in duplicates(account) if not any(name in verdict.names for verdict in verdicts)]
            parts = []
            for verdict in verdicts:
                row = verdict.row()
                empty = dict({key: 0 for key in SUMMED}, scenario=verdict.scenario, latency=latency)
                total = totals.setdefault((verdict.scenario, latency), empty)
                for key in SUMMED:
                    total[key] += 1 if key == "rounds" else row[key]
                # A failed run's problem carries the end of its output; its first line (and the failed task's message) say enough.
                failures.extend("round %d %s: %s" % (number, verdict.scenario, problem.splitlines()[0][:400]) for problem in verdict.problems)
                parts.append("%s %d runs (%d failed), %d creates, %d deleted, %d duplicates, %d leaked, %.1fs" % (
                    verdict.scenario, row["runs"], row["failed"], row["creates"], row["deleted"], row["duplicates"], row["leaked"],
                    row["seconds"]))
            if stray:
                failures.append("round %d: duplicates of earlier rounds' names: %s" % (number, ", ".join(stray)))
            print("round %d (create latency %gs): %s; account %d servers%s" % (
                number, latency, "; ".join(parts), len(account), ", stray duplicates %s" % stray if stray else ""), flush=True)
    rows = [totals[key] for key in sorted(totals, key=lambda key: (key[0] != "race", -key[1]))]
    rows.append(dict({key: sum(row[key] for row in rows) for key in SUMMED}, scenario="all", latency="", rounds=rounds))
    return soak_verdict("%d rounds, %.1f minutes" % (rounds, (time.monotonic() - started) / 60), format_table(rows), failures)


if __name__ == "__main__":
    sys.exit(main())
