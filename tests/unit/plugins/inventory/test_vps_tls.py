# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin when its CA bundle cannot be read: one line naming ca_path (or where requests took its bundle)
and the file, as an Ansible error, never requests' bare OSError. ansible-inventory at -vvvv: tests/integration/test_tls_setup_playbooks.py."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError, AnsibleParserError

from ansible_collections.vpsorg.cloud.tests.unit.plugins.inventory.inventory_support import (  # noqa: F401  pylint: disable=unused-import
    api_fixture,
    FakeSession,
    run_fixture,
)


def test_a_missing_ca_path_names_the_option_and_the_file_and_sends_nothing(api, run, tmp_path):
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(AnsibleParserError) as error:
        run({"ca_path": missing})
    assert error.value.message == (
        "Cannot use the VPS.org API: ca_path %s cannot be used to verify the API's certificate: No such file or directory. "
        "Set ca_path (or VPS_CA_PATH) to a readable PEM file of CA certificates, or to a folder of them." % missing)
    assert api.calls == []


def test_a_missing_requests_ca_bundle_is_one_line_naming_it(run):
    bundle_error = OSError("Could not find a suitable TLS CA certificate bundle, invalid path: /etc/missing-bundle.pem")
    with pytest.raises(AnsibleError) as error:
        run({}, session=FakeSession(bundle_error))
    assert not isinstance(error.value.__cause__, OSError) and error.value.__suppress_context__
    assert error.value.message.startswith(
        "Failed to list the VPS.org servers at https://api.example.test: TLS setup failed: Could not find a suitable TLS CA "
        "certificate bundle, invalid path: /etc/missing-bundle.pem. validate_certs is on and ca_path is not set")
