"""P2: what one task of the collection costs on each of its two paths, against ``ansible.builtin.debug``.

(a) N ``vps_server`` tasks that change nothing (the server already as declared) against N ``debug`` tasks; (b) a
``loop:`` of M ``vps_server_info`` reads by id against a loop of M ``debug``. Each on the in-process path (the
collection's action plugins run the module's logic in the controller, the default where that is safe) and on the
module path (``VPS_IN_PROCESS=false``: Ansible sends and starts the module), on the default core (the project's
.venv) and on the newest core of the core matrix (scripts/matrix.py), all side by side in the same rounds.

Before the rounds, one short run per core and path at ``-vvv`` shows which path its tasks took: the line each task
prints (``vpsorg.cloud: ... in-process`` or ``... module path``) and the AnsiballZ files Ansible sent. A path whose
runs did not take it is not measured, so module-path numbers are never reported as in-process ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import sys

from . import environment
from .measure import Command, CommandFailed, alternate, compared, ratios, run_once, walls
from .modules import recap, write_playbook
from .report import Figure

# pylint: disable=import-error,wrong-import-order
import collection_layout  # scripts/, on sys.path through benchlib.environment
import matrix
# pylint: enable=import-error,wrong-import-order

IN_PROCESS, MODULE_PATH = "in-process", "module path"
TODAY = "today"  # the module path of a copy of the collection without its action plugins: what it was before them
# What each path's runs get on top of the benchmark's environment: the in-process path is the default.
PATH_SETTINGS = {IN_PROCESS: {}, MODULE_PATH: {"VPS_IN_PROCESS": "false"}}
IN_PROCESS_TARGET = 3.0  # issue 23: at most 3x the same number of debug tasks
# "No slower than today": the module path's ratio to debug before the action plugins (issue 23, ansible-core 2.19.14).
MODULE_PATH_TODAY = {"P2a": 10.5}
# The module path against today's, side by side: at most this (two equal commands differ by a few per cent a round).
SAME_AS_TODAY = 1.05
MARKER = re.compile(r"^vpsorg\.cloud: .*$", re.MULTILINE)
# At -vvv a module run shows the file Ansible put on the target: "PUT /tmp/... TO /.../AnsiballZ_vps_server.py".
MODULE_SENT = re.compile(r"\bPUT \S+ TO \S*/AnsiballZ_(vps_server|vps_server_info)\.py")


@dataclasses.dataclass
class Core:
    """An ansible-core to measure on: its bin folder, its version and the benchmark's environment pointed at it."""

    bin_dir: str
    version: str
    env: dict

    @property
    def short(self):
        return ".".join(self.version.split(".")[:2])

    def playbook_argv(self, playbook, *options):
        return [os.path.join(self.bin_dir, "ansible-playbook"), *options, "-i", "localhost,", playbook]


def cores(ctx):
    """The cores P2 measures: the default one (the .venv's), then the newest of the core matrix unless it cannot be had
    (its venv is made when missing, except in a smoke run); a core left out is said in the notes."""
    default_bin = os.path.dirname(environment.tool("ansible-playbook"))
    found = [Core(default_bin, environment.core_version(os.path.join(default_bin, "python")), ctx.env)]
    newest, versions = matrix.CORES[-1]
    if not ctx.sizes.p2_newest_core:
        ctx.note("P2: ansible-core %s (the newest of the core matrix) not measured: a smoke run measures the default core only" % newest)
        return found
    try:
        with contextlib.redirect_stdout(sys.stderr):  # matrix's progress lines; standard output is the report's
            prepared = matrix.prepare_core(newest, versions)
    except (OSError, subprocess.CalledProcessError) as error:
        prepared = {"skipped": "its venv could not be made: %s" % error}
    if "skipped" in prepared:
        ctx.note("P2: ansible-core %s (the newest of the core matrix) NOT MEASURED: %s" % (newest, prepared["skipped"]))
        return found
    if prepared["version"].startswith(found[0].short + "."):
        ctx.note("P2: the default core is the newest of the core matrix (%s): measured once" % newest)
        return found
    folder = ctx.folder("p2-core-%s" % newest)
    found.append(Core(prepared["bin"], prepared["version"], environment.command_env(folder, bin_dir=prepared["bin"])))
    return found


