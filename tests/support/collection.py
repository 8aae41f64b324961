"""Make ``ansible_collections.vpsorg.cloud`` importable in the test process.

``ansible-test units`` already runs with the folder that holds ``ansible_collections/`` on ``sys.path``; then
this does nothing. Plain pytest from a checkout does not, so this builds the collection layout with
scripts/collection_layout.py (a symlink to the working tree under ``.cache/collections``) and puts the folder
that holds ``ansible_collections/`` first on ``sys.path``. Used by tests/unit/conftest.py and by the tests
outside tests/unit that import the collection's code.
"""

from __future__ import annotations

import importlib.util
import sys

COLLECTION = 'ansible_collections.vpsorg.cloud'


def importable(name: str = COLLECTION) -> bool:
    """True when the package ``name`` can be imported."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def make_importable() -> None:
    """Put the collection layout on sys.path unless the collection already imports."""
    if not importable():
        # scripts/ is on sys.path through the pythonpath setting of pytest.ini.
        import collection_layout  # pylint: disable=import-error,import-outside-toplevel

        sys.path.insert(0, collection_layout.ensure_layout())
