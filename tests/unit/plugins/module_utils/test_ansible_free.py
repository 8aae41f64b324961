# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of module_utils that know nothing of Ansible import nothing from it, so that the event source (which runs
without ansible-core) and any plain Python can use them: read with ``ast``, every import at any depth (inside ``try``,
functions, ``importlib.import_module("...")``) may name only another file of this list among the ``ansible*``
packages."""

from __future__ import annotations

import ast
import os

import pytest

from ansible_collections.vpsorg.cloud.plugins.module_utils import _client

MODULE_UTILS = os.path.dirname(os.path.abspath(_client.__file__))
PACKAGE = "ansible_collections.vpsorg.cloud.plugins.module_utils"
ANSIBLE_FREE = ("_client", "_server", "_account", "_listing", "_pacer", "_errors", "_settings", "_waiting")


def imported(source):
    """Every module name ``source`` imports, with ``from PACKAGE import _x`` and relative imports made absolute."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(filter(None, [PACKAGE.rsplit(".", node.level - 1)[0], module]))
            names.append(module)
            if module == PACKAGE:
                names.extend("%s.%s" % (module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__"):
            names.extend(arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def ansible_imports(source):
    """The imports of ``source`` from Ansible: any ``ansible*`` module but PACKAGE itself and the files of ANSIBLE_FREE."""
    allowed = {PACKAGE} | {"%s.%s" % (PACKAGE, name) for name in ANSIBLE_FREE}
    return [name for name in imported(source) if name.split(".")[0] in ("ansible", "ansible_collections") and name not in allowed]


@pytest.mark.parametrize("name", ANSIBLE_FREE)
def test_imports_nothing_from_ansible(name):
    with open(os.path.join(MODULE_UTILS, name + ".py"), encoding="utf-8") as source:
        assert ansible_imports(source.read()) == []


def test_the_list_names_files_that_exist():
    assert all(os.path.isfile(os.path.join(MODULE_UTILS, name + ".py")) for name in ANSIBLE_FREE)


@pytest.mark.parametrize("line, found", [
    ("import ansible", ["ansible"]),
    ("from ansible.module_utils.basic import AnsibleModule", ["ansible.module_utils.basic"]),
    ("try:\n    from ansible.module_utils.secrets import mask_secrets\nexcept ImportError:\n    pass", ["ansible.module_utils.secrets"]),
    ("def later():\n    import ansible.errors", ["ansible.errors"]),
    ("from %s._module import apply_server" % PACKAGE, [PACKAGE + "._module"]),
    ("from %s import _module, _server" % PACKAGE, [PACKAGE + "._module"]),
    ("from ._module import apply_server", [PACKAGE + "._module"]),
    ("from ..plugin_utils._inventory import unsafe", ["ansible_collections.vpsorg.cloud.plugins.plugin_utils._inventory"]),
    ("importlib.import_module('ansible.release')", ["ansible.release"]),
    ("from ansible_collections.community.general.plugins.module_utils import x", ["ansible_collections.community.general.plugins.module_utils"]),
    ("from %s._errors import VpsError\nfrom ._waiting import polls\nimport json" % PACKAGE, []),
])
def test_the_check_finds_every_form_of_import(line, found):
    assert ansible_imports(line) == found


def test_the_check_finds_the_imports_of_a_file_that_uses_ansible():
    with open(os.path.join(MODULE_UTILS, "_module.py"), encoding="utf-8") as source:
        assert "ansible.module_utils.basic" in ansible_imports(source.read())
