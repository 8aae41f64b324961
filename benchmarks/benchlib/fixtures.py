"""The three comparison inventories, built from the simulator's own list data, and the check that
they are the same inventory as the one vpsorg.cloud.vps builds.

- floor: a config for benchmarks/inventory_plugins/bench_floor.py plus the list items as JSON;
- script: an executable that prints the ``--list`` JSON (``ansible.builtin.script`` plugin);
- yaml: a static YAML inventory file (``ansible.builtin.yaml`` plugin).

Each has the hosts (named by the server's ``name``), the groups ``location_<x>`` and
``status_<x>`` and the host variables ``vps_<field>`` for every list-item field plus
``ansible_host``, as the plugin's defaults produce them.
"""

from __future__ import annotations

import json
import os
import re
import stat

import yaml

PREFIX = "vps_"
GROUP_FIELDS = ("location", "status")
ANSIBLE_HOST_FIELDS = ("ip_address", "ipv6_address", "hostname")
# What Ansible's constructed features and our plugin replace in group names (force=True).
INVALID_GROUP_CHARS = re.compile(r"^[\d\W]|[^\w]")

try:
    YAML_DUMPER = yaml.CSafeDumper
except AttributeError:  # PyYAML without libyaml
    YAML_DUMPER = yaml.SafeDumper


def group_name(field, value):
    return INVALID_GROUP_CHARS.sub("_", "%s_%s" % (field, value))


def expected_inventory(servers):
    """(hostvars, groups) as the plugin's defaults build them from these list items."""
    hostvars, groups = {}, {}
    for server in servers:
        name = server["name"]
        if name in hostvars:
            raise ValueError("the benchmark seeds unique names, but %r is there twice" % name)
        variables = {PREFIX + field: value for field, value in server.items()}
        for field in ANSIBLE_HOST_FIELDS:
            if server.get(field):
                variables["ansible_host"] = server[field]
                break
        hostvars[name] = variables
        for field in GROUP_FIELDS:
            groups.setdefault(group_name(field, server[field]), []).append(name)
    return hostvars, groups


def write_vps_config(directory, api_url, filename="bench.vps.yml", **options):
    path = os.path.join(directory, filename)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(dict({"plugin": "vpsorg.cloud.vps", "api_url": api_url}, **options), stream, sort_keys=False)
    return path


def write_floor(directory, servers, filename="floor.yml", **options):
    servers_file = "floor-servers.json"
    with open(os.path.join(directory, servers_file), "w", encoding="utf-8") as stream:
        json.dump(servers, stream)
    path = os.path.join(directory, filename)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(dict({"plugin": "bench_floor", "servers_file": servers_file}, **options), stream, sort_keys=False)
    return path


def write_script(directory, servers):
    """An inventory script that prints the ``--list`` JSON; ``cat`` so the script itself costs nothing."""
    hostvars, groups = expected_inventory(servers)
    listing = {"_meta": {"hostvars": hostvars}, "all": {"children": sorted(groups)}}
    listing.update({group: {"hosts": hosts} for group, hosts in groups.items()})
    data = os.path.join(directory, "script-inventory.json")
    with open(data, "w", encoding="utf-8") as stream:
        json.dump(listing, stream)
    path = os.path.join(directory, "inventory.sh")
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("#!/bin/sh\n# Classic inventory script: --list prints everything (with _meta), so --host is never asked.\n"
                     "exec cat '%s'\n" % os.path.abspath(data))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def write_yaml(directory, servers):
    """A static YAML inventory: every host with its variables under all.hosts, groups list host names only."""
    hostvars, groups = expected_inventory(servers)
    document = {"all": {"hosts": hostvars, "children": {group: {"hosts": {host: None for host in hosts}} for group, hosts in groups.items()}}}
    path = os.path.join(directory, "static.yml")
    with open(path, "w", encoding="utf-8") as stream:
        yaml.dump(document, stream, Dumper=YAML_DUMPER, default_flow_style=False, sort_keys=False)
    return path


# Comparing `ansible-inventory --list` outputs.

def plain(data, counter):
    """--list output with ansible-core's {"__ansible_unsafe": text} markers replaced by the text (counted)."""
    if isinstance(data, dict):
        if set(data) == {"__ansible_unsafe"}:
            counter[0] += 1
            return data["__ansible_unsafe"]
        return {key: plain(value, counter) for key, value in data.items()}
    if isinstance(data, list):
        return sorted((plain(item, counter) for item in data), key=json.dumps)
    return data


def load_listing(path):
    """(normalised listing, number of unsafe markers) of an ``ansible-inventory --list`` output file."""
    with open(path, encoding="utf-8") as stream:
        data = json.load(stream)
    counter = [0]
    return plain(data, counter), counter[0]


def differences(reference, other, limit=10):
    """Human-readable differences between two normalised listings (at most ``limit``)."""
    found = []

    def walk(left, right, where):
        if len(found) >= limit:
            return
        if isinstance(left, dict) and isinstance(right, dict):
            for key in sorted(set(left) | set(right)):
                if key not in right:
                    found.append("%s/%s only in the first" % (where, key))
                elif key not in left:
                    found.append("%s/%s only in the second" % (where, key))
                else:
                    walk(left[key], right[key], "%s/%s" % (where, key))
                if len(found) >= limit:
                    return
        elif left != right:
            found.append("%s: %s != %s" % (where, json.dumps(left)[:80], json.dumps(right)[:80]))

    walk(reference, other, "")
    return found
