"""Shared fixture of the packaging tests: the collection tarball built from the working tree.

It is built once per session with ``ansible-galaxy collection build`` (what goes in is decided by
build_ignore in galaxy.yml), into a temporary folder.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from packaging_support import galaxy_metadata  # pylint: disable=import-error
from support.environment import REPO_ROOT, VENV_BIN, ansible_env  # pylint: disable=import-error


@pytest.fixture(scope='session', name='collection_tarball')
def collection_tarball_fixture(tmp_path_factory):
    """Path of the collection tarball built from the working tree."""
    meta = galaxy_metadata()
    out = tmp_path_factory.mktemp('dist')
    result = subprocess.run(
        [os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), REPO_ROOT],
        env=ansible_env(out), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    tarball = out / ('%s-%s-%s.tar.gz' % (meta['namespace'], meta['name'], meta['version']))
    assert tarball.is_file(), result.stdout
    return tarball
