# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Full server lifecycles under injected faults, checked against the simulator's own state.

A lifecycle takes several servers through create -> update -> stop -> start -> restart -> delete
with ansible-playbook, either in one vps_fleet task per step or in a loop of vps_server tasks.
After every step a task reads /_sim/servers (the control API is never faulted), so every step
is checked against what the API really holds, not against what the modules reported. Between
restart and delete, ``ansible-inventory --list`` with the vpsorg.cloud.vps plugin lists the
account under the same faults.

Used by the test_fault_*.py files (one mode per test) and by soak.py (many lifecycles).
"""

from __future__ import annotations

import concurrent.futures
import math
import time

from reliability_support import duplicates, inventory_hosts, run_inventory, run_playbook, snapshot_servers, snapshot_task

PROVISION_DELAY = 0.2
ACTION_DELAY = 0.2
# The simulator of the fault tests (the simulator fixture of tests/support/simulator.py reads a test file's
# SIMULATOR_OPTIONS) and of soak.py.
SIMULATOR_OPTIONS = {"provision_delay": PROVISION_DELAY, "action_delay": ACTION_DELAY}
# A small page size makes every listing several pages long, so pagination runs under the faults too.
PAGE_SIZE = 5
# Servers no playbook declares: they must come out of every mode untouched.
BYSTANDERS = ({"count": 5, "name_prefix": "bystander-up", "status": "active"},
              {"count": 4, "name_prefix": "bystander-down", "status": "stopped"})

# step -> (state given to the module, status the simulator must show afterwards; None: the server is gone)
STEPS = {
    "create": ("started", "active"),
    "update": ("present", "active"),
    "stop": ("stopped", "stopped"),
    "start": ("started", "active"),
    "restart": ("restarted", "active"),
    "delete": ("absent", None),
}
BEFORE_INVENTORY = ("create", "update", "stop", "start", "restart")
AFTER_INVENTORY = ("delete",)

CREATE_PATH = "^/api/v1/servers/$"
POWER_PATH = "/(start|stop|reboot)/$"


def fault_mode(name, rules, seed, drivers=("fleet",), api_timeout=5, api_retries=5, servers=3):
    """One row of the table: fault rules, their seed, and the lifecycles run under them at the same time.

    ``drivers`` lists the concurrent ansible-playbook processes: "fleet" (one vps_fleet task per step)
    or "loop" (a loop of vps_server tasks); each manages ``servers`` servers of its own.
    """
    return {"name": name, "rules": rules, "seed": seed, "drivers": drivers, "api_timeout": api_timeout,
            "api_retries": api_retries, "servers": servers}


def gateway_errors(rate):
    """502, 503 and 504 in equal parts, ``rate`` of all requests together (rules are tried in order)."""
    share = rate / 3
    return [{"kind": "status", "status": status, "rate": round(share / (1 - share * index), 6)} for index, status in enumerate((502, 503, 504))]


# Every create and every power action loses its answer after the API carried it out: half with a gateway error, half dropped.
LOST_CREATE = [
    {"kind": "lost_answer", "method": "POST", "path": CREATE_PATH, "status": 502, "rate": 0.5},
    {"kind": "lost_answer", "method": "POST", "path": CREATE_PATH, "drop": True},
]
LOST_POWER = [
    {"kind": "lost_answer", "method": "POST", "path": POWER_PATH, "status": 503, "rate": 0.5},
    {"kind": "lost_answer", "method": "POST", "path": POWER_PATH, "drop": True},
]
THROTTLE = [
    # A storm: the first requests all throttled, then more at random, in both forms of Retry-After.
    {"kind": "status", "status": 429, "count": 4, "retry_after": 1},
    {"kind": "status", "status": 429, "rate": 0.1, "retry_after": 1},
    {"kind": "status", "status": 429, "rate": 0.1, "retry_after": 1, "retry_after_format": "http-date"},
]
DROPS = [{"kind": "drop", "rate": 0.2}]
# api_timeout is 2 in the modes that use it: these answers come too late, though the API still carries the request out.
# The first create is always one of them.
SLOW = [{"kind": "latency", "seconds": 2.5, "method": "POST", "path": CREATE_PATH, "count": 1},
        {"kind": "latency", "seconds": 2.5, "rate": 0.08}]
MIXED = ([dict(rule, rate=0.2) for rule in LOST_CREATE + LOST_POWER]
         + [{"kind": "status", "status": 429, "rate": 0.05, "retry_after": 1}]
         + gateway_errors(0.1) + [{"kind": "drop", "rate": 0.05}] + [{"kind": "latency", "seconds": 2.5, "rate": 0.03}])

# At 30 % errors, one request in 0.3 ** 6 = 1,370 still fails all 6 sends of the default api_retries 5, and a lifecycle
# makes about 30 requests per server: the modes with that many faults use api_retries 8 (one in 51,000), as a user
# facing such an API would.
MODES = {
    "lost-create": fault_mode("lost-create", LOST_CREATE, seed=101),
    "lost-power": fault_mode("lost-power", LOST_POWER, seed=102, drivers=("loop",), servers=2),
    "429-storm": fault_mode("429-storm", THROTTLE, seed=103, api_retries=8),
    "gateway-30%": fault_mode("gateway-30%", gateway_errors(0.3), seed=104, drivers=("loop",), servers=2, api_retries=8),
    "drop-20%": fault_mode("drop-20%", DROPS, seed=105, api_retries=8),
    "slow>timeout": fault_mode("slow>timeout", SLOW, seed=106, api_timeout=2),
    "mixed": fault_mode("mixed", MIXED, seed=107, drivers=("fleet", "loop"), api_timeout=2, servers=2, api_retries=8),
}


# ----- playbooks -----

def server_names(prefix, count):
    return ["%s-%d" % (prefix, number) for number in range(1, count + 1)]


def server_args(name, step):
    """What a step declares for one server (the same keys for vps_fleet items and vps_server)."""
    args = {"name": name, "state": STEPS[step][0]}
    if step == "create":
        args.update(plan_id=1, os_id=5, location="us-west", hostname="%s.example.com" % name)
    elif step == "update":
        args.update(hostname="%s.new.example.com" % name, backups_enabled=True)
    return args


def step_tasks(driver, names, step, sim):
    """The task of one step for all ``names``, then the snapshot of the simulator's state."""
    items = [server_args(name, step) for name in names]
    if driver == "fleet":
        task = {"name": step, "vpsorg.cloud.vps_fleet": {"servers": items}}
    else:
        task = {"name": step, "vpsorg.cloud.vps_server": "{{ item }}", "loop": items, "loop_control": {"label": "{{ item.name }}"}}
    return [task, snapshot_task("after " + step, sim)]


