# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the vpsorg.cloud.vps_servers event source.

``server_events`` is a plain function and is tested as one. ``main`` runs as a task of the test's event loop with
an asyncio queue, against the local API simulator (real HTTP on 127.0.0.1, harness.Simulator) at a short interval;
the simulator's request log shows what each poll cost and when each request was sent.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import parse_qsl

import pytest
import yaml

import harness  # pylint: disable=import-error

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source.vps_servers import (
    VpsServersSourceError,
    backoff,
    existing_events,
    server_events,
    settings_from,
)

TOKEN = "tok-EVENT-SOURCE-UNIT-7d2f-never-show-me"
LIST_PATH = "/api/v1/servers/"
INTERVAL = 0.05


def server(server_id, **fields):
    item = {"id": server_id, "name": "web-%d" % server_id, "hostname": "web%d.example.com" % server_id, "status": "active",
            "ip_address": "203.0.113.%d" % server_id, "location": "us-west", "updated_at": "2026-01-01T00:00:00Z"}
    item.update(fields)
    return item


def by_id(*servers):
    return {item["id"]: item for item in servers}


def kinds(events):
    return [(event["type"], event["server"]["id"]) for event in events]


# server_events: the differences between two listings.

def test_a_new_server_is_created_and_a_missing_one_deleted():
    gone, new = server(1), server(2, status="provisioning", ip_address=None)
    events = server_events(by_id(gone), by_id(new))
    assert kinds(events) == [("created", 2), ("deleted", 1)]
    created, deleted = events
    assert created == {"type": "created", "server": new, "meta": {"hosts": "web-2"}}
    # A deleted server is told as last seen, as server and as previous.
    assert deleted == {"type": "deleted", "server": gone, "previous": gone, "meta": {"hosts": "web-1"}}


def test_status_and_address_changes_give_one_event_each_in_that_order():
    before = server(1, status="provisioning", ip_address=None)
    after = server(1, status="active", updated_at="2026-01-01T00:05:00Z")
    events = server_events(by_id(before), by_id(after))
    assert [event["type"] for event in events] == ["status_changed", "ip_changed"]
    assert all(event["server"] == after and event["previous"] == before for event in events)


def test_ipv6_address_is_an_address_too():
    events = server_events(by_id(server(1, ipv6_address="2001:db8::1")), by_id(server(1, ipv6_address="2001:db8::2")))
    assert [event["type"] for event in events] == ["ip_changed"]


@pytest.mark.parametrize("field, value", [("name", "web-renamed"), ("hostname", "new.example.com"),
                                          ("backups_enabled", True), ("plan", {"id": 2})])
def test_any_other_field_is_an_update(field, value):
    events = server_events(by_id(server(1)), by_id(server(1, **{field: value})))
    assert [event["type"] for event in events] == ["updated"]
    assert events[0]["previous"] == server(1) and events[0]["server"][field] == value


def test_a_renamed_server_is_named_by_its_new_name_and_a_nameless_one_by_its_id():
    assert server_events(by_id(server(1)), by_id(server(1, name="db-1")))[0]["meta"] == {"hosts": "db-1"}
    assert server_events({}, by_id(server(7, name="")))[0]["meta"] == {"hosts": "7"}


def test_status_and_name_changed_together_give_two_events():
    events = server_events(by_id(server(1)), by_id(server(1, status="stopped", name="web-1-old")))
    assert [event["type"] for event in events] == ["status_changed", "updated"]


def test_updated_at_alone_and_no_change_give_no_event():
    assert server_events(by_id(server(1)), by_id(server(1))) == []
    assert server_events(by_id(server(1)), by_id(server(1, updated_at="2026-02-02T00:00:00Z"))) == []


