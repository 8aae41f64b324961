# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module fails with one line naming ca_path and the file when its CA bundle cannot be read, never a traceback.

The modules run with their real client (the fixtures of this folder's conftest.py would replace it), at verbosity 4,
against https://127.0.0.1:9: the bundle is checked before any connection, so nothing is sent. ansible-core before 2.19
puts the traceback of an exception being handled into a failure at -vvv: the result must have no ``exception``. The
same through ansible-playbook: tests/integration/test_tls_setup_playbooks.py.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet, vps_server, vps_server_info
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args

MODULES = {
    vps_server: {"name": "web-1", "state": "restarted"},
    vps_server_info: {},
    vps_fleet: {"servers": [{"name": "web-1"}]},
}
IDS = [module.__name__.rsplit(".", 1)[-1] for module in MODULES]


def run(module, args, capsys):
    args = dict(args, api_token="unit-test-token", api_url="https://127.0.0.1:9", api_retries=0, _ansible_verbosity=4)
    with module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("module", list(MODULES), ids=IDS)
def test_a_missing_ca_path_fails_in_one_line_naming_it(module, tmp_path, capsys):
    missing = str(tmp_path / "missing.pem")
    result = run(module, dict(MODULES[module], ca_path=missing), capsys)
    assert result["failed"] is True
    assert result["msg"] == ("ca_path %s cannot be used to verify the API's certificate: No such file or directory. Set ca_path "
                             "(or VPS_CA_PATH) to a readable PEM file of CA certificates, or to a folder of them." % missing)
    assert "exception" not in result


@pytest.mark.parametrize("module", list(MODULES), ids=IDS)
def test_a_missing_requests_ca_bundle_fails_in_one_line_naming_it(module, tmp_path, capsys, monkeypatch):
    bundle = str(tmp_path / "missing-bundle.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    result = run(module, MODULES[module], capsys)
    assert result["failed"] is True
    assert "TLS setup failed: Could not find a suitable TLS CA certificate bundle, invalid path: %s. " % bundle in result["msg"]
    assert "ca_path" in result["msg"] and "\n" not in result["msg"]
    assert "exception" not in result
