# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SharedAccount: the threads of one fleet share each listing and wait on one listing per poll."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils._account import SharedAccount
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsNotFoundError
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import ServerVanished


class Listing:
    """A client whose listing takes a little while and whose servers turn active at given times."""

    def __init__(self, servers, active_at=None):
        self.servers = servers
        self.active_at = active_at or {}
        self.started = time.monotonic()
        self.lists = 0
        self.gets = 0
        self.lock = threading.Lock()

    def list_servers(self):
        with self.lock:
            self.lists += 1
        time.sleep(0.01)
        elapsed = time.monotonic() - self.started
        return [dict(server, status="active" if elapsed >= self.active_at.get(server["id"], 0) else "provisioning")
                for server in self.servers]

    def get_server(self, server_id):
        with self.lock:
            self.gets += 1
        raise VpsNotFoundError("GET", "/api/v1/servers/%d/" % server_id, 404, "Not found.")


def test_threads_asking_at_once_share_one_listing():
    client = Listing([{"id": 1, "name": "a"}])
    account = SharedAccount(interval=0.2)
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _index: account.servers(client), range(20)))
    assert client.lists == 1
    assert all(result == results[0] for result in results)


def test_a_fleet_waits_on_one_listing_per_poll_not_one_read_per_server():
    servers = [{"id": server_id, "name": "s%d" % server_id} for server_id in range(1, 31)]
    client = Listing(servers, active_at={server["id"]: 0.5 for server in servers})
    account = SharedAccount(interval=0.1)
    with ThreadPoolExecutor(30) as pool:
        waited = list(pool.map(lambda server: account.wait_for(client, server, ("active",), 10), servers))
    assert all(server["status"] == "active" and detailed is False for server, detailed in waited)
    assert client.gets == 0
    # 0.5 s at one poll per 0.1 s (and a tail poll): a handful, nowhere near 30 per poll.
    assert 4 <= client.lists <= 9, client.lists


def test_a_server_missing_from_the_listing_is_confirmed_gone_by_its_detail_view():
    client = Listing([])
    account = SharedAccount(interval=0.05)
    with pytest.raises(ServerVanished):
        account.wait_for(client, {"id": 9, "name": "gone"}, ("active",), 5)
    assert client.gets == 1


def test_a_failed_listing_fails_every_thread_that_waited_for_it_without_reading_again():
    class Failing(Listing):
        def list_servers(self):
            with self.lock:
                self.lists += 1
            time.sleep(0.05)
            raise VpsApiError("GET", "/api/v1/servers/", 503, "Service Unavailable", attempts=6)

    client = Failing([])
    account = SharedAccount(interval=0.2)
    errors = []

    def lookup(_index):
        try:
            account.servers(client)
        except VpsApiError as exc:
            errors.append(exc)

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lookup, range(10)))
    assert len(errors) == 10
    assert client.lists == 1
