# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A single server waiting for a status (Account.wait_for), and the local validation of names and host names."""

from __future__ import annotations

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._account import Account
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsNotFoundError
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import (
    ServerSuspended,
    ServerVanished,
    WaitTimeout,
    hostname_problem,
    name_problem,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._waiting import POLL_FIRST_INTERVAL, POLL_MAX_INTERVAL


class Timeline:
    """A clock and a server whose status answers follow a script, one per read."""

    def __init__(self, statuses):
        self.now = 0.0
        self.statuses = list(statuses)
        self.reads = []

    def sleep(self, seconds):
        self.now += seconds

    def clock(self):
        return self.now

    def get_server(self, server_id):
        self.reads.append(self.now)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status == "gone":
            raise VpsNotFoundError("GET", "/api/v1/servers/%d/" % server_id, 404, "Not found.")
        return {"id": server_id, "status": status}


def wait(timeline, wanted=("active",), timeout=600):
    """A single server's wait (vps_server): its detail view read at the growing pauses of the one poll schedule."""
    server, detailed = Account(clock=timeline.clock, sleep=timeline.sleep).wait_for(timeline, {"id": 7}, wanted, timeout)
    assert detailed is True
    return server


def test_returns_the_detail_view_once_the_status_is_reached():
    timeline = Timeline(["provisioning", "provisioning", "active"])
    assert wait(timeline) == {"id": 7, "status": "active"}
    assert len(timeline.reads) == 3


def test_first_read_after_a_short_interval_then_growing_to_a_cap():
    timeline = Timeline(["provisioning"] * 12 + ["active"])
    wait(timeline)
    assert timeline.reads[0] == pytest.approx(POLL_FIRST_INTERVAL)
    gaps = [later - earlier for earlier, later in zip(timeline.reads, timeline.reads[1:])]
    assert gaps == sorted(gaps)
    assert max(gaps) == pytest.approx(POLL_MAX_INTERVAL)


def test_timeout_names_the_last_status_and_the_time_waited():
    timeline = Timeline(["stopping"])
    with pytest.raises(WaitTimeout) as caught:
        wait(timeline, wanted=("stopped",), timeout=10)
    assert caught.value.last_status == "stopping"
    assert str(caught.value) == "timed out after 10s waiting for server 7 to become stopped; last status seen: stopping"
    assert timeline.now == pytest.approx(10)


def test_a_server_that_disappears_is_a_clear_error():
    with pytest.raises(ServerVanished, match="server 7 disappeared"):
        wait(Timeline(["provisioning", "gone"]))


def test_a_suspended_server_ends_the_wait_at_once():
    timeline = Timeline(["suspended"])
    with pytest.raises(ServerSuspended, match="suspended by the provider"):
        wait(timeline)
    assert len(timeline.reads) == 1


@pytest.mark.parametrize("name, problem", [
    ("web-1", None),
    ("A" * 63, None),
    ("", "must be a non-empty string"),
    ("A" * 64, "must be at most 63 characters, got 64"),
    ("web_1", "may contain only letters, digits and hyphens, got 'web_1'"),
    ("web 1", "may contain only letters, digits and hyphens, got 'web 1'"),
    ("{{ 6 * 7 }}", "may contain only letters, digits and hyphens, got '{{ 6 * 7 }}'"),
])
def test_name_problem(name, problem):
    assert name_problem(name) == problem


@pytest.mark.parametrize("hostname, valid", [
    ("web01.example.com", True),
    ("web01.example.com.", True),
    ("localhost", True),
    ("-web.example.com", False),
    ("web_1.example.com", False),
    ("a" * 64 + ".example.com", False),
    ("a." * 127 + "com", False),
    ("", False),
])
def test_hostname_problem(hostname, valid):
    assert (hostname_problem(hostname) is None) is valid
