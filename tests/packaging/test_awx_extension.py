"""The AWX credential type and the node counting file travel in the collection tarball (what AWX does with them:
tests/integration/test_awx_credential_type.py, tests/integration/test_awx_node_counting.py)."""

from __future__ import annotations

import os
import tarfile

import yaml

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import REPO_ROOT  # pylint: disable=import-error

DEFINITION = 'extensions/awx/credential_type_vps_api.yml'
NODE_COUNTING = ('extensions/audit/event_query.yml', 'extensions/audit/README.md')


def test_tarball_holds_the_credential_type(collection_tarball):
    """The file is in the tarball as it is in the tree, and is a credential type with inputs and injectors."""
    with tarfile.open(str(collection_tarball)) as tarball:
        shipped = tarball.extractfile(DEFINITION).read()
    with open(os.path.join(REPO_ROOT, DEFINITION), 'rb') as handle:
        assert shipped == handle.read()
    assert sorted(yaml.safe_load(shipped)) == ['description', 'injectors', 'inputs', 'kind', 'name']


def test_tarball_holds_the_node_counting_file(collection_tarball):
    """AWX reads extensions/audit/event_query.yml of the installed collection at the end of a job (what it counts with
    it: tests/integration/test_awx_node_counting.py); it is in the tarball as in the tree, beside its README."""
    with tarfile.open(str(collection_tarball)) as tarball:
        shipped = {path: tarball.extractfile(path).read() for path in NODE_COUNTING}
    for path, content in shipped.items():
        with open(os.path.join(REPO_ROOT, path), 'rb') as handle:
            assert content == handle.read(), path
    assert sorted(yaml.safe_load(shipped[NODE_COUNTING[0]])) == [
        'vpsorg.cloud.vps_fleet', 'vpsorg.cloud.vps_server', 'vpsorg.cloud.vps_server_info']
