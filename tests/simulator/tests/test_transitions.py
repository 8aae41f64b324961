"""Statuses and power actions: provisioning -> active, stop, start, reboot, and the refusals."""

import ipaddress
import time

import pytest
import requests

from simulator_support import ACTION_DELAY, PROVISION_DELAY, VALID_CREATE


def status_of(client, api, server_id):
    return client.get(f"{api}{server_id}/").json()["status"]


def wait_for_status(client, api, server_id, status, timeout=5.0):
    deadline = time.monotonic() + timeout
    while status_of(client, api, server_id) != status:
        assert time.monotonic() < deadline, f"server {server_id} never became {status}"
        time.sleep(0.02)
    return client.get(f"{api}{server_id}/").json()


def power(client, api, server_id, action):
    return client.post(f"{api}{server_id}/{action}/")


def test_provisioning_becomes_active_with_addresses(client, api):
    created = client.post(api, json=VALID_CREATE).json()
    assert status_of(client, api, created["id"]) == "provisioning"
    assert client.get(f"{api}{created['id']}/").json()["ip_address"] is None
    started = time.monotonic()
    active = wait_for_status(client, api, created["id"], "active")
    assert time.monotonic() - started <= PROVISION_DELAY + 0.5
    address = ipaddress.ip_address(active["ip_address"])
    assert any(address in ipaddress.ip_network(net) for net in ("203.0.113.0/24", "198.51.100.0/24"))
    assert ipaddress.ip_address(active["ipv6_address"]) in ipaddress.ip_network("2001:db8::/32")
    assert active["updated_at"] > created["updated_at"]


def test_stop_then_start_then_reboot(sim, client, api):
    server = sim.seed(count=1)[0]
    server_id, address = server["id"], server["ip_address"]

    answer = power(client, api, server_id, "stop")
    assert answer.status_code == 200
    assert answer.json() == {"status": "success", "message": "Server is stopping",
                             "server": {"id": server_id, "name": server["name"], "status": "stopping"}}
    assert status_of(client, api, server_id) == "stopping"
    stopped = wait_for_status(client, api, server_id, "stopped")
    assert stopped["resource_usage"]["cpu_percent"] == 0.0

    answer = power(client, api, server_id, "start")
    assert answer.json()["message"] == "Server is starting"
    assert answer.json()["server"]["status"] == "starting"
    wait_for_status(client, api, server_id, "active")

    answer = power(client, api, server_id, "reboot")
    assert answer.json()["message"] == "Server is rebooting"
    assert status_of(client, api, server_id) == "rebooting"
    final = wait_for_status(client, api, server_id, "active")
    assert final["ip_address"] == address  # addresses are kept across power cycles


def test_transitions_happen_lazily_after_the_delay(sim, client, api):
    server_id = sim.seed(count=1)[0]["id"]
    power(client, api, server_id, "stop")
    time.sleep(ACTION_DELAY + 0.1)
    # No request in between: the status is computed when it is read.
    assert sim.servers()[0]["status"] == "stopped"


@pytest.mark.parametrize("status, action, message", [
    ("active", "start", "Server is already running."),
    ("stopped", "stop", "Server is not running."),
    ("stopped", "reboot", "Server is not running."),
    ("suspended", "start", "Server is suspended."),
    ("suspended", "stop", "Server is suspended."),
    ("suspended", "reboot", "Server is suspended."),
    ("provisioning", "start", "Server is provisioning; try again later."),
    ("provisioning", "stop", "Server is provisioning; try again later."),
    ("stopping", "start", "Server is stopping; try again later."),
    ("starting", "stop", "Server is starting; try again later."),
    ("rebooting", "reboot", "Server is rebooting; try again later."),
])
def test_power_action_refused_in_wrong_status(sim, client, api, status, action, message):
    sim.configure(provision_delay=60, action_delay=60)  # keep transitional statuses in place
    server_id = sim.seed(servers=[{"status": status}])[0]["id"]
    answer = power(client, api, server_id, action)
    assert answer.status_code == 400
    assert answer.json() == {"detail": message}
    assert status_of(client, api, server_id) == status


def test_power_action_on_missing_server_is_404(client, api):
    for action in ("start", "stop", "reboot"):
        assert power(client, api, 5, action).status_code == 404


def test_suspended_stays_suspended(sim, client, api):
    server_id = sim.seed(servers=[{"status": "suspended"}])[0]["id"]
    time.sleep(ACTION_DELAY + 0.1)
    assert status_of(client, api, server_id) == "suspended"


def test_seeded_transitional_server_finishes_its_transition(sim, client, api):
    ids = [server["id"] for server in sim.seed(servers=[{"status": "provisioning"}, {"status": "stopping"}])]
    assert sim.servers()[0]["ip_address"] is None
    wait_for_status(client, api, ids[0], "active")
    wait_for_status(client, api, ids[1], "stopped")


def test_updated_at_moves_on_every_change(sim, client, api):
    server_id = sim.seed(count=1)[0]["id"]
    stamps = [client.get(f"{api}{server_id}/").json()["updated_at"]]
    stamps.append(client.patch(f"{api}{server_id}/", json={"name": "a"}).json()["updated_at"])
    stamps.append(client.patch(f"{api}{server_id}/", json={"name": "a"}).json()["updated_at"])
    power(client, api, server_id, "stop")
    stamps.append(client.get(f"{api}{server_id}/").json()["updated_at"])
    stamps.append(wait_for_status(client, api, server_id, "stopped")["updated_at"])
    assert stamps == sorted(set(stamps))
    created_at = client.get(f"{api}{server_id}/").json()["created_at"]
    assert created_at < stamps[1]


def test_a_reboot_dropped_on_its_way_in_changes_nothing_and_one_whose_answer_is_dropped_moves_updated_at(sim, client, api):
    """What vps_server reads after a lost reboot answer (module_utils/_power.py): a reboot that was never carried out
    leaves status and updated_at as they were; one carried out shows rebooting, then active with a later updated_at."""
    server_id = sim.seed(count=1)[0]["id"]
    before = client.get(f"{api}{server_id}/").json()
    sim.set_faults([{"kind": "drop", "method": "POST", "path": "/reboot/$", "count": 1},
                    {"kind": "lost_answer", "drop": True, "method": "POST", "path": "/reboot/$", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        power(client, api, server_id, "reboot")  # dropped on its way in
    after = client.get(f"{api}{server_id}/").json()
    assert (after["status"], after["updated_at"]) == ("active", before["updated_at"])
    with pytest.raises(requests.ConnectionError):
        power(client, api, server_id, "reboot")  # carried out, then its connection dropped
    assert [entry["committed"] for entry in sim.request_log() if entry["path"].endswith("/reboot/")] == [False, True]
    rebooting = client.get(f"{api}{server_id}/").json()
    assert rebooting["status"] == "rebooting" and rebooting["updated_at"] > before["updated_at"]
    final = wait_for_status(client, api, server_id, "active")
    assert final["updated_at"] > rebooting["updated_at"]


def test_addresses_are_unique(sim, client, api):
    sim.configure(provision_delay=0)
    for _attempt in range(5):
        client.post(api, json=VALID_CREATE)
    sim.seed(count=300)
    servers = sim.servers()
    assert len({server["ip_address"] for server in servers}) == 305
    assert len({server["ipv6_address"] for server in servers}) == 305
