"""P3 (with P3s and P4f), P3r and P4: the modules and the fleet role in playbooks against the simulator (P2: per_task.py)."""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import shutil
import sys

import yaml

from . import environment
from .measure import Command, Spread, alternate, ratios, run_once, summary, walls
from .report import Figure

PLAY = {"hosts": "localhost", "gather_facts": False, "connection": "local"}


def write_playbook(folder, filename, tasks, **play):
    path = os.path.join(folder, filename)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump([dict(PLAY, **play, tasks=tasks) if tasks is not None else dict(PLAY, **play)], stream, sort_keys=False)
    return path


def playbook_command(ctx, label, playbook, cwd, **kwargs):
    return Command(label, [environment.tool("ansible-playbook"), "-i", "localhost,", playbook], ctx.env, cwd, **kwargs)


def recap(sample):
    """The PLAY RECAP counters of a playbook run, e.g. {"ok": 20, "changed": 0, ...}."""
    with open(sample.stdout_path, encoding="utf-8") as stream:
        text = stream.read()
    match = re.search(r"^localhost\s*:\s*(.*)$", text, re.MULTILINE)
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))} if match else {}


def sleep_command(ctx, label, delay, cwd):
    sleep = shutil.which("sleep")
    argv = [sleep, "%g" % delay] if sleep else [sys.executable, "-c", "import time; time.sleep(%r)" % delay]
    return Command(label, argv, ctx.env, cwd)


FLEET_PATH = "/api/v1/servers/"
DETAIL_PATH = re.compile(r"^/api/v1/servers/[0-9]+/$")


def fleet_playbook(folder, filename, sim, count):
    """A play of the fleet role creating ``count`` new servers (state started) named fleet-1 ... fleet-N."""
    servers = [{"name": "fleet-%d" % index, "plan_id": 1, "os_id": 5, "location": "us-west", "state": "started"}
               for index in range(1, count + 1)]
    return write_playbook(folder, filename, None, roles=[{"role": "vpsorg.cloud.fleet", "vars": {
        "fleet_servers": servers, "fleet_api_url": sim.url, "fleet_api_token": sim.token}}])


class FleetRun:
    """Before each run of the fleet role: an empty account; after it: its servers checked, its API requests kept from the log."""

    def __init__(self, key, sim, count, exact=False):
        self.key = key
        self.sim = sim
        self.count = count
        self.exact = exact  # also: exactly ``count`` servers exist (no server created twice)
        self.mark = None
        self.requests = []  # per run: the log entries of its /api/ requests
        self.walls = []  # per run: its wall time

    def before(self):
        self.sim.reset(keep_config=True)  # no servers, no log; a rate limiter's bucket full again
        self.mark = environment.log_mark(self.sim)

    def after(self, sample):
        servers = self.sim.servers()
        active = [server for server in servers if server["status"] == "active"]
        if len(active) != self.count or (self.exact and len(servers) != self.count):
            raise RuntimeError("%s: expected %d active servers after the fleet role, found %d servers, %d active" % (
                self.key, self.count, len(servers), len(active)))
        self.requests.append([entry for entry in self.sim.request_log(since=self.mark) if entry["path"].startswith("/api/")])
        self.walls.append(sample.wall)


def request_kinds(entries):
    """{kind: count} of a fleet run's requests: lists, creates (answered 201), detail GETs, 429s, other."""
    kinds = {"lists": 0, "creates": 0, "detail GETs": 0, "429s": 0, "other": 0}
    for entry in entries:
        if entry.get("fault") == "rate_limit" or entry["status"] == 429:
            kinds["429s"] += 1
        elif entry["method"] == "GET" and entry["path"] == FLEET_PATH:
            kinds["lists"] += 1
        elif entry["method"] == "POST" and entry["path"] == FLEET_PATH and entry["status"] == 201:
            kinds["creates"] += 1
        elif entry["method"] == "GET" and DETAIL_PATH.match(entry["path"]):
            kinds["detail GETs"] += 1
        else:
            kinds["other"] += 1
    return kinds


def kinds_text(runs):
    """"lists 12 / 12 / 12, creates 20 / 20 / 20, ...": min / median / max of each kind over the runs (kinds never seen left out)."""
    counted = [request_kinds(entries) for entries in runs]
    return ", ".join("%s %s" % (kind, Spread([kinds[kind] for kinds in counted]).format("%d"))
                     for kind in counted[0] if kind in ("lists", "creates", "detail GETs") or any(kinds[kind] for kinds in counted))


