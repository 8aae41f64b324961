# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_fleet: many servers in one task, one listing, failures kept apart."""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet

WEB = {"plan_id": 1, "os_id": 5, "location": "us-west"}


@pytest.fixture
def run(run_module, api, monkeypatch):
    monkeypatch.setattr(vps_fleet, "client_settings", lambda module: {})
    monkeypatch.setattr(vps_fleet, "VpsClient", lambda **settings: api)

    def run_fleet(servers, **kwargs):
        params = {"servers": servers}
        params.update(kwargs.pop("params", {}))
        return run_module(vps_fleet, params, **kwargs)
    return run_fleet


def test_creates_every_missing_server_with_one_listing(api, run):
    result = run([dict(WEB, name="web-%d" % index) for index in range(1, 6)])
    assert result["changed"] is True
    assert [item["name"] for item in result["results"]] == ["web-%d" % index for index in range(1, 6)]
    assert all(item["server"]["status"] == "active" for item in result["results"])
    assert len(api.servers) == 5
    methods = [call[0] for call in api.requests()]
    assert methods[0] == "list_servers", "one listing finds every server before the first create"
    assert methods.count("create_server") == 5
    assert methods.count("get_server") == 0, "the fleet waits on listings, never on detail views"


def test_a_second_run_changes_nothing(api, run):
    fleet = [dict(WEB, name="web-1"), dict(WEB, name="web-2", state="stopped")]
    run(fleet)
    api.calls.clear()
    result = run(fleet)
    assert result["changed"] is False
    assert api.writes() == []


def test_states_per_server(api, run):
    api.add("old-1")
    api.add("db-1")
    result = run([dict(WEB, name="web-1"), {"name": "db-1", "state": "stopped"}, {"name": "old-1", "state": "absent"}])
    states = {item["name"]: item for item in result["results"]}
    assert states["web-1"]["server"]["status"] == "active"
    assert states["db-1"]["server"]["status"] == "stopped"
    assert states["old-1"]["changed"] is True
    assert sorted(server["name"] for server in api.servers.values()) == ["db-1", "web-1"]


def test_one_failure_does_not_stop_the_others_and_is_named(api, run):
    api.add("web-1", plan_id=1)
    result = run([dict(WEB, name="web-1", plan_id=2), dict(WEB, name="web-2")])
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 2 servers failed: web-1: Cannot change plan_id")
    assert result["results"][1]["server"]["status"] == "active"
    assert result["results"][0]["failed"] is True
    assert result["changed"] is True


def test_repeated_names_are_refused_before_any_request(api, run):
    result = run([dict(WEB, name="web-1"), dict(WEB, name="web-1")])
    assert result["failed"] is True
    assert "web-1" in result["msg"]
    assert api.requests() == []


def test_check_mode_writes_nothing_and_diff_is_keyed_by_name(api, run):
    api.add("web-2")
    result = run([dict(WEB, name="web-1"), {"name": "web-2", "state": "stopped"}], check=True, diff=True)
    assert result["changed"] is True
    assert api.writes() == []
    assert result["diff"]["before"]["web-2"]["status"] == "active"
    assert result["diff"]["after"]["web-2"]["status"] == "stopped"
    assert result["diff"]["before"]["web-1"] == {}


def test_bad_entry_is_named_by_ansible(api, run):
    result = run([{"name": "web-1", "plan_id": "one"}])
    assert result["failed"] is True
    assert "plan_id" in result["msg"]
    assert api.requests() == []
