#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vps_server_info
short_description: List VPS.org servers or look one up
version_added: 0.1.0
description:
  - Lists the servers of a VPS.org account, across every page, optionally filtered.
  - Reads only; finding nothing is not an error.
author:
  - vpsorg.cloud contributors (@vpsorg)
extends_documentation_fragment:
  - vpsorg.cloud.api
  - vpsorg.cloud.attributes.info_module
options:
  id:
    description:
      - Return the detail view of this one server (including V(ipv6_address), V(backups_enabled) and V(resource_usage)).
      - A server that does not exist gives an empty list.
    type: int
  name:
    description:
      - Only servers with exactly this name. Names are not unique, so this can return several servers.
    type: str
  status:
    description:
      - Only servers in this status. Sent to the API as the C(status) filter.
    type: str
    choices: [active, stopped, suspended]
  location:
    description:
      - Only servers in this datacenter location, for example V(us-west). Sent to the API as the C(location) filter.
    type: str
seealso:
  - module: vpsorg.cloud.vps_server
  - plugin: vpsorg.cloud.vps
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: List every server of the account
  vpsorg.cloud.vps_server_info:
  register: all_servers

- name: Running servers in us-west
  vpsorg.cloud.vps_server_info:
    status: active
    location: us-west
  register: west

- name: Names of the running servers in us-west
  ansible.builtin.debug:
    msg: "{{ west.servers | map(attribute='name') | list }}"

- name: Detail view of one server
  vpsorg.cloud.vps_server_info:
    id: 12345
  register: one
"""

RETURN = r"""
servers:
  description:
    - The servers found, in the API's list view (detail view when O(id) is given).
    - Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 12345
      name: web-server-01
      hostname: web01.example.com
      status: active
      ip_address: 203.0.113.10
      location: us-west
      plan: {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80}
      os: {"id": 5, "name": "Ubuntu 22.04 LTS"}
      created_at: "2025-01-10T14:30:00Z"
      updated_at: "2025-01-15T10:20:00Z"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsNotFoundError
from ansible_collections.vpsorg.cloud.plugins.module_utils._module import api_argument_spec, call_or_fail, client_from_module
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import servers_named


def find_servers(client, params):
    if params["id"] is not None:
        try:
            server = client.get_server(params["id"])
        except VpsNotFoundError:
            return []
        servers = [server]
    else:
        servers = client.list_servers(status=params["status"], location=params["location"])
    if params["name"] is not None:
        servers = servers_named(servers, params["name"])
    if params["id"] is not None:
        # The detail view is read by id; the filters still apply to it.
        servers = [server for server in servers if params["status"] in (None, server.get("status"))
                   and params["location"] in (None, server.get("location"))]
    return servers


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        id=dict(type="int"),
        name=dict(type="str"),
        status=dict(type="str", choices=["active", "stopped", "suspended"]),
        location=dict(type="str"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["id"] is not None and module.params["id"] < 1:
        module.fail_json(msg="id must be a positive integer, got %d." % module.params["id"])
    client = client_from_module(module)
    servers = call_or_fail(module, lambda: find_servers(client, module.params), "list", "servers", servers=[])
    module.exit_json(changed=False, servers=servers)


if __name__ == "__main__":
    main()
