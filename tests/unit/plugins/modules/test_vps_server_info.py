# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_server_info: filters go to the API, names match exactly, an unknown id is an empty list."""

from __future__ import annotations

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError
from ansible_collections.vpsorg.cloud.plugins.modules import vps_server_info


def test_lists_every_server(api, run_module):
    api.add("web-1")
    api.add("web-2", status="stopped", location="us-east")
    result = run_module(vps_server_info, {})
    assert result["changed"] is False
    assert [server["name"] for server in result["servers"]] == ["web-1", "web-2"]


def test_status_and_location_are_sent_to_the_api(api, run_module):
    api.add("web-1")
    api.add("web-2", location="us-east")
    result = run_module(vps_server_info, {"status": "active", "location": "us-east"})
    assert api.calls == [("list_servers", "active", "us-east")]
    assert [server["name"] for server in result["servers"]] == ["web-2"]


def test_name_is_matched_exactly_on_the_client_side(api, run_module):
    api.add("web-1")
    api.add("web-10")
    api.add("web-1")
    result = run_module(vps_server_info, {"name": "web-1"})
    assert [server["id"] for server in result["servers"]] == [10001, 10003]


def test_id_returns_the_detail_view(api, run_module):
    server_id = api.add("web-1", backups_enabled=True)
    result = run_module(vps_server_info, {"id": server_id})
    assert result["servers"][0]["backups_enabled"] is True
    assert "resource_usage" in result["servers"][0]


def test_unknown_id_is_an_empty_list_not_an_error(api, run_module):
    result = run_module(vps_server_info, {"id": 4242})
    # Cores before 2.21 add the module's arguments as "invocation"; 2.21 no longer does.
    result.pop("invocation", None)
    assert result == {"changed": False, "servers": []}


def test_nothing_found_is_not_an_error(api, run_module):
    result = run_module(vps_server_info, {"name": "nope"})
    assert result["servers"] == [] and "failed" not in result


def test_runs_in_check_mode(api, run_module):
    api.add("web-1")
    result = run_module(vps_server_info, {}, check=True)
    assert len(result["servers"]) == 1


def test_api_error_is_one_clear_line(api, run_module):
    api.fail_next("list_servers", VpsApiError("GET", "/api/v1/servers/", 401, "Invalid token.", body={"detail": "Invalid token."}))
    result = run_module(vps_server_info, {})
    assert result["failed"] is True
    assert result["msg"] == "Failed to list servers: GET /api/v1/servers/ answered 401: Invalid token."
    assert result["status"] == 401
    assert "unit-test-token" not in str(result)