def run_lifecycle(workdir, env, sim, driver, prefix, count, steps, api_options):
    """One ansible-playbook run of ``steps`` for servers ``prefix``-1 .. ``prefix``-``count``."""
    tasks = []
    for step in steps:
        tasks.extend(step_tasks(driver, server_names(prefix, count), step, sim))
    return run_playbook(workdir, env, "%s-%s.yml" % (prefix, steps[0]), tasks, api_options)


# ----- checks against the simulator -----

class Findings:
    """What went wrong in a mode: problem lines, and the server names that were wrong or doubled."""

    def __init__(self):
        self.problems = []
        self.wrong = set()
        self.doubled = set()

    def server(self, name, problem):
        self.wrong.add(name)
        self.problems.append(problem)

    def servers_seen(self, servers):
        """Any name carried by two servers in a view of the account is a duplicate."""
        for name in duplicates(servers):
            if name not in self.doubled:
                self.doubled.add(name)
                self.problems.append("duplicate: %d servers named %s" % (len([server for server in servers if server["name"] == name]), name))


def check_snapshots(findings, run, names, steps):
    """Every step's snapshot must show each server once, in its declared state (gone after delete)."""
    for step in steps:
        try:
            servers = snapshot_servers(run, "after " + step)
        except KeyError:
            findings.wrong.update(names)
            findings.problems.append("%s: step %s never completed" % (run.name(), step))
            continue
        findings.servers_seen(servers)
        wanted = STEPS[step][1]
        for name in names:
            found = [server for server in servers if server["name"] == name]
            if wanted is None:
                if found:
                    findings.server(name, "after %s: %s still exists" % (step, name))
            elif len(found) != 1:
                findings.server(name, "after %s: %d servers named %s" % (step, len(found), name))
            elif found[0]["status"] != wanted:
                findings.server(name, "after %s: %s is %s, declared %s" % (step, name, found[0]["status"], wanted))
            elif step == "update" and (found[0]["hostname"], found[0]["backups_enabled"]) != ("%s.new.example.com" % name, True):
                findings.server(name, "after update: %s has hostname %s, backups_enabled %s" % (
                    name, found[0]["hostname"], found[0]["backups_enabled"]))


