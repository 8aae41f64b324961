# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process path against the module path, through ansible-playbook on the ansible-core under test.

The scenarios of the modules' unit and integration tests (success, no change, check mode, diff, warnings, validation
errors, API errors and injected faults, hostile strings from the API, module_defaults and the action group, the
task's environment: keyword, no_log) run twice from the same simulator state, in-process (the default) and with
VPS_IN_PROCESS=false, at -vvvv. Both runs must give the same task results as the callbacks see them (``invocation``
included where the core returns it; timestamps aside), send the same writes, leave the same servers, and never show
the token. Then a task with become, async, a delegate_to host whose connection is not local or whose Python is
another, or the variable vpsorg_cloud_in_process set to false takes the module path (-vvv says so and why) and gives
the result its in-process twin gives.

On every core of the matrix (scripts/matrix.py INTEGRATION_TESTS). The guide: docs/docsite/rst/guide_in_process.rst.
Every module unit test is a differential test too (tests/unit/plugins/modules/conftest.py).
"""

from __future__ import annotations

import os
import re
import stat
import sys
import uuid

import pytest

# tests/ is on sys.path through pytest.ini: the reliability suite's runner and its result-logging callback.
from reliability.reliability_support import reliability_env, run_ansible, write_yaml  # pylint: disable=import-error
from support.cores import core_version  # pylint: disable=import-error
from support.environment import VENV_BIN  # pylint: disable=import-error

TOKEN = "tok-DIFFERENTIAL-%s-never-show-me" % uuid.uuid4().hex
WRONG_TOKEN = "tok-wrong-%s" % uuid.uuid4().hex
SERVERS = [
    {"id": 501, "name": "db-1", "status": "active", "hostname": "db-1.example.com", "location": "us-east", "backups_enabled": True},
    {"id": 502, "name": "old-1", "status": "stopped", "location": "us-west", "plan_id": 2, "os_id": 3},
    # Set by whoever holds a token; never a template for the playbook.
    {"id": 503, "name": "hostile-1", "hostname": "{{ 6 * 7 }}.{{ lookup('env', 'HOME') }}.example.com", "location": "eu-central"},
]
FAULTS = [
    {"kind": "status", "status": 503, "method": "GET", "path": "^/api/v1/servers/$", "count": 1},  # retried
    {"kind": "status", "status": 500, "method": "PATCH", "path": "^/api/v1/servers/502/$"},  # every PATCH of old-1 fails
]
NEW = {"plan_id": 1, "os_id": 5, "location": "us-west"}
UNSAFE_TEXT = "{{ 6 * 7 }}"


def task(name, module, args, **keywords):
    return dict({"name": name, "vpsorg.cloud." + module: args}, **keywords)


SCENARIOS = [
    task("create", "vps_server", dict(NEW, name="web-1", state="started", hostname="web-1.example.com"), diff=True),
    task("no change", "vps_server", dict(NEW, name="web-1", state="started", hostname="web-1.example.com")),
    task("check mode create", "vps_server", dict(NEW, name="web-2", state="started"), check_mode=True, diff=True),
    task("check mode stop", "vps_server", {"name": "db-1", "state": "stopped"}, check_mode=True),
    task("update with diff", "vps_server", {"name": "db-1", "hostname": "db-01.example.com", "backups_enabled": False}, diff=True),
    task("unchecked ssh key warns", "vps_server", {"name": "db-1", "ssh_key_id": 7}),
    task("read hostile strings", "vps_server_info", {"name": "hostile-1"}, register="hostile"),
    {"name": "show hostile strings", "ansible.builtin.debug": {"msg": "{{ hostile.servers | map(attribute='hostname') | list }}"}},
    task("read filtered", "vps_server_info", {"status": "active", "location": "us-east"}),
    task("read by id", "vps_server_info", {"id": 502}),
    task("unknown option", "vps_server", {"name": "web-1", "colour": "red"}, ignore_errors=True),
    task("bad choice", "vps_server", {"name": "web-1", "state": "sideways"}, ignore_errors=True),
    task("bad type", "vps_server", {"name": "web-1", "plan_id": "many"}, ignore_errors=True),
    task("neither id nor name", "vps_server", {"state": "present"}, ignore_errors=True),
    task("bad name", "vps_server", dict(NEW, name="web_1!"), ignore_errors=True),
    task("api refuses the plan", "vps_server", dict(NEW, name="web-9", plan_id=99), ignore_errors=True),
    task("api fails the update", "vps_server", {"name": "old-1", "hostname": "old-1.example.com"}, ignore_errors=True),
    task("fleet repeats a name", "vps_fleet", {"servers": [{"name": "db-1"}, {"name": "db-1"}]}, ignore_errors=True),
    task("fleet in check mode", "vps_fleet", {"servers": [dict(NEW, name="web-3"), {"name": "old-1", "state": "started"},
                                                          {"name": "db-1", "state": "started"}]}, check_mode=True, diff=True),
    task("fleet with a failure", "vps_fleet", {"servers": [{"name": "db-1", "plan_id": 2}, {"name": "web-1", "state": "present"}]},
         ignore_errors=True),
    task("no_log", "vps_server_info", {"name": "db-1"}, no_log=True),
    task("delete with diff", "vps_server", {"name": "web-1", "state": "absent"}, diff=True),
]
# No module_defaults: the token comes from the task's environment: keyword, or the controller's (a wrong one).
ENVIRONMENT_SCENARIOS = [
    task("token from the environment keyword", "vps_server_info", {"name": "db-1"}, environment={"VPS_API_TOKEN": "{{ vps_token }}"}),
    task("wrong token from the environment keyword", "vps_server_info", {}, environment={"VPS_API_TOKEN": "{{ vps_wrong_token }}"},
         ignore_errors=True),
    # Item 1 has the right token in its environment, item 2 none: it must fail as the controller's token is wrong.
    task("environment of each item", "vps_server_info", {"name": "db-1"}, loop=[1, 2], ignore_errors=True,
         environment="{{ {'VPS_API_TOKEN': vps_token} if item == 1 else {} }}"),
    task("module_defaults of the module", "vps_server_info", {"name": "db-1"},
         module_defaults={"vpsorg.cloud.vps_server_info": {"api_token": "{{ vps_token }}"}}),
]
MODULE_TASKS = sum(len(item.get("loop", [1])) for item in SCENARIOS + ENVIRONMENT_SCENARIOS if "ansible.builtin.debug" not in item)
WRITES = ("POST", "PUT", "PATCH", "DELETE")
TIMES = re.compile(r'"(created_at|updated_at)": "[^"]*"')


def playbook(workdir):
    return write_yaml(workdir, "differential.yml", [{
        "name": "differential",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [{"name": "with the action group's defaults", "module_defaults": {"group/vpsorg.cloud.vps": {"api_token": "{{ vps_token }}"}},
                   "block": SCENARIOS},
                  {"name": "with the environment", "block": ENVIRONMENT_SCENARIOS}],
    }])


def normalised(value):
    """``value`` without what differs between two runs of one scenario: the time a server was created or changed."""
    if isinstance(value, dict):
        return {key: "<time>" if key in ("created_at", "updated_at") else normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


def run_one_way(sim, workdir, secrets, in_process):
    sim.reset()
    sim.configure(token=TOKEN)
    sim.seed(servers=SERVERS)
    sim.set_faults(FAULTS)
    env = reliability_env(workdir, sim, VPS_API_TOKEN=WRONG_TOKEN, ANSIBLE_DISPLAY_TRACEBACK="never", **({} if in_process else {"VPS_IN_PROCESS": "false"}))
    run = run_ansible(["ansible-playbook", playbook(workdir), "-vvvv", "-e", "@" + secrets], workdir, env)
    writes = [(entry["method"], entry["path"], entry["status"], entry["fault"]) for entry in sim.request_log() if entry["method"] in WRITES]
    return run, writes, normalised(sim.servers())


@pytest.fixture(scope="module", name="both_ways")
def both_ways_fixture(simulator, tmp_path_factory):
    """The scenarios run in-process, then on the module path: {way: (AnsibleRun, writes, servers after)}."""
    workdir = str(tmp_path_factory.mktemp("differential"))
    secrets = write_yaml(workdir, "secrets.yml", {"vps_token": TOKEN, "vps_wrong_token": WRONG_TOKEN})
    return {way: run_one_way(simulator, workdir, secrets, way == "in-process") for way in ("in-process", "module path")}


def test_both_ways_give_the_same_results_writes_and_servers(both_ways):
    (in_process, in_process_writes, in_process_servers), (module, module_writes, module_servers) = both_ways.values()
    assert in_process.returncode == module.returncode == 0, in_process.output[-3000:] + module.output[-3000:]
    assert [line["task"] for line in in_process.results] == [line["task"] for line in module.results]
    for in_process_line, module_line in zip(in_process.results, module.results):
        assert normalised(in_process_line) == normalised(module_line), "task %r differs" % in_process_line["task"]
    assert in_process_writes == module_writes
    assert in_process_servers == module_servers


def test_the_scenarios_did_what_they_say(both_ways):
    """What makes the comparison mean something: each scenario reached the case it is named after."""
    run = both_ways["in-process"][0]
    assert run.result("create")["changed"] is True and run.result("no change")["changed"] is False
    assert run.result("check mode create")["diff"]["before"] == {} and run.result("check mode create")["server"]["id"] is None
    assert any("cannot be checked against it" in warning for warning in run.result("unchecked ssh key warns")["warnings"])
    assert run.result("show hostile strings")["msg"] == [SERVERS[2]["hostname"]]
    assert run.result("unknown option")["msg"].startswith("Unsupported parameters for (vpsorg.cloud.vps_server) module: colour.")
    assert run.result("api refuses the plan")["status"] == 400 and run.result("api fails the update")["status"] == 500
    assert run.failed("fleet with a failure") and run.result("fleet with a failure")["msg"].startswith("1 of 2 servers failed")
    assert set(run.result("no_log")) <= {"censored", "changed", "_ansible_no_log"} and "censored" in run.result("no_log")
    assert not run.failed("token from the environment keyword") and run.result("wrong token from the environment keyword")["status"] == 401
    items = run.result("environment of each item")["results"]
    # (Not by "failed": ansible-core 2.22 gives the callbacks item results without it.)
    assert [(len(item.get("servers", [])), item.get("status")) for item in items] == [(1, None), (0, 401)], \
        "the environment of item 1 was not put back"
    assert not run.failed("module_defaults of the module")


def test_each_run_says_which_path_each_task_took_and_neither_shows_the_token(both_ways):
    in_process, module = both_ways["in-process"][0], both_ways["module path"][0]
    assert len(re.findall(r"^vpsorg\.cloud: vps_\w+ ran in-process$", in_process.output, re.MULTILINE)) == MODULE_TASKS
    assert len(re.findall(r"^vpsorg\.cloud: vps_\w+ took the module path: VPS_IN_PROCESS is false$", module.output,
                          re.MULTILINE)) == MODULE_TASKS
    assert "took the module path" not in in_process.output and TOKEN not in in_process.output
    # On the module path, ansible-core shows the module's command line at -vvv, the task's environment: in it: 2.22
    # masks the token there, as the action plugin registers it as a secret; 2.21 and older cannot.
    leaks = [line for line in module.output.splitlines() if TOKEN in line]
    if core_version(VENV_BIN) >= (2, 22):
        assert leaks == [] and "VPS_API_TOKEN=$REDACTED$ " in module.output
    else:
        assert all(" EXEC " in line and "VPS_API_TOKEN=%s " % TOKEN in line for line in leaks), leaks


# The module path, and why: the scenario's task on the same (unchanged) server both ways; each twin runs in-process.
FORCED = [
    ("become", {"become": True, "become_method": "su"}, "become is set"),
    ("async", {"async": 60, "poll": 1}, "async is set"),
    ("delegated to a host whose connection is not local", {"delegate_to": "relayed"}, "the connection is relay, not local"),
    ("delegated to a host with another Python", {"delegate_to": "other-python"}, "the task's Python is {wrapper}, not the controller's"),
    ("the variable turns it off", {"vars": {"vpsorg_cloud_in_process": False}}, "vpsorg_cloud_in_process is false"),
]
# What async adds to a result: the job's bookkeeping.
ASYNC_KEYS = ("ansible_job_id", "finished", "results_file", "started", "stdout", "stderr", "stdout_lines", "stderr_lines")
RELAY = '''from __future__ import annotations

DOCUMENTATION = """
name: relay
short_description: A connection that is not local, run on this machine (tests only)
description: [The local connection under another name, to stand for a remote host.]
"""

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = "relay"
'''


def test_become_async_remote_delegation_and_the_opt_out_take_the_module_path_with_the_same_result(sim, tmp_path):
    sim.seed(servers=SERVERS[:1])
    workdir = str(tmp_path)
    os.makedirs(os.path.join(workdir, "connection_plugins"))
    with open(os.path.join(workdir, "connection_plugins", "relay.py"), "w", encoding="utf-8") as stream:
        stream.write(RELAY)
    # Another interpreter path that still runs this venv's Python (it has requests).
    wrapper = os.path.join(workdir, "other-python")
    with open(wrapper, "w", encoding="utf-8") as stream:
        stream.write('#!/bin/sh\nexec "%s" "$@"\n' % sys.executable)
    os.chmod(wrapper, stat.S_IRWXU)
    inventory = write_yaml(workdir, "inventory.yml", {"all": {"hosts": {
        "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        "relayed": {"ansible_connection": "relay", "ansible_python_interpreter": sys.executable},
        "other-python": {"ansible_connection": "local", "ansible_python_interpreter": wrapper}}}})
    tasks = []
    for name, keywords, _reason in FORCED:
        tasks.append(task(name + " (twin)", "vps_server", {"name": "db-1", "state": "started"}))
        tasks.append(task(name, "vps_server", {"name": "db-1", "state": "started"}, **keywords))
    # The case the in-process path is for: a play over hosts that are not local, its API task delegated to localhost.
    delegated = task("delegated to localhost from a host that is not local", "vps_server", {"name": "db-1", "state": "started"},
                     delegate_to="localhost")
    path = write_yaml(workdir, "forced.yml", [{"name": "forced", "hosts": "localhost", "gather_facts": False, "tasks": tasks},
                                              {"name": "delegated", "hosts": "relayed", "gather_facts": False, "tasks": [delegated]}])
    env = reliability_env(workdir, sim)
    # The async job's status file: async_status looks for it under the user's home from the password database, the
    # job writes it under $HOME, and the test command runs with another HOME on a cold machine. A folder of the test's
    # own keeps both in one place, and out of the real home.
    env["ANSIBLE_ASYNC_DIR"] = os.path.join(workdir, "async")
    run = run_ansible(["ansible-playbook", "-i", inventory, path, "-vvv"], workdir, env)
    assert run.returncode == 0, run.output[-3000:]
    lines = re.findall(r"^vpsorg\.cloud: vps_server (.*)$", run.output, re.MULTILINE)
    assert len(lines) == 2 * len(FORCED) + 1, lines
    assert lines[-1] == "ran in-process", lines[-1]
    delegated_result = {key: value for key, value in run.result(delegated["name"]).items() if not key.startswith("_ansible_")}
    twin_result = {key: value for key, value in run.result(FORCED[0][0] + " (twin)").items() if not key.startswith("_ansible_")}
    assert normalised(delegated_result) == normalised(twin_result)
    for (name, _keywords, reason), twin, forced in zip(FORCED, lines[:-1:2], lines[1:-1:2]):
        assert twin == "ran in-process" and forced.startswith("took the module path: " + reason.format(wrapper=wrapper)), (name, forced)
        # A delegated result carries the delegated host's variables for the callbacks (_ansible_delegated_vars).
        forced_result = {key: value for key, value in run.result(name).items() if key not in ASYNC_KEYS and not key.startswith("_ansible_")}
        twin_result = {key: value for key, value in run.result(name + " (twin)").items() if not key.startswith("_ansible_")}
        assert normalised(forced_result) == normalised(twin_result), name
