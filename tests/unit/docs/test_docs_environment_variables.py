# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every ``VPS_*`` environment variable the documentation names is one the collection reads.

The documentation: every Markdown file of the repository (README.md, CONTRIBUTING.md, the roles' and the simulator's),
the guides of docs/docsite/, the DOCUMENTATION, EXAMPLES and RETURN of the modules, the inventory plugin and the event
source, and the doc fragments. The variables the collection reads are those of its settings table
(plugins/module_utils/_settings.py), found through the table's public names, whatever their shape, and the switch of the
in-process path (``VPS_IN_PROCESS``, plugins/plugin_utils/_in_process.py); the only others the documentation may name
are those the live smoke reads (quoted in tests/live/, e.g. ``VPS_LIVE``), which configure a test run, not the collection.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import glob
import os
import re
from collections.abc import Mapping

from ansible_collections.vpsorg.cloud.plugins.module_utils import _settings
from ansible_collections.vpsorg.cloud.plugins.plugin_utils import _in_process

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NAMED = re.compile(r"\bVPS_[A-Z0-9_]+\b")
QUOTED = re.compile(r"""['"](VPS_[A-Z0-9_]+)['"]""")
PLUGINS = ("plugins/modules/*.py", "plugins/inventory/*.py", "extensions/eda/plugins/event_source/*.py")
PLUGIN_DOCS = ("DOCUMENTATION", "EXAMPLES", "RETURN")
# Folders that hold no documentation of the repository: tools, caches and what runs write.
NOT_DOCS = ("build", "tests/output")


def variables_in(value, seen=None):
    """Every ``VPS_*`` string held by ``value``: a string, a mapping (keys and values), a sequence or set, a dataclass,
    an enum, or an object with attributes."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return set()
    seen.add(id(value))
    if isinstance(value, str):
        return {value} if NAMED.fullmatch(value) else set()
    if isinstance(value, Mapping):
        items = list(value.keys()) + list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    elif isinstance(value, type) and issubclass(value, enum.Enum):
        items = [member.value for member in value]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = [getattr(value, field.name) for field in dataclasses.fields(value)]
    elif hasattr(value, "__dict__") and not callable(value) and not isinstance(value, type(os)):
        items = list(vars(value).values())
    else:
        return set()
    found = set()
    for item in items:
        found |= variables_in(item, seen)
    return found


def settings_variables():
    """The variables of the settings table, through every public name of _settings.py."""
    found = set()
    for name in dir(_settings):
        if not name.startswith("_"):
            found |= variables_in(getattr(_settings, name))
    assert found, "no VPS_* variable found through the public names of %s" % _settings.__file__
    return found


def live_smoke_variables():
    found = set()
    for path in glob.glob(os.path.join(REPO_ROOT, "tests", "live", "*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                found.update(QUOTED.findall(handle.read()))
    return found


def markdown_files():
    for folder, folders, files in os.walk(REPO_ROOT):
        relative = os.path.relpath(folder, REPO_ROOT)
        folders[:] = [name for name in folders if not name.startswith(".") and os.path.normpath(os.path.join(relative, name)) not in NOT_DOCS]
        for name in files:
            if name.endswith(".md"):
                yield os.path.join(folder, name)


def documentation():
    """(path, text) of every piece of documentation."""
    paths = list(markdown_files()) + glob.glob(os.path.join(REPO_ROOT, "docs", "docsite", "rst", "*.rst"))
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            yield path, handle.read()
    for pattern in PLUGINS:
        for path in glob.glob(os.path.join(REPO_ROOT, pattern)):
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for node in tree.body:
                if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets][0] in PLUGIN_DOCS:
                    yield "%s %s" % (path, node.targets[0].id), ast.literal_eval(node.value)
    for path in glob.glob(os.path.join(REPO_ROOT, "plugins", "doc_fragments", "*.py")):
        with open(path, encoding="utf-8") as handle:
            yield path, handle.read()


def test_every_variable_the_docs_name_is_read():
    known = settings_variables() | {_in_process.OPT_OUT_ENVIRONMENT} | live_smoke_variables()
    unknown = {}
    places = 0
    for path, text in documentation():
        places += 1
        for variable in sorted(set(NAMED.findall(text)) - known):
            unknown.setdefault(variable, []).append(os.path.relpath(path, REPO_ROOT))
    assert places > 20, "the documentation was not found under %s" % REPO_ROOT
    assert unknown == {}, "named in the documentation, but neither in the settings table nor read by the live smoke"
