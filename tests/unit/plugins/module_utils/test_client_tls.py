# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS settings the client cannot use: one line naming ca_path (or where requests took its CA bundle) and the file,
never requests' bare OSError. Every plugin shows that line; their own tests run them at -vvvv
(tests/integration/test_tls_setup_playbooks.py)."""

from __future__ import annotations

import os

import certifi
import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError, VpsSetupError
from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import FakeSession, make_response

TOKEN = "tok-UNIT-TLS-51d2-never-show-me"
SERVER = {"id": 12345, "name": "web-1", "status": "active"}
ADVICE = "Set ca_path (or VPS_CA_PATH) to a readable PEM file of CA certificates, or to a folder of them."


def client(ca_path, api_url="https://api.example.test", **kwargs):
    return VpsClient(TOKEN, api_url=api_url, ca_path=ca_path, **kwargs)


def test_a_missing_ca_path_is_refused_when_the_client_is_built(tmp_path):
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(VpsSetupError) as refused:
        client(missing)
    assert str(refused.value) == (
        "ca_path %s cannot be used to verify the API's certificate: No such file or directory. %s" % (missing, ADVICE))


@pytest.mark.parametrize("content", ["not a certificate\n", ""], ids=["garbage", "empty"])
def test_a_ca_path_that_holds_no_certificate_is_refused(tmp_path, content):
    path = tmp_path / "ca.pem"
    path.write_text(content)
    with pytest.raises(VpsSetupError) as refused:
        client(str(path))
    assert str(refused.value).startswith("ca_path %s cannot be used to verify the API's certificate: it holds no PEM certificate (" % path)
    assert str(refused.value).endswith(ADVICE)


@pytest.mark.parametrize("ca_path", [certifi.where(), os.path.dirname(certifi.where())], ids=["bundle", "folder"])
def test_a_readable_bundle_or_folder_is_taken(ca_path):
    assert client(ca_path).verify == ca_path


@pytest.mark.parametrize("kwargs", [{"validate_certs": False}, {"api_url": "http://127.0.0.1:8000"}],
                         ids=["not-verified", "plain-http"])
def test_a_ca_path_that_is_not_used_is_not_read(tmp_path, kwargs):
    client(str(tmp_path / "missing.pem"), **kwargs)


def test_the_error_is_a_vps_error_every_plugin_already_handles():
    assert issubclass(VpsSetupError, VpsError)


def test_requests_failing_to_set_tls_up_is_one_line_naming_where_its_bundle_came_from():
    # requests raises a bare OSError (no RequestException) when the bundle it took from REQUESTS_CA_BUNDLE is missing.
    bare = OSError("Could not find a suitable TLS CA certificate bundle, invalid path: /etc/missing-bundle.pem")
    session = FakeSession(bare, make_response(200, SERVER))
    vps = VpsClient(TOKEN, api_url="https://api.example.test", session=session, retries=5)
    with pytest.raises(VpsSetupError) as refused:
        vps.get_server(1)
    assert str(refused.value) == (
        "TLS setup failed: Could not find a suitable TLS CA certificate bundle, invalid path: /etc/missing-bundle.pem. "
        "validate_certs is on and ca_path is not set, so the CA bundle came from REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or the "
        "certifi package: fix that, or set ca_path (or VPS_CA_PATH) to a readable PEM file of CA certificates.")
    assert len(session.calls) == 1, "a setting is not retried"


def test_a_ca_path_removed_after_the_client_was_built_is_named_too(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_bytes(open(certifi.where(), "rb").read())  # pylint: disable=consider-using-with
    session = FakeSession(OSError("Could not find a suitable TLS CA certificate bundle, invalid path: %s" % path))
    vps = VpsClient(TOKEN, api_url="https://api.example.test", ca_path=str(path), session=session)
    with pytest.raises(VpsSetupError) as refused:
        vps.get_server(1)
    assert str(refused.value).startswith("ca_path %s cannot be used to verify the API's certificate: Could not find" % path)


def test_with_the_real_requests_a_missing_requests_ca_bundle_is_that_line(tmp_path, monkeypatch):
    # requests checks the bundle before it connects: nothing is sent (the port is closed anyway).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing-bundle.pem"))
    vps = VpsClient(TOKEN, api_url="https://127.0.0.1:9", retries=0, timeout=2)
    with pytest.raises(VpsSetupError) as refused:
        vps.get_server(1)
    assert "TLS setup failed: Could not find a suitable TLS CA certificate bundle, invalid path: %s." % (
        tmp_path / "missing-bundle.pem") in str(refused.value)
