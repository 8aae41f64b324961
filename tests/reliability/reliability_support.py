# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-playbook, ansible and ansible-inventory against the local API simulator, and read what happened.

Shared by every test of tests/reliability/ and by soak.py. A plain module, not conftest.py, so
soak.py can import it. Every run:

- gets the environment of support.environment.ansible_env: the working tree as the collection
  vpsorg.cloud, no proxies, none of the caller's ANSIBLE_* / VPS_* variables, Ansible's home and
  temporary folders under the test's folder, so nothing is read from or left in ~/.ansible;
- records every task result as JSON lines through callback_plugins/reliability_log.py.

Only 127.0.0.1 is ever contacted: every API URL comes from harness.Simulator.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
import urllib.request

import yaml

# tests/ (and scripts/, which support.environment needs) are on sys.path through pytest.ini; the soak scripts put them there.
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
CALLBACK_DIR = os.path.join(HERE, "callback_plugins")
# What a Python crash looks like in Ansible's output, in a module or in the controller. Runs show tracebacks
# (ANSIBLE_DISPLAY_TRACEBACK=error), so every failed task shows one; a crash is told by its exception line
# ("AttributeError: ..."). Every expected failure ends in Ansible's own exceptions (ansible.*), and a module that
# fails while handling one of the collection's errors shows that error (ansible_collections.vpsorg.cloud.*).
CRASH_MARKERS = ("MODULE FAILURE", "Unexpected Exception", "this is probably a bug")
CRASH_LINE = re.compile(r"^(?!ansible\.|ansible_collections\.vpsorg\.cloud\.)[\w.]*(?:Error|Exception): ", re.MULTILINE)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
RUN_TIMEOUT = 600
_RUN_NUMBERS = itertools.count(1)
# What every run of this suite adds to support.environment.ansible_env.
RELIABILITY_SETTINGS = {
    "ANSIBLE_CALLBACK_PLUGINS": CALLBACK_DIR,
    "ANSIBLE_CALLBACKS_ENABLED": "reliability_log",
    "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",  # ad hoc `ansible` too
    "ANSIBLE_KEEP_REMOTE_FILES": "0",
    "ANSIBLE_DISPLAY_TRACEBACK": "error",
    "ANSIBLE_LOCALHOST_WARNING": "0",
    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
}


class AnsibleRun:
    """One finished ansible command: exit code, output, and the task results the callback recorded."""

    def __init__(self, command, returncode, stdout, stderr, results, seconds):
        self.command = command
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.results = results
        self.seconds = seconds

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr

    def failed_tasks(self):
        """Results of tasks that failed and were not expected to (no ignore_errors)."""
        return [line for line in self.results if line["outcome"] in ("failed", "unreachable") and not line["ignore_errors"]]

    def line(self, task):
        """What the callback recorded for the (last) task with this name; KeyError if it never ran."""
        for line in reversed(self.results):
            if line["task"] == task:
                return line
        raise KeyError("task %r did not run; output:\n%s" % (task, self.output[-3000:]))

    def result(self, task):
        return self.line(task)["result"]

    def failed(self, task):
        """Whether the task failed (the result itself no longer says so: callbacks get it without ``failed``)."""
        return self.line(task)["outcome"] == "failed"

    def problems(self, expect_success=True):
        """What is wrong with this run: a crash anywhere in its output, or (when success is expected) a failure."""
        found = ["%s: Python crash in the output (%s)" % (self.name(), marker) for marker in CRASH_MARKERS if marker in self.output]
        found.extend("%s: Python crash in the output: %s" % (self.name(), line.strip()) for line in crash_lines(self.output))
        if expect_success:
            if self.returncode != 0:
                found.append("%s: exit status %d; output ends with:\n%s" % (self.name(), self.returncode, self.output[-2000:]))
            found.extend("%s: task %r failed: %s" % (self.name(), line["task"], line["result"].get("msg")) for line in self.failed_tasks())
        return found

    def name(self):
        return " ".join(os.path.basename(part) for part in self.command[:3])


def crash_lines(text):
    """The lines of ``text`` that name an exception Ansible did not raise itself."""
    return [text[match.start():text.find("\n", match.start())] for match in CRASH_LINE.finditer(text)]


def reliability_env(workdir, sim=None, **extra):
    """The environment of an ansible command of this suite: support.environment.ansible_env (clean, local, pointed at
    ``sim``) with RELIABILITY_SETTINGS, then ``extra``."""
    return ansible_env(workdir, sim, **dict(RELIABILITY_SETTINGS, **extra))


def soak_verdict(summary, table, failures):
    """The end of a soak (soak.py, soak_concurrency.py): print its summary line, its table and its failures; the exit status."""
    print()
    print(summary)
    print(table)
    if failures:
        print("\nPROBLEMS:\n" + "\n".join(failures))
        return 1
    return 0


