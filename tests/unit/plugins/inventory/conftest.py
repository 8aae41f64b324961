# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the inventory plugin through Ansible's own plugin loader, as ansible-inventory does.

The loader reads DOCUMENTATION and its doc fragments (``vpsorg.cloud.api.plugins``, ``constructed``,
``inventory_cache``) into the config system, so options, defaults, choices and ``env:`` entries are the
real ones. Resolving ``vpsorg.cloud.*`` needs Ansible's collection finder: ``ansible-test units``
installs it; under plain pytest this conftest installs it for the checkout's collection layout.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

COLLECTION_PACKAGE = "ansible_collections.vpsorg.cloud"

if AnsibleCollectionConfig.collection_finder is None:
    # scripts/ is on sys.path through the pythonpath setting of pytest.ini.
    import collection_layout  # pylint: disable=import-error

    _AnsibleCollectionFinder(paths=[collection_layout.ensure_layout()])._install()  # pylint: disable=protected-access
    # Tests collected earlier (plain pytest, any order) may have imported the collection package without the
    # finder, so it lacks the metadata the finder needs for every later import from the collection. Importing
    # that one package again through the finder adds it; modules imported already stay the same objects.
    if COLLECTION_PACKAGE in sys.modules and not hasattr(sys.modules[COLLECTION_PACKAGE], "_collection_meta"):
        del sys.modules[COLLECTION_PACKAGE]
        importlib.import_module(COLLECTION_PACKAGE)

# ansible-core 2.19 flips a process-wide flag, module_utils._internal.is_controller, as soon as any controller
# code (ansible.plugins, ansible.inventory, ansible.template) is imported; from then on AnsibleModule.warn()
# goes to Display instead of the module result, and the module unit tests running in the same process lose
# their warnings. Importing this folder's tests must not change what the module tests see, so the flag is
# put back after collection and only set (as in a real controller) while a test of this folder runs.
try:
    module_utils_internal = importlib.import_module("ansible.module_utils._internal")
except ImportError:  # ansible-core 2.16 has no such flag
    module_utils_internal = None
_IS_CONTROLLER = getattr(module_utils_internal, "is_controller", None)


def pytest_collection_finish(session):  # pylint: disable=unused-argument
    if _IS_CONTROLLER is not None:
        module_utils_internal.is_controller = _IS_CONTROLLER


@pytest.fixture(autouse=True)
def controller_context(monkeypatch):
    if _IS_CONTROLLER is not None:
        monkeypatch.setattr(module_utils_internal, "is_controller", True)
