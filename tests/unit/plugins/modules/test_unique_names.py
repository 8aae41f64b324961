# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names stay unique: concurrent creates converge on one server, renames to a taken name are refused,
and the messages for what cannot be checked or has changed meanwhile."""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsNotFoundError, VpsOutcomeUnknownError
from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet, vps_server

NEW = {"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"}
EARLIER = "2025-12-31T23:59:59Z"
LATER = "2026-01-01T00:00:05Z"


@pytest.fixture
def run(run_module):
    def run_vps_server(params, **kwargs):
        return run_module(vps_server, params, **kwargs)
    return run_vps_server


def writes(api):
    return [call[:2] for call in api.writes()]


def another_run_creates(api, created_at, **fields):
    """A create by another run, committed between this run's lookup and its check after the create."""
    def create():
        fields.setdefault("status", "provisioning")
        api.add("web-1", created_at=created_at, **fields)
    api.fail_next("list_servers", None)  # the lookup: nothing yet
    api.fail_next("list_servers", create)


def test_a_run_whose_server_was_created_later_deletes_it_and_adopts_the_earlier_one(api, run):
    another_run_creates(api, EARLIER)
    result = run(dict(NEW, state="started"))
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert result["server"]["id"] == 10002, "the earlier server is the one returned"
    assert result["server"]["status"] == "active", "the adopted server was waited for like a found one"
    assert sorted(api.servers) == [10002]
    assert writes(api) == [("create_server", dict(NEW)), ("delete_server", 10001)]
    assert "id 10002, is kept" in str(result["warnings"]) and "id 10001, was deleted" in str(result["warnings"])


def test_the_run_whose_server_was_created_first_keeps_it_and_deletes_nothing(api, run):
    another_run_creates(api, LATER)
    result = run(dict(NEW))
    assert result["server"]["id"] == 10001
    assert [call[0] for call in api.writes()] == ["create_server"]
    assert "warnings" not in result


def test_equal_creation_times_are_ordered_by_id(api, run):
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", created_at="2026-01-01T00:00:00Z", status="provisioning"))
    result = run(dict(NEW))
    assert result["server"]["id"] == 10001, "both created in the same second: the lower id wins"
    assert sorted(api.servers) == [10001, 10002], "the other run deletes its own, never this run"


def test_an_adopted_winner_with_other_immutable_fields_fails_as_a_found_server_would(api, run):
    another_run_creates(api, EARLIER, plan_id=2)
    result = run(dict(NEW))
    assert result["failed"] is True
    assert "Cannot change plan_id from 2 to 1" in result["msg"]
    assert sorted(api.servers) == [10002], "this run's own server was deleted before the conflict was reported"


def test_a_lost_create_among_several_servers_adopts_the_earliest_and_deletes_nothing(api, run):
    api.fail_next("create_server", "lost")
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", created_at=EARLIER, status="provisioning"))
    result = run(dict(NEW))
    assert result.get("failed") is not True, result
    assert result["server"]["id"] == 10002
    assert [call[0] for call in api.writes()] == ["create_server"], "which server is its own is unknown: nothing is deleted"
    assert "adopted server id 10002" in str(result["warnings"])


def test_a_fleet_converges_too(api, run_module, monkeypatch):
    monkeypatch.setattr(vps_fleet, "client_settings", lambda module: {})
    monkeypatch.setattr(vps_fleet, "VpsClient", lambda **settings: api)
    another_run_creates(api, EARLIER)
    result = run_module(vps_fleet, {"servers": [dict(NEW)]})
    assert result.get("failed") is not True, result
    assert result["results"][0]["server"]["id"] == 10002
    assert sorted(api.servers) == [10002]


def test_a_rename_to_a_name_another_server_carries_is_refused_without_a_write(api, run):
    api.add("web-1")
    taken = api.add("web-2")
    result = run({"id": 10001, "name": "web-2"})
    assert result["failed"] is True and result["changed"] is False
    assert "server id %d already carries that name" % taken in result["msg"]
    assert result["server_ids"] == [taken]
    assert api.writes() == []


def test_a_rename_to_a_free_name_is_made(api, run):
    api.add("web-1")
    result = run({"id": 10001, "name": "web-01"})
    assert result["changed"] is True
    assert api.servers[10001]["name"] == "web-01"


def test_ssh_key_id_of_an_existing_server_is_warned_about_not_ignored(api, run):
    api.add("web-1")
    result = run(dict(NEW, ssh_key_id=7))
    assert result["changed"] is False
    assert "ssh_key_id 7 cannot be checked" in str(result["warnings"])


def test_ssh_key_id_of_a_new_server_is_sent_without_a_warning(api, run):
    result = run(dict(NEW, ssh_key_id=7))
    assert api.writes()[0][1]["ssh_key_id"] == 7
    assert "warnings" not in result


@pytest.mark.parametrize("method, params", [
    ("stop_server", {"name": "web-1", "state": "stopped"}),
    ("update_server", {"name": "web-1", "hostname": "new.example.com"}),
])
def test_a_404_on_a_server_found_a_moment_before_says_it_was_deleted_meanwhile(api, run, method, params):
    api.add("web-1")
    api.fail_next(method, VpsNotFoundError("POST", "/api/v1/servers/10001/", 404, "Not found."))
    result = run(params)
    assert result["failed"] is True
    assert "server web-1 (id 10001)" in result["msg"]
    assert "was deleted meanwhile" in result["msg"]


def test_a_create_lost_twice_is_reported_as_unknown_not_as_a_crash(api, run):
    lost = VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502)
    for _attempt in range(6):
        api.fail_next("create_server", lost)
    api.timeout = 1
    result = run(dict(NEW))
    assert result["failed"] is True
    assert "outcome unknown" in result["msg"]


def test_a_lookup_that_meets_a_race_being_resolved_looks_again_before_failing(api, run):
    kept = api.add("web-1", status="active")
    extra = api.add("web-1", status="provisioning")
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.servers.pop(extra))  # the run that lost deletes its own meanwhile
    result = run({"name": "web-1"})
    assert result.get("failed") is not True, result
    assert result["server"]["id"] == kept
    assert api.writes() == []


def test_two_servers_of_one_name_that_stay_fail_the_lookup_naming_both(api, run):
    api.add("web-1")
    api.add("web-1")
    result = run({"name": "web-1"})
    assert result["failed"] is True
    assert "Found 2 servers named web-1 (ids 10001, 10002)" in result["msg"]
    assert [call[0] for call in api.calls].count("list_servers") == 3, "the lookup and two more looks"


def test_a_create_sent_again_after_a_lost_answer_says_so(api, run):
    api.fail_next("create_server", VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502))
    api.timeout = 1
    result = run(dict(NEW))
    assert len(api.servers) == 1
    assert "no server of that name appeared within api_timeout (1s), so it was created again" in str(result["warnings"])
