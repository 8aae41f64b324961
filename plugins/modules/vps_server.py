#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vps_server
short_description: Create, update, power and delete VPS.org servers
version_added: 0.1.0
description:
  - Makes a VPS.org server exist with the given settings and power state, or makes it absent.
  - Finds the server by O(id) when given, otherwise by its exact O(name) across every page of the account's servers.
  - Idempotent; supports check mode and diff mode.
  - Waits for status transitions (provisioning, starting, stopping, rebooting) unless O(wait=false).
author:
  - vpsorg.cloud contributors (@vpsorg)
extends_documentation_fragment:
  - vpsorg.cloud.api
  - vpsorg.cloud.attributes
options:
  id:
    description:
      - Id of the server. Needed to rename a server; a server cannot be created with a chosen id.
    type: int
  name:
    description:
      - Name of the server; letters, digits and hyphens, at most 63 characters.
      - Without O(id), the server is found by this exact name. When two or more servers carry the name, the module
        fails and lists their ids without changing anything.
      - With O(id), a different O(name) renames the server. A rename to a name that another server carries fails,
        naming that server's id, without changing anything.
    type: str
  state:
    description:
      - V(present) makes the server exist (creating it if needed) with the given settings; it never changes the power state.
      - V(started) and V(stopped) also make it running or stopped. A new server is created first, for V(stopped) it is then stopped.
      - V(restarted) reboots a running server (always reported as changed) and starts a stopped one.
      - When the answer to a start, stop or reboot is lost, the module reads the server and sends the action again
        only when the server shows it was not carried out. A reboot shows as C(rebooting), or as C(active) with a later
        C(updated_at); it is sent at most twice, so the server reboots once, twice when a lost request lands late, or
        the task warns that the reboot may not have happened.
      - V(absent) deletes the server if it exists.
      - A server suspended by the provider cannot be started, stopped or restarted; the module fails and says so.
    type: str
    choices: [present, absent, started, stopped, restarted]
    default: present
  plan_id:
    description:
      - Id of the VPS plan. Needed to create a server.
      - Cannot be changed on an existing server; a different value fails and names the current and requested values.
    type: int
  os_id:
    description:
      - Id of the operating system image. Needed to create a server. Cannot be changed afterwards.
    type: int
  location:
    description:
      - Datacenter location code, for example V(us-west). Needed to create a server. Cannot be changed afterwards.
    type: str
  hostname:
    description:
      - Fully qualified host name of the server. Changed in place when it differs.
    type: str
  ssh_key_id:
    description:
      - Id of an SSH key of the account to install when the server is created.
      - The API does not show a server's key, so a different value for an existing server cannot be detected;
        given for an existing server, it draws a warning that it could not be checked.
    type: int
  backups_enabled:
    description:
      - Whether automatic backups are enabled. Changed in place when it differs.
      - Omit it to leave the setting as it is (a new server then has backups off).
    type: bool
  wait:
    description:
      - Wait until the server has reached the requested status (for example V(active) after a create) before returning.
      - With V(false), the module returns as soon as the API accepted the request. A transition that must end before the
        next step can start (a new server that is to be stopped) is still waited for.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for a status transition before failing with the last status seen.
    type: int
    default: 600
notes:
  - Several runs that create the same O(name) at the same moment (two pipelines, two operators) end with one server.
    After its create, each run lists the servers of that name; the earliest by creation time, then by id, is kept by
    every run. A run whose own server is not that one deletes it and continues with the kept one, with a warning naming
    both ids. The guarantee and its limits are in R(the concurrency guide,ansible_collections.vpsorg.cloud.docsite.guide_concurrency).
  - A create whose answer is lost (a timeout, a gateway error or a dropped connection) is given O(api_timeout) seconds
    to appear in the list, since the API may commit it late, before it is sent again.
  - A create or power action whose answer is lost (a timeout, a dropped connection or a gateway error after the request was
    sent) is never sent again blindly. The module looks the server up again and adopts the server the create made, or
    accepts a power action that is done or under way. It sends the request again only when the server shows it was not carried out.
  - The API requests each state transition costs are listed in R(the API requests guide,ansible_collections.vpsorg.cloud.docsite.guide_api_requests).
