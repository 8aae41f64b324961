#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vps_fleet
short_description: Bring many VPS.org servers to their declared states at once
version_added: 0.1.0
description:
  - Applies the logic of M(vpsorg.cloud.vps_server) to a list of servers in one task, handling the servers in
    parallel, so twenty new servers take about one provisioning delay instead of twenty.
  - Lists the account once for all servers instead of once per server, and waits for all servers with one listing
    per poll (once a second, and once more 0.25 s after a poll that saw a status change).
  - A server's detail view (one C(GET /api/v1/servers/<id>/)) is read only where the listing cannot tell. For an
    existing server that sets O(servers[].backups_enabled), once (only the detail view shows it). For each existing
    server in check mode, once (the prediction is laid over it). For a server missing from a listing while it is
    waited for (deleted, or not listed yet), at each such poll. After a power action whose answer was lost or refused
    with HTTP 400, to see whether it was carried out (a reboot whose answer was lost may be read again for up to
    O(api_timeout) until it shows).
  - Several runs over the same names at the same moment end with one server per name, as with M(vpsorg.cloud.vps_server).
  - Under a rate limit, the threads share one pace. A 429 answer makes every thread wait for its C(Retry-After); the
    rate the API allows is measured from its 429 answers, and the requests are spread out to stay within it.
  - Each server is found by its exact name. Servers that are not listed are left alone.
  - The C(vpsorg.cloud.fleet) role wraps this module and adds the servers to the in-memory inventory.
author:
  - vpsorg.cloud contributors (@vpsorg)
extends_documentation_fragment:
  - vpsorg.cloud.api
  - vpsorg.cloud.attributes
options:
  servers:
    description:
      - The servers and the state each must be in. Each item takes the options of M(vpsorg.cloud.vps_server)
        that describe a server; names must be unique within the list.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the server; letters, digits and hyphens.
        type: str
        required: true
      state:
        description: As O(vpsorg.cloud.vps_server#module:state).
        type: str
        choices: [present, absent, started, stopped, restarted]
        default: started
      plan_id:
        description: Id of the VPS plan; needed to create the server.
        type: int
      os_id:
        description: Id of the operating system image; needed to create the server.
        type: int
      location:
        description: Datacenter location code; needed to create the server.
        type: str
      hostname:
        description: Fully qualified host name.
        type: str
      ssh_key_id:
        description: Id of an SSH key to install when the server is created.
        type: int
      backups_enabled:
        description: Whether automatic backups are enabled.
        type: bool
  wait:
    description:
      - Wait until every server has reached its requested status.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each server's transitions before it fails with the last status seen.
    type: int
    default: 600
  parallel:
    description:
      - How many servers are worked on at the same time.
    type: int
    default: 100
notes:
  - One server failing does not stop the others; the task fails afterwards and its message names every server that failed.
seealso:
  - module: vpsorg.cloud.vps_server
"""

EXAMPLES = r"""
- name: Three web servers running, one database server stopped, an old server gone
  vpsorg.cloud.vps_fleet:
    servers:
      - {name: web-1, plan_id: 1, os_id: 5, location: us-west}
      - {name: web-2, plan_id: 1, os_id: 5, location: us-west}
      - {name: web-3, plan_id: 1, os_id: 5, location: us-east}
      - {name: db-1, plan_id: 2, os_id: 3, location: us-east, state: stopped}
      - {name: web-old, state: absent}
  register: fleet

- name: Addresses of the running servers
  ansible.builtin.debug:
    msg: "{{ fleet.results | selectattr('server.status', 'defined') | selectattr('server.status', 'eq', 'active')
             | map(attribute='server.ip_address') | list }}"
