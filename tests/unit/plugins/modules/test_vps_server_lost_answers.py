# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_server when an answer is lost or a write's outcome is unknown (the module's side of the client's
VpsOutcomeUnknownError).

A create whose answer was lost is looked for before anything else: the server that appears is adopted, and a create
is sent again only when none appeared within api_timeout. A power action whose answer was lost is checked, and sent
again only when the server shows it was not carried out (a reboot at most twice in all: the rule and its tests are in
test_vps_server_lost_power.py). A write a gateway refused (502/503/504: not carried out) is sent again within the retry
budget of reads. What cannot be known is said, with what to do. Several of these were found by the reliability suite
(tests/reliability/): a create that timed out and was sent again while the API was still carrying out the first one
(two servers of one name, fault mode slow>timeout); a lost power answer followed by a failed re-read that did not say
the action may have happened (outage mode); gateway-refused writes sent at most 3 or 4 times whatever api_retries said
(gateway-30%).
"""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsOutcomeUnknownError

NEW = {"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"}
TIMED_OUT = VpsOutcomeUnknownError("POST", "/api/v1/servers/", "no answer within 2s", in_flight=True)


def writes(api):
    return [call[0] for call in api.writes()]


# creates

def test_lost_create_answer_adopts_the_server_that_appeared(api, run_server):
    api.fail_next("create_server", "lost")
    result = run_server(dict(NEW, state="started"))
    assert result["changed"] is True
    assert len(api.servers) == 1
    assert result["server"]["status"] == "active"
    assert writes(api) == ["create_server"]
    assert "adopted server id 10001" in str(result["warnings"])


def test_create_lost_before_it_was_processed_is_sent_again_once(api, run_server):
    api.fail_next("create_server", VpsOutcomeUnknownError("POST", "/api/v1/servers/", "connection failed"))
    result = run_server(dict(NEW))
    assert result["changed"] is True
    assert len(api.servers) == 1
    assert writes(api) == ["create_server", "create_server"]


def test_lost_create_when_the_check_fails_too_says_what_is_unknown(api, run_server):
    api.fail_next("create_server", "lost")
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", VpsApiError("GET", "/api/v1/servers/", 503, "Service Unavailable", attempts=6))
    result = run_server(dict(NEW))
    assert result["failed"] is True
    assert "may or may not exist" in result["msg"]
    assert result["outcome"] == "unknown"
    # A re-run adopts the server instead of creating a second one.
    rerun = run_server(dict(NEW))
    assert rerun["changed"] is False
    assert len(api.servers) == 1


def test_a_timed_out_create_that_lands_late_is_adopted_not_sent_again(api, run_server):
    api.timeout = 2
    api.fail_next("create_server", TIMED_OUT)

    def the_api_finishes_the_create():
        api.add("web-1", status="provisioning")

    # The module's lookup and the listing right after the timeout do not show it yet; the next one does.
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", None)
    api.fail_next("list_servers", the_api_finishes_the_create)
    result = run_server(dict(NEW))
    assert result.get("failed") is not True, result
    assert writes(api) == ["create_server"]
    assert [server["name"] for server in api.servers.values()] == ["web-1"]
    assert "adopted server id 10001" in str(result["warnings"])


def test_a_timed_out_create_that_never_lands_is_sent_again_after_waiting_as_long_again(api, run_server, clock):
    api.timeout = 2
    api.fail_next("create_server", TIMED_OUT)
    started = clock.now
    result = run_server(dict(NEW))
    assert result["changed"] is True
    assert writes(api) == ["create_server", "create_server"]
    assert len(api.servers) == 1
    assert clock.now - started >= 2


def test_a_create_answered_by_a_gateway_error_is_given_api_timeout_to_appear_before_it_is_sent_again(api, run_server, clock):
    api.timeout = 30
    api.fail_next("create_server", VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 503", status=503))
    started = clock.now
    run_server(dict(NEW))
    assert writes(api) == ["create_server", "create_server"]
    assert clock.now - started >= 30


@pytest.mark.parametrize("lost", [
    VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502),
    VpsOutcomeUnknownError("POST", "/api/v1/servers/", "connection failed: Connection aborted."),
])
def test_a_create_whose_answer_was_lost_and_that_the_api_commits_late_ends_in_one_server(api, run_server, lost):
    api.timeout = 30
    api.fail_next("create_server", lost)
    # The module's lookup, the listing right after the lost answer and two polls do not show it yet.
    for _listing in range(4):
        api.fail_next("list_servers", None)
    api.fail_next("list_servers", lambda: api.add("web-1", status="provisioning"))
    result = run_server(dict(NEW))
    assert result.get("failed") is not True, result
    assert writes(api) == ["create_server"]
    assert [server["name"] for server in api.servers.values()] == ["web-1"]
    assert result["server"]["id"] == 10001


def test_a_create_sent_again_after_a_lost_answer_says_so(api, run_server):
    api.fail_next("create_server", VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502))
    api.timeout = 1
    result = run_server(dict(NEW))
    assert len(api.servers) == 1
    assert "no server of that name appeared within api_timeout (1s), so it was created again" in str(result["warnings"])


def test_a_create_lost_twice_is_reported_as_unknown_not_as_a_crash(api, run_server):
    lost = VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502)
    for _attempt in range(6):
        api.fail_next("create_server", lost)
    api.timeout = 1
    result = run_server(dict(NEW))
    assert result["failed"] is True
    assert "outcome unknown" in result["msg"]


# power actions

@pytest.mark.parametrize("state, start_status, action", [("stopped", "active", "stop_server"), ("started", "stopped", "start_server"),
                                                         ("restarted", "active", "reboot_server")])
def test_lost_power_action_answer_is_checked_not_resent(api, run_server, state, start_status, action):
    api.add("web-1", status=start_status)
    api.fail_next(action, "lost")
    result = run_server({"name": "web-1", "state": state})
    assert result["changed"] is True
    assert writes(api) == [action]
    assert result["server"]["status"] == ("stopped" if state == "stopped" else "active")


def test_lost_power_answer_then_failed_check_says_what_is_unknown(api, run_server):
    server_id = api.add("web-1", status="active")
    api.fail_next("stop_server", "lost")
    api.fail_next("get_server", VpsApiError("GET", "/api/v1/servers/%d/" % server_id, 503, "Service Unavailable", attempts=3))
    result = run_server({"name": "web-1", "state": "stopped"})
    assert result["failed"] is True
    assert result["msg"] == (
        "Failed to stop server web-1 (id 10001): the answer to POST /api/v1/servers/10001/stop/ was lost, and reading the server "
        "to check whether it was carried out failed too (GET /api/v1/servers/10001/ answered 503: Service Unavailable "
        "(gave up after 3 attempts)). The server may or may not be stopping; run the task again.")
    assert result["outcome"] == "unknown" and result["changed"] is True
    assert result["status"] == 503


# writes a gateway refused

def refused_by_the_gateway(path):
    return VpsOutcomeUnknownError("POST", path, "answered 503", status=503)


@pytest.mark.parametrize("state, status, method, path", [
    ("stopped", "active", "stop_server", "/api/v1/servers/10001/stop/"),
    ("present", None, "create_server", "/api/v1/servers/"),
])
def test_checked_resends_get_the_retry_budget_of_reads(api, run_server, state, status, method, path):
    api.retries = 5
    if status:
        api.add("web-1", status=status)
    for _attempt in range(5):
        api.fail_next(method, refused_by_the_gateway(path))
    result = run_server(dict(NEW, state=state))
    assert result.get("failed") is not True, result
    assert writes(api) == [method] * 6
    assert len(api.servers) == 1


def test_checked_resends_stay_bounded_by_the_retry_budget(api, run_server):
    api.retries = 5
    api.add("web-1", status="active")
    for _attempt in range(6):
        api.fail_next("stop_server", refused_by_the_gateway("/api/v1/servers/10001/stop/"))
    result = run_server({"name": "web-1", "state": "stopped"})
    assert result["failed"] is True
    assert "answered 503" in result["msg"]
    assert writes(api) == ["stop_server"] * 6
