"""Make ``ansible_collections.vpsorg.cloud`` importable when the unit tests run under plain pytest, and fail a test
that raised a deprecation.

``ansible-test units`` already runs with the folder that holds ``ansible_collections/`` on ``sys.path``; plain
pytest from a checkout does not: support.collection.make_importable() puts the collection layout there.
"""

from __future__ import annotations

import importlib

import pytest

from ansible.module_utils.common import warnings as module_warnings

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support import collection  # pylint: disable=import-error

collection.make_importable()


def _record_displayed_deprecations():
    """Keep every message given to ``Display.deprecated``: where ansible-core runs as the controller (2.19 and later
    decide so once a controller module is loaded, as the inventory tests do) a module-side deprecation goes there,
    not into the module's result, and may happen while the test modules are imported."""
    try:
        module_utils_internal = importlib.import_module("ansible.module_utils._internal")
    except ImportError:  # ansible-core 2.16 has no such flag
        module_utils_internal = None
    is_controller = getattr(module_utils_internal, "is_controller", None)
    # Importing Display makes 2.19 and later take this process for the controller (see
    # plugins/inventory/conftest.py); the module tests must keep seeing a module's side.
    display_class = importlib.import_module("ansible.utils.display").Display
    if module_utils_internal is not None:
        module_utils_internal.is_controller = is_controller
    original = display_class.deprecated

    def deprecated(self, msg, *args, **kwargs):
        DISPLAYED_DEPRECATIONS.append(msg)
        return original(self, msg, *args, **kwargs)

    display_class.deprecated = deprecated


DISPLAYED_DEPRECATIONS = []
_record_displayed_deprecations()


@pytest.fixture(autouse=True)
def no_deprecation_from_the_collection():
    """Fail a test when a deprecation was raised before it (while the test modules were imported) or during it:
    through ``Display.deprecated`` or recorded for a module's result (``module.deprecate()``, or ansible-core's
    own, such as importing from ``ansible.module_utils._text`` on 2.21). A module's result shows the latter
    too, but only the first result of the run shows one raised at import."""
    assert not deprecations_seen(), deprecation_report("before this test (at import)")
    yield
    assert not deprecations_seen(), deprecation_report("during this test")


def deprecations_seen():
    return DISPLAYED_DEPRECATIONS or module_warnings.get_deprecation_messages()


def deprecation_report(when):
    messages = DISPLAYED_DEPRECATIONS + [item.get("msg") or str(item) if isinstance(item, dict) else str(item)
                                         for item in module_warnings.get_deprecation_messages()]
    del DISPLAYED_DEPRECATIONS[:]
    module_warnings._global_deprecations.clear()  # pylint: disable=protected-access
    return "deprecation warnings recorded %s: %s" % (when, messages)
