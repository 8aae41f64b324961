# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for VpsClient with the API's statuses and transitions, for module unit tests.

Transitions advance on a fake clock that the module's waits move forward, so no test sleeps.
"""

from __future__ import annotations

import copy
import datetime

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsNotFoundError, VpsOutcomeUnknownError

PLANS = {1: {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80, "bandwidth": 2048},
         2: {"id": 2, "name": "Performance VPS", "vcpus": 4, "memory": 8192, "storage": 160, "bandwidth": 4096}}
OSES = {3: {"id": 3, "name": "Debian 12"}, 5: {"id": 5, "name": "Ubuntu 22.04 LTS"}}
DETAIL_ONLY = ("ipv6_address", "backups_enabled", "resource_usage")
WRITES = ("create_server", "update_server", "replace_server", "delete_server", "start_server", "stop_server", "reboot_server")
POWER = {"start": ("stopped", "starting", "active"), "stop": ("active", "stopping", "stopped"), "reboot": ("active", "rebooting", "active")}
# The fake clock starts at 1000: its times are laid after this moment (2026-01-01T00:00:00Z, the servers' default updated_at).
EPOCH = 1767225600.0


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def sleep(self, seconds):
        self.now += seconds

    def monotonic(self):
        return self.now


class FakeApi:
    """Implements the VpsClient methods the plugins call; records every call."""

    def __init__(self, clock, transition_seconds=5.0):
        self.clock = clock
        self.transition_seconds = transition_seconds
        self.timeout = 30  # api_timeout: how long a lost create is given to appear
        self.servers = {}
        self.next_id = 10001
        self.calls = []
        self.faults = {}
        self.carried_out = []  # (action, server id) of every power action the API carried out, late ones included

    # Test set-up.

    def add(self, name, status="active", location="us-west", plan_id=1, os_id=5, hostname=None, backups_enabled=False, **extra):
        server_id = self.next_id
        self.next_id += 1
        server = {"id": server_id, "name": name, "hostname": hostname, "status": status,
                  "ip_address": "203.0.113.%d" % (server_id % 250), "ipv6_address": "2001:db8::%x" % server_id,
                  "location": location, "plan": dict(PLANS[plan_id]), "os": dict(OSES[os_id]), "backups_enabled": backups_enabled,
                  "resource_usage": {"cpu_percent": 1.0, "memory_used": 1, "disk_used": 1, "bandwidth_used": 1},
                  "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
        server.update(extra)
        if status in ("provisioning", "starting", "stopping", "rebooting"):
            server["_settle"] = (self.clock.now + self.transition_seconds, "stopped" if status == "stopping" else "active")
        self.servers[server_id] = server
        return server_id

    def fail_next(self, method, error):
        """Raise ``error`` on the next call of ``method``.

        ``"lost"`` commits the write first, then loses the answer; a callable runs first (to change
        the world behind the module's back) and its result is treated the same way.
        """
        self.faults.setdefault(method, []).append(error)

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def requests(self):
        return [call for call in self.calls if call[0] != "close"]

    # Client methods.

    def stamp(self, offset=0.0):
        """updated_at of a change at the fake clock's now (plus ``offset`` seconds), with microseconds like the API's."""
        moment = datetime.datetime.fromtimestamp(EPOCH + self.clock.now + offset, datetime.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _settle(self, server):
        if "_settle" in server and self.clock.now >= server["_settle"][0]:
            deadline, server["status"] = server.pop("_settle")
            # Dated at its deadline, as the API does.
            server["updated_at"] = self.stamp(deadline - self.clock.now)
            if server["status"] == "active" and not server["ip_address"]:
                server["ip_address"] = "203.0.113.%d" % (server["id"] % 250)

    def _view(self, server, detail):
        self._settle(server)
        view = {key: copy.deepcopy(value) for key, value in server.items() if not key.startswith("_")}
        if not detail:
            for key in DETAIL_ONLY:
                view.pop(key, None)
            view["plan"].pop("bandwidth", None)
        return view

    def _call(self, method, *args):
        self.calls.append((method,) + args)
        pending = self.faults.get(method)
        fault = pending.pop(0) if pending else None
        if callable(fault):
            fault = fault()
        if isinstance(fault, BaseException):
            raise fault
        return fault == "lost"

    def _get(self, method, path, server_id):
        server = self.servers.get(server_id)
        if server is None:
            raise VpsNotFoundError(method, path, 404, "Not found.")
        return server

    def list_servers(self, status=None, location=None, page_size=1000):
        self._call("list_servers", status, location)
        views = [self._view(server, False) for server in self.servers.values()]
        return [view for view in views if status in (None, view["status"]) and location in (None, view["location"])]

    def get_server(self, server_id):
        self._call("get_server", server_id)
        return self._view(self._get("GET", "/api/v1/servers/%d/" % server_id, server_id), True)

    def create_server(self, fields):
        lost = self._call("create_server", dict(fields))
        server_id = self.add(fields["name"], status="provisioning", location=fields["location"], plan_id=fields["plan_id"],
                             os_id=fields["os_id"], hostname=fields.get("hostname"), backups_enabled=fields.get("backups_enabled", False),
                             ip_address=None, ipv6_address=None)
        if lost:
            raise VpsOutcomeUnknownError("POST", "/api/v1/servers/", "answered 502", status=502)
        answer = self._view(self.servers[server_id], False)
        answer.update(backups_enabled=fields.get("backups_enabled", False), message="Server is being provisioned.")
        return answer

    def update_server(self, server_id, fields):
        lost = self._call("update_server", server_id, dict(fields))
        server = self._get("PATCH", "/api/v1/servers/%d/" % server_id, server_id)
        server.update(fields)
        if lost:
            raise VpsApiError("PATCH", "/api/v1/servers/%d/" % server_id, 502, "Bad gateway")
        return self._view(server, True)

    def delete_server(self, server_id):
        self._call("delete_server", server_id)
        self._get("DELETE", "/api/v1/servers/%d/" % server_id, server_id)
        del self.servers[server_id]

    def land(self, action, server_id):
        """Carry out ``action`` now without a call: a request whose answer was lost, landing late. Returns the server."""
        path = "/api/v1/servers/%d/%s/" % (server_id, action)
        server = self._get("POST", path, server_id)
        self._settle(server)
        needs, moving, settles = POWER[action]
        if server["status"] != needs:
            raise VpsApiError("POST", path, 400, "Server is %s." % server["status"], body={"detail": "Server is %s." % server["status"]})
        server["status"] = moving
        server["updated_at"] = self.stamp()
        server["_settle"] = (self.clock.now + self.transition_seconds, settles)
        self.carried_out.append((action, server_id))
        return server

    def _power(self, action, server_id):
        path = "/api/v1/servers/%d/%s/" % (server_id, action)
        lost = self._call(action + "_server", server_id)
        server = self.land(action, server_id)
        moving = server["status"]
        if lost:
            raise VpsOutcomeUnknownError("POST", path, "connection failed: Connection aborted.")
        return {"status": "success", "message": "Server is %s" % moving, "server": {"id": server_id, "name": server["name"], "status": moving}}

    def start_server(self, server_id):
        return self._power("start", server_id)

    def stop_server(self, server_id):
        return self._power("stop", server_id)

    def reboot_server(self, server_id):
        return self._power("reboot", server_id)

    def close(self):
        self.calls.append(("close",))
