# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a module's main() on module arguments against the in-memory FakeApi."""

from __future__ import annotations

import json
import os
import sys

import pytest

from ansible.module_utils.common import warnings as module_warnings
from ansible_collections.vpsorg.cloud.plugins.module_utils import _account, _waiting
from ansible_collections.vpsorg.cloud.plugins.modules import vps_server
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args

sys.path.insert(0, os.path.dirname(__file__))

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
def run_module(api, capsys, monkeypatch):
    """``run_module(module, params, check=False, diff=False)`` -> the module's result dict."""

    def run(module, params, check=False, diff=False):
        if hasattr(module, "client_from_module"):
            monkeypatch.setattr(module, "client_from_module", lambda _module, _settings=None: api)
        # AnsibleModule keeps warnings in a process-wide list; each run must start with none.
        module_warnings._global_warnings.clear()
        args = dict(params, _ansible_check_mode=check, _ansible_diff=diff)
        args.setdefault("api_token", "unit-test-token")
        with module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        # A deprecation the run raised fails the test: tests/unit/conftest.py checks after every test.
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def run_server(run_module):
    """``run_server(params, check=False, diff=False)`` -> the result of vps_server on those module arguments."""

    def run(params, **kwargs):
        return run_module(vps_server, params, **kwargs)

    return run
