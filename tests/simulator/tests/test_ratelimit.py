"""The rate limiter: a token bucket per API token, off by default, in front of fault injection."""

import threading
import time

import pytest
import requests

from simulator_support import VALID_CREATE

from harness import Simulator, SimulatorError

THROTTLED_1 = {"detail": "Request was throttled. Expected available in 1 second."}


def new_session(headers):
    session = requests.Session()
    session.trust_env = False
    session.headers.update(headers)
    return session


def test_off_by_default(sim, client, api):
    assert (sim.config()["rate_limit"], sim.config()["rate_burst"]) == (None, None)
    statuses = {client.get(api).status_code for _attempt in range(300)}
    assert statuses == {200}


def test_burst_then_429_with_retry_after_and_drf_body(sim, client, api):
    sim.configure(rate_limit=5, rate_burst=10)
    statuses = [client.get(api).status_code for _attempt in range(10)]
    throttled = client.get(api)
    assert statuses == [200] * 10
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json() == THROTTLED_1
    time.sleep(int(throttled.headers["Retry-After"]))
    assert client.get(api).status_code == 200


def test_retry_after_is_the_wait_for_one_whole_token_rounded_up(sim, client, api):
    sim.configure(rate_limit=0.4, rate_burst=1)  # a token every 2.5 s
    assert client.get(api).status_code == 200
    throttled = client.get(api)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "3"
    assert throttled.json() == {"detail": "Request was throttled. Expected available in 3 seconds."}


def test_burst_defaults_to_the_rate_rounded_and_at_least_one(sim, client, api):
    sim.configure(rate_limit=3.2)
    assert [client.get(api).status_code for _attempt in range(4)] == [200, 200, 200, 429]
    sim.configure(rate_limit=0.1)
    assert [client.get(api).status_code for _attempt in range(2)] == [200, 429]


def test_a_throttled_request_takes_no_token(sim, client, api):
    sim.configure(rate_limit=2, rate_burst=1)
    assert client.get(api).status_code == 200
    started = time.monotonic()
    assert [client.get(api).status_code for _attempt in range(20)] == [429] * 20
    time.sleep(max(0.0, 0.6 - (time.monotonic() - started)))  # one token refilled, had none been taken
    assert client.get(api).status_code == 200


def test_each_token_has_its_own_bucket(sim, client, api):
    sim.configure(rate_limit=0.5, rate_burst=2)
    wrong = new_session({"Authorization": "Bearer wrong"})
    anonymous = new_session({})
    with wrong, anonymous:
        # A wrong token still spends tokens of its own key, and is 401 while it has some.
        assert [wrong.get(api).status_code for _attempt in range(3)] == [401, 401, 429]
        assert [anonymous.get(api).status_code for _attempt in range(3)] == [401, 401, 429]
    assert [client.get(api).status_code for _attempt in range(3)] == [200, 200, 429]


def test_a_throttled_request_reaches_neither_the_faults_nor_the_api(sim, client, api):
    sim.configure(rate_limit=0.5, rate_burst=1)
    sim.set_faults([{"kind": "status", "status": 503, "count": 2}])
    assert client.get(api).status_code == 503
    answer = client.post(api, json=VALID_CREATE)
    assert answer.status_code == 429
    assert answer.json() == {"detail": "Request was throttled. Expected available in 2 seconds."}
    assert sim.faults()["rules"][0]["remaining"] == 1  # the throttled request did not count
    assert sim.servers() == []
    entries = sim.request_log()
    assert [(entry["status"], entry["fault"], entry["committed"]) for entry in entries] == [
        (503, "status", False),
        (429, "rate_limit", False),
    ]
    stats = sim.stats()
    assert stats["faults_injected"] == {"status": 1, "rate_limit": 1}
    assert stats["faults_injected_total"] == 2
    assert stats["requests_by_status"] == {"503": 1, "429": 1}


