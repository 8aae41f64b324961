# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation of the connection options says what the settings table (module_utils/_settings.py) says.

The doc fragments stay literal YAML for ansible-doc, so they repeat the table; this keeps them in step: the doc
fragment of the modules (``vpsorg.cloud.api``), that of the plugins (``vpsorg.cloud.api.plugins``, the inventory
plugin's connection options), the inventory plugin's own DOCUMENTATION and the event source's DOCUMENTATION, for every
option of the table: its name, type, default and environment variable, and the client's limits (Retry-After cap, the
time a call may spend retrying) where the retries are described. That Ansible's config system reads the ``env:``
entries is tested in tests/unit/plugins/inventory/test_vps_filters_detail.py.
"""

from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.vpsorg.cloud.plugins.inventory import vps
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import RETRY_AFTER_MAX, RETRY_MAX_TIME, SETTINGS

MODULES = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
PLUGINS = yaml.safe_load(ModuleDocFragment.PLUGINS)
INVENTORY = yaml.safe_load(vps.DOCUMENTATION)
EVENT_SOURCE = yaml.safe_load(vps_servers.DOCUMENTATION)
# Each documentation that defines the connection options: its options, and whether it has only them.
DEFINED_IN = {
    "modules' doc fragment": (MODULES["options"], True),
    "plugins' doc fragment": (PLUGINS["options"], True),
    "event source": (EVENT_SOURCE["options"], False),
}
# Where the environment variable is named in the description (the modules' env_fallback and the event source's own
# fallback), not declared in ``env:`` entries.
NAMED_IN_DESCRIPTION = ("modules' doc fragment", "event source")


def text(doc):
    return " ".join(doc["description"])


def as_yaml(value):
    """How a default is written in the V() of a description."""
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("where", list(DEFINED_IN))
def test_every_option_of_the_table_is_documented_with_its_type_and_default(where):
    options, only_these = DEFINED_IN[where]
    if only_these:
        assert list(options) == [setting.option for setting in SETTINGS], "the options of the table, in its order"
    for setting in SETTINGS:
        doc = options[setting.option]
        assert doc["type"] == setting.type, setting.option
        assert doc.get("default") == setting.default, setting.option


@pytest.mark.parametrize("where", NAMED_IN_DESCRIPTION)
def test_each_description_names_the_variable_and_the_default_of_its_option(where):
    options = DEFINED_IN[where][0]
    for setting in SETTINGS:
        description = text(options[setting.option])
        assert re.findall(r"E\((VPS_[A-Z_]+)\)", description) == [setting.env], setting.option
        expected = [] if setting.default is None else [as_yaml(setting.default)]
        assert re.findall(r"else V\(([^)]*)\)", description) == expected, setting.option
    for other in set(options) - {setting.option for setting in SETTINGS}:
        assert "E(VPS_" not in text(options[other]), "%s is no connection option: no variable" % other


def test_the_plugins_doc_fragment_declares_each_variable():
    assert {option: [entry["name"] for entry in doc.get("env", [])] for option, doc in PLUGINS["options"].items()} == {
        setting.option: [setting.env] for setting in SETTINGS}


def test_the_inventory_takes_its_connection_options_from_the_plugins_doc_fragment():
    assert "vpsorg.cloud.api.plugins" in INVENTORY["extends_documentation_fragment"]
    assert not set(INVENTORY["options"]) & {setting.option for setting in SETTINGS}, "defined once, in the fragment"


@pytest.mark.parametrize("notes", [MODULES["notes"], INVENTORY["notes"]], ids=["modules' doc fragment", "inventory"])
def test_the_notes_name_every_variable_in_the_order_of_the_table(notes):
    assert re.findall(r"E\((VPS_[A-Z_]+)\)", " ".join(notes)) == [setting.env for setting in SETTINGS]


@pytest.mark.parametrize("where", list(DEFINED_IN))
def test_the_retries_state_the_limits_of_the_client(where):
    description = text(DEFINED_IN[where][0]["api_retries"])
    assert "Retry-After" in description
    assert "never longer than %d seconds" % RETRY_AFTER_MAX in description
    assert "more than %d seconds after the request was first sent" % RETRY_MAX_TIME in description


def test_the_inventory_retries_every_request_not_only_the_list():
    description = text(PLUGINS["options"]["api_retries"])
    assert "list request" not in description
    assert "detail view" in description
