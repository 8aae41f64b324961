"""The AWX credential type travels in the collection tarball (what AWX does with it: tests/integration/test_awx_credential_type.py)."""

from __future__ import annotations

import os
import tarfile

import yaml

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import REPO_ROOT  # pylint: disable=import-error

DEFINITION = 'extensions/awx/credential_type_vps_api.yml'


def test_tarball_holds_the_credential_type(collection_tarball):
    """The file is in the tarball as it is in the tree, and is a credential type with inputs and injectors."""
    with tarfile.open(str(collection_tarball)) as tarball:
        shipped = tarball.extractfile(DEFINITION).read()
    with open(os.path.join(REPO_ROOT, DEFINITION), 'rb') as handle:
        assert shipped == handle.read()
    assert sorted(yaml.safe_load(shipped)) == ['description', 'injectors', 'inputs', 'kind', 'name']