def test_sustained_throughput_is_the_rate(sim, api):
    rate, burst, window = 20, 5, 2.0
    sim.configure(rate_limit=rate, rate_burst=burst)
    passed, throttled, other = [], [], []
    started = time.monotonic()

    def hammer():
        with new_session(sim.headers) as session:
            while time.monotonic() - started < window:
                status = session.get(api).status_code
                {200: passed, 429: throttled}.get(status, other).append(status)

    threads = [threading.Thread(target=hammer) for _thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert other == []
    assert len(throttled) > len(passed)  # the clients really asked for more than the rate
    assert rate * window * 0.5 <= len(passed) <= burst + rate * elapsed + 2


def test_changing_a_rate_setting_refills_every_bucket(sim, client, api):
    sim.configure(rate_limit=0.5, rate_burst=1)
    assert [client.get(api).status_code for _attempt in range(2)] == [200, 429]
    sim.configure(credit=5)  # other settings leave the buckets alone
    assert client.get(api).status_code == 429
    sim.configure(rate_burst=1)  # given again, even unchanged: a fresh start
    assert [client.get(api).status_code for _attempt in range(2)] == [200, 429]


def test_reset_restores_and_keep_config_keeps_the_limit(sim, client, api):
    sim.configure(rate_limit=0.5, rate_burst=1)
    assert [client.get(api).status_code for _attempt in range(2)] == [200, 429]
    sim.reset(keep_config=True)
    assert (sim.config()["rate_limit"], sim.config()["rate_burst"]) == (0.5, 1)
    assert [client.get(api).status_code for _attempt in range(2)] == [200, 429]  # buckets full again
    sim.reset()
    assert (sim.config()["rate_limit"], sim.config()["rate_burst"]) == (None, None)
    assert {client.get(api).status_code for _attempt in range(20)} == {200}


def test_the_control_api_is_never_throttled(sim, client, api):
    sim.configure(rate_limit=0.5, rate_burst=1)
    client.get(api)
    assert all(client.get(sim.url + "/_sim/health").status_code == 200 for _attempt in range(10))


@pytest.mark.parametrize("settings, key", [
    ({"rate_limit": 0}, "rate_limit"),
    ({"rate_limit": -1}, "rate_limit"),
    ({"rate_limit": "fast"}, "rate_limit"),
    ({"rate_limit": True}, "rate_limit"),
    ({"rate_limit": float("inf")}, "rate_limit"),
    ({"rate_burst": 0}, "rate_burst"),
    ({"rate_burst": 2.5}, "rate_burst"),
    ({"rate_burst": True}, "rate_burst"),
    ({"rate_burst": "10"}, "rate_burst"),
])
def test_configure_refuses_bad_rate_settings(sim, settings, key):
    before = sim.config()
    with pytest.raises(SimulatorError, match=f"400.*{key} must be"):
        sim.configure(**settings)
    assert sim.config() == before


def test_configure_normalises_the_rate(sim):
    config = sim.configure(rate_limit=3, rate_burst=4)
    assert (config["rate_limit"], config["rate_burst"]) == (3.0, 4)
    config = sim.configure(rate_limit=None, rate_burst=None)
    assert (config["rate_limit"], config["rate_burst"]) == (None, None)


def test_command_line_options_and_harness_keywords():
    with Simulator(rate_limit=2, rate_burst=3) as started:
        assert (started.config()["rate_limit"], started.config()["rate_burst"]) == (2.0, 3)
        with new_session(started.headers) as session:
            url = started.url + "/api/v1/servers/"
            assert [session.get(url).status_code for _attempt in range(4)] == [200, 200, 200, 429]
            started.reset()  # back to the start-up limit, buckets full
            assert (started.config()["rate_limit"], started.config()["rate_burst"]) == (2.0, 3)
            assert [session.get(url).status_code for _attempt in range(4)] == [200, 200, 200, 429]


def test_a_bad_command_line_rate_stops_the_start():
    with pytest.raises(SimulatorError, match="rate_limit must be"):
        Simulator(rate_limit=0).start()