def check_final(findings, final, bystanders):
    """After delete only the bystanders are left, each exactly as seeded; returns the leaked servers."""
    findings.servers_seen(final)
    seeded = {server["id"]: server for server in bystanders}
    leaked = [server for server in final if server["id"] not in seeded]
    findings.problems.extend("leaked: %s (id %s) is left after delete" % (server["name"], server["id"]) for server in leaked)
    kept = {server["id"]: server for server in final if server["id"] in seeded}
    for server_id, before in seeded.items():
        after = kept.get(server_id)
        if after is None or any(after[key] != before[key] for key in ("name", "status", "hostname", "updated_at")):
            findings.problems.append("bystander %s was changed or deleted" % before["name"])
    return leaked


def check_inventory(findings, run, servers):
    """The inventory must list exactly the servers the simulator holds."""
    findings.problems.extend(run.problems())
    listed, held = sorted(inventory_hosts(run.inventory)), sorted(server["name"] for server in servers)
    if listed != held:
        findings.problems.append("the inventory lists %s; the simulator holds %s" % (listed, held))


def counts_as_fault(entry, api_timeout, latency_seconds):
    """Whether a logged request failed as the client saw it; a latency below api_timeout is not a failure."""
    if entry["fault"] == "latency":
        return latency_seconds >= api_timeout
    return entry["fault"] is not None


def count_retries(entries, api_timeout, latency_seconds):
    """Requests the plugins sent again after a fault, derived from the simulator's request log.

    A faulted request counts as retried when a request with the same method, path and query follows it:
    the client's own retries (reads, 429s, refused writes) and the module's re-send of a power action the
    re-read showed was not carried out. Creates of different servers share their path, so creates are
    counted apart: every POST to the list path beyond one per server created is a retry. A lost create
    adopted through a listing is therefore no retry.
    """
    retries = 0
    seen_later = set()
    for entry in reversed(entries):
        key = (entry["method"], entry["path"], entry["query"])
        if entry["method"] != "POST" or entry["path"] != "/api/v1/servers/":
            if key in seen_later and counts_as_fault(entry, api_timeout, latency_seconds):
                retries += 1
        seen_later.add(key)
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == "/api/v1/servers/"]
    return retries + len(creates) - len([entry for entry in creates if entry["committed"]])


def latency_of(rules):
    return max([rule.get("seconds", 1.0) for rule in rules if rule["kind"] == "latency"], default=0.0)


def prepare(sim):
    """An account with bystanders, a small page size and short delays; returns the bystanders as seeded."""
    sim.reset()
    sim.configure(provision_delay=PROVISION_DELAY, action_delay=ACTION_DELAY, page_size_max=PAGE_SIZE)
    bystanders = []
    for spec in BYSTANDERS:
        bystanders.extend(sim.seed(**spec))
    return bystanders


def pages(server_count):
    """How many pages one listing of ``server_count`` servers takes."""
    return max(1, math.ceil(server_count / PAGE_SIZE))


def lifecycle_prefixes(mode, prefix=None):
    """(driver, name prefix) of each concurrent lifecycle of ``mode``."""
    prefix = prefix or "".join(char if char.isalnum() else "-" for char in mode["name"]).strip("-")
    return [(driver, "%s-%s%d" % (prefix, driver, index)) for index, driver in enumerate(mode["drivers"])]


def run_phase(workdir, env, sim, mode, steps, findings, prefix=None, expect_success=True):
    """The lifecycles of ``mode`` through ``steps``, concurrently; returns their runs."""
    api_options = {"api_timeout": mode["api_timeout"], "api_retries": mode["api_retries"]}
    lifecycles = lifecycle_prefixes(mode, prefix)
    with concurrent.futures.ThreadPoolExecutor(len(lifecycles)) as pool:
        futures = [pool.submit(run_lifecycle, workdir, env, sim, driver, name_prefix, mode["servers"], steps, api_options)
                   for driver, name_prefix in lifecycles]
        runs = [future.result() for future in futures]
    for (driver, name_prefix), run in zip(lifecycles, runs):
        findings.problems.extend(run.problems(expect_success))
        if expect_success:
            check_snapshots(findings, run, server_names(name_prefix, mode["servers"]), steps)
    return runs


def run_inventory_check(workdir, env, sim, mode, findings, prefix=None):
    api_options = {"api_timeout": mode["api_timeout"], "api_retries": mode["api_retries"]}
    prefix = lifecycle_prefixes(mode, prefix)[0][1]
    run = run_inventory(workdir, env, "%s.vps.yml" % prefix, api_options)
    check_inventory(findings, run, sim.servers())
    return run