def said_path(line):
    """The path a ``vpsorg.cloud: `` line names first (its reason may name the other: "module path: in-process is
    off"), or None when it names neither."""
    named = sorted((line.find(path), path) for path in (IN_PROCESS, MODULE_PATH) if path in line)
    return named[0][1] if named else None


def path_check(core, path, playbook, runs, folder):
    """(taken, why): did the tasks of a -vvv run with ``path``'s settings take that path? ``runs``: the module runs the
    playbook makes. In-process: every task says so and no module file is sent; module path: one module file sent per
    run, and no task says otherwise (a collection without action plugins prints no line at all)."""
    command = Command("%s-path-%s" % (core.short, path.replace(" ", "-")), core.playbook_argv(playbook, "-vvv"),
                      dict(core.env, **PATH_SETTINGS[path]), folder)
    try:
        run_once(command, folder)
        failed = False
    except CommandFailed:  # a wrong result on either path is a failed check, not the end of the benchmark
        failed = True
    output = ""
    for stream_name in ("stdout", "stderr"):
        with open(os.path.join(folder, "%s.%s" % (command.label, stream_name)), encoding="utf-8") as stream:
            output += stream.read()
    if failed:
        errors = re.findall(r"^(?:fatal:|ERROR|\[ERROR\]).*$", output, re.MULTILINE)
        return False, "the run failed: %s" % ((errors[0][:400] if errors else "no error line") + " (its output: --keep keeps it)")
    lines = MARKER.findall(output)
    said = [said_path(line) for line in lines]
    sent = len(MODULE_SENT.findall(output))
    # The first line that names another path (with the reason the plugin gave), if any.
    other = [line for line, named in zip(lines, said) if named != path]
    seen = "%d 'vpsorg.cloud: ' line(s) (%d in-process, %d module path%s), %d module file(s) sent, %d module run(s)" % (
        len(lines), said.count(IN_PROCESS), said.count(MODULE_PATH), (", first other: %r" % other[0]) if other else "", sent, runs)
    if path == IN_PROCESS:
        taken = len(lines) >= runs and said.count(IN_PROCESS) == len(lines) and sent == 0
    else:
        taken = sent == runs and said.count(MODULE_PATH) == len(lines)
    if not lines and path == IN_PROCESS:
        seen += "; no task printed a line: this collection has no action plugin that runs the modules in-process"
    return taken, seen


def check_playbook(folder, server, ids, connection):
    """The -vvv run: one vps_server task and a loop of two vps_server_info reads (3 module runs), their results checked."""
    tasks = [
        {"name": "vps_server", "vpsorg.cloud.vps_server": dict(connection, name=server["name"], state="present"), "register": "one"},
        {"name": "vps_server_info", "vpsorg.cloud.vps_server_info": dict(connection, id="{{ item }}"), "loop": ids[:2], "register": "read"},
        {"name": "the results", "ansible.builtin.assert": {"that": [
            "not one.changed", "one.server.id == %d" % server["id"],
            "read.results | map(attribute='servers') | map('first') | map(attribute='id') | list == %s" % ids[:2]]}},
    ]
    return write_playbook(folder, "p2-path-check.yml", tasks), 3


def collections_path_without_action_plugins(ctx):
    """ANSIBLE_COLLECTIONS_PATH that finds first a copy of the collection without its action plugins: the module path of
    before them ("today"), measured beside theirs. None when the collection has none (its module path is today's)."""
    if not os.path.isdir(os.path.join(environment.REPO_ROOT, "plugins", "action")):
        return None
    root = ctx.folder("p2-today")
    copy = os.path.join(root, "ansible_collections", *collection_layout.collection_name(environment.REPO_ROOT))
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(os.path.join(environment.REPO_ROOT, "plugins"), os.path.join(copy, "plugins"),
                    ignore=shutil.ignore_patterns("action", "__pycache__"))
    shutil.copytree(os.path.join(environment.REPO_ROOT, "meta"), os.path.join(copy, "meta"))
    shutil.copy2(os.path.join(environment.REPO_ROOT, "galaxy.yml"), copy)
    # The working tree's layout after it, for the collections this one depends on.
    return root + os.pathsep + ctx.env["ANSIBLE_COLLECTIONS_PATH"]