def test_status_filter_keeps_servers_in_those_statuses_before_or_after():
    previous = by_id(server(1), server(2, status="stopped"), server(3), server(4, status="stopped"))
    current = by_id(server(1, status="stopping"), server(2, status="starting"), server(3, name="x"), server(5, status="stopped"))
    # 1 leaves active, 2 is stopped before and not after, 3 is renamed while active; 4 (stopped) is deleted, 5 is new.
    assert kinds(server_events(previous, current)) == [
        ("status_changed", 1), ("status_changed", 2), ("updated", 3), ("created", 5), ("deleted", 4)]
    assert kinds(server_events(previous, current, ["active"])) == [("status_changed", 1), ("updated", 3)]
    assert kinds(server_events(previous, current, ["stopped"])) == [("status_changed", 2), ("created", 5), ("deleted", 4)]
    assert kinds(existing_events(current, ["stopped"])) == [("existing", 5)]


def test_events_are_copies_a_filter_may_change():
    previous, current = by_id(server(1)), by_id(server(1, status="stopped"))
    event = server_events(previous, current)[0]
    event["server"]["status"] = "changed by a filter"
    event["previous"]["plan"] = "changed too"
    assert current[1]["status"] == "stopped" and "plan" not in previous[1]


# Arguments.

def test_arguments_fall_back_to_the_environment_and_take_single_values():
    settings = settings_from({"status": "active", "location": ["us-west", "us-west", "us-east"], "interval": "2.5",
                              "initial_events": "yes", "validate_certs": False, "api_retries": 0},
                             environ={"VPS_API_URL": "http://127.0.0.1:1", "VPS_API_TOKEN": TOKEN})
    assert settings["api_url"] == "http://127.0.0.1:1" and settings["api_token"] == TOKEN
    assert settings["token_source"] == "the VPS_API_TOKEN environment variable"
    assert settings["statuses"] == ["active"] and settings["locations"] == ["us-west", "us-east"]
    assert settings["interval"] == 2.5 and settings["initial_events"] is True and settings["validate_certs"] is False
    assert settings["api_retries"] == 0 and settings["api_timeout"] == 30
    defaults = settings_from({"api_token": TOKEN}, environ={})
    assert defaults["api_url"] == "https://admin.vps.org" and defaults["interval"] == 60
    assert defaults["initial_events"] is False and defaults["statuses"] == [] and defaults["locations"] == []


@pytest.mark.parametrize("args, message", [
    ({}, "needs an API token"),
    ({"api_token": TOKEN, "interval": 0}, "interval must be a number above 0"),
    ({"api_token": TOKEN, "interval": "nan"}, "interval must be a number above 0"),
    ({"api_token": TOKEN, "api_timeout": True}, "api_timeout must be an integer above 0"),
    ({"api_token": TOKEN, "api_retries": -1}, "api_retries must be an integer of 0 or more"),
    ({"api_token": TOKEN, "initial_events": "maybe"}, "initial_events must be true or false"),
    ({"api_token": TOKEN, "status": ["active", "provisioning"]}, "status must be one of active, stopped, suspended, got provisioning"),
])
def test_wrong_arguments_are_refused_without_the_token(args, message):
    with pytest.raises(VpsServersSourceError, match=message) as error:
        settings_from(args, environ={})
    assert TOKEN not in str(error.value)


def test_unknown_arguments_are_logged_and_ansible_rulebook_s_own_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        settings_from({"api_token": TOKEN, "intervall": 5, "eda_feedback_queue": object()}, environ={})
    assert "ignores the unknown arguments intervall" in caplog.text and "eda_" not in caplog.text


def test_backoff_doubles_up_to_ten_minutes_but_never_below_the_interval():
    assert [backoff(60, failures) for failures in range(1, 6)] == [120, 240, 480, 600, 600]
    assert backoff(900, 3) == 900


def test_documentation_is_yaml_and_documents_exactly_the_arguments():
    doc = yaml.safe_load(vps_servers.DOCUMENTATION)
    assert set(doc["options"]) == set(vps_servers.ARGUMENTS)
    assert str(doc["version_added"]) == "0.2.0" and doc["short_description"]
    defaults = settings_from({"api_token": TOKEN}, environ={})
    for option in ("interval", "initial_events", "validate_certs", "api_timeout", "api_retries"):
        assert doc["options"][option]["default"] == defaults[option], option
    for example in yaml.safe_load(vps_servers.EXAMPLES):
        (name, args), = example.items()
        assert name == "vpsorg.cloud.vps_servers" and set(args or {}) <= set(doc["options"])


