"""Fault injection: injected statuses, dropped connections, latency and lost answers."""

import concurrent.futures
import datetime
import time
from email.utils import parsedate_to_datetime

import pytest

from simulator_support import VALID_CREATE
import requests

from harness import SimulatorError


def last_entry(sim):
    return sim.request_log()[-1]


def test_429_with_retry_after_seconds(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 429, "retry_after": 3, "count": 1}])
    answer = client.get(api)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "3"
    assert answer.json() == {"detail": "Request was throttled. Expected available in 3 seconds."}
    assert client.get(api).status_code == 200  # count 1: only once


def test_429_with_retry_after_http_date(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 429, "retry_after": 30, "retry_after_format": "http-date"}])
    answer = client.get(api)
    assert answer.status_code == 429
    retry_at = parsedate_to_datetime(answer.headers["Retry-After"]).timestamp()
    assert 25 <= retry_at - time.time() <= 35
    assert answer.json()["detail"] == "Request was throttled. Expected available in 30 seconds."


def test_429_default_retry_after_is_one_second(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 429}])
    answer = client.get(api)
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["detail"] == "Request was throttled. Expected available in 1 second."


@pytest.mark.parametrize("status", [502, 503, 504])
def test_proxy_errors_have_a_non_json_body(sim, client, api, status):
    sim.set_faults([{"kind": "status", "status": status}])
    answer = client.get(api)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert f"<h1>{status} " in answer.text
    with pytest.raises(ValueError):
        answer.json()


def test_500_looks_like_a_django_error_page(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 500}])
    answer = client.get(api)
    assert answer.status_code == 500
    assert answer.text == "<h1>Server Error (500)</h1>"


def test_status_fault_does_not_process_the_request(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 503, "method": "POST"}])
    assert client.post(api, json=VALID_CREATE).status_code == 503
    assert sim.servers() == []
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (503, "status", False)


def test_drop_closes_the_connection_without_processing(sim, client, api):
    sim.set_faults([{"kind": "drop", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        client.post(api, json=VALID_CREATE)
    assert sim.servers() == []
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (None, "drop", False)
    assert client.get(api).status_code == 200  # a new connection works


def test_latency_delays_then_processes(sim, client, api):
    sim.set_faults([{"kind": "latency", "seconds": 0.3}])
    started = time.monotonic()
    answer = client.post(api, json=VALID_CREATE)
    assert time.monotonic() - started >= 0.3
    assert answer.status_code == 201
    assert last_entry(sim)["fault"] == "latency"


def test_latency_past_the_client_timeout_still_commits(sim, client, api):
    sim.set_faults([{"kind": "latency", "seconds": 0.4, "count": 1}])
    with pytest.raises(requests.Timeout):
        client.post(api, json=VALID_CREATE, timeout=0.1)
    time.sleep(0.5)
    assert len(sim.servers()) == 1


def test_lost_answer_with_status_commits_the_write(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "status": 502, "method": "POST", "count": 1}])
    answer = client.post(api, json=VALID_CREATE)
    assert answer.status_code == 502
    assert [server["name"] for server in sim.servers()] == ["web-01"]
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (502, "lost_answer", True)
    assert sim.stats()["writes_committed"] == 1


def test_lost_answer_with_drop_commits_the_write(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "drop": True, "method": "POST"}])
    with pytest.raises(requests.ConnectionError):
        client.post(api, json=VALID_CREATE)
    assert len(sim.servers()) == 1
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (None, "lost_answer", True)


def test_lost_answer_on_delete(sim, client, api):
    server_id = sim.seed(count=1)[0]["id"]
    sim.set_faults([{"kind": "lost_answer", "status": 504, "method": "DELETE"}])
    assert client.delete(f"{api}{server_id}/").status_code == 504
    assert sim.servers() == []


