# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vps
short_description: Inventory of the servers of a VPS.org account
version_added: 0.1.0
description:
  - Builds an inventory from the servers of a VPS.org account, read with the account's list endpoint only.
  - Every page of the list is read (1000 servers a page); no server is read one by one, so an account of N servers
    costs one request per 1000 servers, not N.
  - The configuration file name must end with C(vps.yml) or C(vps.yaml).
  - Every field of a server's list item becomes a host variable named O(hostvars_prefix) and the field name,
    for example C(vps_id), C(vps_status), C(vps_plan), C(vps_os), C(vps_created_at).
  - A field name that would not make a valid variable name (an API field such as C(ipv6-address)) has every
    character other than letters, digits and underscores replaced by an underscore (C(vps_ipv6_address)). When that
    name is also the name of another field of the server, the field that has that name keeps it and the other is
    left out, so a variable is never overwritten by another field's value.
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
      - The API's list view has no C(ipv6_address); it is used if the API starts to send it there.
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
  - With O(cache=true) the plugin caches the server list as the API returned it (never the token), together with
    O(api_url), O(status) and O(location); a change of any of these reads the API again.
    C(ansible-inventory --flush-cache) and the C(refresh_inventory) meta task read the API again too.
  - Use O(compose) to set connection variables such as C(ansible_user), and O(keyed_groups) to group by plan or
    operating system (C(vps_plan.name), C(vps_os.name)).
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

import collections
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

# Plain Python, without requests: cheap to import even when a warm cache never reads the API.
from ansible_collections.vpsorg.cloud.plugins.module_utils._listing import list_matching, unique_values

NOT_IN_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


def _identifier(field):
    """A field name as a valid part of a variable name (ansible-core 2.19 deprecates others; 2.23 refuses them)."""
    return NOT_IN_IDENTIFIER.sub("_", str(field))


# ansible-core 2.19 marks everything an inventory plugin adds as untrusted (data tagging), and its
# wrap_var() only removes trust tags the API data never had, at the cost of a copy per host; 2.16-2.18
# template any string that is not wrapped, so a server named "{{ ... }}" would run in the user's play.
WRAP_UNSAFE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19)
if WRAP_UNSAFE:
    from ansible.utils.unsafe_proxy import wrap_var

CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups")
MAX_NAMES_IN_WARNING = 20
MAX_RENAME_ROUNDS = 5


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "vpsorg.cloud.vps"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("vps.yml", "vps.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._check_options()
        query = self._query()
        servers = self._cached_servers(path, query, cache)
        if servers is None:
            servers = self._fetch_servers(query)
            self._store_servers(path, query, servers)
        self._populate(servers)

    # Options.

    def _check_options(self):
        """Refuse a bad configuration before any request; choices and types are checked by Ansible's config system."""
        prefix = self.get_option("hostvars_prefix") or ""
        if not (prefix + "x").isidentifier():
            raise AnsibleParserError("The hostvars_prefix option must make valid variable names, got %r." % prefix)

    def _query(self):
        """What decides the server list: the API and the filters (the token is left out on purpose)."""
        return {
            # Empty means the client's default URL (the option's default covers an unset one).
            "api_url": str(self.get_option("api_url") or ""),
            "status": unique_values(self.get_option("status")),
            "location": unique_values(self.get_option("location")),
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
        return token

    # Reading the servers.

    def _fetch_servers(self, query):
        # The client (and requests, ~60 ms) is imported only here: Ansible loads this plugin for every inventory
        # source when it is enabled, and a warm cache never reads the API.
        from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient, VpsError, cleartext_warning

        api_url = query["api_url"]
        warning = cleartext_warning(api_url)
        if warning:
            self.display.warning(warning)
        try:
            client = VpsClient(self._api_token(), api_url=api_url, timeout=self.get_option("api_timeout"),
                               retries=self.get_option("api_retries"), validate_certs=self.get_option("validate_certs"),
                               ca_path=self.get_option("ca_path"), log=self.display.vvv)
        except VpsError as exc:
            raise AnsibleParserError("Cannot use the VPS.org API: %s" % exc.message) from None
        try:
            return list_matching(client, query["status"], query["location"])
        except VpsError as exc:
            raise AnsibleError("Failed to list the VPS.org servers at %s: %s" % (client.api_url, exc.message)) from None
        finally:
            client.close()

    def _cached_servers(self, path, query, cache):
        """The server list from the cache, or None when it must be read from the API."""
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

    def _populate(self, servers):
        prefix = self.get_option("hostvars_prefix") or ""
        preference = self.get_option("ansible_host_preference")
        group_fields = [field for field in ("location", "status") if self.get_option("group_by_" + field)]
        constructed = {option: self.get_option(option) for option in CONSTRUCTED_OPTIONS}
        # Constructable re-reads each host's variables; skip it entirely when nothing asks for it.
        construct = any(constructed.values())
        strict = self.get_option("strict")

        # Bound methods once, not looked up per host and variable: 10,000 hosts have some 130,000 variables.
        inventory = self.inventory
        add_host, set_variable, add_child = inventory.add_host, inventory.set_variable, inventory.add_child
        variable_names = {}
        group_names = {}
        for server, name in zip(servers, self._host_names(servers)):
            if name is None:
                continue
            groups = []
            for field in group_fields:
                value = server.get(field)
                if value is None or value == "":
                    continue
                key = (field, str(value))
                group = group_names.get(key)
                if group is None:
                    # Each distinct group is sanitized and created once.
                    group = group_names[key] = inventory.add_group(self._sanitize_group_name("%s_%s" % key))
                groups.append(group)
            if WRAP_UNSAFE:
                server, name = _unsafe(server), _unsafe(name)

            add_host(name)
            for field, value in server.items():
                named = variable_names.get(field)
                if named is None:
                    # (variable, the field name it was sanitised to, or None when the field name is valid as it is)
                    safe = _identifier(field)
                    named = variable_names[field] = (prefix + safe, safe if safe != field else None)
                variable, sanitised = named
                if sanitised is not None and sanitised in server:
                    continue  # a field that carries this very name has it
                set_variable(name, variable, value)
            for field in preference:
                value = server.get(field)
                if value:
                    set_variable(name, "ansible_host", value)
                    break
            for group in groups:
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

    def _host_names(self, servers):
        """One unique inventory name per server; servers sharing a name get their id appended, with one warning."""
        field = self.get_option("hostname")
        names = [_base_name(server, field) for server in servers]
        nameless = names.count(None)
        if nameless:
            # The API always sends an id; a server without id and name cannot be told apart or targeted.
            self.display.warning("%d VPS.org server(s) without id and name were left out of the inventory." % nameless)
        renamed = []
        # Ids are unique and "<name>_<id>" ends with the id, so renamed servers never clash with each other; another
        # round is only needed when a server is literally named like another's "<name>_<id>". The bound is a guard
        # against ids the API promises to be unique but are not.
        for _round in range(MAX_RENAME_ROUNDS):
            counts = collections.Counter(names)
            clashes = [index for index, name in enumerate(names) if name is not None and counts[name] > 1]
            if not clashes:
                break
            for index in clashes:
                new_name = "%s_%s" % (names[index], servers[index].get("id"))
                renamed.append("%s (id %s) as %s" % (names[index], servers[index].get("id"), new_name))
                names[index] = new_name
        if renamed:
            shown = renamed[:MAX_NAMES_IN_WARNING]
            if len(renamed) > len(shown):
                shown.append("and %d more" % (len(renamed) - len(shown)))
            self.display.warning("Several VPS.org servers share a host name; each of them was added with its id appended: %s."
                                 % ", ".join(shown))
        return names


def _base_name(server, field):
    """The chosen field, else the name, else the id, as text; None when the server has none of them."""
    for candidate in (field, "name", "id"):
        value = server.get(candidate)
        if value is not None and value != "":
            return str(value)
    return None


def _unsafe(value):
    """The value with every string that could be a template wrapped as unsafe (ansible-core < 2.19).

    Jinja needs "{" to start anything, so other strings stay plain: wrapping every string costs time and shows
    each one as {"__ansible_unsafe": ...} in `ansible-inventory --list`, which AWX imports badly (the inventory
    plugins of community.general took the same way out, see its issue 8212).
    """
    if isinstance(value, str):
        return wrap_var(value) if "{" in value or "}" in value else value
    if isinstance(value, dict):
        return {_unsafe(key): _unsafe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsafe(item) for item in value]
    return value
