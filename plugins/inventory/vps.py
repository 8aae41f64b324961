# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vps
short_description: Inventory of the servers of a VPS.org account
version_added: 0.1.0
description:
  - Builds an inventory from the servers of a VPS.org account, read with the account's list endpoint.
  - Every page of the list is read (1000 servers a page), so an account of N servers costs one request per 1000
    servers (one listing per combination of O(status) and O(location) values). With O(detail=true) each listed
    server is read once more, see O(detail).
  - The inventory is never partial. When a page of the list, or with O(detail=true) a server's detail view, still fails
    after the retries (O(api_retries)), the whole inventory source fails with a message that names the page (or the
    server) and the API's answer; no server of it is added, not even those of the pages read before, and the cache is
    not written. Only a server deleted between the list and its detail view is left out, with a warning.
  - The configuration file name must end with C(vps.yml) or C(vps.yaml), and its O(plugin) must be
    V(vpsorg.cloud.vps). A file that is not taken is declined with the reason shown at verbosity 3 (C(-vvv)).
  - Every field of a server becomes a host variable named O(hostvars_prefix) and the field name. With the default
    prefix, from the list view C(vps_id), C(vps_name), C(vps_hostname), C(vps_status), C(vps_ip_address),
    C(vps_location), C(vps_plan) (C(id), C(name), C(vcpus), C(memory) in MB, C(storage) in GB), C(vps_os) (C(id),
    C(name)), C(vps_created_at) and C(vps_updated_at).
  - With O(detail=true), from the detail view too, C(vps_ipv6_address), C(vps_backups_enabled),
    C(vps_resource_usage) (C(cpu_percent), C(memory_used), C(disk_used), C(bandwidth_used)) and C(vps_plan.bandwidth).
  - Any other field the API sends becomes a variable the same way. A field name that would not make a valid variable
    name (an API field such as C(ipv6-address)) has every character other than letters, digits and underscores
    replaced by an underscore (C(vps_ipv6_address)). When that name is also the name of another field of the server,
    the field that has that name keeps it and the other is left out, so a variable is never overwritten by another
    field's value.
  - C(ansible_host) is set from the first field of O(ansible_host_preference) that has a value.
  - The conditions of O(filters) (the convention community.docker, community.hrobot and community.dns share) see
    these host variables (C(vps_*) and C(ansible_host)) and C(inventory_hostname), not the variables of O(compose);
    for example V(vps_plan.vcpus >= 4), or V(vps_backups_enabled) with O(detail=true). They are evaluated on the
    controller after the servers are read, so they save no request (O(status) and O(location) are filters of the
    API, and do). A host that is filtered out is in no group, not even those of O(groups) and O(keyed_groups).
    Host names are made unique over every listed server before the filters, so a host keeps its name whatever the
    filters are. A condition that cannot be evaluated fails the inventory with an error that names it.
  - Hosts are grouped into C(location_<location>) and C(status_<status>) groups, with names made safe for Ansible
    (V(us-west) gives C(location_us_west)).
  - Server names and hostnames are data, never templates; they are marked unsafe so a play never evaluates them.
author:
  - vpsorg.cloud contributors (@vpsorg)
requirements:
  - requests
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - vpsorg.cloud.api.plugins
  - community.library_inventory_filtering_v1.inventory_filter