def test_ansible_rulebook_can_run_the_file_from_a_collections_path():
    """ansible-rulebook runs a source with runpy.run_path and no collection on sys.path: the file finds its own."""
    path = os.path.abspath(vps_servers.__file__)
    probe = ("import inspect, runpy, sys\n"
             "assert not any(p.endswith('collections') for p in sys.path), sys.path\n"
             "module = runpy.run_path(sys.argv[1])\n"
             "print(inspect.iscoroutinefunction(module['main']), module['_ROOT'] in sys.path)\n")
    completed = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True, check=False,
                               cwd=os.path.dirname(path), env=dict(os.environ, PYTHONPATH=""))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "True"]
    assert path.split(os.sep)[-8:-5] == ["ansible_collections", "vpsorg", "cloud"]


# main() against the simulator.

@pytest.fixture(name="simulator", scope="module")
def simulator_fixture():
    with harness.Simulator(provision_delay=0.3, action_delay=0.3, token=TOKEN) as sim:
        yield sim


@pytest.fixture(name="sim")
def sim_fixture(simulator):
    simulator.reset()
    return simulator


def api(sim, method, path, body=None):
    """A write to the API as another client would make it."""
    request = urllib.request.Request(sim.url + path, method=method, headers=sim.headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as answer:
        return answer.status


def seconds(entry):
    """When the simulator received a request of its log."""
    return datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def list_requests(sim, since=0):
    return [entry for entry in sim.request_log(since=since) if entry["path"] == LIST_PATH]


class Source:
    """main() of the source as a task, with its queue; ``async with`` cancels it at the end."""

    def __init__(self, sim, **args):
        self.sim = sim
        self.args = dict({"api_url": sim.url, "api_token": sim.token, "interval": INTERVAL}, **args)
        self.queue = asyncio.Queue()
        self.task = None
        self.events = []

    async def __aenter__(self):
        self.task = asyncio.create_task(vps_servers.main(self.queue, self.args))
        return self

    async def __aexit__(self, *exc_info):
        if not self.task.done():
            self.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await self.task

    async def next_events(self, count, timeout=10.0):
        """The next ``count`` events; fails when they do not come in time."""
        for _index in range(count):
            self.events.append(await asyncio.wait_for(self.queue.get(), timeout))
        return self.events[-count:]

    async def polled(self, count=2, since=0, timeout=10.0):
        """Wait for ``count`` list requests after log entry ``since``: with 2, the first poll was handled."""
        deadline = time.monotonic() + timeout
        while len(list_requests(self.sim, since)) < count:
            assert not self.task.done(), self.task
            assert time.monotonic() < deadline, "the source did not poll"
            await asyncio.sleep(0.02)


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 60))


def test_first_poll_records_then_every_change_is_an_event(sim):
    # Provisioning lasts many intervals, so the new server is seen while provisioning even on a busy machine.
    sim.configure(provision_delay=1.5)
    sim.seed(servers=[{"name": "old", "status": "active"}, {"name": "keep", "status": "stopped"}])

    async def scenario():
        async with Source(sim) as source:
            await source.polled()
            assert source.queue.empty()
            (new,) = sim.seed(servers=[{"name": "new", "status": "provisioning"}])
            old = sim.servers()[0]
            api(sim, "PATCH", "/api/v1/servers/%d/" % old["id"], {"hostname": "old.example.com"})
            # In listing order: old (the lower id) first.
            updated, created = await source.next_events(2)
            assert (created["type"], created["server"]["name"], created["server"]["status"]) == ("created", "new", "provisioning")
            assert "previous" not in created and created["meta"] == {"hosts": "new"}
            assert updated["type"] == "updated" and updated["server"]["hostname"] == "old.example.com"
            assert updated["previous"]["hostname"] is None
            # provisioning -> active: status and address, two events.
            status, address = await source.next_events(2)
            assert (status["type"], status["previous"]["status"], status["server"]["status"]) == ("status_changed", "provisioning", "active")
            assert (address["type"], address["previous"]["ip_address"]) == ("ip_changed", None)
            assert address["server"]["ip_address"] and address["meta"] == {"hosts": "new"}
            assert api(sim, "DELETE", "/api/v1/servers/%d/" % new["id"]) == 204
            (deleted,) = await source.next_events(1)
            assert deleted["type"] == "deleted" and deleted["server"] == deleted["previous"] == address["server"]
            await source.polled(3, since=sim.request_log()[-1]["seq"])
            assert source.queue.empty()

    run(scenario)


