"""The simulator over HTTPS, for the tests that show certificates are verified."""

import ssl
import urllib.error
import urllib.request

import pytest

import harness


@pytest.fixture(scope="module")
def tls_simulator(tmp_path_factory):
    cert, key = harness.make_self_signed_certificate(str(tmp_path_factory.mktemp("tls")))
    with harness.Simulator(provision_delay=0.1, action_delay=0.1, tls_cert=cert, tls_key=key) as sim:
        yield sim, cert


def get_servers(url, token, context):
    request = urllib.request.Request(url + "/api/v1/servers/", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return response.status


def test_serves_https_with_its_certificate(tls_simulator):
    sim, cert = tls_simulator
    assert sim.url.startswith("https://127.0.0.1:")
    assert get_servers(sim.url, sim.token, ssl.create_default_context(cafile=cert)) == 200


def test_a_client_that_does_not_trust_the_certificate_is_refused(tls_simulator):
    sim, _cert = tls_simulator
    with pytest.raises(urllib.error.URLError) as caught:
        get_servers(sim.url, sim.token, ssl.create_default_context())
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_control_api_works_over_https(tls_simulator):
    sim, _cert = tls_simulator
    sim.seed(count=2)
    assert len(sim.servers()) == 2
