# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host names and host variables of the vpsorg.cloud.vps inventory plugin, and why it declines a file.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.
"""

from __future__ import annotations

import collections
import re

from ansible.release import __version__ as ANSIBLE_CORE_VERSION

NOT_IN_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
# The top-level `plugin:` key of a configuration file; a regular expression, not YAML: the file may hold !vault
# values, and only the plugin's own parse (with Ansible's loader) should report a file that is not valid YAML.
PLUGIN_KEY = re.compile(r"""^plugin:[ \t]*(["']?)([^"'\s#]+)\1[ \t]*(?:#.*)?$""", re.MULTILINE)
CONFIG_SUFFIXES = ("vps.yml", "vps.yaml")
MAX_NAMES_IN_WARNING = 20
MAX_RENAME_ROUNDS = 5

# ansible-core 2.19 marks everything an inventory plugin adds as untrusted (data tagging), and its
# wrap_var() only removes trust tags the API data never had, at the cost of a copy per host; 2.16-2.18
# template any string that is not wrapped, so a server named "{{ ... }}" would run in the user's play.
WRAP_UNSAFE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19)
if WRAP_UNSAFE:
    from ansible.utils.unsafe_proxy import wrap_var


def declined_because(path, plugin_names):
    """Why the plugin does not take the configuration file ``path`` (readable), or None when it does."""
    if not path.endswith(CONFIG_SUFFIXES):
        return "its name does not end with %s" % " or ".join(CONFIG_SUFFIXES)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            match = PLUGIN_KEY.search(handle.read())
    except OSError as exc:
        return "it cannot be read (%s)" % (exc.strerror or exc)
    # A file without a plain `plugin:` line is taken: parsing it says clearly what is wrong.
    if match and match.group(2) not in plugin_names:
        return "its plugin: is %s, not %s" % (match.group(2), plugin_names[0])
    return None


def identifier(field):
    """A field name as a valid part of a variable name (ansible-core 2.19 deprecates others; 2.23 refuses them)."""
    return NOT_IN_IDENTIFIER.sub("_", str(field))


class HostVariables:
    """The host variables of servers: ``prefix`` + field name, each field name made valid once per run.

    Cached per field: 10,000 hosts have some 130,000 variables.
    """

    def __init__(self, prefix, preference):
        self.prefix = prefix
        self.preference = preference
        self._names = {}

    def of(self, server):
        """[(variable, value)] of every field of ``server``, then ``ansible_host`` when a preferred field has a value."""
        names = self._names
        pairs = []
        for field, value in server.items():
            named = names.get(field)
            if named is None:
                # (variable, the field name it was sanitised to, or None when the field name is valid as it is)
                safe = identifier(field)
                named = names[field] = (self.prefix + safe, safe if safe != field else None)
            variable, sanitised = named
            if sanitised is not None and sanitised in server:
                continue  # a field that carries this very name has it
            pairs.append((variable, value))
        for field in self.preference:
            value = server.get(field)
            if value:
                pairs.append(("ansible_host", value))
                break
        return pairs


def host_names(servers, field):
    """(one unique inventory name per server or None, servers without id and name, warning about renamed servers or None).

    Servers sharing a name get their id appended.
    """
    names = [_base_name(server, field) for server in servers]
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
    warning = None
    if renamed:
        shown = renamed[:MAX_NAMES_IN_WARNING]
        if len(renamed) > len(shown):
            shown.append("and %d more" % (len(renamed) - len(shown)))
        warning = "Several VPS.org servers share a host name; each of them was added with its id appended: %s." % ", ".join(shown)
    return names, names.count(None), warning


def _base_name(server, field):
    """The chosen field, else the name, else the id, as text; None when the server has none of them."""
    for candidate in (field, "name", "id"):
        value = server.get(candidate)
        if value is not None and value != "":
            return str(value)
    return None


def unsafe(value):
    """The value with every string that could be a template wrapped as unsafe (ansible-core < 2.19).

    Jinja needs "{" to start anything, so other strings stay plain: wrapping every string costs time and shows
    each one as {"__ansible_unsafe": ...} in `ansible-inventory --list`, which AWX imports badly (the inventory
    plugins of community.general took the same way out, see its issue 8212).
    """
    if isinstance(value, str):
        return wrap_var(value) if "{" in value or "}" in value else value
    if isinstance(value, dict):
        return {unsafe(key): unsafe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsafe(item) for item in value]
    return value
