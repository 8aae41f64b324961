# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The benchmark's floor: what Ansible itself costs to build the inventory vpsorg.cloud.vps builds.

It reads the servers (list items exactly as the API answered them) from a local JSON file and
only calls add_group / add_host / set_variable / add_child, plus the Constructable helpers when
compose, groups or keyed_groups are set. No HTTP, no cache, no checks: anything our plugin costs
beyond this is ours. Loaded through ANSIBLE_INVENTORY_PLUGINS by benchmarks/run.py; it is not
part of the collection.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_floor
short_description: Benchmark floor, the VPS.org servers from a local JSON file
description:
  - Builds the same hosts, groups and host variables as vpsorg.cloud.vps from a JSON file of list items.
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [bench_floor]
  servers_file:
    description: JSON file with the list of servers, relative to the configuration file.
    type: str
    required: true
"""

import json
import os

from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

PREFIX = "vps_"
GROUP_FIELDS = ("location", "status")
ANSIBLE_HOST_FIELDS = ("ip_address", "ipv6_address", "hostname")


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "bench_floor"

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        with open(os.path.join(os.path.dirname(path), self.get_option("servers_file")), encoding="utf-8") as stream:
            servers = json.load(stream)
        compose, groups, keyed_groups = (self.get_option(option) for option in ("compose", "groups", "keyed_groups"))
        construct = bool(compose or groups or keyed_groups)
        strict = self.get_option("strict")
        group_names = {}
        for server in servers:
            name = server["name"]
            self.inventory.add_host(name)
            for field, value in server.items():
                self.inventory.set_variable(name, PREFIX + field, value)
            for field in ANSIBLE_HOST_FIELDS:
                if server.get(field):
                    self.inventory.set_variable(name, "ansible_host", server[field])
                    break
            for field in GROUP_FIELDS:
                key = (field, server[field])
                if key not in group_names:
                    group_names[key] = self.inventory.add_group(self._sanitize_group_name("%s_%s" % key))
                self.inventory.add_child(group_names[key], name)
            if construct:
                # The usual pattern of inventory plugins (amazon.aws, community.general ...).
                hostvars = self.inventory.get_host(name).get_vars()
                self._set_composite_vars(compose, hostvars, name, strict=strict)
                self._add_host_to_composed_groups(groups, hostvars, name, strict=strict)
                self._add_host_to_keyed_groups(keyed_groups, hostvars, name, strict=strict)
