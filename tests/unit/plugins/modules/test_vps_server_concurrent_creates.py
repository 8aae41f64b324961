# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names stay unique when runs create at once: concurrent creates of one name converge on one server (the one
created first, by creation time then id, is kept and adopted; a run deletes only its own), and a lookup that meets a
race being resolved looks again before it fails."""

from __future__ import annotations

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsOutcomeUnknownError
from ansible_collections.vpsorg.cloud.plugins.modules import vps_fleet

NEW = {"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"}
EARLIER = "2025-12-31T23:59:59Z"
LATER = "2026-01-01T00:00:05Z"


def writes(api):
    return [call[:2] for call in api.writes()]


def another_run_creates(api, created_at, **fields):
    """A create by another run, committed between this run's lookup and its check after the create."""
    def create():
        fields.setdefault("status", "provisioning")
        api.add("web-1", created_at=created_at, **fields)
    api.fail_next("list_servers", None)  # the lookup: nothing yet
    api.fail_next("list_servers", create)


def test_a_run_whose_server_was_created_later_deletes_it_and_adopts_the_earlier_one(api, run_server):
    another_run_creates(api, EARLIER)
    result = run_server(dict(NEW, state="started"))
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert result["server"]["id"] == 10002, "the earlier server is the one returned"
    assert result["server"]["status"] == "active", "the adopted server was waited for like a found one"
    assert sorted(api.servers) == [10002]
    assert writes(api) == [("create_server", dict(NEW)), ("delete_server", 10001)]
    assert "id 10002, is kept" in str(result["warnings"]) and "id 10001, was deleted" in str(result["warnings"])


def test_the_run_whose_server_was_created_first_keeps_it_and_deletes_nothing(api, run_server):
    another_run_creates(api, LATER)
    result = run_server(dict(NEW))
    assert result["server"]["id"] == 10001
    assert [call[0] for call in api.writes()] == ["create_server"]
    assert "warnings" not in result


def test_equal_creation_times_are_ordered_by_id(api, run_server):
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", created_at="2026-01-01T00:00:00Z", status="provisioning"))
    result = run_server(dict(NEW))
    assert result["server"]["id"] == 10001, "both created in the same second: the lower id wins"
    assert sorted(api.servers) == [10001, 10002], "the other run deletes its own, never this run"


def test_an_adopted_winner_with_other_immutable_fields_fails_as_a_found_server_would(api, run_server):
    another_run_creates(api, EARLIER, plan_id=2)
    result = run_server(dict(NEW))
    assert result["failed"] is True
    assert "Cannot change plan_id from 2 to 1" in result["msg"]
    assert sorted(api.servers) == [10002], "this run's own server was deleted before the conflict was reported"


def test_a_lost_create_among_several_servers_adopts_the_earliest_and_deletes_nothing(api, run_server):
    api.fail_next("create_server", "lost")
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", created_at=EARLIER, status="provisioning"))
    result = run_server(dict(NEW))
    assert result.get("failed") is not True, result
    assert result["server"]["id"] == 10002
    assert [call[0] for call in api.writes()] == ["create_server"], "which server is its own is unknown: nothing is deleted"
    assert "adopted server id 10002" in str(result["warnings"])


def test_a_create_sent_again_after_a_lost_answer_converges_like_any_other_and_deletes_its_own_server(api, run_server):
    api.timeout = 1
    api.fail_next("create_server", VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502))
    # The lookup, the listing after the lost answer and the two polls of api_timeout show nothing; by the check after the
    # create sent again, an earlier server of the name has appeared (another run's, or the first create landing late).
    for _listing in range(4):
        api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", created_at=EARLIER, status="provisioning"))
    result = run_server(dict(NEW))
    assert result.get("failed") is not True, result
    assert result["server"]["id"] == 10002
    assert sorted(api.servers) == [10002], "the run's own server, whose id the create sent again answered, is deleted"
    assert writes(api) == [("create_server", dict(NEW)), ("create_server", dict(NEW)), ("delete_server", 10001)]
    assert ("Another server web-1 appeared after this run sent its create again (another run's, or this run's first create "
            "landing late). The earliest, id 10002, is kept; this run's own server, id 10001, was deleted.") in str(result["warnings"])


def test_a_fleet_converges_too(api, run_module, monkeypatch):
    monkeypatch.setattr(vps_fleet, "client_settings", lambda module: {})
    monkeypatch.setattr(vps_fleet, "VpsClient", lambda **settings: api)
    another_run_creates(api, EARLIER)
    result = run_module(vps_fleet, {"servers": [dict(NEW)]})
    assert result.get("failed") is not True, result
    assert result["results"][0]["server"]["id"] == 10002
    assert sorted(api.servers) == [10002]


def test_a_lookup_that_meets_a_race_being_resolved_looks_again_before_failing(api, run_server):
    kept = api.add("web-1", status="active")
    extra = api.add("web-1", status="provisioning")
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.servers.pop(extra))  # the run that lost deletes its own meanwhile
    result = run_server({"name": "web-1"})
    assert result.get("failed") is not True, result
    assert result["server"]["id"] == kept
    assert api.writes() == []


def test_two_servers_of_one_name_that_stay_fail_the_lookup_naming_both(api, run_server):
    api.add("web-1")
    api.add("web-1")
    result = run_server({"name": "web-1"})
    assert result["failed"] is True
    assert "Found 2 servers named web-1 (ids 10001, 10002)" in result["msg"]
    assert [call[0] for call in api.calls].count("list_servers") == 3, "the lookup and two more looks"
