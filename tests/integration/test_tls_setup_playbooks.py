"""A CA bundle that cannot be read, through ansible-playbook and ansible-inventory at -vvvv, against the simulator
over HTTPS: every plugin fails with one line that names ca_path (or where requests took its bundle) and the file,
and shows no traceback.

The bundle is checked before anything is sent, so the simulator's log stays empty. Before, requests' bare OSError
("Could not find a suitable TLS CA certificate bundle, invalid path: ...") escaped the plugins: a module crash (with
"The full traceback is:" at -vvv on ansible-core 2.16-2.18) and an inventory source failing with that text alone.
The event source's side is in test_event_source_rulebook.py; the client's in tests/unit/plugins/module_utils/test_client_tls.py.

Output is compared without white space: ansible-core 2.16-2.18 wrap long lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

# Both on sys.path through the pythonpath setting of pytest.ini (tests/simulator, tests/).
import harness  # pylint: disable=import-error
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

ADVICE = "Set ca_path (or VPS_CA_PATH) to a readable PEM file of CA certificates, or to a folder of them."
# What must never show: a Python traceback, and requests' own error where the plugin knows which ca_path it was.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "The full traceback is", "OSError")
REQUESTS_TEXT = "Could not find a suitable TLS CA certificate bundle"

PLAY = """\
- name: Every module with a CA bundle it cannot read
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: vps_server
      vpsorg.cloud.vps_server: {name: web-1, state: restarted}
      register: by_server
      ignore_errors: true
    - name: vps_server_info
      vpsorg.cloud.vps_server_info: {}
      register: by_info
      ignore_errors: true
    - name: vps_fleet
      vpsorg.cloud.vps_fleet: {servers: [{name: web-1, state: restarted}]}
      register: by_fleet
      ignore_errors: true
    - name: Save what each task said
      ansible.builtin.copy:
        content: "{{ {'vps_server': by_server.msg, 'vps_server_info': by_info.msg, 'vps_fleet': by_fleet.msg} | to_json }}"
        dest: "{{ playbook_dir }}/messages.json"
        mode: "0600"
"""


@pytest.fixture(scope="module", name="tls_sim")
def tls_sim_fixture(tmp_path_factory):
    """The simulator over HTTPS with a self-signed certificate for 127.0.0.1, with one server."""
    cert, _key = harness.make_self_signed_certificate(str(tmp_path_factory.mktemp("tls")))
    with harness.Simulator(tls_cert=cert, tls_key=_key, provision_delay=0.2, action_delay=0.2) as simulator:
        simulator.cert = cert
        yield simulator


@pytest.fixture(name="sim")
def sim_fixture(tls_sim):
    tls_sim.reset()
    tls_sim.seed(servers=[{"name": "web-1", "status": "active"}])
    return tls_sim


def squeezed(text):
    return "".join(text.split())


def run(command, tmp_path, sim, **variables):
    env = ansible_env(tmp_path, sim, ANSIBLE_INVENTORY_UNPARSED_FAILED="true", **variables)
    completed = subprocess.run([os.path.join(VENV_BIN, command[0])] + command[1:] + ["-vvvv"], env=env, cwd=str(tmp_path),
                               capture_output=True, text=True, timeout=300, check=False)
    print(completed.stderr)  # searched for deprecations (tests/conftest.py)
    output = completed.stdout + completed.stderr
    for marker in TRACEBACK_MARKERS:
        assert marker not in output, output[-6000:]
    return completed, output


def play(tmp_path, sim, **variables):
    """Run PLAY; return what each module said."""
    (tmp_path / "play.yml").write_text(PLAY)
    completed, output = run(["ansible-playbook", "-i", "localhost,", "play.yml"], tmp_path, sim, **variables)
    assert completed.returncode == 0, output[-6000:]
    assert sim.request_log() == [], "nothing may be sent with a CA bundle that cannot be read"
    return json.loads((tmp_path / "messages.json").read_text()), output


def inventory(tmp_path, sim, config, **variables):
    (tmp_path / "account.vps.yml").write_text(yaml.safe_dump(dict({"plugin": "vpsorg.cloud.vps"}, **config)))
    completed, output = run(["ansible-inventory", "-i", "account.vps.yml", "--list"], tmp_path, sim, **variables)
    assert completed.returncode != 0
    assert sim.request_log() == []
    return output


def test_every_module_names_a_ca_path_it_cannot_read_in_one_line(sim, tmp_path):
    missing = str(tmp_path / "missing-ca.pem")
    messages, output = play(tmp_path, sim, VPS_CA_PATH=missing)
    line = "ca_path %s cannot be used to verify the API's certificate: No such file or directory. %s" % (missing, ADVICE)
    assert messages == {"vps_server": line, "vps_server_info": line, "vps_fleet": line}
    assert REQUESTS_TEXT not in output


def test_every_module_names_the_requests_ca_bundle_it_could_not_read(sim, tmp_path):
    bundle = str(tmp_path / "missing-bundle.pem")
    messages, _output = play(tmp_path, sim, REQUESTS_CA_BUNDLE=bundle)
    said = "TLS setup failed: %s, invalid path: %s. validate_certs is on and ca_path is not set" % (REQUESTS_TEXT, bundle)
    assert messages["vps_server"].startswith("Failed to look up server web-1: " + said)
    assert messages["vps_server_info"].startswith("Failed to list servers: " + said)
    assert messages["vps_fleet"].startswith("Failed to list servers: " + said)


@pytest.mark.parametrize("given", ["option", "environment"])
def test_the_inventory_names_a_ca_path_it_cannot_read_in_one_line(sim, tmp_path, given):
    bad = tmp_path / "not-a-certificate.pem"
    bad.write_text("not a certificate\n")
    config = {"ca_path": str(bad)} if given == "option" else {}
    output = inventory(tmp_path, sim, config, **({} if given == "option" else {"VPS_CA_PATH": str(bad)}))
    assert squeezed("Cannot use the VPS.org API: ca_path %s cannot be used to verify the API's certificate: it holds no PEM "
                    "certificate (" % bad) in squeezed(output)
    assert squeezed(ADVICE) in squeezed(output)


def test_the_inventory_names_the_requests_ca_bundle_it_could_not_read(sim, tmp_path):
    bundle = str(tmp_path / "missing-bundle.pem")
    output = inventory(tmp_path, sim, {}, REQUESTS_CA_BUNDLE=bundle)
    assert squeezed("Failed to list the VPS.org servers at %s: TLS setup failed: %s, invalid path: %s. validate_certs is on and "
                    "ca_path is not set" % (sim.url, REQUESTS_TEXT, bundle)) in squeezed(output)


def test_the_certificate_given_in_ca_path_is_still_trusted(sim, tmp_path):
    """The check reads a good bundle and lets it through: the module lists the server over HTTPS."""
    (tmp_path / "good.yml").write_text(yaml.safe_dump([{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [{"name": "list", "vpsorg.cloud.vps_server_info": {"ca_path": sim.cert}}]}]))
    completed, output = run(["ansible-playbook", "-i", "localhost,", "good.yml"], tmp_path, sim)
    assert completed.returncode == 0, output[-6000:]
    assert [entry["status"] for entry in sim.request_log()] == [200]
