# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Server listings shared by the inventory plugin and the event source: status and location filters, detail views.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsNotFoundError

# The statuses the API's list endpoint filters on (the `status` filter of `GET /api/v1/servers/`, tests/simulator/openapi.yaml).
FILTER_STATUSES = ("active", "stopped", "suspended")
# Detail views read at the same time (the client's connection pool holds 4 connections).
DETAIL_WORKERS = 4


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


def read_details(make_client, servers, workers=DETAIL_WORKERS):
    """Each server of a listing with the fields only its detail view has; (servers, ids of servers gone meanwhile).

    One ``GET /api/v1/servers/<id>/`` per server, ``workers`` at a time, each worker thread with a client of its
    own from ``make_client()`` (a requests session is not shared across threads; give them one pacer, so a 429
    slows them all). A server deleted after the listing (404) is left out; any other error stops the reading
    and is raised. The detail view holds every field of the list item and more, so it takes the item's place;
    a server without an integer id keeps its list item.
    """
    local = threading.local()
    clients = []
    clients_lock = threading.Lock()
    failed = threading.Event()

    def detail(server):
        server_id = server.get("id")
        if failed.is_set() or not isinstance(server_id, int) or isinstance(server_id, bool):
            return server
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = make_client()
            with clients_lock:
                clients.append(client)
        try:
            return dict(server, **client.get_server(server_id))
        except VpsNotFoundError:
            return None
        except BaseException:
            failed.set()
            raise

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(workers, len(servers)))) as pool:
            futures = [pool.submit(detail, server) for server in servers]
        # Every future is done here; the first error in listing order is the one raised.
        read = [future.result() for future in futures]
    finally:
        for client in clients:
            client.close()
    kept = [server for server in read if server is not None]
    gone = [server.get("id") for server, result in zip(servers, read) if result is None]
    return kept, gone
