# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_fleet reads a server's detail view only where its DOCUMENTATION says: backups_enabled, check mode, a server
missing from a listing while it is waited for, a power action whose answer was lost or refused. Every other server is
seen through the shared listings only (test_vps_fleet.py: a fleet of new servers reads no detail view)."""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError
from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet

WEB = {"plan_id": 1, "os_id": 5, "location": "us-west"}


@pytest.fixture
def run(run_module, api, monkeypatch):
    monkeypatch.setattr(vps_fleet, "client_settings", lambda module: {})
    monkeypatch.setattr(vps_fleet, "VpsClient", lambda **settings: api)

    def run_fleet(servers, check=False):
        result = run_module(vps_fleet, {"servers": servers}, check=check)
        return {item["name"]: item for item in result["results"]}
    return run_fleet


def detail_reads(api):
    return sorted(call[1] for call in api.requests() if call[0] == "get_server")


def test_backups_enabled_reads_the_detail_view_of_an_existing_server_that_sets_it(api, run):
    web1, web2 = api.add("web-1"), api.add("web-2")
    results = run([{"name": "web-1", "backups_enabled": False}, {"name": "web-2"}, dict(WEB, name="web-3", backups_enabled=True)])
    # Only web-1's, once, unchanged as it is; a new server's create answers with backups_enabled.
    assert detail_reads(api) == [web1]
    assert "ipv6_address" in results["web-1"]["server"] and "ipv6_address" not in results["web-2"]["server"]
    assert api.servers[web2]["name"] == "web-2" and not results["web-1"]["changed"]


def test_check_mode_reads_the_detail_view_of_each_existing_server(api, run):
    web1, web2 = api.add("web-1"), api.add("web-2", status="stopped")
    results = run([{"name": "web-1"}, {"name": "web-2", "state": "absent"}, dict(WEB, name="web-3")], check=True)
    assert detail_reads(api) == [web1, web2]
    assert "resource_usage" in results["web-1"]["server"] and results["web-3"]["changed"]


def test_a_server_missing_from_a_listing_while_waited_for_is_read_by_its_detail_view(api, run):
    web1 = api.add("web-1")
    listing = api.list_servers

    def without_web1_after_the_first(*args, **kwargs):
        servers = listing(*args, **kwargs)
        first = [call for call in api.calls if call[0] == "list_servers"] == [("list_servers", None, None)]
        return servers if first else [server for server in servers if server["id"] != web1]

    api.list_servers = without_web1_after_the_first
    results = run([{"name": "web-1", "state": "stopped"}])
    assert results["web-1"]["server"]["status"] == "stopped"
    assert detail_reads(api) and set(detail_reads(api)) == {web1}


@pytest.mark.parametrize("fault", ["lost", VpsApiError("POST", "/api/v1/servers/10001/stop/", 400, "Server is stopping.")])
def test_a_power_action_whose_answer_was_lost_or_refused_is_checked_by_a_detail_read(api, run, fault):
    web1 = api.add("web-1")
    if fault != "lost":
        api.fail_next("stop_server", lambda: api.land("stop", web1) and fault)
    else:
        api.fail_next("stop_server", fault)
    results = run([{"name": "web-1", "state": "stopped"}, {"name": "web-2", "state": "absent"}])
    assert not results["web-1"]["failed"], results["web-1"].get("msg")
    # One read, to see the stop carried out; then the shared listings again.
    assert detail_reads(api) == [web1]