def run_mode(sim, workdir, env, mode, prefix=None):
    """Every lifecycle of ``mode`` at once under its faults, with the inventory listing between restart and delete.

    Returns (table row, problems).
    """
    started = time.monotonic()
    bystanders = prepare(sim)
    findings = Findings()
    sim.set_faults(mode["rules"], seed=mode["seed"])
    runs = run_phase(workdir, env, sim, mode, BEFORE_INVENTORY, findings, prefix)
    runs.append(run_inventory_check(workdir, env, sim, mode, findings, prefix))
    runs += run_phase(workdir, env, sim, mode, AFTER_INVENTORY, findings, prefix)
    sim.clear_faults()
    return table_row(sim, mode, runs, bystanders, findings, started), findings.problems


def table_row(sim, mode, runs, bystanders, findings, started):
    """The table row of a finished mode; adds the final-state findings (duplicates, leaks, bystanders)."""
    leaked = check_final(findings, sim.servers(), bystanders)
    entries = sim.request_log()
    latency = latency_of(mode["rules"])
    declared = len(mode["drivers"]) * mode["servers"]
    return {
        "mode": mode["name"],
        "runs": len(runs),
        "requests": len(entries),
        "faults": len([entry for entry in entries if counts_as_fault(entry, mode["api_timeout"], latency)]),
        "retries": count_retries(entries, mode["api_timeout"], latency),
        "servers": declared,
        "correct": declared - len(findings.wrong),
        "duplicates": len(findings.doubled),
        "leaked": len(leaked),
        "seconds": round(time.monotonic() - started, 1),
    }


# An outage longer than the retry budget (api_retries 2: three attempts, about a second of backoff). Its rules
# change between the steps (run_outage), so the mode itself has none.
OUTAGE = fault_mode("outage", [], seed=108, api_retries=2)


def outage_during_create(listing_pages):
    """The first listing gets through; every create is carried out but its answer lost; then every request is a 503."""
    return [
        # A latency of 0 s is no fault at all: it only lets the fleet's first listing (all its pages) through.
        {"kind": "latency", "seconds": 0, "method": "GET", "path": CREATE_PATH, "count": listing_pages},
        {"kind": "lost_answer", "method": "POST", "path": CREATE_PATH, "status": 503},
        {"kind": "status", "status": 503},
    ]


# Every stop is carried out but its connection dropped, and no server can be read one by one.
OUTAGE_DURING_STOP = [
    {"kind": "lost_answer", "method": "POST", "path": "/stop/$", "drop": True},
    {"kind": "status", "status": 503, "method": "GET", "path": r"^/api/v1/servers/\d+/$"},
]


def failure_messages(run, task):
    """The message of every server that failed in a vps_fleet task."""
    try:
        result = run.result(task)
    except KeyError:
        return []
    return [item["msg"] for item in result.get("results", []) if item.get("failed")]


def run_outage(sim, workdir, env):
    """Creates, then stops, meet an outage longer than the retry budget; then the lifecycle runs again without faults.

    Returns (table row, problems, messages of the failed creates, messages of the failed stops).
    """
    started = time.monotonic()
    bystanders = prepare(sim)
    findings = Findings()
    mode = OUTAGE
    sim.set_faults(outage_during_create(pages(len(bystanders))), seed=mode["seed"])
    runs = run_phase(workdir, env, sim, mode, ("create",), findings, expect_success=False)
    create_messages = failure_messages(runs[-1], "create")
    findings.servers_seen(sim.servers())
    sim.set_faults(OUTAGE_DURING_STOP, seed=mode["seed"])
    runs += run_phase(workdir, env, sim, mode, ("stop",), findings, expect_success=False)
    stop_messages = failure_messages(runs[-1], "stop")
    findings.servers_seen(sim.servers())
    # The outage is over: the same playbooks must converge, adopting what the failed runs made.
    sim.clear_faults()
    runs += run_phase(workdir, env, sim, mode, BEFORE_INVENTORY, findings)
    runs.append(run_inventory_check(workdir, env, sim, mode, findings))
    runs += run_phase(workdir, env, sim, mode, AFTER_INVENTORY, findings)
    return table_row(sim, mode, runs, bystanders, findings, started), findings.problems, create_messages, stop_messages


TABLE = (
    ("mode", "mode"), ("runs", "runs"), ("requests", "requests"), ("faults injected", "faults"), ("retries", "retries"),
    ("servers correct", "correct"), ("duplicates", "duplicates"), ("leaked", "leaked"), ("seconds", "seconds"),
)


def format_table(rows):
    """The rows as a Markdown table (it reads as plain text too); "servers correct" shows as correct/declared."""
    lines = ["| " + " | ".join(heading for heading, _key in TABLE) + " |", "|" + "---|" * len(TABLE)]
    for row in rows:
        cells = ["%d/%d" % (row[key], row["servers"]) if key == "correct" else str(row[key]) for _heading, key in TABLE]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