options:
  plugin:
    description:
      - The name of this plugin; makes the file an inventory source of this plugin.
    required: true
    type: str
    choices: [vpsorg.cloud.vps]
  status:
    description:
      - Only servers in one of these statuses. Sent to the API as the C(status) query parameter.
      - With several values the plugin lists once per value (once per combination with several O(location) values)
        and merges the answers by server id, so a server that changes status between two listings appears once.
      - Servers in a transitional status (C(provisioning), C(stopping), ...) only appear without this filter.
      - By default every server is listed, whatever its status.
    type: list
    elements: str
    choices: [active, stopped, suspended]
    default: []
  location:
    description:
      - Only servers in one of these datacenter locations, for example V(us-west). Sent to the API as the C(location)
        query parameter.
      - With several values the plugin lists once per value, as for O(status).
      - By default servers of every location are listed.
    type: list
    elements: str
    default: []
  filters:
    version_added: 0.2.0
  detail:
    description:
      - Also read each listed server's detail view (C(GET /api/v1/servers/<id>/)), for the fields the list view does
        not have. See the host variables above; C(vps_ipv6_address) lets the V(ipv6_address) entry of
        O(ansible_host_preference) work.
      - "This costs one request per listed server on top of the pages of the list: N + ceil(N / 1000) requests for
        N servers (per listing with several O(status) or O(location) values). 4 are sent at a time, through the same
        retries and pacing as the list; a server deleted meanwhile is left out, with a warning."
      - With O(cache=true) the details are cached with the list, so a cached run makes no request at all.
    type: bool
    default: false
    version_added: 0.2.0
  hostname:
    description:
      - Which field of the server names the host in the inventory.
      - A server whose field is empty falls back to its C(name), then to its C(id).
      - Names are not unique in the API. When servers share a host name, each of them is added as the name followed
        by C(_) and its id (C(web-1_10001), C(web-1_10002)), and one warning lists them; no server is dropped.
    type: str
    choices: [name, hostname, id]
    default: name
  ansible_host_preference:
    description:
      - Fields of the server tried in this order; the first that is not empty becomes C(ansible_host).
      - A server with none of them gets no C(ansible_host). An empty list sets no C(ansible_host) at all.
      - The list view has no C(ipv6_address); it is there with O(detail=true) (or if the API starts to send it in the list).
    type: list
    elements: str
    default: [ip_address, ipv6_address, hostname]
  group_by_location:
    description:
      - Add each host to the group C(location_<location>).
    type: bool
    default: true
  group_by_status:
    description:
      - Add each host to the group C(status_<status>).
    type: bool
    default: true
  hostvars_prefix:
    description:
      - Prefix of the host variables made from the server's fields.
      - Must make valid variable names; may be empty.
    type: str
    default: vps_
notes:
  - The API token is never written to the inventory, its cache or any message.
  - With O(cache=true) the plugin caches the servers as the API returned them (with their details when O(detail=true);
    never the token), together with O(api_url), O(status), O(location) and O(detail); a change of any of these reads the
    API again. C(ansible-inventory --flush-cache) and the C(refresh_inventory) meta task read the API again too.
  - Use O(compose) to set connection variables such as C(ansible_user), and O(keyed_groups) to group by plan or
    operating system (C(vps_plan.name), C(vps_os.name)).
  - The connection options can also be set in the environment (E(VPS_API_TOKEN), E(VPS_API_URL), E(VPS_VALIDATE_CERTS),
    E(VPS_CA_PATH), E(VPS_API_TIMEOUT), E(VPS_API_RETRIES)), the same variables the modules of vpsorg.cloud read.
seealso:
  - module: vpsorg.cloud.vps_server_info
  - module: vpsorg.cloud.vps_server
"""

EXAMPLES = r"""
# Each example is a whole inventory file (e.g. demo.vps.yml); only the first is left uncommented, so that the block
# stays one YAML document.

# Minimal demo.vps.yml; the token comes from the VPS_API_TOKEN environment variable.
plugin: vpsorg.cloud.vps

# Running servers in two locations (two listings, merged by id), named by hostname.
# plugin: vpsorg.cloud.vps
# status: [active]
# location: [us-west, us-east]
# hostname: hostname

# Groups by plan and operating system: plan_Standard_VPS, os_Debian_12, ...
# plugin: vpsorg.cloud.vps
# keyed_groups:
#   - key: vps_plan.name
#     prefix: plan
#   - key: vps_os.name
#     prefix: os

# Connect by DNS name first; connection variables and conditional groups from the server's fields.
# plugin: vpsorg.cloud.vps
# ansible_host_preference: [hostname, ip_address]
# compose:
#   ansible_user: "'debian' if vps_os.name is search('Debian') else 'ubuntu'"
# groups:
#   big: vps_plan.vcpus >= 4
#   running: vps_status == 'active'
# strict: true

# Only servers with 4 or more vCPUs, and no server whose name starts with "tmp-" (the first matching condition
# decides; a host no condition matches is kept). With the detail view of each server: IPv6 addresses, backups.
# plugin: vpsorg.cloud.vps
# detail: true
# ansible_host_preference: [ipv6_address, ip_address]
# filters:
#   - exclude: vps_name is match('tmp-')
#   - include: vps_plan.vcpus >= 4
#   - exclude: true
# groups:
#   backed_up: vps_backups_enabled

