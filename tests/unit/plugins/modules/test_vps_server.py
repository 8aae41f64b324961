# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_server: each state x missing / existing / transitional x check mode, and the failure paths.

Elsewhere: lost answers and unknown outcomes (test_vps_server_lost_answers.py), concurrent creates of one name
(test_vps_server_concurrent_creates.py), renames (test_vps_server_rename.py).
"""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsNotFoundError
from ansible_collections.vpsorg.cloud.plugins.modules import vps_server

NEW = {"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"}


def called(api):
    return [call[0] for call in api.calls]


# present

def test_present_creates_a_missing_server_and_waits_until_active(api, run_server):
    result = run_server(dict(NEW, hostname="web-1.example.com", backups_enabled=True))
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert result["server"]["ip_address"]
    assert result["server"]["backups_enabled"] is True
    assert [call[0] for call in api.writes()] == ["create_server"]
    assert api.writes()[0][1] == dict(NEW, hostname="web-1.example.com", backups_enabled=True)
    assert len(api.servers) == 1


def test_present_check_mode_predicts_the_server_and_writes_nothing(api, run_server):
    result = run_server(dict(NEW), check=True, diff=True)
    assert result["changed"] is True
    assert result["server"]["name"] == "web-1"
    assert result["server"]["status"] == "provisioning" or result["server"]["status"] == "active"
    assert api.writes() == [] and api.servers == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["plan_id"] == 1 and result["diff"]["after"]["location"] == "us-west"


def test_present_with_wait_false_returns_the_api_answer_at_once(api, run_server):
    result = run_server(dict(NEW, wait=False))
    assert result["server"]["status"] == "provisioning"
    assert called(api) == ["list_servers", "create_server", "list_servers"]


def test_present_unchanged_by_name_costs_one_list_and_one_detail_read(api, run_server):
    api.add("web-1", hostname="web-1.example.com")
    result = run_server(dict(NEW, hostname="web-1.example.com"))
    assert result["changed"] is False
    assert called(api) == ["list_servers", "get_server"]
    assert "resource_usage" in result["server"]


def test_present_unchanged_by_id_costs_one_read(api, run_server):
    server_id = api.add("web-1")
    result = run_server({"id": server_id, "name": "web-1"})
    assert result["changed"] is False
    assert called(api) == ["get_server"]


def test_present_patches_only_the_differing_fields(api, run_server):
    api.add("web-1", hostname="old.example.com", backups_enabled=True)
    result = run_server({"name": "web-1", "hostname": "new.example.com", "backups_enabled": True}, diff=True)
    assert result["changed"] is True
    assert api.writes() == [("update_server", 10001, {"hostname": "new.example.com"})]
    assert result["server"]["hostname"] == "new.example.com"
    assert result["diff"]["before"]["hostname"] == "old.example.com"
    assert result["diff"]["after"]["hostname"] == "new.example.com"
    assert result["diff"]["before"]["backups_enabled"] is True


def test_backups_are_compared_from_the_detail_view_only_when_asked(api, run_server):
    api.add("web-1", backups_enabled=False)
    run_server({"name": "web-1", "backups_enabled": True})
    assert called(api) == ["list_servers", "get_server", "update_server"]
    assert api.writes() == [("update_server", 10001, {"backups_enabled": True})]


def test_update_in_check_mode_writes_nothing_and_predicts(api, run_server):
    api.add("web-1", hostname="old.example.com")
    result = run_server({"name": "web-1", "hostname": "new.example.com"}, check=True)
    assert result["changed"] is True
    assert result["server"]["hostname"] == "new.example.com"
    assert api.writes() == []


def test_present_never_changes_the_power_state(api, run_server):
    api.add("web-1", status="stopped")
    result = run_server(dict(NEW))
    assert result["changed"] is False
    assert result["server"]["status"] == "stopped"
    assert api.writes() == []


def test_present_waits_out_a_transition_of_an_existing_server(api, run_server):
    api.add("web-1", status="provisioning")
    result = run_server(dict(NEW))
    assert result["changed"] is False
    assert result["server"]["status"] == "active"


def test_ssh_key_id_of_an_existing_server_is_warned_about_not_ignored(api, run_server):
    api.add("web-1")
    result = run_server(dict(NEW, ssh_key_id=7))
    assert result["changed"] is False
    assert "ssh_key_id 7 cannot be checked" in str(result["warnings"])


def test_ssh_key_id_of_a_new_server_is_sent_without_a_warning(api, run_server):
    result = run_server(dict(NEW, ssh_key_id=7))
    assert api.writes()[0][1]["ssh_key_id"] == 7
    assert "warnings" not in result


@pytest.mark.parametrize("field, value, current", [("plan_id", 2, 1), ("os_id", 3, 5), ("location", "us-east", "us-west")])
def test_immutable_change_fails_naming_field_current_and_requested(api, run_server, field, value, current):
    api.add("web-1")
    result = run_server(dict(NEW, **{field: value}))
    assert result["failed"] is True
    assert "%s from %s to %s" % (field, current, value) in result["msg"]
    assert api.writes() == []


def test_duplicate_names_fail_listing_the_ids_and_write_nothing(api, run_server):
    api.add("web-1")
    api.add("web-1")
    result = run_server(dict(NEW, state="absent"))
    assert result["failed"] is True
    assert "Found 2 servers named web-1 (ids 10001, 10002)" in result["msg"]
    assert result["server_ids"] == [10001, 10002]
    assert api.writes() == []


def test_missing_create_fields_are_named_and_nothing_is_written(api, run_server):
    result = run_server({"name": "web-1", "plan_id": 1})
    assert result["failed"] is True
    assert "os_id, location" in result["msg"]
    assert "plan_id" not in result["msg"].split("needs")[1]
    assert api.writes() == []


def test_unknown_id_cannot_be_created(api, run_server):
    result = run_server({"id": 99, "name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"})
    assert result["failed"] is True
    assert "No server with id 99" in result["msg"]
    assert api.writes() == []


@pytest.mark.parametrize("params, fragment", [
    ({"name": "web_1"}, "name may contain only letters, digits and hyphens"),
    ({"name": "x" * 64}, "name must be at most 63 characters"),
    ({"name": "web-1", "plan_id": 0}, "plan_id must be a positive integer, got 0"),
    ({"name": "web-1", "os_id": -5}, "os_id must be a positive integer, got -5"),
    ({"id": 0}, "id must be a positive integer"),
    ({"name": "web-1", "hostname": "bad host"}, "hostname must be a fully qualified domain name"),
    ({"name": "web-1", "location": " "}, "location must not be empty"),
    ({"name": "web-1", "wait_timeout": 0}, "wait_timeout must be a positive number"),
])
def test_bad_input_is_refused_before_any_request(api, run_server, params, fragment):
    result = run_server(params)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert api.calls == []


def test_id_or_name_is_required(api, run_server):
    result = run_server({"state": "absent"})
    assert result["failed"] is True
    assert "one of the following is required: id, name" in result["msg"]


# started

def test_started_creates_and_waits_until_active(api, run_server):
    result = run_server(dict(NEW, state="started"))
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert [call[0] for call in api.writes()] == ["create_server"]


def test_started_starts_a_stopped_server(api, run_server):
    api.add("web-1", status="stopped")
    result = run_server({"name": "web-1", "state": "started"}, diff=True)
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert [call[0] for call in api.writes()] == ["start_server"]
    assert result["diff"]["before"]["status"] == "stopped" and result["diff"]["after"]["status"] == "active"


def test_started_on_an_active_server_is_unchanged(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "started"})
    assert result["changed"] is False
    assert api.writes() == []


def test_started_waits_for_a_stopping_server_then_starts_it(api, run_server):
    api.add("web-1", status="stopping")
    result = run_server({"name": "web-1", "state": "started"})
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert [call[0] for call in api.writes()] == ["start_server"]


def test_started_on_a_provisioning_server_only_waits(api, run_server):
    api.add("web-1", status="provisioning")
    result = run_server({"name": "web-1", "state": "started"})
    assert result["changed"] is False
    assert result["server"]["status"] == "active"
    assert api.writes() == []


@pytest.mark.parametrize("state", ["started", "stopped", "restarted"])
def test_suspended_server_fails_clearly(api, run_server, state):
    api.add("web-1", status="suspended")
    result = run_server({"name": "web-1", "state": state})
    assert result["failed"] is True
    assert "suspended by the provider" in result["msg"]
    assert api.writes() == []


def test_started_check_mode_on_stopped_server(api, run_server):
    api.add("web-1", status="stopped")
    result = run_server({"name": "web-1", "state": "started"}, check=True)
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert api.writes() == []


# stopped

def test_stopped_creates_waits_then_stops_a_new_server(api, run_server):
    result = run_server(dict(NEW, state="stopped", wait=False))
    assert result["changed"] is True
    assert [call[0] for call in api.writes()] == ["create_server", "stop_server"]
    assert result["server"]["status"] in ("stopping", "stopped")


def test_stopped_stops_an_active_server_and_waits(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "stopped"})
    assert result["changed"] is True
    assert result["server"]["status"] == "stopped"


def test_stopped_waits_for_a_starting_server_then_stops_it(api, run_server):
    api.add("web-1", status="starting")
    result = run_server({"name": "web-1", "state": "stopped"})
    assert result["server"]["status"] == "stopped"
    assert [call[0] for call in api.writes()] == ["stop_server"]


def test_stopped_on_a_stopped_server_is_unchanged(api, run_server):
    api.add("web-1", status="stopped")
    result = run_server({"name": "web-1", "state": "stopped"})
    assert result["changed"] is False
    assert api.writes() == []


def test_stopped_check_mode_on_missing_server(api, run_server):
    result = run_server(dict(NEW, state="stopped"), check=True)
    assert result["changed"] is True
    assert result["server"]["status"] == "stopped"
    assert api.writes() == []


# restarted

def test_restarted_reboots_an_active_server_always_changed(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "restarted"})
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert [call[0] for call in api.writes()] == ["reboot_server"]


def test_restarted_starts_a_stopped_server(api, run_server):
    api.add("web-1", status="stopped")
    run_server({"name": "web-1", "state": "restarted"})
    assert [call[0] for call in api.writes()] == ["start_server"]


def test_restarted_creates_a_missing_server_without_rebooting_it(api, run_server):
    result = run_server(dict(NEW, state="restarted"))
    assert result["changed"] is True
    assert [call[0] for call in api.writes()] == ["create_server"]


def test_restarted_check_mode_writes_nothing(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "restarted"}, check=True)
    assert result["changed"] is True
    assert api.writes() == []


# absent

def test_absent_deletes_an_existing_server(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "absent"}, diff=True)
    assert result["changed"] is True
    assert api.servers == {}
    assert result["server"]["name"] == "web-1"
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["name"] == "web-1"


def test_absent_on_a_missing_server_is_unchanged(api, run_server):
    result = run_server({"name": "web-1", "state": "absent"})
    assert result["changed"] is False
    assert api.writes() == []


def test_absent_by_id_on_a_missing_server_is_unchanged(api, run_server):
    result = run_server({"id": 4242, "state": "absent"})
    assert result["changed"] is False
    assert called(api) == ["get_server"]


def test_absent_404_on_delete_means_already_gone(api, run_server):
    server_id = api.add("web-1")
    api.fail_next("delete_server", lambda: api.servers.pop(server_id) and None)
    result = run_server({"name": "web-1", "state": "absent"})
    assert result["changed"] is False


def test_absent_check_mode_writes_nothing(api, run_server):
    api.add("web-1")
    result = run_server({"name": "web-1", "state": "absent"}, check=True)
    assert result["changed"] is True
    assert len(api.servers) == 1
    assert api.writes() == []


# power actions the API refused

def test_power_action_refused_because_already_moving_succeeds(api, run_server):
    server_id = api.add("web-1", status="stopped")

    def someone_else_starts_it():
        api.servers[server_id]["status"] = "starting"
        api.servers[server_id]["_settle"] = (api.clock.now + 5, "active")
        return VpsApiError("POST", "/api/v1/servers/%d/start/" % server_id, 400, "Server is already running.")

    api.fail_next("start_server", someone_else_starts_it)
    result = run_server({"name": "web-1", "state": "started"})
    assert result.get("failed") is not True
    assert result["server"]["status"] == "active"


def test_power_action_refused_for_another_reason_fails_with_the_api_message(api, run_server):
    api.add("web-1", status="stopped")
    api.fail_next("start_server", VpsApiError("POST", "/api/v1/servers/10001/start/", 400, "Maintenance window.", body={"detail": "Maintenance window."}))
    result = run_server({"name": "web-1", "state": "started"})
    assert result["failed"] is True
    assert result["msg"] == ("Failed to start server web-1 (id 10001): POST /api/v1/servers/10001/start/ answered 400: Maintenance window.")
    assert result["status"] == 400 and result["method"] == "POST" and result["body"] == {"detail": "Maintenance window."}


# waiting and errors

def test_wait_timeout_fails_with_the_last_status_and_time_waited(api, run_server):
    api.transition_seconds = 10000
    result = run_server(dict(NEW, wait_timeout=30))
    assert result["failed"] is True
    assert result["changed"] is True
    assert "last status seen: provisioning" in result["msg"]
    assert "timed out after" in result["msg"]


def test_api_error_message_has_the_documented_form(api, run_server):
    api.fail_next("create_server", VpsApiError("POST", "/api/v1/servers/", 402, "Insufficient credits.", body={"detail": "Insufficient credits."}))
    result = run_server(dict(NEW))
    assert result["failed"] is True
    assert result["msg"] == "Failed to create server web-1: POST /api/v1/servers/ answered 402: Insufficient credits."
    assert result["status"] == 402 and result["path"] == "/api/v1/servers/"
    assert "Traceback" not in result["msg"]


@pytest.mark.parametrize("method, params", [
    ("stop_server", {"name": "web-1", "state": "stopped"}),
    ("update_server", {"name": "web-1", "hostname": "new.example.com"}),
])
def test_a_404_on_a_server_found_a_moment_before_says_it_was_deleted_meanwhile(api, run_server, method, params):
    api.add("web-1")
    api.fail_next(method, VpsNotFoundError("POST", "/api/v1/servers/10001/", 404, "Not found."))
    result = run_server(params)
    assert result["failed"] is True
    assert "server web-1 (id 10001)" in result["msg"]
    assert "was deleted meanwhile" in result["msg"]


def test_missing_token_names_option_and_environment_variable(monkeypatch, capsys):
    import json
    from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args
    monkeypatch.delenv("VPS_API_TOKEN", raising=False)
    with module_args({"name": "web-1"}):
        with pytest.raises(SystemExit):
            vps_server.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert "api_token" in result["msg"] and "VPS_API_TOKEN" in result["msg"]


def test_diff_shows_backups_before_a_change_found_by_name(api, run_server):
    api.add("web-1", backups_enabled=True)
    result = run_server({"name": "web-1", "backups_enabled": False}, diff=True)
    assert result["diff"]["before"]["backups_enabled"] is True
    assert result["diff"]["after"]["backups_enabled"] is False


def test_diff_of_a_power_change_keeps_backups_equal_on_both_sides(api, run_server):
    api.add("web-1", backups_enabled=True)
    result = run_server({"name": "web-1", "state": "stopped"}, diff=True)
    assert result["diff"]["before"] == {"name": "web-1", "hostname": None, "status": "active", "backups_enabled": True}
    assert result["diff"]["after"] == {"name": "web-1", "hostname": None, "status": "stopped", "backups_enabled": True}


def test_a_refused_create_reports_no_change(api, run_server):
    api.fail_next("create_server", VpsApiError("POST", "/api/v1/servers/", 400, "plan_id: Invalid pk \"99\" - object does not exist."))
    result = run_server(dict(NEW))
    assert result["failed"] is True
    assert result["changed"] is False


# The request cost of each transition (docs/docsite/rst/guide_api_requests.rst). A transition shorter than the first
# poll interval costs exactly one poll, so these sequences are the documented minimum. A create is
# followed by one listing of its name (concurrent creates), a rename by one listing of the new name.
L = "list_servers"
G = "get_server"
C = "create_server"
P = "update_server"
D = "delete_server"


@pytest.mark.parametrize("existing, params, check, expected", [
    (None, dict(NEW), False, [L, C, L, G]),
    (None, dict(NEW, wait=False), False, [L, C, L]),
    (None, dict(NEW, state="stopped"), False, [L, C, L, G, "stop_server", G]),
    (None, dict(NEW), True, [L]),
    ("active", {"name": "web-1"}, False, [L, G]),
    ("active", {"id": 10001}, False, [G]),
    ("active", {"name": "web-1", "hostname": "new.example.com"}, False, [L, P]),
    ("active", {"name": "web-1", "backups_enabled": True}, False, [L, G, P]),
    ("active", {"id": 10001, "name": "web-01"}, False, [G, L, P]),
    ("active", {"name": "web-1", "state": "stopped"}, False, [L, "stop_server", G]),
    ("active", {"name": "web-1", "state": "stopped", "wait": False}, False, [L, "stop_server"]),
    ("stopped", {"name": "web-1", "state": "started"}, False, [L, "start_server", G]),
    ("active", {"name": "web-1", "state": "restarted"}, False, [L, "reboot_server", G]),
    ("active", {"id": 10001, "state": "stopped"}, False, [G, "stop_server", G]),
    ("active", {"name": "web-1", "state": "absent"}, False, [L, D]),
    ("active", {"id": 10001, "state": "absent"}, False, [G, D]),
    (None, {"name": "web-1", "state": "absent"}, False, [L]),
    ("active", {"name": "web-1", "state": "stopped"}, True, [L, G]),
    ("active", {"name": "web-1", "state": "absent"}, True, [L, G]),
])
def test_request_cost_of_each_transition(api, run_server, existing, params, check, expected):
    api.transition_seconds = 0.4
    if existing:
        api.add("web-1", status=existing)
    result = run_server(params, check=check)
    assert "failed" not in result, result.get("msg")
    assert called(api) == expected


@pytest.mark.parametrize("seconds, fewest, most", [(0.4, 1, 1), (1, 2, 4), (3, 2, 4), (180, 85, 95)])
def test_polls_of_a_transition_as_the_api_requests_guide_counts_them(api, run_server, seconds, fewest, most):
    # guide_api_requests.rst: one poll for a transition shorter than the first interval, 2-4 for a few seconds, about
    # 90 for a 3-minute provisioning (on the fake clock; the simulator counts the short ones: test_transition_requests.py).
    api.transition_seconds = seconds
    run_server(dict(NEW))
    polls = called(api)[3:]
    assert polls == ["get_server"] * len(polls) and fewest <= len(polls) <= most, len(polls)
