# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Power actions of the vpsorg.cloud.vps_server module (start, stop, reboot), and what a lost answer to one means.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.

A power action whose answer was lost (a dropped connection, a gateway error, no answer within api_timeout) may or
may not have been carried out, and may still be carried out later. The module decides from what the API shows when
it reads the server again (the rule is written down in docs/docsite/rst/guide_reliability.rst, "Lost power answers"):

- start and stop lead away from the status they need: ``starting`` or ``active`` after a start, ``stopping`` or
  ``stopped`` after a stop, show it done. A server still in the status the action needs has not had it: the action is
  sent again, within the retry budget of reads. That is safe even if an earlier request lands later: the API refuses
  (400) a start of a server that is no longer stopped and a stop of one that is no longer active.
- A reboot leads back to the status it needs (``active``), and the API carries out a second one like the first. It
  shows done as ``rebooting``, or as ``active`` with an ``updated_at`` later than before the request (the API moves
  it when a power action is carried out and when its transition ends). ``active`` with the same ``updated_at``, or
  none, shows nothing. So a reboot is sent at most twice (REBOOT_SENDS): a server reboots once, twice when a lost
  request lands late, or the task warns that it may not have rebooted. Before the last send, and before any re-send
  after a request that timed out (the API may still be carrying it out), the server is watched for api_timeout.
"""

from __future__ import annotations

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import (
    VpsApiError,
    VpsError,
    VpsNotFoundError,
    VpsOutcomeUnknownError,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import ServerTaskFailed, api_time
from ansible_collections.vpsorg.cloud.plugins.module_utils._waiting import wait_until

# action -> (status it needs, statuses that show it carried out or under way)
POWER_ACTIONS = {
    "start": ("stopped", ("starting", "active")),
    "stop": ("active", ("stopping", "stopped")),
    "reboot": ("active", ("rebooting",)),
}
# Reboot requests sent at most for one task: each one whose answer was lost may still be carried out.
REBOOT_SENDS = 2


def carried_out(action, before, now):
    """Whether the server read ``now`` shows ``action`` carried out (or under way) since it was read as ``before``."""
    status = now.get("status")
    if status in POWER_ACTIONS[action][1]:
        return True
    if action != "reboot" or status != "active":
        return False
    # Back to active already: only a later updated_at tells a finished reboot from none.
    then, later = api_time(before.get("updated_at")), api_time(now.get("updated_at"))
    return then is not None and later is not None and later > then


def no_sign(server):
    """How a server that shows no sign of a reboot looks, for the warnings."""
    updated = server.get("updated_at")
    return "still %s, updated_at %s" % (server.get("status"), "unchanged" if updated else "not shown")


class PowerActions:
    """The power actions of ServerState (a mixin): it provides client, server, warnings, action, changed, detailed,
    check_mode, subject(), deleted_meanwhile() and resend_attempts()."""

    def power(self, action):
        needs, done = POWER_ACTIONS[action]
        self.action = action
        self.changed = True
        if self.check_mode:
            self.server = dict(self.server, status=done[0])
            return
        before = self.server
        send = getattr(self.client, action + "_server")
        sends = REBOOT_SENDS if action == "reboot" else self.resend_attempts()
        lost = []
        for sent in range(1, sends + 1):
            try:
                answer = send(before["id"])
            except VpsNotFoundError as exc:
                raise self.deleted_meanwhile(exc) from None
            except (VpsOutcomeUnknownError, VpsApiError) as exc:
                if isinstance(exc, VpsApiError) and exc.status != 400:
                    raise
                error = exc
            else:
                status = (answer.get("server") or {}).get("status") or done[0]
                self.server = dict(self.server, status=status)
                return
            # The answer was lost, or the API refused because the server moved meanwhile: look before acting again.
            last = sent == sends
            watch = action == "reboot" and isinstance(error, VpsOutcomeUnknownError) and (error.in_flight or last)
            if self.shows_carried_out(action, before, error, watch):
                return
            if isinstance(error, VpsApiError) or self.server.get("status") != needs:
                raise error
            lost.append(error)
            if action == "reboot" and not last:
                self.warnings.append(
                    "The answer to rebooting %s was lost (%s) and the server shows no sign of a reboot (%s), so the reboot "
                    "was sent again. Should the first request still be carried out, the server reboots twice." % (
                        self.subject(), error.reason, no_sign(self.server)))
        if action != "reboot":
            raise lost[-1]
        self.warnings.append(
            "The reboot of %s may not have happened: it was sent %d times, every answer was lost (%s), and for api_timeout "
            "(%ss) after the last one the server showed no sign of a reboot (%s). It was not sent again, which could reboot "
            "the server %d times; run the task again to reboot it." % (
                self.subject(), sends, "; ".join(exc.reason for exc in lost), self.client.timeout, no_sign(self.server), sends + 1))

    def shows_carried_out(self, action, before, error, watch):
        """Read the server after ``error``: whether it shows ``action`` carried out. With ``watch``, a server that still
        needs the action is read again for api_timeout, until it shows it."""
        needs = POWER_ACTIONS[action][0]
        self.server = self.read_after(action, error)
        if carried_out(action, before, self.server):
            return True
        if not watch or self.server.get("status") != needs:
            return False

        def read(_poll):
            self.server = self.read_after(action, error)
            return self.server

        def ended(server):
            return carried_out(action, before, server) or server.get("status") != needs

        wait_until(read, ended, self.client.timeout)
        return carried_out(action, before, self.server)

    def read_after(self, action, error):
        """The server read again after ``error``; when that read fails after a lost answer, the task fails saying
        what is unknown."""
        try:
            server = self.client.get_server(self.server["id"])
        except VpsError as check:
            if isinstance(error, VpsOutcomeUnknownError):
                raise ServerTaskFailed(
                    "Failed to %s %s: the answer to %s %s was lost, and reading the server to check whether it was carried "
                    "out failed too (%s). The server may or may not be %s; run the task again." % (
                        action, self.subject(), error.method, error.path, check, POWER_ACTIONS[action][1][0]),
                    changed=True, outcome="unknown", server=self.server, **check.to_dict()) from None
            raise
        self.detailed = True
        return server
