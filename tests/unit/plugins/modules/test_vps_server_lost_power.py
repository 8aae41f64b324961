# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_server when the answer to a power action is lost: the rule of module_utils/_power.py (and of the reliability
guide, "Lost power answers").

A restart ends with the server rebooted at least once and at most twice, or with a warning that the reboot may not
have happened; start and stop end in their status, carried out once. What was carried out is counted on the API's side
(FakeApi.carried_out, late requests included), never taken from what the module reports. The same faults against the
simulator are in tests/reliability/test_lost_power_answers.py.
"""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsOutcomeUnknownError

RESTART = {"name": "web-1", "state": "restarted"}


def path(action, server_id=10001):
    return "/api/v1/servers/%d/%s/" % (server_id, action)


def dropped(action):
    """A request lost on its way in: the API never carried it out, and the client cannot know that."""
    return VpsOutcomeUnknownError("POST", path(action), "connection failed: Connection aborted.")


def timed_out(action):
    """A request that got no answer within api_timeout: the API may still be carrying it out."""
    return VpsOutcomeUnknownError("POST", path(action), "no answer within 30s", in_flight=True)


def writes(api):
    return [call[0] for call in api.writes()]


def warnings_of(result):
    """The texts of the result's warnings (ansible-core 2.19 and later give each as a dict around its text)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings", [])]


def reboots(api):
    return [server_id for action, server_id in api.carried_out if action == "reboot"]


def web_1_with_reboots(api, *faults):
    """web-1, active; its next reboot requests meet ``faults`` (see FakeApi.fail_next)."""
    api.add("web-1")
    for fault in faults:
        api.fail_next("reboot_server", fault)


def restart(api, run_server, carried_out, sent):
    """Restart web-1; check that it did not fail, the reboots the API carried out and the reboot requests sent."""
    result = run_server(RESTART)
    assert result.get("failed") is not True, result
    assert reboots(api) == carried_out
    assert writes(api) == ["reboot_server"] * sent
    return result


def test_a_reboot_lost_before_it_was_carried_out_is_sent_again_and_happens_once(api, run_server):
    web_1_with_reboots(api, dropped("reboot"))
    result = restart(api, run_server, [10001], 2)
    assert result["changed"] is True
    assert result["server"]["status"] == "active"
    assert warnings_of(result) == [
        "The answer to rebooting server web-1 (id 10001) was lost (connection failed: Connection aborted.) and the server "
        "shows no sign of a reboot (still active, updated_at unchanged), so the reboot was sent again. Should the first "
        "request still be carried out, the server reboots twice."]


@pytest.mark.parametrize("transition_seconds", [5.0, 0.0], ids=["seen-rebooting", "seen-back-to-active"])
def test_a_reboot_lost_after_it_was_carried_out_is_not_sent_again(api, run_server, transition_seconds):
    # 0 s: the re-read finds the server active again; only its later updated_at shows that the reboot happened.
    api.transition_seconds = transition_seconds
    web_1_with_reboots(api, "lost")
    result = restart(api, run_server, [10001], 1)
    assert "warnings" not in result


def test_a_reboot_lost_twice_is_not_sent_a_third_time_and_warns_that_it_may_not_have_happened(api, run_server, clock):
    api.timeout = 3
    web_1_with_reboots(api, dropped("reboot"), dropped("reboot"))
    started = clock.now
    result = restart(api, run_server, [], 2)
    assert result["changed"] is True
    assert clock.now - started >= 3, "the server is watched for api_timeout after the last send"
    assert warnings_of(result)[-1] == (
        "The reboot of server web-1 (id 10001) may not have happened: it was sent 2 times, every answer was lost (connection "
        "failed: Connection aborted.; connection failed: Connection aborted.), and for api_timeout (3s) after the last one the "
        "server showed no sign of a reboot (still active, updated_at unchanged). It was not sent again, which could reboot "
        "the server 3 times; run the task again to reboot it.")


def test_a_second_reboot_whose_answer_is_lost_but_that_lands_while_watched_is_not_warned_about(api, run_server):
    web_1_with_reboots(api, dropped("reboot"), timed_out("reboot"))
    api.fail_next("get_server", None)  # the re-read after the first loss
    api.fail_next("get_server", None)  # the re-read after the second: not yet
    api.fail_next("get_server", lambda: api.land("reboot", 10001))
    result = restart(api, run_server, [10001], 2)
    assert len(warnings_of(result)) == 1 and "so the reboot was sent again" in warnings_of(result)[0]


def test_a_timed_out_reboot_that_lands_while_watched_is_not_sent_again(api, run_server):
    web_1_with_reboots(api, timed_out("reboot"))
    api.fail_next("get_server", None)  # the re-read right after the timeout: not yet
    api.fail_next("get_server", lambda: api.land("reboot", 10001))
    result = restart(api, run_server, [10001], 1)
    assert "warnings" not in result


def test_a_timed_out_reboot_that_never_lands_is_sent_again_after_api_timeout(api, run_server, clock):
    api.timeout = 4
    web_1_with_reboots(api, timed_out("reboot"))
    started = clock.now
    result = restart(api, run_server, [10001], 2)
    assert clock.now - started >= 4
    assert "so the reboot was sent again" in warnings_of(result)[0]


def test_a_refused_reboot_of_a_server_that_shows_no_reboot_fails(api, run_server):
    api.add("web-1")
    refused = VpsApiError("POST", path("reboot"), 400, "Server is not running.", body={"detail": "Server is not running."})
    api.fail_next("reboot_server", refused)
    result = run_server(RESTART)
    assert result["failed"] is True
    assert result["msg"] == ("Failed to reboot server web-1 (id 10001): POST /api/v1/servers/10001/reboot/ answered 400: "
                             "Server is not running.")
    assert reboots(api) == []


@pytest.mark.parametrize("state, status, action, ends", [("stopped", "active", "stop", "stopped"), ("started", "stopped", "start", "active")])
def test_a_start_or_stop_lost_before_it_was_carried_out_is_sent_again_and_happens_once(api, run_server, state, status, action, ends):
    api.add("web-1", status=status)
    api.fail_next(action + "_server", dropped(action))
    result = run_server({"name": "web-1", "state": state})
    assert result.get("failed") is not True, result
    assert api.carried_out == [(action, 10001)]
    assert writes(api) == [action + "_server"] * 2
    assert result["server"]["status"] == ends


@pytest.mark.parametrize("state, status, action", [("stopped", "active", "stop"), ("started", "stopped", "start")])
def test_a_lost_start_or_stop_that_lands_before_its_resend_is_carried_out_once(api, run_server, state, status, action):
    # The first request lands between the module's re-read and its re-send: the API refuses the re-send (400).
    api.add("web-1", status=status)
    api.fail_next(action + "_server", dropped(action))
    api.fail_next(action + "_server", lambda: api.land(action, 10001) and None)
    result = run_server({"name": "web-1", "state": state})
    assert result.get("failed") is not True, result
    assert api.carried_out == [(action, 10001)]
    assert writes(api) == [action + "_server"] * 2