def test_initial_events_tell_every_server_and_filters_apply(sim):
    sim.seed(servers=[{"name": "w1", "location": "us-west"}, {"name": "e1", "location": "us-east", "status": "suspended"},
                      {"name": "c1", "location": "eu-central"}, {"name": "w2", "location": "us-west", "status": "stopped"}])

    async def scenario():
        async with Source(sim, initial_events=True, location=["us-west", "us-east"], status=["active", "suspended"]) as source:
            events = await source.next_events(2)
            assert sorted((event["type"], event["server"]["name"]) for event in events) == [("existing", "e1"), ("existing", "w1")]
            await source.polled(3)
            assert source.queue.empty()
            # One listing per location, sent to the API; the status is compared in the source, so all are listed.
            queries = [dict(parse_qsl(entry["query"])) for entry in list_requests(sim)[:2]]
            assert sorted(query.get("location") for query in queries) == ["us-east", "us-west"]
            assert all("status" not in query for query in queries)

    run(scenario)


@pytest.mark.parametrize("page_size_max, count", [(None, 2001), (10, 25)])
def test_a_poll_costs_one_request_per_page(sim, page_size_max, count):
    """The request cost of a poll: the pages of the list, nothing else (2001 servers at the client's 1000 a page: 3)."""
    if page_size_max:
        sim.configure(page_size_max=page_size_max)
    sim.seed(count=count)

    async def scenario():
        async with Source(sim, initial_events=True) as source:
            events = await source.next_events(count)
            assert len({event["server"]["id"] for event in events}) == count
            await source.polled(12)
        requests = sim.request_log()
        assert {entry["path"] for entry in requests} == {LIST_PATH}
        # A poll starts with page 1 (no page parameter); count every request of each complete poll.
        polls = []
        for entry in requests:
            page = dict(parse_qsl(entry["query"])).get("page")
            if page is None:
                polls.append([])
            polls[-1].append(page)
        assert len(polls) >= 4
        assert all(pages == [None, "2", "3"] for pages in polls[:-1]), polls

    run(scenario)


def test_transient_trouble_backs_off_logs_and_recovers_with_the_changes_made_meanwhile(sim, caplog):
    sim.seed(servers=[{"name": "a"}])

    async def scenario():
        async with Source(sim, api_retries=0) as source:
            await source.polled()
            sim.set_faults([{"kind": "drop", "count": 1}, {"kind": "status", "status": 502, "count": 1},
                            {"kind": "status", "status": 503, "count": 1}, {"kind": "status", "status": 504, "count": 1}])
            since = sim.request_log()[-1]["seq"]
            sim.seed(servers=[{"name": "made-during-the-outage"}])
            (created,) = await source.next_events(1, timeout=20)
            assert created["type"] == "created" and created["server"]["name"] == "made-during-the-outage"
            assert not source.task.done()
            failed = [entry for entry in sim.request_log(since) if entry["fault"]]
            assert [entry["fault"] for entry in failed] == ["drop", "status", "status", "status"]
            # Each wait is twice the one before: 0.1, 0.2, 0.4 s after the interval's 0.05 s.
            gaps = [seconds(later) - seconds(earlier) for earlier, later in zip(failed, failed[1:])]
            assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.39, gaps

    with caplog.at_level(logging.INFO, logger="vpsorg.cloud.vps_servers"):
        run(scenario)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 5, warnings
    assert "(4 time(s) in a row)" in warnings[3] and "answered 504" in warnings[3]
    assert warnings[4] == "Listing the VPS.org servers works again after 4 failed poll(s)"


