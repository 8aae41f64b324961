# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How one run reads the account's servers: the listing that finds them and the polls that wait for them.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.

``Account`` serves one server (vps_server): it lists when asked and waits by reading the
server's detail view, which is what the module returns. ``SharedAccount`` serves many servers
worked on by the threads of one run (vps_fleet): every thread that needs the listing at about the
same moment shares one read of it, and all of them wait on one listing per poll, so a fleet of N
costs one request per poll instead of N.

Both wait through the one loop of ``_waiting`` (``wait_until``), written once here; they differ in how
a poll pauses (``_schedule``) and what it reads (``_listed``, ``_polled``).
"""

from __future__ import annotations

import threading
import time

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError, VpsNotFoundError
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import ends_wait, require_reached, servers_named, vanished
from ansible_collections.vpsorg.cloud.plugins.module_utils._waiting import wait_until

# Seconds between two listings of a fleet that waits. Every waiting server shares each one.
FLEET_POLL_INTERVAL = 1.0
# Servers whose transitions began together end together: when a poll shows some of them done, the rest are
# read again this soon instead of a whole interval later (once per interval).
FLEET_TAIL_INTERVAL = 0.25


class Account:
    """The account as one thread working on one server sees it: its waits pause as ``_waiting.growing_pauses``."""

    def __init__(self, clock=None, sleep=None):
        # None: the clock and sleep of _waiting, looked up when a wait begins.
        self._clock = clock
        self._sleep = sleep

    def servers(self, client):
        """Every server of the account, read now."""
        return client.list_servers()

    def servers_after_write(self, client):
        """A listing read after the caller's last write was answered."""
        return client.list_servers()

    def servers_later(self, client, seconds):
        """A listing read ``seconds`` from now."""
        (self._sleep or time.sleep)(seconds)
        return client.list_servers()

    def wait_for_name(self, client, name, timeout):
        """The servers named ``name``, read at each poll until there is one; [] after ``timeout``."""
        matches, _waited = wait_until(lambda poll: servers_named(self._listed(client, poll), name), bool, timeout,
                                      **self._schedule())
        return matches

    def wait_for(self, client, server, wanted, timeout):
        """The server once its status is one of ``wanted``, and whether that is its detail view.

        Callers know the status is not yet wanted, so the first read comes after the first pause. Raises
        WaitTimeout, ServerSuspended or ServerVanished when the server does not get there.
        """
        (current, detailed), waited = wait_until(lambda poll: self._polled(client, server, wanted, poll),
                                                 lambda polled: ends_wait(polled[0].get("status"), wanted), timeout,
                                                 **self._schedule())
        require_reached(server["id"], current.get("status"), wanted, waited)
        return current, detailed

    def _schedule(self):
        """How the polls of a wait pause: keyword arguments of ``_waiting.wait_until``."""
        return {"clock": self._clock, "sleep": self._sleep}

    def _listed(self, client, poll):  # pylint: disable=unused-argument
        """The listing a poll reads."""
        return client.list_servers()

    def _polled(self, client, server, wanted, poll):  # pylint: disable=unused-argument
        """The server as a poll of a wait for ``wanted`` reads it, and whether that is its detail view: here always the
        detail view."""
        try:
            return client.get_server(server["id"]), True
        except VpsNotFoundError:
            raise vanished(server["id"], wanted) from None


class SharedAccount(Account):
    """The account as the threads of one run see it together. Thread-safe.

    A listing serves every thread that asked for one no earlier than the moment its read began.
    Waiting threads poll on one schedule (every ``interval`` seconds from the run's first write), so
    the threads that poll at a given tick share one read. When a poll shows a status changed since
    the one before, one more poll follows after ``FLEET_TAIL_INTERVAL``.
    """

    def __init__(self, interval=FLEET_POLL_INTERVAL, clock=None, sleep=None):
        super().__init__(clock or time.monotonic, sleep or time.sleep)
        self.interval = interval
        self._started = self._origin = self._clock()
        self._origin_moved = False
        self._changed = False
        self._cond = threading.Condition()
        self._reading = False
        self._read_started = None
        self._servers = None
        self._error = None
        self.reads = 0

    def servers(self, client):
        return self._listing(client, self._started)

    def servers_after_write(self, client):
        # The next poll of the run's schedule, shared with every other server that wrote or waits meanwhile.
        with self._cond:
            if not self._origin_moved:
                # Polls counted from the first write see its transition end at the first possible tick.
                self._origin, self._origin_moved = self._clock(), True
        return self._listing(client, self._next_tick())

    def servers_later(self, client, seconds):
        self._sleep(seconds)
        return self._listing(client, self._next_tick())

    def _schedule(self):
        # The run's ticks: the threads that poll at one tick share its listing.
        return {"clock": self._clock, "pause": lambda _remaining: self._next_tick()}

    def _listed(self, client, poll):
        return self._listing(client, poll.at)

    def _polled(self, client, server, wanted, poll):
        """The server from the poll's listing, laid over what is known of it (a listing does not show every field of
        the detail view); the detail view when it is not listed."""
        listed = [item for item in self._listed(client, poll) if item.get("id") == server["id"]]
        if listed:
            return dict(server, **listed[0]), False
        # Deleted, or not listed yet: only the detail view tells which.
        return super()._polled(client, server, wanted, poll)

    def _next_tick(self):
        """Sleep until the next poll of the run's schedule; return its time."""
        with self._cond:
            now = self._clock()
            tick = self._origin + (int((now - self._origin) / self.interval) + 1) * self.interval
            if self._changed and self._read_started is not None and not self._is_tail(self._read_started):
                tail = self._read_started + FLEET_TAIL_INTERVAL
                if now < tail < tick:
                    tick = tail
        self._sleep(tick - now)
        return tick

    def _is_tail(self, moment):
        """Whether a poll at ``moment`` came off the regular schedule."""
        offset = (moment - self._origin) / self.interval
        return abs(offset - round(offset)) * self.interval >= FLEET_TAIL_INTERVAL / 2

    def _listing(self, client, not_before):
        """A listing whose read began at ``not_before`` or later: one being read, or one this thread reads."""
        with self._cond:
            while True:
                if self._read_started is not None and self._read_started >= not_before:
                    if self._error is not None:
                        raise self._error
                    return self._servers
                if not self._reading:
                    self._reading = True
                    break
                self._cond.wait()
        started = self._clock()
        servers, error = None, None
        try:
            servers = client.list_servers()
        except VpsError as exc:
            error = exc
        except BaseException:
            with self._cond:
                self._reading = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._reading = False
            self.reads += 1
            if servers is not None and self._servers is not None:
                before = dict((server.get("id"), server.get("status")) for server in self._servers)
                self._changed = any(before.get(server.get("id"), server.get("status")) != server.get("status") for server in servers)
            self._read_started, self._servers, self._error = started, servers, error
            self._cond.notify_all()
        if error is not None:
            raise error
        return servers
