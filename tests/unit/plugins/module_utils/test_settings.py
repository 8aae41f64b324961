# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment variables of the connection options: one table (module_utils/_settings.py), honoured by every module
and the event source, and named by the doc fragment of the modules and that of the plugins.

The inventory plugin's side (Ansible's config system reading the ``env:`` entries) is tested in
tests/unit/plugins/inventory/test_vps_settings.py, where the plugin loader is set up.
"""

from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.vpsorg.cloud.plugins.module_utils import _module
from ansible_collections.vpsorg.cloud.plugins.module_utils._module import api_argument_spec
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import ENV_SETTINGS
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


def test_the_modules_doc_fragment_names_each_variable():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    named = {option: re.findall(r"E\((VPS_[A-Z_]+)\)", " ".join(doc["description"])) for option, doc in options.items()}
    assert {option: variables for option, variables in named.items() if variables} == {
        option: [variable] for option, variable in ENV_SETTINGS.items()}
    notes = " ".join(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["notes"])
    assert re.findall(r"E\((VPS_[A-Z_]+)\)", notes) == list(ENV_SETTINGS.values())


def test_the_plugins_doc_fragment_declares_each_variable():
    options = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
    assert {option: [entry["name"] for entry in doc.get("env", [])] for option, doc in options.items()} == {
        option: [variable] for option, variable in ENV_SETTINGS.items()}


def test_the_event_source_honours_the_variables_of_its_arguments():
    settings = vps_servers.settings_from({}, environ=ENVIRONMENT)
    assert (settings["api_token"], settings["api_url"]) == (TOKEN, "https://env.example.test")
    assert (settings["validate_certs"], settings["api_timeout"], settings["api_retries"]) == (False, 7, 2)
    assert settings["ca_path"] == "/etc/vps/ca.pem"
    # Its arguments win; an empty one falls back as before.
    settings = vps_servers.settings_from({"api_url": "", "api_timeout": 9, "validate_certs": True}, environ=ENVIRONMENT)
    assert (settings["api_url"], settings["api_timeout"], settings["validate_certs"]) == ("https://env.example.test", 9, True)


def test_the_event_source_documents_the_variables_of_its_arguments():
    options = yaml.safe_load(vps_servers.DOCUMENTATION)["options"]
    for option, variable in ENV_SETTINGS.items():
        if option in vps_servers.ARGUMENTS:
            assert "E(%s)" % variable in " ".join(options[option]["description"]), option
