"""Make ``ansible_collections.vpsorg.cloud`` importable when the unit tests run under plain pytest.

``ansible-test units`` already runs with the folder that holds ``ansible_collections/`` on
``sys.path``; then this does nothing. Plain pytest from a checkout does not, so this builds the
collection layout with ``scripts/collection_layout.py`` (a symlink to the working tree under
``.cache/collections``) and puts the folder that holds ``ansible_collections/`` on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import sys

COLLECTION = 'ansible_collections.vpsorg.cloud'


def _importable(name: str) -> bool:
    """Return True when the package ``name`` can be imported."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


if not _importable(COLLECTION):
    # scripts/ is on sys.path through the pythonpath setting of pytest.ini.
    import collection_layout  # pylint: disable=import-error

    sys.path.insert(0, collection_layout.ensure_layout())
