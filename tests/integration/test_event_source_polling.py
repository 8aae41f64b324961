# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vpsorg.cloud.vps_servers event source's ``main`` polling the local API simulator (real HTTP on 127.0.0.1).

``main`` runs as a task of the test's event loop with an asyncio queue, at a short interval, against the
simulator of tests/support/simulator.py (``sim``, reset before each test); the simulator's request log shows what
each poll cost and when each request was sent. The source's plain functions (``server_events``, its arguments, its
documentation) are unit tests: tests/unit/plugins/event_source/test_vps_servers.py. The source run by the real
ansible-rulebook: test_event_source_rulebook.py.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import threading
import time
import urllib.request
from urllib.parse import parse_qsl

import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support import collection  # pylint: disable=import-error

collection.make_importable()

# pylint: disable-next=wrong-import-position
from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source.vps_servers import VpsServersSourceError  # noqa: E402

TOKEN = "tok-EVENT-SOURCE-POLLING-7d2f-never-show-me"
SIMULATOR_OPTIONS = {"provision_delay": 0.3, "action_delay": 0.3, "token": TOKEN}  # the sim fixture
LIST_PATH = "/api/v1/servers/"
INTERVAL = 0.05


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


def test_a_change_only_the_detail_view_shows_gives_no_event(sim):
    """The list view the source polls has no ipv6_address, backups_enabled or resource_usage (guide_event_driven.rst, The
    events): a change of one of them gives no event, and the next change of the list view does."""
    (web,) = sim.seed(servers=[{"name": "web", "backups_enabled": False}])
    assert web["ipv6_address"]

    async def scenario():
        async with Source(sim, initial_events=True) as source:
            (existing,) = await source.next_events(1)
            assert not {"ipv6_address", "backups_enabled", "resource_usage"} & set(existing["server"]), existing
            since = sim.request_log()[-1]["seq"]
            api(sim, "PATCH", "/api/v1/servers/%d/" % web["id"], {"backups_enabled": True})
            await source.polled(3, since=since)
            assert source.queue.empty()
            api(sim, "PATCH", "/api/v1/servers/%d/" % web["id"], {"hostname": "web.example.com"})
            (updated,) = await source.next_events(1)
            assert (updated["type"], updated["server"]["hostname"]) == ("updated", "web.example.com")

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
