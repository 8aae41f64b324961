# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The status and location filters of a server listing, shared by the inventory plugin and the event source.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.
"""

from __future__ import annotations

import itertools

# The statuses the API's list endpoint filters on (vps-api.md).
FILTER_STATUSES = ("active", "stopped", "suspended")


def unique_values(values):
    """The values as text, in their order, without repeats (the same listing twice would only cost requests)."""
    unique = []
    for value in values or []:
        value = str(value)
        if value not in unique:
            unique.append(value)
    return unique


def list_matching(client, statuses, locations):
    """Every server in one of ``statuses`` and one of ``locations`` (empty: any), filtered by the API.

    One listing per status/location combination, merged by id.
    """
    if len(statuses) <= 1 and len(locations) <= 1:
        return client.list_servers(status=statuses[0] if statuses else None, location=locations[0] if locations else None)
    servers = {}
    for status, location in itertools.product(statuses or [None], locations or [None]):
        for server in client.list_servers(status=status, location=location):
            # A server that changed status between two listings is in both; keep its first sight.
            servers.setdefault(server.get("id"), server)
    return list(servers.values())
