# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options: one table (module_utils/_settings.py) that the modules' argument spec, the client's
defaults and the one adapter to the client's arguments (client_arguments) come from, and whose variables every module
and the event source honour.

The inventory plugin's side (Ansible's config system reading the ``env:`` entries, the variables reaching the client)
is tested in tests/unit/plugins/inventory/test_vps_filters_detail.py, where the plugin loader is set up; the
documentation against the table in test_settings_docs.py.
"""

from __future__ import annotations

import inspect
import re

import pytest

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.plugins.module_utils import _module, _settings
from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._module import api_argument_spec
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import ENV_SETTINGS, SETTINGS
from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet, vps_server, vps_server_info
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args

TOKEN = "tok-SETTINGS-UNIT-31c9-never-show-me"
ENVIRONMENT = {
    "VPS_API_TOKEN": TOKEN,
    "VPS_API_URL": "https://env.example.test",
    "VPS_VALIDATE_CERTS": "false",
    "VPS_CA_PATH": "/etc/vps/ca.pem",
    "VPS_API_TIMEOUT": "7",
    "VPS_API_RETRIES": "2",
}
# What the client is built with from ENVIRONMENT: VpsClient's argument -> value.
FROM_ENVIRONMENT = {"api_token": TOKEN, "api_url": "https://env.example.test", "validate_certs": False,
                    "ca_path": "/etc/vps/ca.pem", "timeout": 7, "retries": 2}
# The least arguments each module runs with.
MODULE_ARGS = {
    vps_server: {"name": "web-1"},
    vps_server_info: {},
    vps_fleet: {"servers": [{"name": "web-1"}]},
}


class ClientBuilt(Exception):
    """Raised by the stand-in of VpsClient: the module got as far as building its client."""

    def __init__(self, kwargs):
        super().__init__("client built")
        self.kwargs = kwargs


def stand_in_client(*args, **kwargs):
    if args:
        kwargs["api_token"] = args[0]
    raise ClientBuilt(kwargs)


def test_the_table_covers_every_connection_option():
    assert set(ENV_SETTINGS) == set(api_argument_spec())
    assert all(re.fullmatch(r"VPS_[A-Z_]+", variable) for variable in ENV_SETTINGS.values())


def test_the_argument_spec_falls_back_to_the_table():
    spec = api_argument_spec()
    for option, variable in ENV_SETTINGS.items():
        assert spec[option]["fallback"][1] == [variable], option


def test_the_argument_spec_takes_type_default_and_no_log_from_the_table():
    spec = api_argument_spec()
    assert list(spec) == [setting.option for setting in SETTINGS]
    for setting in SETTINGS:
        assert spec[setting.option]["type"] == setting.type, setting.option
        assert spec[setting.option].get("default") == setting.default, setting.option
        assert spec[setting.option].get("no_log", False) is setting.secret, setting.option


def test_the_client_takes_its_defaults_from_the_table():
    parameters = inspect.signature(VpsClient).parameters
    for setting in SETTINGS:
        if setting.default is not None:
            assert parameters[setting.argument].default == setting.default, setting.option


def test_client_arguments_rename_the_options_and_fill_in_only_what_is_missing_or_empty():
    defaults = {"api_token": TOKEN, "api_url": "https://admin.vps.org", "validate_certs": True, "ca_path": None, "timeout": 30,
                "retries": 5}
    assert _settings.client_arguments({"api_token": TOKEN}) == defaults
    given = {"api_token": TOKEN, "api_url": "", "validate_certs": False, "ca_path": None, "api_timeout": 7, "api_retries": 0,
             "interval": 60}
    assert _settings.client_arguments(given) == dict(defaults, validate_certs=False, timeout=7, retries=0)


def test_the_event_source_builds_its_client_with_the_one_adapter(monkeypatch):
    built = []
    monkeypatch.setattr(vps_servers, "VpsClient", lambda **arguments: built.append(arguments))
    settings = vps_servers.settings_from({"api_retries": 0}, environ=ENVIRONMENT)
    vps_servers.make_client(settings, stop=None)
    assert {key: value for key, value in built[0].items() if key in FROM_ENVIRONMENT} == dict(FROM_ENVIRONMENT, retries=0)


@pytest.fixture(name="environment")
def environment_fixture(monkeypatch):
    for variable in ENV_SETTINGS.values():
        monkeypatch.delenv(variable, raising=False)

    def set_environment(values):
        for variable, value in values.items():
            monkeypatch.setenv(variable, value)

    return set_environment


def client_arguments(module, args, monkeypatch):
    """The arguments ``module``'s main() builds its API client with."""
    monkeypatch.setattr(_module, "VpsClient", stand_in_client)
    if hasattr(module, "VpsClient"):
        monkeypatch.setattr(module, "VpsClient", stand_in_client)
    with module_args(args):
        with pytest.raises(ClientBuilt) as built:
            module.main()
    return {key: value for key, value in built.value.kwargs.items() if key in FROM_ENVIRONMENT}


@pytest.mark.parametrize("module", list(MODULE_ARGS), ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_each_module_honours_every_variable(module, environment, monkeypatch):
    environment(ENVIRONMENT)
    assert client_arguments(module, MODULE_ARGS[module], monkeypatch) == FROM_ENVIRONMENT


@pytest.mark.parametrize("option, variable", list(ENV_SETTINGS.items()))
def test_each_variable_alone(option, variable, environment, monkeypatch):
    # The token is needed to get as far as the client; every other variable is set alone.
    environment({"VPS_API_TOKEN": TOKEN, variable: ENVIRONMENT[variable]})
    arguments = client_arguments(vps_server_info, {}, monkeypatch)
    argument = {"api_timeout": "timeout", "api_retries": "retries"}.get(option, option)
    assert arguments[argument] == FROM_ENVIRONMENT[argument]


def test_an_option_of_the_task_wins_over_its_variable(environment, monkeypatch):
    environment(ENVIRONMENT)
    arguments = client_arguments(vps_server_info, {"api_url": "https://task.example.test", "api_timeout": 9,
                                                   "validate_certs": True}, monkeypatch)
    assert arguments["api_url"] == "https://task.example.test"
    assert arguments["timeout"] == 9 and arguments["validate_certs"] is True
    assert arguments["retries"] == 2  # not given to the task: from the environment


def test_the_event_source_honours_the_variables_of_its_arguments():
    settings = vps_servers.settings_from({}, environ=ENVIRONMENT)
    assert (settings["api_token"], settings["api_url"]) == (TOKEN, "https://env.example.test")
    assert (settings["validate_certs"], settings["api_timeout"], settings["api_retries"]) == (False, 7, 2)
    assert settings["ca_path"] == "/etc/vps/ca.pem"
    # Its arguments win; an empty one falls back as before.
    settings = vps_servers.settings_from({"api_url": "", "api_timeout": 9, "validate_certs": True}, environ=ENVIRONMENT)
    assert (settings["api_url"], settings["api_timeout"], settings["validate_certs"]) == ("https://env.example.test", 9, True)
