# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a module's main() on module arguments against the in-memory FakeApi, as a module process and in-process."""

from __future__ import annotations

import copy
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible.module_utils.common import warnings as module_warnings
from ansible_collections.vpsorg.cloud.plugins.module_utils import _account, _waiting
from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet, vps_server
from ansible_collections.vpsorg.cloud.plugins.plugin_utils import _module_run
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args

try:  # ansible-core 2.19 and later: whether module code runs in the controller
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:
    module_utils_internal = None

sys.path.insert(0, os.path.dirname(__file__))

EARLIER_WARNING = "a warning of an earlier task in this process"

from fake_api import FakeApi, FakeClock  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_waiting, "time", fake)
    monkeypatch.setattr(_account, "time", fake)
    return fake


@pytest.fixture
def api(clock):
    return FakeApi(clock)


@pytest.fixture
def run_module(api, clock, capsys, monkeypatch):
    """``run_module(module, params, check=False, diff=False)`` -> the module's result dict.

    Every run is made twice from the same state of the fake API and clock, and both must give the same result, exit
    status and API calls: main() as a module process runs it, then main() as the action plugins run it in the
    controller's worker (plugin_utils/_module_run.run_main), so every scenario of these tests is also a differential
    test of the in-process path. vps_fleet runs its servers one at a time here: with threads, which server gets which
    id would differ between the two runs (its concurrency is tested in tests/integration/test_fleet_requests.py).
    """
    monkeypatch.setattr(vps_fleet, "ThreadPoolExecutor", lambda max_workers: ThreadPoolExecutor(max_workers=1))

    def run(module, params, check=False, diff=False):
        if hasattr(module, "client_from_module"):
            monkeypatch.setattr(module, "client_from_module", lambda _module, _settings=None: api)
        args = dict(params, _ansible_check_mode=check, _ansible_diff=diff)
        args.setdefault("api_token", "unit-test-token")
        before = fake_state(api, clock)
        as_module = run_as_module_process(module, args, capsys)
        after = fake_state(api, clock)
        restore_fake_state(api, clock, before)
        in_process = run_as_in_process(module, args)
        assert in_process == as_module, "the in-process run differs from the module's own"
        assert fake_state(api, clock) == after, "the in-process run made other API calls than the module's own"
        # A deprecation the run raised fails the test: tests/unit/conftest.py checks after every test.
        return in_process["result"]

    return run


def run_as_module_process(module, args, capsys):
    """main() as in a module process: AnsibleModule reads ``args`` from basic._ANSIBLE_ARGS and exits."""
    # AnsibleModule keeps warnings in a process-wide list; each run must start with none.
    module_warnings._global_warnings.clear()
    with module_args(args):
        with pytest.raises(SystemExit) as exited:
            module.main()
    return {"result": json.loads(capsys.readouterr().out), "rc": exited.value.code}


def run_as_in_process(module, args):
    """main() as the action plugins run it: in a process that is the controller (ansible-core 2.19 and later tell
    module code so) and still holds a warning of an earlier task, which must be neither in the result nor lost."""
    module_warnings.warn(EARLIER_WARNING)
    saved_is_controller = getattr(module_utils_internal, "is_controller", None)
    if saved_is_controller is not None:
        module_utils_internal.is_controller = True
    try:
        output = _module_run.run_main(module.__name__.rsplit(".", 1)[1], _module_run.encoded_arguments(args), {}, [])
    finally:
        if saved_is_controller is not None:
            module_utils_internal.is_controller = saved_is_controller
    assert EARLIER_WARNING in str(module_warnings.get_warning_messages()), "the warnings of the process were not put back"
    module_warnings._global_warnings.clear()
    return {"result": json.loads(output["stdout"]), "rc": output["rc"]}


def fake_state(api, clock):
    """A copy of what a run changes in the fake API and clock (the API's clock is the shared ``clock``)."""
    return copied({key: value for key, value in vars(api).items() if key != "clock"}), dict(vars(clock))


def restore_fake_state(api, clock, state):
    api_state, clock_state = copied(state)
    vars(api).update(api_state)
    vars(clock).update(clock_state)


def copied(value):
    """A deep copy of containers; the faults a test queued (errors to raise, functions to call) are kept as they are."""
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(copied(item) for item in value)
    if isinstance(value, BaseException) or callable(value):
        return value
    return copy.deepcopy(value)


@pytest.fixture
def run_server(run_module):
    """``run_server(params, check=False, diff=False)`` -> the result of vps_server on those module arguments."""

    def run(params, **kwargs):
        return run_module(vps_server, params, **kwargs)

    return run
