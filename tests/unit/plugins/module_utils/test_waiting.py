# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one poll schedule (module_utils/_waiting.py), and that every wait of the collection goes through it: a single
server's (Account), a fleet's (SharedAccount) and the watch of a lost power action (_power)."""

from __future__ import annotations

import itertools

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils import _account, _power, _waiting
from ansible_collections.vpsorg.cloud.plugins.module_utils._account import Account, SharedAccount
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import WaitTimeout
from ansible_collections.vpsorg.cloud.plugins.module_utils._waiting import (
    POLL_FIRST_INTERVAL,
    POLL_MAX_INTERVAL,
    Poll,
    polls,
    wait_until,
)
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_utils.test_client import FakeClock


def clock_at(now=100.0):
    """A fake clock (and its sleep) that starts at ``now``."""
    clock = FakeClock()
    clock.now = now
    return clock


def first(count, schedule):
    return list(itertools.islice(schedule, count))


def test_the_pauses_start_short_grow_by_half_and_stop_growing_at_the_cap():
    clock = clock_at()
    schedule = first(7, polls(600, clock=clock, sleep=clock.sleep))
    assert clock.sleeps == [POLL_FIRST_INTERVAL, 0.75, 1.125, 1.6875, POLL_MAX_INTERVAL, POLL_MAX_INTERVAL, POLL_MAX_INTERVAL]
    assert [poll.waited for poll in schedule] == [0.5, 1.25, 2.375, 4.0625, 6.0625, 8.0625, 10.0625]
    assert [poll.at for poll in schedule] == [100 + poll.waited for poll in schedule]


def test_no_pause_goes_past_the_deadline_and_the_last_poll_is_at_it():
    clock = clock_at()
    schedule = first(6, polls(3, clock=clock, sleep=clock.sleep))
    assert [poll.waited for poll in schedule][:4] == [0.5, 1.25, 2.375, 3.0]
    assert clock.sleeps[3] == pytest.approx(0.625), "cut to the time left"
    assert clock.sleeps[4:] == [0.0, 0.0], "a caller that goes on past the deadline is not made to sleep"


def test_a_wait_ends_with_the_first_value_that_ends_it():
    clock = clock_at()
    values = iter(["provisioning", "provisioning", "active", "never read"])
    reads = []

    def read(poll):
        reads.append(poll)
        return next(values)

    assert wait_until(read, lambda status: status == "active", 600, clock=clock, sleep=clock.sleep) == ("active", 2.375)
    assert [poll.waited for poll in reads] == [0.5, 1.25, 2.375]


def test_at_the_deadline_a_wait_ends_with_the_last_value_read():
    clock = clock_at()
    reads = []

    def read(poll):
        reads.append(poll)
        assert len(reads) < 20, "the wait went on past its deadline"
        return "stopping"

    value, waited = wait_until(read, lambda status: status == "stopped", 10, clock=clock, sleep=clock.sleep)
    assert (value, waited) == ("stopping", 10)
    assert clock.now == 110 and len(reads) == 7


def test_an_error_of_a_read_ends_the_wait():
    clock = clock_at()

    def read(poll):
        if poll.waited > 1:
            raise LookupError("gone")
        return "provisioning"

    with pytest.raises(LookupError):
        wait_until(read, lambda status: False, 600, clock=clock, sleep=clock.sleep)
    assert clock.now == 101.25


def test_another_pause_keeps_the_loop_and_the_deadline():
    # A fleet's pause goes to the next tick of the run; the deadline counts from the wait's start to the poll's tick.
    clock = clock_at(now=100.3)
    remaining = []

    def to_next_second(left):
        remaining.append(left)
        clock.now = float(int(clock.now) + 1)
        return clock.now

    value, waited = wait_until(lambda poll: poll, lambda poll: False, 2, pause=to_next_second, clock=clock)
    assert value == Poll(103.0, pytest.approx(2.7))
    assert waited == pytest.approx(2.7)
    assert remaining == pytest.approx([2, 1.3, 0.3])


class Listing:
    """A client whose servers stay in ``status``: it counts the listings and detail reads at the clock's times."""

    def __init__(self, clock, status="provisioning"):
        self.clock = clock
        self.status = status
        self.lists = []
        self.gets = []

    def list_servers(self):
        self.lists.append(self.clock())
        return [{"id": 7, "name": "web-7", "status": self.status}]

    def get_server(self, server_id):
        self.gets.append(self.clock())
        return {"id": server_id, "name": "web-7", "status": self.status, "backups_enabled": False}


def test_a_fleet_waits_on_the_ticks_of_the_run_until_its_deadline():
    clock = clock_at(now=0.0)
    client = Listing(clock)
    account = SharedAccount(interval=1.0, clock=clock, sleep=clock.sleep)
    clock.now = 0.4
    with pytest.raises(WaitTimeout) as caught:
        account.wait_for(client, {"id": 7}, ("active",), 3)
    # Ticks at 1, 2 and 3 s of the run; the one at 3.6 s or later (4 s) is the first at the deadline.
    assert client.lists == [1.0, 2.0, 3.0, 4.0]
    assert client.gets == []
    assert caught.value.waited == pytest.approx(3.6)


def test_a_single_server_and_a_fleet_wait_for_a_name_on_their_own_schedule():
    clock = clock_at(now=0.0)
    client = Listing(clock)
    assert Account(clock=clock, sleep=clock.sleep).wait_for_name(client, "web-8", 3) == []
    assert client.lists == [0.5, 1.25, 2.375, 3.0]
    client.lists = []
    clock.now = 10.0
    assert SharedAccount(interval=1.0, clock=clock, sleep=clock.sleep).wait_for_name(client, "web-7", 3)[0]["id"] == 7
    assert client.lists == [11.0]


@pytest.fixture(name="loops")
def loops_fixture(monkeypatch):
    """Every call of the one loop, by the module that called it."""
    calls = []
    for module in (_account, _power):
        def spy(*args, _module=module, **kwargs):
            calls.append(_module.__name__.rsplit(".", 1)[-1])
            return _waiting.wait_until(*args, **kwargs)
        monkeypatch.setattr(module, "wait_until", spy)
    return calls


@pytest.mark.parametrize("account_class", [Account, SharedAccount])
def test_every_wait_of_an_account_goes_through_the_one_loop(account_class, loops):
    clock = clock_at(now=0.0)
    client = Listing(clock, status="active")
    account = account_class(clock=clock, sleep=clock.sleep)
    assert account.wait_for(client, {"id": 7}, ("active",), 5)[0]["status"] == "active"
    assert account.wait_for_name(client, "web-7", 5)[0]["id"] == 7
    assert loops == ["_account", "_account"]


def test_the_watch_of_a_lost_power_action_goes_through_the_one_loop(loops, monkeypatch):
    clock = clock_at(now=0.0)
    monkeypatch.setattr(_waiting, "time", type("FakeTime", (), {"sleep": staticmethod(clock.sleep), "monotonic": staticmethod(clock)}))

    class Watched(_power.PowerActions):
        client = Listing(clock, status="active")
        client.timeout = 4
        server = {"id": 7, "status": "active"}
        detailed = False

    assert Watched().shows_carried_out("reboot", {"id": 7, "status": "active"}, None, watch=True) is False
    assert loops == ["_power"]
    assert Watched.client.gets == [0.0, 0.5, 1.25, 2.375, 4.0], "read once, then at the polls of api_timeout"
