# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state machine of the vpsorg.cloud.vps_server module: one method per state.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.
"""

from __future__ import annotations

from ansible_collections.vpsorg.cloud.plugins.module_utils._account import Account
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError, VpsNotFoundError, VpsOutcomeUnknownError
from ansible_collections.vpsorg.cloud.plugins.module_utils._power import PowerActions
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import (
    SETTLES_IN,
    ServerSuspended,
    ServerTaskFailed,
    ServerVanished,
    WaitTimeout,
    creation_order,
    failure,
    hostname_problem,
    name_problem,
    nested_id,
    servers_named,
)

CREATE_REQUIRED = ("name", "plan_id", "os_id", "location")
CREATE_OPTIONAL = ("hostname", "ssh_key_id", "backups_enabled")
# Immutable option -> how to read its current value from the API's view of a server.
IMMUTABLE = (
    ("plan_id", lambda server: nested_id(server, "plan")),
    ("os_id", lambda server: nested_id(server, "os")),
    ("location", lambda server: server.get("location")),
    # The API never shows the SSH key; a value is compared only if some API version does.
    ("ssh_key_id", lambda server: server.get("ssh_key_id", nested_id(server, "ssh_key"))),
)
# A write whose answer was lost is checked and, when it demonstrably did not happen, sent again: at least this
# often, and as often as the client retries a read (api_retries + 1 sends), since a checked re-send is as safe.
LOST_ANSWER_ATTEMPTS = 3
# Several servers of one name may be a race that the runs involved are resolving (each deletes its extra server
# within a poll of its create): the listing is read again this often, this many seconds apart, before the task fails.
DUPLICATE_RECHECKS = 2
DUPLICATE_RECHECK_SECONDS = 2.0


class ServerState(PowerActions):
    """Brings one server to the requested state; records what changed for the result and diff.

    It knows nothing of AnsibleModule: ``run()`` returns the result or raises ServerTaskFailed,
    and warnings are collected in ``warnings``, so several servers can be handled at once.
    """

    def __init__(self, params, client, check_mode=False, diff=False, account=None, detail_result=True):
        self.client = client
        # How the account is listed and waited on: alone (vps_server) or shared by the threads of a fleet.
        self.account = account if account is not None else Account()
        # Whether the result is the detail view, at the cost of a read when nothing else read it.
        self.detail_result = detail_result
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warnings = []
        self.server = None
        self.detailed = False
        self.changed = False
        self.action = "look up"
        self.created = False
        self.before = {}

    # Entry point.

    def run(self):
        self.validate()
        try:
            self.server = self.find()
            if self.check_mode and self.server:
                # Predictions are laid over the detail view, so it is read before, not after them.
                self.load_detail()
            self.before = self.diff_view(self.server)
            getattr(self, "state_" + self.params["state"])()
            # Without wait, a write's own answer is the result; otherwise show the detail view.
            if (self.detail_result and self.params["state"] != "absent" and self.server and not self.detailed
                    and not (self.changed and not self.params["wait"])):
                self.action = "read"
                self.load_detail()
        except (VpsError, WaitTimeout, ServerVanished, ServerSuspended) as exc:
            raise failure(exc, self.action, self.subject(), changed=self.changed, server=self.server or {}) from None
        result = {"changed": self.changed, "server": self.server or {}}
        before = self.before
        if self.diff:
            after = self.diff_view(self.server) if self.params["state"] != "absent" else {}
            if self.created:
                after.update(plan_id=nested_id(self.server, "plan"), os_id=nested_id(self.server, "os"), location=self.server.get("location"))
            elif before and "backups_enabled" in after:
                # Only the detail view shows it; read after the changes, it did not change (update() reads it before).
                before.setdefault("backups_enabled", after["backups_enabled"])
            result["diff"] = {"before": before, "after": after}
        return result

    def validate(self):
        params = self.params
        problems = []
        if params["name"] is not None and name_problem(params["name"]):
            problems.append("name %s" % name_problem(params["name"]))
        if params["hostname"] is not None and hostname_problem(params["hostname"]):
            problems.append("hostname %s" % hostname_problem(params["hostname"]))
        for field in ("id", "plan_id", "os_id", "ssh_key_id"):
            if params[field] is not None and params[field] < 1:
                problems.append("%s must be a positive integer, got %d" % (field, params[field]))
        if params["location"] is not None and not params["location"].strip():
            problems.append("location must not be empty")
        if params["wait_timeout"] < 1:
            problems.append("wait_timeout must be a positive number of seconds, got %d" % params["wait_timeout"])
        if problems:
            raise ServerTaskFailed("Invalid options: %s." % "; ".join(problems), changed=False)

    def subject(self):
        server = self.server or {}
        name = server.get("name") or self.params["name"]
        server_id = server.get("id") or self.params["id"]
        if name and server_id:
            return "server %s (id %s)" % (name, server_id)
        return "server %s" % (name or "id %s" % server_id)

    # Reading.

    def find(self):
        if self.params["id"] is not None:
            try:
                server = self.client.get_server(self.params["id"])
            except VpsNotFoundError:
                return None
            self.detailed = True
            return server
        matches = servers_named(self.account.servers(self.client), self.params["name"])
        for _recheck in range(DUPLICATE_RECHECKS):
            if len(matches) < 2:
                break
            # Concurrent runs that created the name are deleting their extra servers right now: look again before failing.
            matches = servers_named(self.account.servers_later(self.client, DUPLICATE_RECHECK_SECONDS), self.params["name"])
        if len(matches) > 1:
            ids = ", ".join(str(server.get("id")) for server in matches)
            raise ServerTaskFailed("Found %d servers named %s (ids %s); give the id of the one to manage." % (
                len(matches), self.params["name"], ids), server_ids=[server.get("id") for server in matches], changed=False)
        return matches[0] if matches else None

    def load_detail(self):
        if not self.detailed and self.server.get("id"):
            self.server = self.client.get_server(self.server["id"])
            self.detailed = True
            if not self.changed:
                self.before = self.diff_view(self.server)

    @staticmethod
    def diff_view(server):
        if not server:
            return {}
        view = {key: server[key] for key in ("name", "hostname", "backups_enabled", "status") if key in server}
        return view

    # States.

    def state_absent(self):
        if self.server is None:
            return
        self.action = "delete"
        if not self.check_mode:
            try:
                self.client.delete_server(self.server["id"])
            except VpsNotFoundError:
                return
        self.changed = True

    def state_present(self):
        self.ensure_exists()
        status = self.server.get("status")
        if status in SETTLES_IN and self.params["wait"]:
            self.wait_for(SETTLES_IN[status])

    def state_started(self):
        self.ensure_exists()
        if self.settle("active") == "stopped":
            self.power("start")
        self.finish_wait("active")

    def state_stopped(self):
        self.ensure_exists()
        if self.settle("stopped") == "active":
            self.power("stop")
        self.finish_wait("stopped")

    def state_restarted(self):
        new = self.server is None
        self.ensure_exists()
        if new:
            # A server that was just created has just booted: a reboot would add nothing.
            self.finish_wait("active")
            return
        status = self.settle("active", act_anyway=True)
        self.power("start" if status == "stopped" else "reboot")
        self.finish_wait("active")

    # Steps.

    def ensure_exists(self):
        if self.server is None:
            self.create()
        else:
            self.refuse_immutable_changes()
            self.update()

    def create(self):
        self.action = "create"
        params = self.params
        if params["id"] is not None:
            raise ServerTaskFailed("No server with id %d exists. To create a server, give its name instead of an id." % params["id"],
                                   changed=False)
        missing = [field for field in CREATE_REQUIRED if params[field] is None]
        if missing:
            raise ServerTaskFailed("No server named %s exists, and creating it needs %s. (To rename a server, give its id.)" % (
                params["name"], ", ".join(missing)), changed=False)
        body = {field: params[field] for field in CREATE_REQUIRED + CREATE_OPTIONAL if params[field] is not None}
        if self.check_mode:
            self.server = self.predicted_server(body)
            self.changed = self.created = True
            return
        own_id, resent = None, False
        try:
            self.server = self.client.create_server(body)
            own_id = self.server.get("id")
        except VpsOutcomeUnknownError as exc:
            self.server, own_id = self.recover_lost_create(body, exc)
            resent = own_id is not None
        self.changed = self.created = True
        self.converge(own_id, resent)

    def converge(self, own_id, resent=False):
        """Make concurrent creates of one name end in one server: every run keeps the same one.

        Names are not unique and a create cannot be made conditional, so two runs can both find no server and
        both create one. Each run then lists the servers of the name; the earliest (``created_at``, then id)
        wins everywhere. A run whose own server lost deletes it (only by the id its own create returned) and
        goes on with the winner as if its lookup had found it. ``own_id`` is None for an adopted lost create (which
        server is this run's is not known); a create sent again (``resent``) answered with its own id, as any other.
        """
        self.action = "check for concurrent creates of"
        name = self.params["name"]
        matches = servers_named(self.account.servers_after_write(self.client), name)
        if own_id is not None and own_id not in [server.get("id") for server in matches]:
            matches.append(self.server)  # not listed yet
        if len(matches) < 2:
            return
        winner = min(matches, key=creation_order)
        if winner.get("id") == self.server.get("id"):
            return
        if own_id is not None:
            self.action = "delete the duplicate"
            try:
                self.client.delete_server(own_id)
            except VpsNotFoundError:
                pass
            who = ("Another server %s appeared after this run sent its create again (another run's, or this run's first "
                   "create landing late)" if resent else "Another run created server %s at the same time") % name
            self.warnings.append("%s. The earliest, id %s, is kept; this run's own server, id %s, was deleted." % (
                who, winner.get("id"), own_id))
        else:
            self.warnings.append("Server %s: %d servers now carry the name (ids %s); adopted the earliest, id %s." % (
                name, len(matches), ", ".join(str(server.get("id")) for server in sorted(matches, key=creation_order)), winner.get("id")))
        self.server, self.detailed, self.created = winner, False, False
        self.refuse_immutable_changes()
        self.update()

    @staticmethod
    def predicted_server(body):
        return {"id": None, "name": body["name"], "hostname": body.get("hostname"), "status": "provisioning",
                "ip_address": None, "location": body["location"], "plan": {"id": body["plan_id"]}, "os": {"id": body["os_id"]},
                "backups_enabled": body.get("backups_enabled", False)}

    def recover_lost_create(self, body, lost):
        """Adopt the server a lost create made; create again only when it demonstrably was not made.

        Returns the server and this run's own id: None for an adopted server, the id of a create sent again.
        """
        for _attempt in range(self.resend_attempts()):
            self.action = "check the outcome of creating"
            try:
                matches = servers_named(self.account.servers_after_write(self.client), body["name"])
                if not matches:
                    # Behind a gateway error or a dropped connection as after a timeout, the API may still be
                    # creating it: give it api_timeout before concluding it was not made, or the create sent next
                    # would make a second server.
                    matches = self.account.wait_for_name(self.client, body["name"], self.client.timeout)
            except VpsError as exc:
                raise ServerTaskFailed(
                    "Failed to create server %s: the answer to %s was lost, and checking whether the server was created failed "
                    "too (%s). The server may or may not exist; run the task again to adopt it or create it." % (body["name"], lost.path, exc),
                    changed=True, outcome="unknown", **exc.to_dict()) from None
            if matches:
                adopted = min(matches, key=creation_order)
                self.warnings.append("The answer to creating server %s was lost (%s); adopted server id %s." % (
                    body["name"], lost.reason, adopted.get("id")))
                return adopted, None
            self.action = "create"
            self.warnings.append("The answer to creating server %s was lost (%s) and no server of that name appeared within "
                                 "api_timeout (%ss), so it was created again. Should the API still carry out the first create, "
                                 "two servers will carry the name." % (body["name"], lost.reason, self.client.timeout))
            try:
                created = self.client.create_server(body)
            except VpsOutcomeUnknownError as exc:
                lost = exc
                continue
            return created, created.get("id")
        raise lost

    def resend_attempts(self):
        """How often a checked write may be sent: as often as the client sends a read (api_retries + 1), at least LOST_ANSWER_ATTEMPTS.

        A client without a retry setting (a test double) gets the minimum.
        """
        return max(LOST_ANSWER_ATTEMPTS, getattr(self.client, "retries", 0) + 1)

    def refuse_immutable_changes(self):
        conflicts = []
        for field, current_of in IMMUTABLE:
            wanted, current = self.params[field], current_of(self.server)
            if wanted is not None and current is not None and wanted != current:
                conflicts.append("%s from %s to %s" % (field, current, wanted))
            elif field == "ssh_key_id" and wanted is not None and current is None:
                self.warnings.append("ssh_key_id is used only when a server is created, and the API does not show the key of "
                                     "%s, so ssh_key_id %s cannot be checked against it." % (self.subject(), wanted))
        if conflicts:
            raise ServerTaskFailed("Cannot change %s of %s: the API cannot change plan_id, os_id, location or ssh_key_id of an "
                                   "existing server (delete and re-create it instead)." % (", ".join(conflicts), self.subject()),
                                   changed=False)

    def update(self):
        params = self.params
        changes = {}
        if params["hostname"] is not None and params["hostname"] != self.server.get("hostname"):
            changes["hostname"] = params["hostname"]
        if params["id"] is not None and params["name"] is not None and params["name"] != self.server.get("name"):
            changes["name"] = params["name"]
        if params["backups_enabled"] is not None:
            self.load_detail()
            if params["backups_enabled"] != self.server.get("backups_enabled"):
                changes["backups_enabled"] = params["backups_enabled"]
        if not changes:
            return
        if "name" in changes:
            self.refuse_taken_name(changes["name"])
        self.action = "update"
        self.changed = True
        if self.check_mode:
            self.server = dict(self.server, **changes)
            return
        try:
            self.server = self.client.update_server(self.server["id"], changes)
        except VpsNotFoundError as exc:
            raise self.deleted_meanwhile(exc) from None
        self.detailed = True

    def refuse_taken_name(self, name):
        """A rename must not make two servers share a name: the name is how every other task finds a server."""
        self.action = "check the new name of"
        taken = [server for server in servers_named(self.account.servers(self.client), name) if server.get("id") != self.server.get("id")]
        if taken:
            raise ServerTaskFailed("Cannot rename %s to %s: server id %s already carries that name (names must stay unique for "
                                   "tasks to find servers by name). Rename or delete that server first." % (
                                       self.subject(), name, ", ".join(str(server.get("id")) for server in taken)),
                                   server_ids=[server.get("id") for server in taken], changed=False)

    def deleted_meanwhile(self, error):
        """The failure for a 404 on a server that was found a moment before."""
        return ServerTaskFailed("Failed to %s %s: it was deleted meanwhile (it existed a moment before; then %s %s answered 404)." % (
            self.action, self.subject(), error.method, error.path), changed=self.changed, server=self.server or {}, **error.to_dict())

    def settle(self, target, act_anyway=False):
        """Return the status a power action will start from, waiting out a transition it cannot interrupt.

        A transition already heading to ``target`` needs no action, so it is not waited for here
        (``finish_wait`` does when ``wait`` is set) unless ``act_anyway`` (a restart always acts).
        """
        status = self.server.get("status")
        if status == "suspended":
            raise ServerTaskFailed("Cannot change the power state of %s: it is suspended by the provider "
                                   "(for example for an unpaid bill); only the provider can lift that." % self.subject(),
                                   server=self.server, changed=self.changed)
        if status in SETTLES_IN:
            settles_in = SETTLES_IN[status]
            if settles_in == target and not act_anyway:
                return status
            self.wait_for(settles_in)
            return settles_in
        if status not in ("active", "stopped"):
            raise ServerTaskFailed("Cannot manage the power state of %s: unknown status %r." % (self.subject(), status),
                                   server=self.server, changed=self.changed)
        return status

    def finish_wait(self, target):
        if self.params["wait"] and self.server.get("status") != target:
            self.wait_for(target)

    def wait_for(self, target):
        if self.check_mode:
            self.server = dict(self.server, status=target)
            return
        self.action = "wait for"
        self.server, self.detailed = self.account.wait_for(self.client, self.server, (target,), self.params["wait_timeout"])