seealso:
  - module: vpsorg.cloud.vps_server_info
  - plugin: vpsorg.cloud.vps
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Create a server and wait until it is running
  vpsorg.cloud.vps_server:
    name: web-1
    plan_id: 1
    os_id: 5
    location: us-west
    hostname: web-1.example.com
    backups_enabled: true
    state: started
  register: web1

- name: Show its address
  ansible.builtin.debug:
    msg: "web-1 is at {{ web1.server.ip_address }}"

- name: Stop it
  vpsorg.cloud.vps_server:
    name: web-1
    state: stopped

- name: Rename a server (needs its id)
  vpsorg.cloud.vps_server:
    id: "{{ web1.server.id }}"
    name: web-01

- name: Set connection options once for every task of a play
  module_defaults:
    group/vpsorg.cloud.vps:
      api_url: https://admin.vps.org
      api_token: "{{ vault_vps_api_token }}"
  block:
    - name: Reboot
      vpsorg.cloud.vps_server:
        name: web-01
        state: restarted

    - name: Delete it
      vpsorg.cloud.vps_server:
        name: web-01
        state: absent
"""

RETURN = r"""
server:
  description:
    - The server as the API's detail view shows it after the task.
    - With O(state=absent), the server as it was before it was deleted (empty if it did not exist).
    - In check mode, the predicted server; a server that would be created has no id yet.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the server.
      type: int
      sample: 12345
    name:
      description: Name of the server.
      type: str
      sample: web-1
    hostname:
      description: Fully qualified host name.
      type: str
      sample: web-1.example.com
    status:
      description: V(provisioning), V(active), V(stopping), V(stopped), V(starting), V(rebooting) or V(suspended).
      type: str
      sample: active
    ip_address:
      description: Public IPv4 address, null until the server first becomes active.
      type: str
      sample: 203.0.113.10
    ipv6_address:
      description: Public IPv6 address.
      type: str
      sample: "2001:db8::1"
    location:
      description: Datacenter location code.
      type: str
      sample: us-west
    plan:
      description: The VPS plan.
      type: dict
      sample: {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80, "bandwidth": 2048}
    os:
      description: The operating system image.
      type: dict
      sample: {"id": 5, "name": "Ubuntu 22.04 LTS"}
    backups_enabled:
      description: Whether automatic backups are on.
      type: bool
      sample: true
    resource_usage:
      description: Current resource usage as the API reports it.
      type: dict
      sample: {"cpu_percent": 23.5, "memory_used": 2048, "disk_used": 35, "bandwidth_used": 450}
    created_at:
      description: Creation time (ISO 8601).
      type: str
      sample: "2025-01-10T14:30:00Z"
    updated_at:
      description: Time of the last change (ISO 8601).
      type: str
      sample: "2025-01-16T15:45:00Z"
server_ids:
  description: Ids of the servers that share the requested name, when the module refused to choose between them.
  returned: when several servers carry the name
  type: list
  elements: int
  sample: [12345, 12346]
status:
  description: HTTP status of the failed API request (null when no answer came).
  returned: on an API failure
  type: int
  sample: 402
method:
  description: HTTP method of the failed API request.
  returned: on an API failure
  type: str
  sample: POST
path:
  description: Path of the failed API request.
  returned: on an API failure
  type: str
  sample: /api/v1/servers/
body:
  description: Body of the API's error answer (parsed JSON, or the start of a non-JSON answer).
  returned: on an API failure with an answer
  type: raw
  sample: {"detail": "Insufficient credits."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vpsorg.cloud.plugins.module_utils._module import (
    api_argument_spec,
    apply_server,
    client_from_module,
    server_argument_spec,
)


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(server_argument_spec(default_state="present"))
    argument_spec.update(
        id=dict(type="int"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleModule(argument_spec=argument_spec, required_one_of=[("id", "name")], supports_check_mode=True)
    result, warnings = apply_server(module.params, client_from_module(module), module.check_mode, module._diff)
    for warning in warnings:
        module.warn(warning)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
