# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which path a task of vps_server, vps_server_info or vps_fleet takes (plugins/plugin_utils/_in_process.py), and
what the -vvv line says: in-process only on a local connection, without become or async, on the controller's own
Python, with requests, and not turned off.

The guide's section on when each path is taken (docs/docsite/rst/guide_in_process.rst) states these rules.
"""

from __future__ import annotations

import os
import sys
import types

import pytest

from ansible_collections.vpsorg.cloud.plugins.plugin_utils import _in_process
from ansible_collections.vpsorg.cloud.plugins.plugin_utils._in_process import (
    InProcessModuleAction, opt_out_reason, same_python, task_tokens,
)


@pytest.mark.parametrize("variable, environment, reason", [
    (None, None, None),
    (None, "true", None),
    (None, "false", "VPS_IN_PROCESS is false"),
    (None, " Off ", "VPS_IN_PROCESS is off"),
    (None, "0", "VPS_IN_PROCESS is 0"),
    (None, "no", "VPS_IN_PROCESS is no"),
    (None, "maybe", "VPS_IN_PROCESS is 'maybe', neither true nor false"),
    (None, " ", None),  # an empty value counts as unset
    ("", "false", "VPS_IN_PROCESS is false"),
    (None, "f", "VPS_IN_PROCESS is f"),
    (None, "y", None),
    (False, None, "vpsorg_cloud_in_process is false"),
    ("no", None, "vpsorg_cloud_in_process is no"),
    (["false"], None, "vpsorg_cloud_in_process is ['false'], neither true nor false"),
    (True, "false", None),  # the variable wins over the environment
    (False, "true", "vpsorg_cloud_in_process is false"),
])
def test_the_variable_and_then_the_environment_variable_can_turn_it_off(variable, environment, reason):
    assert opt_out_reason(variable, environment) == reason


def test_the_same_python_is_the_same_file_named_from_the_same_folder(tmp_path):
    executable = tmp_path / "venv" / "bin" / "python"
    executable.parent.mkdir(parents=True)
    executable.symlink_to(sys.executable)
    (executable.parent / "python3").symlink_to("python")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "python").symlink_to(executable)
    assert same_python(str(executable.parent / "python3"), str(executable))
    assert same_python(str(executable.parent / ".." / "bin" / "python"), str(executable))
    # The same file from another folder is another Python: a venv is known by the folder its python is named from.
    assert not same_python(str(elsewhere / "python"), str(executable))
    assert not same_python(os.path.realpath(sys.executable), str(executable))


class FakeConnection:
    def __init__(self, name):
        self.ansible_name = name
        self.ansible_aliases = [name]
        self.transport = name.rsplit(".", 1)[-1]


def action(task_vars=None, connection="ansible.builtin.local", become=False, async_val=0, delegate_to=None):
    """The vps_server_info action of a task with these settings; ``task_vars`` need no templating."""
    task = types.SimpleNamespace(args={}, async_val=async_val, delegate_to=delegate_to, environment=[], check_mode=False)
    templar = types.SimpleNamespace(template=lambda value: value)
    plugin = type("ActionModule", (InProcessModuleAction,), {"MODULE": "vps_server_info"})(
        task, FakeConnection(connection), types.SimpleNamespace(become=become), None, templar, None)
    return plugin, dict(task_vars or {})


def reason(**settings):
    plugin, task_vars = action(**settings)
    return plugin._module_path_reason(task_vars)


def test_a_local_task_on_the_controllers_python_runs_in_process():
    assert reason() is None
    assert reason(task_vars={"ansible_python_interpreter": sys.executable}) is None
    # No interpreter set: interpreter discovery would choose one; in-process, the controller's Python runs it.
    assert reason(task_vars={"ansible_python_interpreter": "auto_silent"}) is None


@pytest.mark.parametrize("settings, expected", [
    (dict(connection="ansible.builtin.ssh"), "the connection is ansible.builtin.ssh, not local"),
    (dict(connection="relay"), "the connection is relay, not local"),
    (dict(become=True), "become is set"),
    (dict(async_val=30), "async is set"),
    (dict(task_vars={"ansible_python_interpreter": "/usr/bin/python3.9"}),
     "the task's Python is /usr/bin/python3.9, not the controller's %s" % sys.executable),
    (dict(task_vars={"vpsorg_cloud_in_process": False}), "vpsorg_cloud_in_process is false"),
])
def test_anything_a_module_process_would_change_takes_the_module_path(settings, expected):
    assert reason(**settings) == expected


def test_a_delegated_task_is_judged_by_the_python_of_the_host_it_is_delegated_to():
    task_vars = {"ansible_python_interpreter": sys.executable,
                 "ansible_delegated_vars": {"builder": {"ansible_python_interpreter": "/opt/other/bin/python"}}}
    assert reason(task_vars=task_vars, delegate_to="builder") == (
        "the task's Python is /opt/other/bin/python, not the controller's %s" % sys.executable)


def test_the_environment_variable_turns_it_off(monkeypatch):
    monkeypatch.setenv("VPS_IN_PROCESS", "off")
    assert reason() == "VPS_IN_PROCESS is off"
    assert reason(task_vars={"vpsorg_cloud_in_process": "yes"}) is None


def test_without_requests_in_the_controller_it_takes_the_module_path(monkeypatch):
    monkeypatch.setattr(_in_process, "HAS_REQUESTS", False)
    assert reason() == "requests cannot be imported in the controller's Python %s" % sys.executable


def test_every_token_the_task_carries_is_a_secret(monkeypatch):
    """The module uses the first token set, but the module path shows the task's environment: at -vvv whichever it
    uses: each one is registered (2.22) and kept out of a crash's message."""
    monkeypatch.setenv("VPS_API_TOKEN", "tok-controller")
    assert task_tokens({"api_token": "tok-argument"}, {"VPS_API_TOKEN": "tok-environment"}) == [
        "tok-argument", "tok-environment", "tok-controller"]
    monkeypatch.delenv("VPS_API_TOKEN")
    assert task_tokens({"api_token": None}, {"VPS_API_TOKEN": " "}) == []


def test_a_connection_without_aliases_is_judged_by_its_name():
    plugin, task_vars = action()
    plugin._connection.ansible_aliases = None  # a connection object the plugin loader did not make
    assert plugin._module_path_reason(task_vars) is None
    plugin._connection = FakeConnection("ansible.builtin.ssh")
    plugin._connection.ansible_aliases = None
    assert plugin._module_path_reason(task_vars) == "the connection is ansible.builtin.ssh, not local"
