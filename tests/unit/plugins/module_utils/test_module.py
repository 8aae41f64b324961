# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared module options: token, URL, timeouts, and the clear-text warning."""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import cleartext_warning
from ansible_collections.vpsorg.cloud.plugins.module_utils._module import api_argument_spec, client_settings


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, **params):
        self.params = {name: spec.get("default") for name, spec in api_argument_spec().items()}
        self.params["api_token"] = "secret-token-value"
        self.params.update(params)
        self.warnings = []

    def fail_json(self, **result):
        raise Failed(result["msg"])

    def warn(self, warning):
        self.warnings.append(warning)

    def debug(self, message):
        pass


def test_settings_carry_every_option():
    settings = client_settings(FakeModule(api_url="https://api.example.test", api_timeout=7, api_retries=2,
                                          validate_certs=False, ca_path="/ca.pem"))
    assert settings["api_url"] == "https://api.example.test"
    assert settings["timeout"] == 7 and settings["retries"] == 2
    assert settings["validate_certs"] is False and settings["ca_path"] == "/ca.pem"


def test_an_empty_url_means_the_default_url():
    # AWX injects VPS_API_URL="" from a credential whose URL input was left empty.
    module = FakeModule(api_url="")
    assert client_settings(module)["api_url"] == "https://admin.vps.org"
    assert module.warnings == []


def test_token_is_no_log_and_falls_back_to_the_environment():
    spec = api_argument_spec()
    assert spec["api_token"]["no_log"] is True
    assert spec["api_token"]["fallback"][1] == ["VPS_API_TOKEN"]
    assert spec["api_url"]["fallback"][1] == ["VPS_API_URL"]


@pytest.mark.parametrize("params, message", [
    ({"api_token": None}, "No API token: set the api_token option or the VPS_API_TOKEN environment variable."),
    ({"api_timeout": 0}, "api_timeout must be a positive number of seconds, got 0."),
    ({"api_retries": -1}, "api_retries must be zero or more, got -1."),
    ({"api_url": "admin.vps.org"}, "api_url must be an http:// or https:// URL, got 'admin.vps.org'"),
])
def test_bad_settings_fail_naming_the_option(params, message):
    with pytest.raises(Failed) as caught:
        client_settings(FakeModule(**params))
    assert str(caught.value) == message


@pytest.mark.parametrize("url, warns", [
    ("http://api.example.com", True),
    ("http://10.1.2.3:8000", True),
    ("https://api.example.com", False),
    ("http://127.0.0.1:8000", False),
    ("http://localhost:8000", False),
    ("http://[::1]:8000", False),
])
def test_cleartext_warning_only_for_plain_http_off_this_machine(url, warns):
    assert (cleartext_warning(url) is not None) is warns
    module = FakeModule(api_url=url)
    client_settings(module)
    assert bool(module.warnings) is warns
    assert all("secret-token-value" not in warning for warning in module.warnings)