def run_ansible(argv, workdir, env):
    """Run ``argv`` (its first word is a command of the venv, e.g. ansible-playbook) in ``workdir``; return an AnsibleRun."""
    results_file = os.path.join(workdir, "results-%d-%d.jsonl" % (os.getpid(), next(_RUN_NUMBERS)))
    command = [os.path.join(VENV_BIN, argv[0])] + list(argv[1:])
    started = time.monotonic()
    completed = subprocess.run(command, cwd=workdir, env=dict(env, RELIABILITY_RESULTS_FILE=results_file),
                               capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    seconds = time.monotonic() - started
    print(completed.stderr)  # searched for deprecations (tests/conftest.py)
    return AnsibleRun(command, completed.returncode, completed.stdout, completed.stderr, read_results(results_file), seconds)


def read_results(results_file):
    if not os.path.exists(results_file):
        return []
    with open(results_file, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def run_ansible_together(commands, workdir, started=None):
    """Start every ``(argv, env)`` of ``commands`` at once as separate processes, wait for all; return their AnsibleRuns.

    ``started(processes)``, when given, is called once every process has been started (to open a barrier they wait
    at, for example); if it raises, the processes are killed. Output goes to files, so no pipe fills up.
    """
    launched = []
    try:
        for argv, env in commands:
            number = next(_RUN_NUMBERS)
            results_file = os.path.join(workdir, "results-%d-%d.jsonl" % (os.getpid(), number))
            out = open(os.path.join(workdir, "stdout-%d-%d.txt" % (os.getpid(), number)), "w+", encoding="utf-8")
            err = open(os.path.join(workdir, "stderr-%d-%d.txt" % (os.getpid(), number)), "w+", encoding="utf-8")
            command = [os.path.join(VENV_BIN, argv[0])] + list(argv[1:])
            process = subprocess.Popen(command, cwd=workdir, env=dict(env, RELIABILITY_RESULTS_FILE=results_file),
                                       stdout=out, stderr=err, text=True)
            launched.append((command, process, out, err, results_file, time.monotonic()))
        if started is not None:
            started([item[1] for item in launched])
        ended = {}
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(ended) < len(launched):
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(launched[0][0], RUN_TIMEOUT)
            for index, item in enumerate(launched):
                if index not in ended and item[1].poll() is not None:
                    ended[index] = time.monotonic()
            time.sleep(0.02)
        runs = []
        for index, (command, process, out, err, results_file, began) in enumerate(launched):
            seconds = ended[index] - began
            out.seek(0)
            err.seek(0)
            runs.append(AnsibleRun(command, process.returncode, out.read(), err.read(), read_results(results_file), seconds))
        return runs
    finally:
        for _command, process, out, err, _results_file, _began in launched:
            if process.poll() is None:
                process.kill()
                process.wait()
            out.close()
            err.close()


def write_yaml(workdir, file_name, data):
    path = os.path.join(workdir, file_name)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(data, stream, default_flow_style=False, sort_keys=False)
    return path


def play(tasks, api_options=None):
    """A one-play playbook on the implicit localhost; ``api_options`` go to every module of the collection."""
    return [{
        "name": "reliability",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/vpsorg.cloud.vps": dict(api_options or {})},
        "tasks": tasks,
    }]


def run_playbook(workdir, env, file_name, tasks, api_options=None, args=()):
    path = write_yaml(workdir, file_name, play(tasks, api_options))
    return run_ansible(["ansible-playbook", path] + list(args), workdir, env)


def run_inventory(workdir, env, file_name, options, args=()):
    """``ansible-inventory -i <file_name> --list`` with plugin vpsorg.cloud.vps; the parsed JSON is in ``.inventory``."""
    if not file_name.endswith(".vps.yml"):
        raise ValueError("the inventory plugin only reads files named *.vps.yml")
    path = write_yaml(workdir, file_name, dict({"plugin": "vpsorg.cloud.vps"}, **options))
    # A source that cannot be read must be an error, not a warning and an empty inventory.
    run = run_ansible(["ansible-inventory", "-i", path, "--list"] + list(args), workdir, dict(env, ANSIBLE_INVENTORY_UNPARSED_FAILED="1"))
    # With -v and more, Ansible's own lines come first on standard output; the JSON starts with a "{" line.
    start = run.stdout.find("{") if run.stdout.startswith("{") else run.stdout.find("\n{") + 1
    try:
        run.inventory = json.loads(run.stdout[start:]) if start >= 0 else None
    except ValueError:
        run.inventory = None
    return run


def inventory_hosts(inventory):
    """The host names of an ``ansible-inventory --list`` answer."""
    return set((inventory or {}).get("_meta", {}).get("hostvars", {}))


def snapshot_task(name, sim):
    """A task that reads every server from the simulator's control API (never faulted) into the fact ``snapshot``."""
    return {
        "name": name,
        "ansible.builtin.set_fact": {
            "snapshot": "{{ lookup('ansible.builtin.url', '%s/_sim/servers', split_lines=False, use_proxy=False) | from_json }}" % sim.url,
        },
    }


def snapshot_servers(run, name):
    """The servers a snapshot_task of ``run`` read."""
    return run.result(name)["ansible_facts"]["snapshot"]["servers"]


def mark_task(name, sim):
    """A task that reads the simulator's last request number into the fact ``mark``: requests after it belong to the next task."""
    return {
        "name": name,
        "ansible.builtin.set_fact": {
            "mark": "{{ (lookup('ansible.builtin.url', '%s/_sim/log?since=999999999', split_lines=False, use_proxy=False)"
                    " | from_json).last_seq }}" % sim.url,
        },
    }


def mark_of(run, name):
    return int(run.result(name)["ansible_facts"]["mark"])


def api_call(sim, method, path):
    """One API request with the simulator's token, as another user of the account would send it."""
    request = urllib.request.Request(sim.url + path, method=method, headers=sim.headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as answer:
        return answer.status


def writes(entries):
    """Log entries of write requests (sent, whatever the answer)."""
    return [entry for entry in entries if entry["method"] in WRITE_METHODS]


def duplicates(servers):
    """Names carried by more than one server."""
    seen = {}
    for server in servers:
        seen[server["name"]] = seen.get(server["name"], 0) + 1
    return sorted(name for name, count in seen.items() if count > 1)
