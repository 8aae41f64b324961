# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the plugins of vpsorg.cloud know about VPS.org servers: statuses, names, what ends a wait.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError

NAME_MAX_LENGTH = 63
NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
HOSTNAME_LABEL_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
HOSTNAME_MAX_LENGTH = 253

# A transitional status and the status it settles in (the API's statuses and transitions: tests/simulator/openapi.yaml).
SETTLES_IN = {
    "provisioning": "active",
    "starting": "active",
    "rebooting": "active",
    "stopping": "stopped",
}
SETTLED_STATUSES = ("active", "stopped", "suspended")


class ServerTaskFailed(Exception):
    """A task on a server failed: ``msg`` is the one line for the user, ``details`` the result keys."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


def failure(error, action, subject, **details):
    """``Failed to <action> <subject>: <what the API said>``, with the error's structured details."""
    if isinstance(error, VpsError):
        details.update(error.to_dict())
    return ServerTaskFailed("Failed to %s %s: %s" % (action, subject, error), **details)


class WaitTimeout(Exception):
    def __init__(self, server_id, wanted, last_status, waited):
        self.server_id = server_id
        self.wanted = wanted
        self.last_status = last_status
        self.waited = waited
        super().__init__("timed out after %.0fs waiting for server %s to become %s; last status seen: %s"
                         % (waited, server_id, " or ".join(wanted), last_status))


class ServerVanished(Exception):
    pass


class ServerSuspended(Exception):
    pass


def name_problem(name):
    """Why ``name`` is not a valid server name, or None."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > NAME_MAX_LENGTH:
        return "must be at most %d characters, got %d" % (NAME_MAX_LENGTH, len(name))
    if not NAME_PATTERN.match(name):
        return "may contain only letters, digits and hyphens, got %r" % name
    return None


def hostname_problem(hostname):
    """Why ``hostname`` is not a valid fully qualified domain name, or None."""
    if not isinstance(hostname, str) or not hostname:
        return "must be a non-empty fully qualified domain name"
    if len(hostname) > HOSTNAME_MAX_LENGTH:
        return "must be at most %d characters, got %d" % (HOSTNAME_MAX_LENGTH, len(hostname))
    labels = hostname.rstrip(".").split(".")
    if not all(HOSTNAME_LABEL_PATTERN.match(label) for label in labels):
        return "must be a fully qualified domain name (labels of letters, digits and inner hyphens), got %r" % hostname
    return None


def servers_named(servers, name):
    """The servers whose name is exactly ``name``."""
    return [server for server in servers if server.get("name") == name]


def creation_order(server):
    """Sort key: earliest ``created_at`` first, then lowest id (the rule every run applies to one name: guide_concurrency.rst).

    A server without a readable creation time sorts after every server that has one.
    """
    created = api_time(server.get("created_at"))
    when = (1, 0.0) if created is None else (0, created)
    server_id = server.get("id")
    return when + ((0, server_id) if isinstance(server_id, int) else (1, 0))


def api_time(value):
    """Seconds since the epoch of an API time (ISO 8601, ``Z`` or an offset; naive times are UTC), or None when unreadable."""
    try:
        stamp = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


def nested_id(server, field):
    """``plan`` / ``os`` may come as an object with an id or, from other API versions, a bare id."""
    value = server.get(field)
    if isinstance(value, dict):
        return value.get("id")
    return value


def vanished(server_id, wanted):
    return ServerVanished("server %s disappeared while waiting for it to become %s" % (server_id, " or ".join(wanted)))


def ends_wait(status, wanted):
    """Whether a poll that saw ``status`` ends a wait for one of ``wanted``: it is one of them, or ``suspended``, which
    only the provider lifts, so that waiting longer cannot help."""
    return status in wanted or status == "suspended"


def require_reached(server_id, status, wanted, waited):
    """Raise unless ``status``, the last one a wait of ``waited`` seconds saw, is one of ``wanted``."""
    if status in wanted:
        return
    if status == "suspended":
        raise ServerSuspended("server %s is suspended by the provider; it cannot become %s" % (server_id, " or ".join(wanted)))
    raise WaitTimeout(server_id, wanted, status, waited)