"""

RETURN = r"""
results:
  description:
    - One result per server, in the order of O(servers), with the keys M(vpsorg.cloud.vps_server) returns.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name from O(servers).
      type: str
      sample: web-1
    state:
      description: The state requested for this server in O(servers).
      type: str
      sample: started
    changed:
      description: Whether this server was changed.
      type: bool
      sample: true
    server:
      description:
        - The server as the API's list shows it after the task, laid over what a write answered (see
          M(vpsorg.cloud.vps_server)) or its detail view where the task read it (see the description). The fields
          only the detail view has (C(ipv6_address), C(resource_usage)) are there only then; use
          M(vpsorg.cloud.vps_server_info) to read them.
        - For O(servers[].state=absent), the server as it was before it was deleted.
      type: dict
      sample: {"id": 12345, "name": "web-1", "status": "active", "ip_address": "203.0.113.10"}
    failed:
      description: Whether this server failed.
      type: bool
      sample: false
    msg:
      description: Why this server failed.
      type: str
      returned: when this server failed
    diff:
      description: Before and after of this server, in diff mode.
      type: dict
      returned: in diff mode
diff:
  description: Before and after of every changed server, keyed by name.
  returned: in diff mode
  type: dict
  sample: {"before": {"web-1": {"status": "active"}}, "after": {"web-1": {"status": "stopped"}}}
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vpsorg.cloud.plugins.module_utils._account import SharedAccount
from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._module import (
    api_argument_spec,
    apply_server,
    call_or_fail,
    client_from_module,
    client_settings,
    server_argument_spec,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._pacer import RequestPacer


def server_options():
    options = server_argument_spec(default_state="started")
    options["name"]["required"] = True
    return options


def apply_one(entry, settings, account, module):
    """One server of the fleet, with a client of its own (a requests session is not shared across threads)."""
    params = dict(entry, id=None, wait=module.params["wait"], wait_timeout=module.params["wait_timeout"])
    client = VpsClient(**settings)
    try:
        # The listing shows what the fleet needs; a detail view per server would cost a request each.
        result, warnings = apply_server(params, client, module.check_mode, module._diff, account=account, detail_result=False)
    finally:
        client.close()
    result.setdefault("failed", False)
    result["name"] = entry["name"]
    result["state"] = entry["state"]
    result["warnings"] = warnings
    return result


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        servers=dict(type="list", elements="dict", required=True, options=server_options()),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        parallel=dict(type="int", default=100),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    servers = module.params["servers"]
    names = [entry["name"] for entry in servers]
    repeated = sorted(set(name for name in names if names.count(name) > 1))
    if repeated:
        module.fail_json(msg="servers lists these names more than once: %s. Each server must appear once." % ", ".join(repeated))
    if module.params["parallel"] < 1:
        module.fail_json(msg="parallel must be at least 1, got %d." % module.params["parallel"])
    settings = client_settings(module)
    # Every thread's client paces its requests with the others: a 429 slows the whole fleet down.
    settings["pacer"] = RequestPacer()
    account = SharedAccount()

    # The first client fails the module clearly on a setting it cannot use; the threads' clients are built the same way.
    listing_client = client_from_module(module, settings)
    try:
        call_or_fail(module, lambda: account.servers(listing_client), "list", "servers", results=[])
    finally:
        listing_client.close()

    with ThreadPoolExecutor(max_workers=min(module.params["parallel"], max(1, len(servers)))) as pool:
        results = list(pool.map(lambda entry: apply_one(entry, settings, account, module), servers))

    for result in results:
        for warning in result.pop("warnings"):
            module.warn("%s: %s" % (result["name"], warning))
    outcome = dict(changed=any(result.get("changed") for result in results), results=results)
    if module._diff:
        changed = [result for result in results if result.get("changed") and "diff" in result]
        outcome["diff"] = {side: {result["name"]: result["diff"][side] for result in changed} for side in ("before", "after")}
    failures = [result for result in results if result["failed"]]
    if failures:
        module.fail_json(msg="%d of %d servers failed: %s" % (len(failures), len(results), "; ".join(
            "%s: %s" % (result["name"], result["msg"]) for result in failures)), **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