def log_seconds(entry):
    return datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def round_text(entries, wall):
    """One run in short, in seconds from its first request: its 429s, its last create, its last request, and the rest of
    its wall time (ansible-playbook starting and ending, the module's start and exit: outside the API)."""
    if not entries:
        return "no request"
    start = log_seconds(entries[0])
    throttled = " ".join("%.2f" % (log_seconds(entry) - start) for entry in entries if entry.get("fault") == "rate_limit" or entry["status"] == 429)
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == FLEET_PATH and entry["status"] == 201]
    span = log_seconds(entries[-1]) - start
    return "429s at [%s], last create %s, last request %.2f, outside the API %.2f s" % (
        throttled or "none", "%.2f" % (log_seconds(creates[-1]) - start) if creates else "none", span, wall - span)


def timeline(entries):
    """When a run's requests came, in seconds from its first request: 429s, creates, lists (for tuning the client's pacing)."""
    if not entries:
        return "no request"
    start = log_seconds(entries[0])

    def at(selected):
        return " ".join("%.2f" % (log_seconds(entry) - start) for entry in selected) or "none"

    throttled = [entry for entry in entries if entry.get("fault") == "rate_limit" or entry["status"] == 429]
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == FLEET_PATH and entry["status"] == 201]
    lists = [entry for entry in entries if entry["method"] == "GET" and entry["path"] == FLEET_PATH and entry not in throttled]
    parts = []
    if throttled:
        parts.append("429s at [%s] s (to %s)" % (at(throttled), ", ".join(sorted(set("%s %s" % (entry["method"], entry["path"].replace(
            "/api/v1", "", 1)) for entry in throttled)))))
    if creates:
        parts.append("creates (201) from %.2f to %.2f s" % (log_seconds(creates[0]) - start, log_seconds(creates[-1]) - start))
    parts.append("lists at [%s] s; last request %.2f s" % (at(lists), log_seconds(entries[-1]) - start))
    return "; ".join(parts)


def bench_p3(ctx):
    """The fleet role creating N servers (provisioning delay D) against one provisioning delay, for two N (P3, P3s).

    The same runs give P4f: their API requests, from the simulator's log, against the fewest a fleet that polls one
    shared listing every FLEET_POLL_INTERVAL can send.
    """
    sizes = ctx.sizes
    folder = ctx.folder("p3")
    sim = ctx.simulator(provision_delay=sizes.p3_delay, action_delay=0.2)
    fleet_runs = []
    for key, count, target in (("P3", sizes.p3_servers, 1.3), ("P3s", sizes.p3s_servers, 2.0)):
        run = FleetRun(key, sim, count)
        delay = "delay-%g" % sizes.p3_delay
        commands = [
            playbook_command(ctx, "fleet-%d" % count, fleet_playbook(folder, "p3-%d.yml" % count, sim, count), folder,
                             before=run.before, after=run.after),
            sleep_command(ctx, delay, sizes.p3_delay, folder),
        ]
        ctx.log("%s: fleet role, %d servers, provisioning delay %gs" % (key, count, sizes.p3_delay))
        samples = alternate(commands, sizes.p3_runs, folder, warmup=False, log=ctx.log)
        fleet = samples["fleet-%d" % count]
        ctx.figures.append(Figure(
            key, "fleet role creating %d servers (state started), provisioning delay %gs" % (count, sizes.p3_delay),
            "one provisioning delay (sleep %g)" % sizes.p3_delay, ratios(walls(fleet), walls(samples[delay])), "<=", target,
            detail="%s; %s" % (summary("fleet", fleet), summary("sleep", samples[delay])), judged=sizes.judged))
        fleet_runs.append(run)
    ctx.stop_simulator(sim)
    interval = environment.fleet_poll_interval()
    polls = math.ceil(sizes.p3_delay / interval - 1e-9)
    for run in fleet_runs:
        bound = run.count + polls + 3
        ctx.figures.append(Figure(
            "P4f %d" % run.count, "API requests of the fleet role creating %d servers, provisioning %gs (the %s runs)" % (
                run.count, sizes.p3_delay, run.key),
            "%d creates + %d lists (%gs / %gs poll interval) + 3 (first listing, the poll seeing the last server, a tail poll)" % (
                run.count, polls, sizes.p3_delay, interval), Spread([len(entries) for entries in run.requests]), "<=", bound,
            unit="req", detail="%s; last run: %s" % (kinds_text(run.requests), timeline(run.requests[-1])), judged=sizes.judged))


