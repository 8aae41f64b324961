# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's main() in the controller's worker (plugins/plugin_utils/_module_run.py): it sees the task's environment:
keyword and its own arguments, and everything it changed in the process is put back, also when it crashes; a crash
is a failed result that names the exception and shows no token.

That the result is the module's own, scenario by scenario, is checked by every module unit test (tests/unit/plugins/
modules/conftest.py runs each one both ways) and, through ansible-playbook, by
tests/integration/test_in_process_differential.py.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible_collections.vpsorg.cloud.plugins.plugin_utils import _module_run

TOKEN = "tok-unit-in-process-never-show"


@pytest.fixture(name="fake_module")
def fake_module_fixture(monkeypatch):
    """``fake_module(main)``: run_main() runs ``main`` as the module's main()."""
    def use(main):
        monkeypatch.setattr(_module_run, "module_code", lambda name: types.SimpleNamespace(main=main))
    return use


def process_state():
    return dict(
        arguments=basic._ANSIBLE_ARGS,
        parsed_arguments=getattr(basic, "_PARSED_MODULE_ARGS", None),
        profile=getattr(basic, "_ANSIBLE_PROFILE", None),
        token=os.environ.get("VPS_API_TOKEN"),
        url=os.environ.get("VPS_API_URL"),
        warnings=list(module_warnings.get_warning_messages()),
        is_controller=getattr(_module_run.module_utils_internal, "is_controller", None),
        streams=(sys.stdout, sys.stderr),
        usr1=signal.getsignal(signal.SIGUSR1),
    )


def test_the_module_sees_its_arguments_and_the_task_environment_and_the_process_is_put_back(fake_module, monkeypatch):
    monkeypatch.setenv("VPS_API_URL", "http://127.0.0.1:1")
    monkeypatch.delenv("VPS_API_TOKEN", raising=False)
    seen = {}

    def main():
        seen["params"] = json.loads(basic._ANSIBLE_ARGS)["ANSIBLE_MODULE_ARGS"]
        if hasattr(basic, "_PARSED_MODULE_ARGS"):  # where AnsibleModule of 2.19+ keeps what it read (the token too)
            basic._PARSED_MODULE_ARGS = {"api_token": TOKEN}
        seen["environment"] = (os.environ.get("VPS_API_TOKEN"), os.environ.get("VPS_API_URL"))
        seen["is_controller"] = getattr(_module_run.module_utils_internal, "is_controller", None)
        signal.signal(signal.SIGUSR1, lambda *args: None)  # AnsibleModule of ansible-core 2.22 sets one
        print(json.dumps({"changed": False}))
        sys.exit(0)

    fake_module(main)
    before = process_state()
    output = _module_run.run_main("vps_server_info", _module_run.encoded_arguments({"name": "web-1"}),
                                  {"VPS_API_TOKEN": TOKEN, "VPS_API_URL": "http://127.0.0.1:2"}, [TOKEN])
    assert process_state() == before
    assert output == {"rc": 0, "stdout": '{"changed": false}\n', "stderr": ""}
    # ansible-core 2.19 and later have the flag (2.18 has it as None); module code must find it off.
    module_sees = None if before["is_controller"] is None else False
    assert seen == {"params": {"name": "web-1"}, "environment": (TOKEN, "http://127.0.0.1:2"), "is_controller": module_sees}


def test_a_crash_is_a_failed_result_without_the_token_and_the_process_is_put_back(fake_module):
    module_warnings.warn("a warning of an earlier task")

    def main():
        module_warnings.warn("the module's own warning")
        os.environ["VPS_API_TOKEN"] = "changed by the module"
        raise ValueError("header value Bearer %s is refused" % TOKEN)

    fake_module(main)
    try:
        before = process_state()
        output = _module_run.run_main("vps_server", _module_run.encoded_arguments({}), {"VPS_API_TOKEN": TOKEN}, [None, TOKEN])
        assert process_state() == before
    finally:
        module_warnings._global_warnings.clear()
    assert output["rc"] == 1
    result = json.loads(output["stdout"])
    assert result["failed"] is True
    assert result["msg"] == "vps_server failed in the controller's process: ValueError: header value Bearer ******** is refused"
    assert "Traceback" in result["exception"] and TOKEN not in output["stdout"]


def test_an_exit_with_a_message_shows_it_on_standard_error_without_the_token(fake_module):
    """sys.exit("text") ends a module process with status 1 and the text on standard error (module_stderr)."""
    fake_module(lambda: sys.exit("cannot go on with %s" % TOKEN))
    output = _module_run.run_main("vps_server", _module_run.encoded_arguments({}), {}, [TOKEN])
    assert output == {"rc": 1, "stdout": "", "stderr": "cannot go on with ********"}


def test_a_crash_reads_back_as_a_failed_result_on_this_core(fake_module):
    """What the action makes of a crash's output, as it reads any module's output on the running ansible-core."""
    fake_module(lambda: {}["missing"])
    output = _module_run.run_main("vps_fleet", _module_run.encoded_arguments({}), {}, [])
    action = NormalAction(Task(), None, PlayContext(), None, None, None)
    result = _module_run.module_result(action, output)
    assert result["failed"] is True
    assert result["msg"] == "vps_fleet failed in the controller's process: KeyError: 'missing'"
    assert "Traceback" not in result["msg"] and "exception" in result


def test_a_module_that_cannot_be_imported_does_not_stop_its_plugin_from_loading(monkeypatch):
    def broken(name):
        raise ImportError("No module named %s" % name)

    monkeypatch.setattr(_module_run, "module_code", broken)
    _module_run.preload("vps_server")  # the plugin's import goes on; its tasks fail when they run
    output = _module_run.run_main("vps_server", _module_run.encoded_arguments({}), {}, [])
    assert output["rc"] == 1 and "ImportError: No module named vps_server" in json.loads(output["stdout"])["msg"]
