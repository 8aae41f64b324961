# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token is never shown, TLS is verified by default, and plain http:// to another host is warned about.

The token test searches everything a run leaves behind (output at -vvvv, task results with diffs and
warnings, failures, the log file, the inventory cache, Ansible's temporary folders) for one distinctive
token. The TLS tests serve the simulator over HTTPS with a self-signed certificate.
"""

from __future__ import annotations

import os
import uuid

import pytest

# pytest.ini puts tests/simulator on sys.path.
import harness  # pylint: disable=import-error

from fault_lifecycles import SIMULATOR_OPTIONS
from reliability_support import inventory_hosts, reliability_env, run_ansible, run_inventory, run_playbook, write_yaml

TOKEN = "tok-RELIABILITY-%s-never-show-me" % uuid.uuid4().hex
NEW = {"plan_id": 1, "os_id": 5, "location": "us-west"}


def files_containing(directory, text, skip=()):
    """Every file under ``directory`` (but ``skip``) whose bytes contain ``text``."""
    found = []
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if path not in skip and not os.path.islink(path):
                with open(path, "rb") as stream:
                    if text.encode() in stream.read():
                        found.append(path)
    return found


def test_the_token_appears_in_no_output_result_diff_warning_failure_log_or_cache(sim, workdir):
    sim.configure(token=TOKEN)
    sim.seed(servers=[{"name": "sec-listed"}])
    # A lost create (the module warns it adopted the server) and a 429 (the client retries).
    sim.set_faults([{"kind": "lost_answer", "method": "POST", "path": "^/api/v1/servers/$", "count": 1},
                    {"kind": "status", "status": 429, "method": "GET", "count": 1, "retry_after": 0}])
    secret_vars = write_yaml(workdir, "secret.yml", {"vps_token": TOKEN})
    env = reliability_env(workdir, sim, ANSIBLE_LOG_PATH=os.path.join(workdir, "ansible.log"))
    tasks = [
        {"name": "create", "vpsorg.cloud.vps_server": dict(NEW, name="sec-1", state="started", backups_enabled=True)},
        {"name": "update", "vpsorg.cloud.vps_server": {"name": "sec-1", "hostname": "sec-1.example.com"}},
        {"name": "predict", "vpsorg.cloud.vps_server": {"name": "sec-1", "state": "stopped"}, "check_mode": True},
        {"name": "fleet", "vpsorg.cloud.vps_fleet": {"servers": [{"name": "sec-1", "state": "stopped"}]}},
        {"name": "read", "vpsorg.cloud.vps_server_info": {"name": "sec-1"}, "register": "read"},
        {"name": "show", "ansible.builtin.debug": {"var": "read"}},
        {"name": "immutable", "vpsorg.cloud.vps_server": {"name": "sec-1", "plan_id": 2}, "ignore_errors": True},
        {"name": "refused", "vpsorg.cloud.vps_server": dict(NEW, name="sec-2", plan_id=99), "ignore_errors": True},
        {"name": "unreachable", "vpsorg.cloud.vps_server_info": {"api_url": "http://127.0.0.1:9", "api_retries": 0}, "ignore_errors": True},
        {"name": "delete", "vpsorg.cloud.vps_server": {"name": "sec-1", "state": "absent"}},
    ]
    playbook = run_playbook(workdir, env, "token.yml", tasks, {"api_token": "{{ vps_token }}"}, ["-vvvv", "--diff", "-e", "@" + secret_vars])
    # The same from the environment variable, ad hoc.
    adhoc = run_ansible(["ansible", "localhost", "-vvvv", "-m", "vpsorg.cloud.vps_server_info"], workdir, dict(env, VPS_API_TOKEN=TOKEN))
    cache = os.path.join(workdir, "inventory-cache")
    inventory_options = {"api_token": TOKEN, "cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": cache}
    inventories = [run_inventory(workdir, env, "token.vps.yml", inventory_options, ["-vvvv"])]
    listings = len(sim.request_log())
    inventories.append(run_inventory(workdir, env, "token.vps.yml", inventory_options, ["-vvvv"]))
    inventory_file = os.path.join(workdir, "token.vps.yml")

    for run in [playbook, adhoc] + inventories:
        assert run.problems(expect_success=run is not playbook) == []
        assert TOKEN not in run.output, run.name()
    # The runs did authenticate with the token and went through every path the test means to cover.
    assert playbook.returncode == 0 and not playbook.failed_tasks()
    # -vvvv shows every module's arguments: the token's place in them is masked.
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in playbook.output
    assert "adopted server id" in str(playbook.result("create")["warnings"])
    assert playbook.result("update")["diff"]["after"]["hostname"] == "sec-1.example.com"
    assert all(playbook.failed(task) for task in ("immutable", "refused", "unreachable"))
    assert [inventory_hosts(run.inventory) for run in inventories] == [{"sec-listed"}, {"sec-listed"}]
    assert len(sim.request_log()) == listings, "the second listing did not come from the cache"
    # Nothing the runs wrote carries it: results, log, cache, Ansible's home and temporary folders.
    assert files_containing(workdir, TOKEN, skip=(secret_vars, inventory_file)) == []
    # ... and those places were really written: the search above had something to search.
    assert os.listdir(cache), "the inventory cache was not written"
    assert os.path.getsize(os.path.join(workdir, "ansible.log")) > 0
    assert adhoc.results and playbook.results


@pytest.fixture(scope="module", name="tls_sim")
def tls_sim_fixture(tmp_path_factory):
    """The simulator over HTTPS with a self-signed certificate for 127.0.0.1."""
    cert, key = harness.make_self_signed_certificate(str(tmp_path_factory.mktemp("tls")))
    with harness.Simulator(tls_cert=cert, tls_key=key, **SIMULATOR_OPTIONS) as simulator:
        simulator.cert = cert
        yield simulator


def test_modules_refuse_an_untrusted_certificate_and_accept_it_with_ca_path_or_validate_certs_off(tls_sim, workdir):
    assert tls_sim.url.startswith("https://127.0.0.1:")
    tls_sim.reset()
    env = reliability_env(workdir, tls_sim)
    run = run_playbook(workdir, env, "tls.yml", [
        {"name": "default", "vpsorg.cloud.vps_server_info": {}, "ignore_errors": True},
        {"name": "create by default", "vpsorg.cloud.vps_server": dict(NEW, name="tls-1"), "ignore_errors": True},
        {"name": "not verified", "vpsorg.cloud.vps_server_info": {"validate_certs": False}},
        {"name": "ca_path", "vpsorg.cloud.vps_server": dict(NEW, name="tls-1", ca_path=tls_sim.cert)},
        {"name": "ca_path fleet", "vpsorg.cloud.vps_fleet": {"servers": [{"name": "tls-1", "state": "absent"}], "ca_path": tls_sim.cert}},
    ])
    assert run.problems(expect_success=False) == []
    for task in ("default", "create by default"):
        assert run.failed(task)
        message = run.result(task)["msg"]
        assert "GET /api/v1/servers/ failed: TLS error:" in message and "CERTIFICATE_VERIFY_FAILED" in message, message
    assert run.result("not verified")["servers"] == []
    assert run.result("ca_path")["server"]["name"] == "tls-1"
    assert run.result("ca_path fleet")["changed"] is True
    assert tls_sim.servers() == []
    # Nothing was written while the certificate was refused: the only create is the one with ca_path.
    assert [entry["method"] for entry in tls_sim.request_log() if entry["method"] == "POST"] == ["POST"]


def test_inventory_refuses_an_untrusted_certificate_and_accepts_it_with_ca_path_or_validate_certs_off(tls_sim, workdir):
    tls_sim.reset()
    tls_sim.seed(count=2, name_prefix="tls")
    env = reliability_env(workdir, tls_sim)
    refused = run_inventory(workdir, env, "default.vps.yml", {})
    unverified = run_inventory(workdir, env, "unverified.vps.yml", {"validate_certs": False})
    trusted = run_inventory(workdir, env, "trusted.vps.yml", {"ca_path": tls_sim.cert})
    assert refused.returncode != 0
    assert "Failed to list the VPS.org servers at %s: GET /api/v1/servers/ failed: TLS error:" % tls_sim.url in refused.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    for run in (refused, unverified, trusted):
        assert run.problems(expect_success=run is not refused) == []
    assert inventory_hosts(unverified.inventory) == inventory_hosts(trusted.inventory) == {"tls-1", "tls-2"}


def test_plain_http_to_another_host_is_warned_about(sim, workdir, env):
    """api_url http://0.0.0.0:<port>: not a loopback address, so the plugins warn; Linux still connects it to this host.

    The module fails its own validation right after the warning, before any request: the simulator's
    log stays empty. The inventory lists through that URL, which reaches the simulator on 127.0.0.1.
    """
    url = sim.url.replace("127.0.0.1", "0.0.0.0")
    warning = "api_url %s is plain http:// to a host other than this machine: the API token would travel in clear text." % url
    run = run_playbook(workdir, env, "cleartext.yml", [
        {"name": "warned", "vpsorg.cloud.vps_server": dict(NEW, name="not a name", api_url=url), "ignore_errors": True},
    ])
    assert run.failed("warned")
    assert run.result("warned")["warnings"] == [warning + " Use an https:// URL."]
    assert warning in run.output
    assert sim.request_log() == []
    sim.seed(count=1, name_prefix="plain")
    inventory = run_inventory(workdir, env, "cleartext.vps.yml", {"api_url": url})
    assert inventory.problems() == []
    assert warning in " ".join(inventory.stderr.split())
    assert inventory_hosts(inventory.inventory) == {"plain-1"}
