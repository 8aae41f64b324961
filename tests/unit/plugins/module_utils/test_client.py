# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the VPS.org API client: retries, error mapping, token hygiene (the listing: test_client_listing.py; the
backoff between retries: test_client_backoff.py)."""

from __future__ import annotations

import email.utils
import json
import sys
import time

import certifi
import pytest
import requests
import urllib3

from ansible_collections.vpsorg.cloud.plugins.module_utils import _client
from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import (
    VpsApiError,
    VpsError,
    VpsNotFoundError,
    VpsOutcomeUnknownError,
    VpsTimeoutError,
    VpsTransportError,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._pacer import RequestPacer
from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import FakeSession, make_response

TOKEN = "tok-UNIT-7f3c9a1e-never-show-me"
BASE = "https://api.example.test"


class FakeConnection:
    def __str__(self):
        return "HTTPSConnection(host='api.example.test', port=443)"


def refused():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.NewConnectionError(FakeConnection(), "Failed to establish a new connection: [Errno 111] Connection refused"))


def dropped():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def make_client(session, **kwargs):
    clock = FakeClock()
    kwargs.setdefault("retries", 5)
    client = VpsClient(TOKEN, api_url=BASE, session=session, sleep=clock.sleep, clock=clock, **kwargs)
    return client, clock


SERVER = {"id": 12345, "name": "web-1", "status": "active"}
NEW_SERVER = {"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"}


def test_sends_bearer_token_json_headers_timeout_and_user_agent():
    session = FakeSession(make_response(200, SERVER))
    client, _clock = make_client(session, timeout=7)
    assert client.get_server(12345) == SERVER
    call = session.calls[0]
    assert call["url"] == BASE + "/api/v1/servers/12345/"
    assert call["headers"]["Authorization"] == "Bearer " + TOKEN
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["headers"]["User-Agent"].startswith("vpsorg.cloud/%s " % _client.COLLECTION_VERSION)
    assert call["timeout"] == 7
    assert call["verify"] is True


@pytest.mark.parametrize("kwargs, expected", [
    ({"validate_certs": False}, False),
    ({"ca_path": certifi.where()}, certifi.where()),
    ({}, True),
])
def test_tls_verification_setting(kwargs, expected):
    session = FakeSession(make_response(200, SERVER))
    client, _clock = make_client(session, **kwargs)
    client.get_server(1)
    assert session.calls[0]["verify"] == expected


def test_every_endpoint_uses_its_method_and_path_with_trailing_slash():
    action = {"status": "success", "server": SERVER}
    session = FakeSession(*[make_response(200, {"count": 1, "results": [SERVER]}), make_response(201, SERVER),
                            make_response(200, SERVER), make_response(200, SERVER), make_response(200, SERVER),
                            make_response(204), make_response(200, action), make_response(200, action),
                            make_response(200, action)])
    client, _clock = make_client(session)
    client.list_servers()
    client.create_server({"name": "web-1"})
    client.get_server(7)
    client.replace_server(7, {"name": "a", "hostname": "a.example.com", "backups_enabled": False})
    client.update_server(7, {"name": "b"})
    assert client.delete_server(7) is None
    client.start_server(7)
    client.stop_server(7)
    client.reboot_server(7)
    seen = [(call["method"], call["url"][len(BASE):]) for call in session.calls]
    assert seen == [
        ("GET", "/api/v1/servers/"), ("POST", "/api/v1/servers/"), ("GET", "/api/v1/servers/7/"),
        ("PUT", "/api/v1/servers/7/"), ("PATCH", "/api/v1/servers/7/"), ("DELETE", "/api/v1/servers/7/"),
        ("POST", "/api/v1/servers/7/start/"), ("POST", "/api/v1/servers/7/stop/"), ("POST", "/api/v1/servers/7/reboot/"),
    ]
    assert session.calls[1]["json"] == {"name": "web-1"}
    assert session.calls[4]["json"] == {"name": "b"}


def test_429_retry_after_seconds_is_honoured_then_success():
    session = FakeSession(make_response(429, {"detail": "Request was throttled."}, headers={"Retry-After": "3"}),
                          make_response(200, SERVER))
    client, clock = make_client(session)
    assert client.get_server(1) == SERVER
    assert clock.sleeps == [3.0]
    assert client.retry_count == 1 and client.request_count == 2


def test_429_retry_after_http_date_is_honoured():
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    session = FakeSession(make_response(429, {"detail": "slow down"}, headers={"Retry-After": when}), make_response(200, SERVER))
    client, clock = make_client(session)
    client.get_server(1)
    assert 3.0 <= clock.sleeps[0] <= 6.0


def test_retry_after_is_capped():
    session = FakeSession(make_response(429, {}, headers={"Retry-After": "3600"}), make_response(200, SERVER))
    client, clock = make_client(session, retry_after_max=20, retry_max_time=100)
    client.get_server(1)
    assert clock.sleeps == [20]


def test_connection_reset_on_a_read_is_retried():
    session = FakeSession(dropped(), make_response(200, SERVER))
    client, _clock = make_client(session)
    assert client.get_server(1) == SERVER
    assert client.retry_count == 1


def test_an_answer_cut_off_in_its_body_is_retried_on_a_read():
    session = FakeSession(requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(10 bytes read)"),
                          make_response(200, SERVER))
    client, _clock = make_client(session)
    assert client.get_server(1) == SERVER
    assert client.retry_count == 1


def test_an_answer_cut_off_in_its_body_leaves_a_write_unknown_not_a_traceback():
    session = FakeSession(requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(10 bytes read)"))
    client, _clock = make_client(session)
    with pytest.raises(VpsOutcomeUnknownError, match="POST /api/v1/servers/5/stop/.*IncompleteRead"):
        client.stop_server(5)
    assert len(session.calls) == 1


def test_gives_up_after_the_number_of_retries():
    session = FakeSession(*[make_response(503, text="down") for _attempt in range(4)])
    client, _clock = make_client(session, retries=3)
    with pytest.raises(VpsApiError) as caught:
        client.get_server(1)
    assert caught.value.status == 503
    assert caught.value.attempts == 4
    assert "gave up after 4 attempts" in str(caught.value)
    assert len(session.calls) == 4


def test_gives_up_when_the_total_time_would_be_exceeded():
    session = FakeSession(*[make_response(429, {}, headers={"Retry-After": "30"}) for _attempt in range(6)])
    client, clock = make_client(session, retries=10, retry_max_time=70)
    with pytest.raises(VpsApiError) as caught:
        client.get_server(1)
    assert caught.value.status == 429
    assert clock.now <= 70
    assert len(session.calls) == 3


def test_timeout_on_a_read_ends_as_timeout_error():
    session = FakeSession(*[requests.exceptions.ReadTimeout("read timed out") for _attempt in range(3)])
    client, _clock = make_client(session, retries=2, timeout=4)
    with pytest.raises(VpsTimeoutError, match="no answer within 4s"):
        client.get_server(1)


@pytest.mark.parametrize("lost", [
    make_response(502, text="<html>Bad gateway</html>"),
    make_response(503, text=""),
    make_response(504, text=""),
    dropped(),
    requests.exceptions.ReadTimeout("read timed out"),
])
def test_post_is_never_resent_after_an_unknown_outcome(lost):
    session = FakeSession(lost)
    client, clock = make_client(session)
    with pytest.raises(VpsOutcomeUnknownError) as caught:
        client.create_server({"name": "web-1", "plan_id": 1, "os_id": 5, "location": "us-west"})
    assert len(session.calls) == 1
    assert clock.sleeps == []
    assert "outcome unknown" in str(caught.value)
    assert caught.value.to_dict()["outcome"] == "unknown"


def test_power_action_answer_lost_is_outcome_unknown():
    session = FakeSession(dropped())
    client, _clock = make_client(session)
    with pytest.raises(VpsOutcomeUnknownError, match="POST /api/v1/servers/5/stop/"):
        client.stop_server(5)
    assert len(session.calls) == 1


@pytest.mark.parametrize("refusal", [refused(), requests.exceptions.ConnectTimeout("connect timed out"),
                                     make_response(429, {"detail": "throttled"}, headers={"Retry-After": "1"})])
def test_post_refused_before_processing_is_retried(refusal):
    session = FakeSession(refusal, make_response(201, SERVER))
    client, _clock = make_client(session)
    assert client.create_server({"name": "web-1"}) == SERVER
    assert len(session.calls) == 2


@pytest.mark.parametrize("error, in_flight", [
    (requests.exceptions.ReadTimeout("read timed out"), True),
    (requests.exceptions.ConnectionError("Connection aborted."), False),
])
def test_client_marks_a_create_without_answer_in_time_as_in_flight(error, in_flight):
    client = VpsClient(TOKEN, api_url=BASE, session=FakeSession(error), sleep=lambda seconds: None)
    with pytest.raises(VpsOutcomeUnknownError) as caught:
        client.create_server(NEW_SERVER)
    assert caught.value.in_flight is in_flight


def dropped_while_handling(earlier):
    """A dropped connection raised while ``earlier`` was being handled, as Python chains it (``__context__``)."""
    error = dropped()
    error.__context__ = earlier
    return error


@pytest.mark.parametrize("earlier_cause", [None, refused()], ids=["earlier-loss", "earlier-refusal"])
def test_a_create_dropped_while_an_earlier_loss_is_handled_is_outcome_unknown_and_not_resent(earlier_cause):
    earlier = VpsOutcomeUnknownError("POST", "/api/v1/servers/", "connection failed: Remote end closed connection without response")
    earlier.__context__ = earlier_cause
    session = FakeSession(dropped_while_handling(earlier), make_response(201, {"id": 1}))
    client = VpsClient(TOKEN, api_url=BASE, session=session, sleep=lambda seconds: None)
    with pytest.raises(VpsOutcomeUnknownError):
        client.create_server(NEW_SERVER)
    assert len(session.calls) == 1


def test_create_answered_without_json_is_outcome_unknown():
    session = FakeSession(make_response(201, text="<html>ok</html>"))
    client, _clock = make_client(session)
    with pytest.raises(VpsOutcomeUnknownError):
        client.create_server({"name": "x"})


@pytest.mark.parametrize("status, body, text, expected_class, expected_message", [
    (400, {"name": ["Only letters, digits and hyphens."], "plan_id": ["Invalid pk \"9\" - object does not exist."]}, None,
     VpsApiError, "name: Only letters, digits and hyphens.; plan_id: Invalid pk \"9\" - object does not exist."),
    (401, {"detail": "Invalid token."}, None, VpsApiError, "Invalid token."),
    (402, {"detail": "Insufficient credits."}, None, VpsApiError, "Insufficient credits."),
    (404, {"detail": "Not found."}, None, VpsNotFoundError, "Not found."),
    (500, None, "<html><body><h1>Internal   Server Error</h1></body></html>", VpsApiError,
     "non-JSON answer: <html><body><h1>Internal Server Error</h1></body></html>"),
    (400, {"non_field_errors": ["Something is off."]}, None, VpsApiError, "Something is off."),
    (500, None, "", VpsApiError, "Internal Server Error"),
])
def test_error_mapping(status, body, text, expected_class, expected_message):
    session = FakeSession(make_response(status, body, text=text, reason="Internal Server Error"))
    client, _clock = make_client(session)
    with pytest.raises(expected_class) as caught:
        client.update_server(12345, {"name": "x"})
    error = caught.value
    assert error.__class__ is expected_class  # a subclass would hide a wrong mapping
    assert error.status == status
    assert error.api_message == expected_message
    assert str(error).startswith("PATCH /api/v1/servers/12345/ answered %s: %s" % (status, expected_message))
    assert ("refused the token" in str(error)) == (status == 401)
    assert error.to_dict()["method"] == "PATCH"
    assert error.to_dict()["path"] == "/api/v1/servers/12345/"


def test_long_non_json_body_is_shown_briefly():
    session = FakeSession(make_response(400, text="x" * 5000))
    client, _clock = make_client(session)
    with pytest.raises(VpsApiError) as caught:
        client.get_server(1)
    assert len(str(caught.value)) < 300
    assert str(caught.value).endswith("...")


def test_a_read_answered_with_non_json_is_a_clear_error():
    session = FakeSession(make_response(200, text="<html>maintenance</html>"))
    client, _clock = make_client(session)
    with pytest.raises(VpsApiError, match="expected JSON, got non-JSON answer: <html>maintenance</html>"):
        client.get_server(1)


@pytest.mark.parametrize("answer", [make_response(200, text=""), make_response(200, ["a"])])
def test_a_detail_answer_that_is_not_an_object_is_a_clear_error(answer):
    client, _clock = make_client(FakeSession(answer))
    with pytest.raises(VpsApiError, match="expected a JSON object"):
        client.get_server(1)


def test_a_list_answer_without_results_is_a_clear_error():
    client, _clock = make_client(FakeSession(make_response(200, {"detail": "odd"})))
    with pytest.raises(VpsApiError, match="expected a list answer with 'results'"):
        client.list_servers()


def test_tls_failure_is_not_retried_and_is_clear():
    session = FakeSession(requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    client, _clock = make_client(session)
    with pytest.raises(VpsTransportError, match="TLS error: certificate verify failed"):
        client.get_server(1)
    assert len(session.calls) == 1


def test_unknown_fields_and_missing_optional_fields_are_passed_through():
    odd = {"id": 3, "name": "odd", "brand_new_field": {"x": 1}}
    client, _clock = make_client(FakeSession(make_response(200, {"results": [odd]})))
    assert client.list_servers() == [odd]


def test_token_appears_in_no_exception_text_nor_repr():
    answers = [make_response(401, {"detail": "Invalid token."}), make_response(503, text="down"), dropped(),
               requests.exceptions.ReadTimeout("timed out"), make_response(400, text="bad")]
    errors = []
    for answer in answers:
        client, _clock = make_client(FakeSession(answer), retries=0)
        try:
            client.create_server({"name": "x"}) if isinstance(answer, BaseException) else client.get_server(1)
        except VpsError as exc:
            errors.append(exc)
    assert len(errors) == len(answers)
    for error in errors:
        for text in (str(error), repr(error), json.dumps(error.to_dict(), default=str)):
            assert TOKEN not in text
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client._session.auth)


@pytest.mark.parametrize("answer", [
    make_response(401, {"detail": "Invalid token %s." % TOKEN}),
    make_response(400, {"api_token": ["%s is not a valid token" % TOKEN], "detail": "Bad request"}),
    make_response(403, text="<html><pre>Authorization: Bearer %s</pre> refused by the proxy</html>" % TOKEN),
    make_response(200, text="<html>Login page for %s</html>" % TOKEN),
], ids=["json-detail", "json-fields", "text-error", "text-success"])
def test_an_answer_that_repeats_the_token_becomes_an_error_without_it(answer):
    """ansible-core before 2.22 replaced no_log values in module results; 2.22 does not, so the client takes it out."""
    client, _clock = make_client(FakeSession(answer), retries=0)
    with pytest.raises(VpsApiError) as caught:
        client.get_server(1)
    texts = (str(caught.value), caught.value.api_message, json.dumps(caught.value.to_dict(), default=str))
    assert all(TOKEN not in text for text in texts)
    assert _client.TOKEN_PLACEHOLDER in caught.value.api_message
    assert _client.TOKEN_PLACEHOLDER in json.dumps(caught.value.body)


def test_a_token_escaped_in_a_json_error_answer_is_taken_out_in_every_form():
    token = 'tok/with"quote-and-é'
    forms = [token, json.dumps(token)[1:-1], json.dumps(token, ensure_ascii=False)[1:-1], json.dumps(token)[1:-1].replace("/", "\\/")]
    for form in forms:
        answer = make_response(401, text='{"detail": "Invalid token: %s", "sent": "%s"}' % (form, form))
        client = VpsClient(token, api_url=BASE, session=FakeSession(answer), retries=0)
        with pytest.raises(VpsApiError) as caught:
            client.get_server(1)
        assert caught.value.body == {"detail": "Invalid token: ********", "sent": "********"}, form
        assert token not in str(caught.value)


def test_a_good_answer_is_never_changed_even_if_it_holds_the_token():
    odd = dict(SERVER, name=TOKEN)
    client, _clock = make_client(FakeSession(make_response(200, odd)))
    assert client.get_server(12345) == odd


def test_log_lines_never_carry_the_token():
    lines = []
    session = FakeSession(make_response(503, text="down"), make_response(200, SERVER))
    client, _clock = make_client(session, log=lines.append)
    client.get_server(1)
    assert lines and all(TOKEN not in line for line in lines)


def test_bad_api_url_and_missing_token_are_clear():
    with pytest.raises(VpsError, match="api_url must be an http"):
        VpsClient(TOKEN, api_url="admin.vps.org")
    with pytest.raises(VpsError, match="no API token"):
        VpsClient("", api_url=BASE)


def test_importable_without_requests_sets_flag(monkeypatch):
    import importlib.util
    monkeypatch.setitem(sys.modules, "requests", None)
    monkeypatch.setitem(sys.modules, "requests.adapters", None)
    spec = importlib.util.spec_from_file_location("client_without_requests", _client.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.HAS_REQUESTS is False
    assert "requests" in module.REQUESTS_IMPORT_ERROR
    with pytest.raises(module.VpsError, match="requests"):
        module.VpsClient(TOKEN, api_url=BASE)


def test_collection_version_matches_galaxy_yml():
    import os
    galaxy = os.path.join(os.path.dirname(_client.__file__), "..", "..", "galaxy.yml")
    with open(galaxy) as handle:
        versions = [line.split(":", 1)[1].strip().strip("'\"") for line in handle if line.startswith("version:")]
    assert versions == [_client.COLLECTION_VERSION]


def test_connection_errors_are_told_by_their_innermost_cause():
    session = FakeSession(refused())
    client, _clock = make_client(session, retries=0)
    with pytest.raises(VpsTransportError) as caught:
        client.get_server(1)
    assert str(caught.value) == ("GET /api/v1/servers/1/ failed: connection failed: "
                                 "Failed to establish a new connection: [Errno 111] Connection refused")


@pytest.mark.parametrize("token_source, named", [
    ("the api_token option", "taken from the api_token option"),
    ("the VPS_API_TOKEN environment variable", "taken from the VPS_API_TOKEN environment variable"),
    (None, "taken from the api_token option or the VPS_API_TOKEN environment variable"),
])
def test_a_refused_token_says_where_it_came_from_and_how_to_fix_it(token_source, named):
    session = FakeSession(make_response(401, {"detail": "Invalid token."}))
    client, _clock = make_client(session, token_source=token_source)
    with pytest.raises(VpsApiError) as caught:
        client.get_server(1)
    assert named in str(caught.value)
    assert "valid API token of the VPS.org account" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_retry_after_on_a_503_is_honoured_like_on_a_429():
    session = FakeSession(make_response(503, text="busy", headers={"Retry-After": "7"}), make_response(200, SERVER))
    client, clock = make_client(session)
    assert client.get_server(1) == SERVER
    assert clock.sleeps == [7.0]


def test_a_429_pauses_the_other_clients_of_the_run_until_its_retry_after():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    client = VpsClient(TOKEN, api_url=BASE, session=FakeSession(make_response(200, SERVER)), sleep=clock.sleep, clock=clock, pacer=pacer)
    pacer.release(pacer.acquire(), throttled=True, pause=3)  # another thread of the run was throttled at t=0
    assert client.get_server(1) == SERVER
    assert clock.now == 3.0, "the client waited until the pause of the run ended"
    assert len(client._session.calls) == 1


def test_a_429_of_this_client_pauses_the_run():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    client = VpsClient(TOKEN, api_url=BASE, session=FakeSession(make_response(429, {}, headers={"Retry-After": "4"}), make_response(200, SERVER)),
                       sleep=clock.sleep, clock=clock, pacer=pacer)
    assert client.get_server(1) == SERVER
    assert clock.now == 4.0
    assert pacer.throttled == 1