def bench_p2(ctx):
    """(a) vps_server tasks changing nothing and (b) a loop of vps_server_info reads, each on both paths, against debug."""
    sizes = ctx.sizes
    folder = ctx.folder("p2")
    sim = ctx.simulator()
    environment.seed_account(sim, sizes.p2_account, name_prefix="p2")
    servers = environment.api_list(sim)
    server = servers[len(servers) // 2]
    ids = [item["id"] for item in servers[:sizes.p2_loop]]
    connection = {"api_url": sim.url, "api_token": sim.token}
    tasks, loop = sizes.p2_tasks, sizes.p2_loop
    # name: (playbook, the "ok" count of its recap)
    playbooks = {
        "debug-%d" % tasks: (write_playbook(folder, "p2a-debug.yml", [
            {"name": "debug %d" % index, "ansible.builtin.debug": {"msg": "debug %d" % index}} for index in range(tasks)]), tasks),
        "vps_server-%d" % tasks: (write_playbook(folder, "p2a-vps.yml", [
            {"name": "vps_server %d" % index, "vpsorg.cloud.vps_server": dict(connection, name=server["name"], state="present")}
            for index in range(tasks)]), tasks),
        "debug-loop-%d" % loop: (write_playbook(folder, "p2b-debug.yml", [
            {"name": "debug loop", "ansible.builtin.debug": {"msg": "{{ item }}"}, "loop": ids}]), 1),
        "vps_server_info-loop-%d" % loop: (write_playbook(folder, "p2b-info.yml", [
            {"name": "vps_server_info loop", "vpsorg.cloud.vps_server_info": dict(connection, id="{{ item }}"), "loop": ids}]), 1),
    }
    check, check_runs = check_playbook(folder, server, ids, connection)
    settings = dict(PATH_SETTINGS)
    today_path = collections_path_without_action_plugins(ctx)
    if today_path:
        settings[TODAY] = dict(PATH_SETTINGS[MODULE_PATH], ANSIBLE_COLLECTIONS_PATH=today_path)
    else:
        ctx.note("P2: the collection has no action plugins (plugins/action/): its module path is today's, not measured twice")

    def unchanged(expected_ok):
        def after(sample):
            counts = recap(sample)
            if counts.get("ok") != expected_ok or counts.get("changed") != 0 or counts.get("failed"):
                raise RuntimeError("P2: expected %d ok, nothing changed, nothing failed; got %s" % (expected_ok, counts))
        return after

    def command(core, name, path=None):
        playbook, expected_ok = playbooks[name]
        # The module path's runs are long and have nothing to warm that the other runs do not warm.
        return Command(label(core, name, path), core.playbook_argv(playbook), dict(core.env, **settings.get(path, {})), folder,
                       after=unchanged(expected_ok), warmup=path not in (MODULE_PATH, TODAY))

    measured = []  # (core, the paths its runs took)
    commands = []
    for core in cores(ctx):
        taken = []
        for path in (IN_PROCESS, MODULE_PATH):
            ok, seen = path_check(core, path, check, check_runs, folder)
            ctx.check("PASS" if ok else "FAIL", "P2 %s, ansible-core %s: the %s runs %s the %s (-vvv: %s)" % (
                path, core.version, path, "took" if ok else "did NOT take", path if path == MODULE_PATH else "in-process path", seen))
            if ok:
                taken.append(path)
        measured.append((core, taken))
        commands.append(command(core, "debug-%d" % tasks))
        commands.extend(command(core, "vps_server-%d" % tasks, path) for path in taken + ([TODAY] if today_path else []))
        commands.append(command(core, "debug-loop-%d" % loop))
        commands.extend(command(core, "vps_server_info-loop-%d" % loop, path) for path in taken)
    ctx.log("P2: %d vps_server tasks (by name, account of %d servers) and a loop of %d vps_server_info reads by id, "
            "each path against debug, on ansible-core %s" % (tasks, sizes.p2_account, loop, ", ".join(core.version for core, _taken in measured)))
    samples = alternate(commands, sizes.p2_runs, folder, warmup=sizes.warmup, log=ctx.log)
    ctx.stop_simulator(sim)

    scenarios = (
        ("P2a", "vps_server-%d" % tasks, "debug-%d" % tasks,
         "%d vps_server tasks changing nothing (by name, %d servers)" % (tasks, sizes.p2_account), "%d ansible.builtin.debug tasks" % tasks),
        ("P2b", "vps_server_info-loop-%d" % loop, "debug-loop-%d" % loop,
         "a loop of %d vps_server_info reads by id" % loop, "a loop of %d ansible.builtin.debug" % loop),
    )
    for core, taken in measured:
        for scenario in scenarios:
            add_figures(ctx, core, taken, samples, *scenario)


def add_figures(ctx, core, taken, samples, key, name, debug, what, baseline):
    """The figures of one scenario on one core, each path that was taken against debug (and the module path against
    today's when it was measured), with their check lines; a path not taken gets a NOT MEASURED line."""
    for path in (IN_PROCESS, MODULE_PATH):
        figure_key = "%s %s, %s" % (key, path, core.short)
        if path not in taken:
            ctx.check("NOT MEASURED", "%s: the %s runs did not take that path (see above)" % (figure_key, path))
            continue
        runs, debug_runs = label(core, name, path), label(core, debug)
        detail = compared(samples, runs, debug_runs)
        if path == IN_PROCESS and MODULE_PATH in taken:
            detail += "; in-process / module path %s" % ratios(walls(samples[runs]), walls(samples[label(core, name, MODULE_PATH)])).format()
        target = IN_PROCESS_TARGET if path == IN_PROCESS else MODULE_PATH_TODAY.get(key)
        figure = Figure(figure_key, "%s, %s, ansible-core %s" % (what, path, core.version), baseline,
                        ratios(walls(samples[runs]), walls(samples[debug_runs])), "<=", target, detail=detail, judged=ctx.sizes.judged)
        ctx.figures.append(figure)
        ctx.check(*target_check(figure, path))
    runs, today = label(core, name, MODULE_PATH), label(core, name, TODAY)
    if runs in samples and today in samples:
        figure = Figure("%s module path vs today, %s" % (key, core.short), "%s, module path, ansible-core %s" % (what, core.version),
                        "the same, the collection without its action plugins (today's module path)",
                        ratios(walls(samples[runs]), walls(samples[today])), "<=", SAME_AS_TODAY,
                        detail=compared(samples, runs, today), judged=ctx.sizes.judged)
        ctx.figures.append(figure)
        ctx.check(*target_check(figure, TODAY))


def label(core, name, path=None):
    """The label of a measured command (and the name of its output files): "2.19-vps_server-20-module-path"."""
    return "%s-%s" % (core.short, name) + ("-" + path.replace(" ", "-") if path else "")


def target_check(figure, path):
    """(status, text) of a P2 figure against its target: PASS, FAIL, or NOT JUDGED (a smoke run, or no target)."""
    median = figure.spread.median
    if path == IN_PROCESS:
        text = "%s: median %.2fx debug, target <= %gx" % (figure.key, median, figure.target)
    elif path == TODAY:
        text = "%s: median %.2fx the module path without the action plugins, target <= %gx (no slower than today)" % (
            figure.key, median, figure.target)
    elif figure.target is not None:
        text = "%s: median %.2fx debug; today's module path (issue 23, ansible-core 2.19.14) %gx: %s" % (
            figure.key, median, figure.target, "no slower" if median <= figure.target else "SLOWER")
    else:
        text = "%s: median %.2fx debug; issue 23 gives no figure of today's for a loop (P2a's vs today stands for it)" % (
            figure.key, median)
    if figure.target is None:
        return "NOT JUDGED", text
    if not figure.judged:
        return "NOT JUDGED", text + " (smoke run)"
    return ("PASS" if figure.met else "FAIL"), text
