"""Helpers of the packaging tests (imported by conftest.py and the test modules).

Named apart from conftest.py: other test folders have a conftest.py of their own, and a plain
``import conftest`` could find one of theirs.
"""

from __future__ import annotations

import os

import yaml

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import REPO_ROOT  # pylint: disable=import-error


def galaxy_metadata():
    """galaxy.yml as a dict."""
    with open(os.path.join(REPO_ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)