def test_count_rule_fires_on_the_next_n_matching_requests_only(sim, client, api):
    sim.seed(count=1)
    sim.set_faults([{"kind": "status", "status": 503, "count": 2, "path": r"/servers/\d+/$"}])
    assert client.get(api).status_code == 200  # does not match the path: not counted
    assert [client.get(f"{api}10001/").status_code for _attempt in range(4)] == [503, 503, 200, 200]
    assert sim.faults()["rules"][0]["remaining"] == 0


def test_method_filter(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 500, "method": "post"}])
    assert client.get(api).status_code == 200
    assert client.post(api, json=VALID_CREATE).status_code == 500


def test_query_filter_picks_one_page_of_a_listing(sim, client, api):
    sim.seed(count=5)
    sim.set_faults([{"kind": "status", "status": 503, "query": "(^|&)page=2(&|$)"}])
    first = client.get(api, params={"page_size": 2})
    assert first.status_code == 200
    assert client.get(first.json()["next"]).status_code == 503
    assert client.get(api, params={"page": 3, "page_size": 2}).status_code == 200
    assert client.get(api, params={"page": 12, "page_size": 2}).status_code == 404  # page=12 is not page=2
    assert [entry["fault"] for entry in sim.request_log()] == [None, "status", None, None]


def test_first_rule_that_fires_wins(sim, client, api):
    sim.set_faults([
        {"kind": "status", "status": 429, "count": 1},
        {"kind": "status", "status": 502, "count": 1},
        {"kind": "status", "status": 503, "rate": 0.0},
    ])
    assert [client.get(api).status_code for _attempt in range(3)] == [429, 502, 200]


def statuses_with_rate(sim, client, api, seed, requests_count=60):
    sim.reset()
    sim.set_faults([{"kind": "status", "status": 503, "rate": 0.4}], seed=seed)
    return [client.get(api).status_code for _attempt in range(requests_count)]


def test_rate_rule_is_deterministic_with_the_same_seed(sim, client, api):
    first = statuses_with_rate(sim, client, api, seed=7)
    second = statuses_with_rate(sim, client, api, seed=7)
    other = statuses_with_rate(sim, client, api, seed=8)
    assert first == second
    assert first != other
    assert 10 <= first.count(503) <= 40  # roughly 40 %
    assert set(first) == {200, 503}


def test_rate_one_always_fires_and_zero_never(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 502, "rate": 1.0, "method": "GET"}, {"kind": "drop", "rate": 0.0}])
    assert {client.get(api).status_code for _attempt in range(5)} == {502}
    assert client.post(api, json=VALID_CREATE).status_code == 201


def test_faults_touch_neither_the_control_api_nor_other_paths(sim, client):
    sim.set_faults([{"kind": "drop"}])
    assert sim.health()["ok"] is True
    assert client.get(sim.url + "/elsewhere").status_code == 404


def test_stats_count_faults(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 503, "count": 2}, {"kind": "latency", "seconds": 0, "count": 1}])
    for _attempt in range(4):
        client.get(api)
    stats = sim.stats()
    assert stats["faults_injected"] == {"status": 2, "latency": 1}
    assert stats["requests_by_status"] == {"503": 2, "200": 2}


def test_clear_faults_and_reset_remove_rules(sim, client, api):
    sim.set_faults([{"kind": "status", "status": 503}])
    sim.clear_faults()
    assert client.get(api).status_code == 200
    sim.set_faults([{"kind": "status", "status": 503}])
    sim.reset()
    assert client.get(api).status_code == 200


@pytest.mark.parametrize("rule", [
    {"kind": "explode"}, {"kind": "status", "status": 200}, {"kind": "status", "rate": 2},
    {"kind": "status", "path": "("}, {"kind": "status", "query": "("}, {"kind": "status", "query": 5},
    {"kind": "status", "retry_after_format": "minutes"},
    {"kind": "latency", "seconds": -1}, {"kind": "drop", "colour": "red"}, {"kind": "drop", "method": 1}, "not an object",
    {"kind": "status", "rate": float("nan")}, {"kind": "latency", "seconds": float("inf")},
    {"kind": "lost_answer", "commit_delay": -1}, {"kind": "lost_answer", "commit_delay": "soon"},
    {"kind": "lost_answer", "commit_delay": True}, {"kind": "lost_answer", "commit_delay": 100000},
])
def test_invalid_rules_are_refused(sim, rule):
    with pytest.raises(SimulatorError, match="400"):
        sim.set_faults([rule])