def test_retry_after_is_waited_out_even_when_the_backoff_is_shorter(sim):
    async def scenario():
        async with Source(sim, api_retries=0) as source:
            await source.polled()
            since = sim.request_log()[-1]["seq"]
            sim.set_faults([{"kind": "status", "status": 429, "count": 1, "retry_after": 1}])
            await source.polled(2, since=since)
        throttled, after = list_requests(sim, since)[:2]
        assert throttled["status"] == 429
        assert seconds(after) - seconds(throttled) >= 0.95

    run(scenario)


def test_a_refused_token_ends_the_source_with_a_clear_message(sim, caplog):
    async def scenario(args):
        with pytest.raises(VpsServersSourceError) as error:
            await vps_servers.main(asyncio.Queue(), dict({"api_url": sim.url, "interval": INTERVAL}, **args))
        return str(error.value)

    with caplog.at_level(logging.DEBUG):
        message = asyncio.run(scenario({"api_token": "wrong-" + TOKEN}))
    assert "answered 401: Invalid token." in message
    assert "the api_token argument of the source" in message and TOKEN not in message
    assert TOKEN not in caplog.text

    async def revoked():
        async with Source(sim) as source:
            await source.polled()
            sim.configure(token="another-token")
            with pytest.raises(VpsServersSourceError, match="answered 401"):
                await asyncio.wait_for(source.task, 10)

    asyncio.run(revoked())


def test_a_wrong_api_url_ends_the_source_at_its_first_poll(sim):
    with pytest.raises(VpsServersSourceError, match="answered 404"):
        asyncio.run(vps_servers.main(asyncio.Queue(), {"api_url": sim.url + "/wrong", "api_token": TOKEN, "interval": INTERVAL}))


def test_cancellation_ends_the_source_at_once_even_inside_a_retry_after_wait(sim):
    async def scenario():
        async with Source(sim, api_retries=3) as source:
            await source.polled()
            sim.set_faults([{"kind": "status", "status": 429, "retry_after": 30}])
            await source.polled(1, since=sim.request_log()[-1]["seq"])
            await asyncio.sleep(0.1)
            cancelled = time.monotonic()
        return time.monotonic() - cancelled

    # Not the 30 s of Retry-After (the bound leaves room for a busy machine).
    assert run(scenario) < 2
    # The worker thread's wait ends at once too: no thread of the source is left behind.
    deadline = time.monotonic() + 5
    while any(thread.name.startswith("vps_servers") for thread in threading.enumerate()):
        assert time.monotonic() < deadline, threading.enumerate()
        time.sleep(0.02)


def test_a_slow_api_never_blocks_the_event_loop(sim):
    async def scenario():
        async with Source(sim) as source:
            await source.polled()
            sim.set_faults([{"kind": "latency", "seconds": 1.5, "count": 1}])
            since = sim.request_log()[-1]["seq"]
            ticks = asyncio.create_task(ticker())
            # Read the simulator's log from a thread: a blocking call here would stall the loop the test watches.
            await asyncio.to_thread(wait_for_list_requests, sim, 2, since)
            ticks.cancel()
            return await ticks

    async def ticker():
        gaps, last = [], time.monotonic()
        try:
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now
        except asyncio.CancelledError:
            return gaps

    gaps = run(scenario)
    # The loop kept turning every few milliseconds while one poll took 1.5 s (the bound leaves room for a busy machine).
    assert sum(gaps) >= 1.4 and max(gaps) < 0.75, max(gaps)


def wait_for_list_requests(sim, count, since, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(list_requests(sim, since)) < count:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_token_is_in_no_event_and_no_log_line(sim, caplog):
    sim.seed(servers=[{"name": "tok", "hostname": "tok.example.com"}])

    async def scenario():
        async with Source(sim, initial_events=True, api_retries=1) as source:
            await source.next_events(1)
            sim.set_faults([{"kind": "status", "status": 503, "count": 2}, {"kind": "drop", "count": 2}])
            sim.seed(servers=[{"name": "later"}])
            await source.next_events(1, timeout=20)
        return source.events

    with caplog.at_level(logging.DEBUG):
        events = asyncio.run(scenario())
    assert [event["type"] for event in events] == ["existing", "created"]
    assert "GET /api/v1/servers/ -> 503" in caplog.text and "Listing the VPS.org servers failed" in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in repr(events)