def bench_p3r(ctx):
    """The fleet role creating N servers against a rate-limited API: wall time against the limiter's own bound, 429s, creates."""
    sizes = ctx.sizes
    folder = ctx.folder("p3r")
    count, rate, burst, delay = sizes.p3r_servers, sizes.p3r_rate, sizes.p3r_burst, sizes.p3r_delay
    sim = ctx.simulator(provision_delay=delay, action_delay=0.2, rate_limit=rate, rate_burst=burst)
    # The creates beyond the bucket's size can go no faster than the rate; the last one then provisions.
    bound = max(0, count - burst) / rate + delay
    run = FleetRun("P3r", sim, count, exact=True)
    fleet, sleep = "fleet-%d-limited" % count, "bound-%g" % bound
    commands = [
        playbook_command(ctx, fleet, fleet_playbook(folder, "p3r-%d.yml" % count, sim, count), folder, before=run.before, after=run.after),
        sleep_command(ctx, sleep, bound, folder),
    ]
    ctx.log("P3r: fleet role, %d servers, provisioning delay %gs, rate limit %g/s burst %d (bound %gs)" % (count, delay, rate, burst, bound))
    samples = alternate(commands, sizes.p3_runs, folder, warmup=False, log=ctx.log)
    ctx.stop_simulator(sim)
    counted = [request_kinds(entries) for entries in run.requests]
    what = "fleet role creating %d servers, provisioning %gs, API limit %g/s burst %d" % (count, delay, rate, burst)
    ctx.figures.append(Figure(
        "P3r", what, "(N - burst) / rate + provisioning = %g s (sleep)" % bound, ratios(walls(samples[fleet]), walls(samples[sleep])),
        "<=", 1.3, detail="%s; %s" % (summary("fleet", samples[fleet]), summary("sleep", samples[sleep])), judged=sizes.judged))
    ctx.figures.append(Figure(
        "P3r 429s", "429 answers of one P3r run", "the limiter's burst", Spread([kinds["429s"] for kinds in counted]), "<=", burst,
        unit="req", detail="; ".join("round %d: %s" % (index, round_text(entries, wall)) for index, (entries, wall) in enumerate(zip(
            run.requests, run.walls))) + "; last round: " + timeline(run.requests[-1]),
        judged=sizes.judged))
    ctx.figures.append(Figure(
        "P3r creates", "creates (POST answered 201) of one P3r run", "one per server; then exactly %d servers, all active" % count,
        Spread([kinds["creates"] for kinds in counted]), "==", count, unit="req",
        detail="%s; requests per run %s" % (kinds_text(run.requests), Spread([len(entries) for entries in run.requests]).format("%d")),
        judged=sizes.judged))


# P4: every transition of one vps_server task, its requests read from the simulator's log.
# (label, how the server is set up: seeded status or None for no server, task arguments, lower bound, why)
CREATE = {"plan_id": 1, "os_id": 5, "location": "us-west"}
TRANSITIONS = (
    ("create, wait", None, dict(CREATE, state="present"), 4, "list (name lookup), POST, list (concurrent creates), 1 poll seeing active"),
    ("create, wait: false", None, dict(CREATE, state="present", wait=False), 3, "list, POST, list (concurrent creates)"),
    ("create then stop", None, dict(CREATE, state="stopped"), 6, "list, POST, list, 1 poll (a stop needs active), POST stop, 1 poll"),
    ("unchanged, by name", "active", {"state": "present"}, 2, "list, GET (the detail view the module returns)"),
    ("unchanged, by id", "active", {"state": "present", "by_id": True}, 1, "GET"),
    ("update hostname", "active", {"hostname": "new.example.com"}, 2, "list, PATCH (its answer is the detail view)"),
    ("update backups_enabled", "active", {"backups_enabled": True}, 3, "list, GET (only the detail view has it), PATCH"),
    ("rename, by id", "active", {"by_id": True, "rename": True}, 3, "GET, list (is the new name taken?), PATCH"),
    ("stop, wait", "active", {"state": "stopped"}, 3, "list, POST stop, 1 poll"),
    ("start, wait", "stopped", {"state": "started"}, 3, "list, POST start, 1 poll"),
    ("restart, wait", "active", {"state": "restarted"}, 3, "list, POST reboot, 1 poll"),
    ("stop, wait: false", "active", {"state": "stopped", "wait": False}, 2, "list, POST stop"),
    ("start, already running", "active", {"state": "started"}, 2, "list, GET"),
    ("delete", "active", {"state": "absent"}, 2, "list, DELETE"),
    ("absent, already missing", None, {"state": "absent"}, 1, "list"),
    ("check mode, stop predicted", "active", {"state": "stopped", "check_mode": True}, 2, "list, GET (prediction laid over the detail view)"),
    ("check mode, create predicted", None, dict(CREATE, state="present", check_mode=True), 1, "list"),
)