def test_a_slow_request_does_not_hold_up_others(sim, client, api):
    sim.seed(count=1)
    sim.set_faults([{"kind": "latency", "seconds": 1.0, "path": "/10001/$"}])
    other_client = requests.Session()
    other_client.trust_env = False
    other_client.headers.update(sim.headers)
    with other_client, concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(other_client.get, f"{api}10001/")
        time.sleep(0.1)
        started = time.monotonic()
        assert client.get(api).status_code == 200
        assert time.monotonic() - started < 0.5
        assert slow.result().status_code == 200


def wait_for(condition, timeout=5.0):
    """Poll ``condition`` until it returns something true; return that, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"not true within {timeout} s")


def created_at(server):
    return datetime.datetime.fromisoformat(server["created_at"].replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("kind", ["status", "drop", "latency"])
def test_commit_delay_is_only_for_lost_answer(sim, kind):
    with pytest.raises(SimulatorError, match="400.*'commit_delay' is only for kind 'lost_answer'"):
        sim.set_faults([{"kind": kind, "commit_delay": 1}])


def test_lost_answer_with_commit_delay_answers_at_once_and_commits_later(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "status": 502, "method": "POST", "count": 1, "commit_delay": 1}])
    asked_at = time.time()
    started = time.monotonic()
    assert client.post(api, json=VALID_CREATE).status_code == 502
    assert time.monotonic() - started < 0.5
    assert sim.servers() == []
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (502, "lost_answer", False)
    assert sim.stats()["writes_committed"] == 0
    # A create in the meantime takes the first id: the late one gets the id of its own moment.
    assert client.post(api, json=dict(VALID_CREATE, name="meanwhile")).json()["id"] == 10001
    time.sleep(0.5)
    assert [server["name"] for server in sim.servers()] == ["meanwhile"]
    late = wait_for(lambda: [server for server in sim.servers() if server["name"] == "web-01"])[0]
    assert late["id"] == 10002
    assert created_at(late) - asked_at >= 0.9
    stats = sim.stats()
    assert stats["writes_committed"] == 2
    assert stats["requests_total"] == 2  # the late commit logs nothing
    assert len(sim.request_log()) == 2


def test_lost_answer_with_commit_delay_and_drop(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "drop": True, "method": "POST", "commit_delay": 1}])
    with pytest.raises(requests.ConnectionError):
        client.post(api, json=VALID_CREATE)
    entry = last_entry(sim)
    assert (entry["status"], entry["fault"], entry["committed"]) == (None, "lost_answer", False)
    time.sleep(0.5)
    assert sim.servers() == []
    assert wait_for(sim.servers)[0]["name"] == "web-01"
    assert wait_for(lambda: sim.stats()["writes_committed"]) == 1


def test_a_late_commit_that_fails_commits_nothing(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "method": "POST", "commit_delay": 0}])
    assert client.post(api, json={"name": "no plan"}).status_code == 502
    assert client.post(api, json=VALID_CREATE).status_code == 502
    assert wait_for(sim.servers)[0]["name"] == "web-01"
    assert sim.stats()["writes_committed"] == 1


def test_reset_cancels_pending_late_commits(sim, client, api):
    sim.set_faults([{"kind": "lost_answer", "method": "POST", "commit_delay": 0.5}])
    assert client.post(api, json=VALID_CREATE).status_code == 502
    sim.reset()
    time.sleep(1.0)
    assert sim.servers() == []
    assert sim.stats()["writes_committed"] == 0
    assert client.post(api, json=VALID_CREATE).json()["id"] == 10001
