"""The control API under /_sim/: seeding, configuration, reset, log, stats and state views."""

import time

import pytest

from simulator_support import VALID_CREATE

from harness import SimulatorError


def test_health(sim):
    assert sim.health()["ok"] is True


def test_seed_by_count_spreads_over_the_catalogue(sim):
    servers = sim.seed(count=6)
    assert [server["name"] for server in servers] == [f"seed-{number}" for number in range(1, 7)]
    assert [server["location"] for server in servers[:3]] == ["us-west", "us-east", "eu-central"]
    assert {server["plan"]["id"] for server in servers} == {1, 2}
    assert {server["os"]["id"] for server in servers} == {3, 5}
    assert all(server["status"] == "active" and server["ip_address"] for server in servers)


def test_seed_by_count_with_defaults(sim):
    servers = sim.seed(count=3, name_prefix="db", status="stopped", location="us-east", plan_id=2, os_id=3, backups_enabled=True)
    assert [server["name"] for server in servers] == ["db-1", "db-2", "db-3"]
    assert all(server["status"] == "stopped" for server in servers)
    assert all(server["location"] == "us-east" and server["plan"]["id"] == 2 and server["backups_enabled"] for server in servers)


def test_seed_explicit_servers_takes_odd_data_as_is(sim, client, api):
    servers = sim.seed(servers=[
        {"name": "twin", "hostname": "{{ 6 * 7 }}"},
        {"name": "twin", "status": "suspended", "ssh_key_id": 3},
        {"id": 50000, "name": "has spaces & symbols", "created_at": "2025-01-10T14:30:00Z", "ip_address": None},
    ])
    assert [server["id"] for server in servers] == [10001, 10002, 50000]
    listed = client.get(api).json()["results"]
    assert listed[0]["hostname"] == "{{ 6 * 7 }}"
    assert [server["name"] for server in listed[:2]] == ["twin", "twin"]
    assert listed[1]["status"] == "suspended"
    assert listed[2]["created_at"] == "2025-01-10T14:30:00.000000Z"
    assert listed[2]["ip_address"] is None  # given explicitly, so not assigned
    assert sim.servers()[1]["ssh_key_id"] == 3
    assert client.post(api, json=VALID_CREATE).json()["id"] == 50001  # ids continue after the highest


def test_seed_with_an_id_below_existing_ones_keeps_the_list_sorted(sim, client, api):
    sim.seed(count=2)
    sim.seed(servers=[{"id": 500}])
    assert [server["id"] for server in client.get(api).json()["results"]] == [500, 10001, 10002]


@pytest.mark.parametrize("spec", [
    {"servers": [{"colour": "red"}]},
    {"servers": [{"id": "ten"}]},
    {"servers": [{"plan_id": 9}]},
    {"servers": [{"created_at": "yesterday"}]},
    {"servers": "nope"},
    {"count": -1},
    {"count": 1, "servers": []},
])
def test_seed_refuses_what_it_cannot_store(sim, spec):
    with pytest.raises(SimulatorError, match="400"):
        sim.seed(**spec)


def test_seed_refuses_a_taken_id_and_adds_nothing(sim):
    sim.seed(count=1)
    with pytest.raises(SimulatorError, match="already exists"):
        sim.seed(servers=[{"id": 20000}, {"id": 10001}])
    assert len(sim.servers()) == 1


def test_fifty_thousand_servers_can_be_seeded(sim, client):
    started = time.perf_counter()
    answer = client.post(sim.url + "/_sim/seed", json={"count": 50_000})
    print(f"\nseeded 50,000 servers in {time.perf_counter() - started:.3f} s")
    assert answer.status_code == 201
    assert answer.json()["created"] == 50_000
    assert client.get(sim.url + "/api/v1/servers/", params={"page": 50, "page_size": 1000}).json()["results"][-1]["id"] == 60000


def test_configure_and_read_config(sim):
    config = sim.configure(provision_delay=1.5, action_delay=0, credit=3)
    assert (config["provision_delay"], config["action_delay"], config["credit"]) == (1.5, 0.0, 3)
    assert sim.config() == config
    assert sim.configure(credit=None)["credit"] is None


@pytest.mark.parametrize("settings", [{"provision_delay": -1}, {"credit": "lots"}, {"token": ""}, {"page_size_max": 0}, {"colour": 1}])
def test_configure_refuses_bad_settings(sim, settings):
    with pytest.raises(SimulatorError, match="400"):
        sim.configure(**settings)


def test_reset_restores_the_start_up_config_unless_kept(sim):
    start_up = sim.config()
    sim.configure(credit=0, action_delay=9)
    sim.reset(keep_config=True)
    assert sim.config()["credit"] == 0
    sim.reset()
    assert sim.config() == start_up


def test_reset_clears_servers_log_and_counters(sim, client, api):
    sim.seed(count=2)
    client.get(api)
    sim.reset()
    assert sim.servers() == []
    assert sim.request_log() == []
    assert sim.stats()["requests_total"] == 0
    assert client.post(api, json=VALID_CREATE).json()["id"] == 10001


def test_request_log_records_every_api_request(sim, client, api):
    client.get(api, params={"status": "active"})
    client.post(api, json=VALID_CREATE)
    client.get(sim.url + "/api/v1/servers/123/", headers={"Authorization": "Bearer wrong"})
    entries = sim.request_log()
    assert [(entry["method"], entry["path"], entry["query"], entry["status"]) for entry in entries] == [
        ("GET", "/api/v1/servers/", "status=active", 200),
        ("POST", "/api/v1/servers/", "", 201),
        ("GET", "/api/v1/servers/123/", "", 401),
    ]
    assert [entry["seq"] for entry in entries] == [1, 2, 3]
    assert all(entry["fault"] is None and entry["time"].endswith("Z") for entry in entries)
    assert [entry["seq"] for entry in sim.request_log(since=2)] == [3]


def test_stats(sim, client, api):
    client.get(api)
    client.post(api, json=VALID_CREATE)
    client.post(api, json={})
    stats = sim.stats()
    assert stats["requests_total"] == 3
    assert stats["requests_by_method"] == {"GET": 1, "POST": 2}
    assert stats["requests_by_status"] == {"200": 1, "201": 1, "400": 1}
    assert stats["writes_committed"] == 1
    assert stats["servers"] == 1


def test_control_paths_and_methods(sim, client):
    assert client.get(sim.url + "/_sim/nothing").status_code == 404
    answer = client.delete(sim.url + "/_sim/log")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert client.post(sim.url + "/_sim/seed", data=b"{oops").status_code == 400