def p4_tasks(sim, seeded):
    """The playbook's tasks: a log mark (a lookup, no module run) before each transition and one at the end."""
    mark_expression = "{{ (lookup('ansible.builtin.url', '%s/_sim/log?since=999999999', split_lines=false) | from_json).last_seq }}" % sim.url
    tasks = [{"name": "mark", "ansible.builtin.set_fact": {"p4_marks": ["%s" % mark_expression]}}]
    for index, (label, _setup, arguments, _bound, _why) in enumerate(TRANSITIONS):
        arguments = dict(arguments)
        name = "p4-%d" % index
        server = seeded.get(name)
        module_args = {"api_url": sim.url, "api_token": sim.token}
        if arguments.pop("by_id", False):
            module_args["id"] = server["id"]
        if arguments.pop("rename", False):
            module_args["name"] = name + "-renamed"
        elif "id" not in module_args:
            module_args["name"] = name
        check_mode = arguments.pop("check_mode", False)
        module_args.update(arguments)
        task = {"name": label, "vpsorg.cloud.vps_server": module_args}
        if check_mode:
            task["check_mode"] = True
        tasks.append(task)
        tasks.append({"name": "mark", "ansible.builtin.set_fact": {"p4_marks": "{{ p4_marks + [%s] }}" % mark_expression[3:-3]}})
    tasks.append({"name": "show the marks", "ansible.builtin.debug": {"msg": "P4_MARKS={{ p4_marks | map('int') | list | to_json }}"}})
    return tasks


def bench_p4(ctx):
    """API requests of one vps_server task for every transition, from the simulator's request log."""
    folder = ctx.folder("p4")
    # Delays shorter than the first poll (0.5 s): a transition with wait costs exactly one poll.
    sim = ctx.simulator(provision_delay=0.2, action_delay=0.2)
    environment.seed_account(sim, 50, name_prefix="p4-other")
    entries = [{"name": "p4-%d" % index, "status": setup, "hostname": "old.example.com", "backups_enabled": False}
               for index, (_label, setup, _args, _bound, _why) in enumerate(TRANSITIONS) if setup]
    seeded = {server["name"]: server for server in sim.seed(servers=entries)}
    playbook = write_playbook(folder, "p4.yml", p4_tasks(sim, seeded))
    ctx.log("P4: %d transitions, one playbook" % len(TRANSITIONS))
    mark = environment.log_mark(sim)
    sample = run_once(playbook_command(ctx, "p4", playbook, folder), folder)
    with open(sample.stdout_path, encoding="utf-8") as stream:
        marks = json.loads(re.search(r"P4_MARKS=(\[[0-9, ]*\])", stream.read()).group(1))
    log = [entry for entry in sim.request_log(since=mark) if entry["path"].startswith("/api/")]
    for index, (label, _setup, _args, bound, why) in enumerate(TRANSITIONS):
        requests = [entry for entry in log if marks[index] < entry["seq"] <= marks[index + 1]]
        shown = ", ".join("%s %s" % (entry["method"], entry["path"].replace("/api/v1", "", 1)) for entry in requests)
        ctx.figures.append(Figure("P4 " + label, "requests of one vps_server task", "lower bound: " + why, Spread([len(requests)]), "==", bound,
                                  unit="req", detail=shown or "no request", judged=ctx.sizes.judged))
    ctx.stop_simulator(sim)