# Cache the server list for 10 minutes in JSON files; --flush-cache (of ansible-playbook, and of ansible-inventory
# from ansible-core 2.17) refreshes it.
# plugin: vpsorg.cloud.vps
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/vpsorg-inventory
# cache_timeout: 600

# The token from a lookup (here a file readable only by its owner) instead of the environment.
# plugin: vpsorg.cloud.vps
# api_token: "{{ lookup('ansible.builtin.file', '~/.config/vpsorg/token') }}"
# api_url: https://admin.vps.org
"""

import functools

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.community.library_inventory_filtering_v1.plugins.plugin_utils.inventory_filter import filter_host, parse_filters
# Plain Python, without requests: cheap to import even when a warm cache never reads the API.
from ansible_collections.vpsorg.cloud.plugins.module_utils._listing import list_matching, read_details, unique_values
from ansible_collections.vpsorg.cloud.plugins.module_utils._secrets import register_token
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import SETTINGS, cleartext_warning, client_arguments
from ansible_collections.vpsorg.cloud.plugins.plugin_utils._inventory import (
    WRAP_UNSAFE,
    HostVariables,
    declined_because,
    host_names,
    unsafe,
)

CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "vpsorg.cloud.vps"

    def verify_file(self, path):
        # The base class says at -vvv when the file is missing or unreadable; say why when it is another's file,
        # so an inventory source (in AWX, say) that this plugin does not take is never silently empty.
        if not super().verify_file(path):
            return False
        reason = declined_because(path, [self.NAME] + list(getattr(self, "_redirected_names", None) or []))
        if reason:
            self.display.vvv("%s declined %s: %s" % (self.NAME, path, reason))
            return False
        return True

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        filters = self._check_options()
        query = self._query()
        servers = self._cached_servers(path, query, cache)
        if servers is None:
            servers = self._fetch_servers(query)
            self._store_servers(path, query, servers)
        self._populate(servers, filters)

    # Options.

    def _check_options(self):
        """Refuse a bad configuration before any request; return the parsed filters.

        Choices and types are checked by Ansible's config system.
        """
        prefix = self.get_option("hostvars_prefix") or ""
        if not (prefix + "x").isidentifier():
            raise AnsibleParserError("The hostvars_prefix option must make valid variable names, got %r." % prefix)
        try:
            return parse_filters(self.get_option("filters"))
        except AnsibleError as exc:
            raise AnsibleParserError("The filters option of the VPS.org inventory is wrong: %s." % exc.message) from None

    def _query(self):
        """What decides the servers read: the API, the API's filters, the details (the token is left out on purpose)."""
        return {
            # Empty means the client's default URL (the option's default covers an unset one).
            "api_url": str(self.get_option("api_url") or ""),
            "status": unique_values(self.get_option("status")),
            "location": unique_values(self.get_option("location")),
            "detail": bool(self.get_option("detail")),
        }

    def _api_token(self):
        token = self.get_option("api_token")
        if token:
            # The token may be a template such as a lookup; extra vars (-e) are available to it.
            self.templar.available_variables = self._vars
            token = self.templar.template(token)
        if not token:
            raise AnsibleParserError("No API token for the VPS.org inventory: set the api_token option of the inventory source "
                                     "or the VPS_API_TOKEN environment variable.")
        if not isinstance(token, str):
            raise AnsibleParserError("The api_token option must give a string, got %s." % type(token).__name__)
        # ansible-core 2.22+ masks it in everything it shows from now on. The token as sent, after the template: the
        # option is not marked `secret: true`, which would register the template's text (see module_utils/_secrets.py).
        register_token(token)
        return token

    # Reading the servers.

    def _fetch_servers(self, query):
        # The client (and requests, ~60 ms) is imported only here: Ansible loads this plugin for every inventory
        # source when it is enabled, and a warm cache never reads the API.
        from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
        from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError

        api_url = query["api_url"]
        warning = cleartext_warning(api_url)
        if warning:
            self.display.warning(warning)
        values = dict((setting.option, self.get_option(setting.option)) for setting in SETTINGS)
        values.update(api_url=api_url, api_token=self._api_token())
        settings = dict(client_arguments(values), log=self.display.vvv)
        try:
            client = VpsClient(**settings)
        except VpsError as exc:
            raise AnsibleParserError("Cannot use the VPS.org API: %s" % exc.message) from None
        try:
            servers = list_matching(client, query["status"], query["location"])
        except VpsError as exc:
            raise AnsibleError("Failed to list the VPS.org servers at %s: %s" % (client.api_url, exc.message)) from None
        finally:
            client.close()
        if not query["detail"]:
            return servers
        # A client per worker thread, with the listing client's settings and pacer: a 429 slows every thread down.
        make_client = functools.partial(VpsClient, pacer=client.pacer, **settings)
        try:
            servers, gone = read_details(make_client, servers)
        except VpsError as exc:
            raise AnsibleError("Failed to read the details of the VPS.org servers at %s: %s" % (client.api_url, exc.message)) from None
        if gone:
            self.display.warning("%d VPS.org server(s) were deleted while their details were read and were left out of the "
                                 "inventory (ids %s)." % (len(gone), ", ".join(str(server_id) for server_id in gone)))
        return servers

    def _cached_servers(self, path, query, cache):
        """The servers from the cache, or None when they must be read from the API."""
        # cache is False with --flush-cache and meta: refresh_inventory; the option is the user's choice.
        if not (cache and self.get_option("cache")):
            return None
        try:
            entry = self._cache[self.get_cache_key(path)]
        except KeyError:
            return None
        if not isinstance(entry, dict) or entry.get("query") != query:
            return None
        return entry.get("servers")

    def _store_servers(self, path, query, servers):
        if self.get_option("cache"):
            self._cache[self.get_cache_key(path)] = {"query": query, "servers": servers}

    # Building the inventory.

    def _populate(self, servers, filters):
        variables = HostVariables(self.get_option("hostvars_prefix") or "", self.get_option("ansible_host_preference"))
        group_fields = [field for field in ("location", "status") if self.get_option("group_by_" + field)]
        constructed = {option: self.get_option(option) for option in CONSTRUCTED_OPTIONS}
        # Constructable re-reads each host's variables; skip it entirely when nothing asks for it.
        construct = any(constructed.values())
        strict = self.get_option("strict")

        names, nameless, renamed = host_names(servers, self.get_option("hostname"))
        if nameless:
            # The API always sends an id; a server without id and name cannot be told apart or targeted.
            self.display.warning("%d VPS.org server(s) without id and name were left out of the inventory." % nameless)
        if renamed:
            self.display.warning(renamed)

        # Bound methods once, not looked up per host and variable: 10,000 hosts have some 130,000 variables.
        inventory = self.inventory
        add_host, set_variable, add_child = inventory.add_host, inventory.set_variable, inventory.add_child
        group_names = {}
        for server, name in zip(servers, names):
            if name is None:
                continue
            if WRAP_UNSAFE:
                server, name = unsafe(server), unsafe(name)
            host_vars = variables.of(server)
            # The first condition that matches decides; a host that none matches is kept.
            if filters and not filter_host(self, name, dict(host_vars), filters):
                continue
            add_host(name)
            for variable, value in host_vars:
                set_variable(name, variable, value)
            for field in group_fields:
                value = server.get(field)
                if value is None or value == "":
                    continue
                key = (field, str(value))
                group = group_names.get(key)
                if group is None:
                    # Each distinct group is sanitized and created once, when its first host is added.
                    group = group_names[key] = inventory.add_group(self._sanitize_group_name("%s_%s" % key))
                add_child(group, name)
            if construct:
                self._construct(name, constructed, strict)

    def _construct(self, name, constructed, strict):
        if constructed["compose"]:
            self._set_composite_vars(constructed["compose"], self.inventory.get_host(name).get_vars(), name, strict=strict)
        # Groups see the composed variables too: these helpers read the host's variables again.
        if constructed["groups"]:
            self._add_host_to_composed_groups(constructed["groups"], {}, name, strict=strict)
        if constructed["keyed_groups"]:
            self._add_host_to_keyed_groups(constructed["keyed_groups"], {}, name, strict=strict)
