"""The ansible-core a test runs on: the venv's (the default core), and 2.16, what AAP 2.5 execution environments run.

A test parametrizes the ``bin_dir`` fixture indirectly with ``CORES``; the fixture gives the bin folder of that core
(``ansible-playbook``, ``ansible-inventory`` and its ``python``). 2.16 comes from ``VPSORG_EXTRA_ANSIBLE_BINS`` (bin
folders separated by ``:``) or from the core matrix (scripts/matrix.py). In CI (``VPSORG_FAIL_ON_UNEXPECTED_SKIP=1``)
the matrix's 2.16 venv is made when it is missing (``matrix.prepare_core``), or the test fails saying why; elsewhere
the 2.16 case is skipped (and listed at the end of the run, tests/support/skips.py) when the matrix's cache has no
2.16 venv yet.
"""

from __future__ import annotations

import glob
import os
import subprocess

import pytest

# On sys.path through the pythonpath setting of pytest.ini (scripts/, tests/).
import matrix  # pylint: disable=import-error
from support.environment import VENV_BIN  # pylint: disable=import-error
from support.skips import failing_on_unexpected  # pylint: disable=import-error


def matrix_core_bin(core):
    """The bin folder of the core matrix's venv of ``core`` (scripts/matrix.py).

    In CI (VPSORG_FAIL_ON_UNEXPECTED_SKIP=1) it is made when missing, and the test fails when it cannot be; elsewhere
    the newest ready one in the matrix's cache is taken, and the test is skipped when there is none."""
    if failing_on_unexpected():
        try:
            prepared = matrix.prepare_core(core, dict(matrix.CORES)[core])
        except (OSError, subprocess.CalledProcessError) as error:
            pytest.fail('could not make the ansible-core %s venv of the core matrix: %s' % (core, error))
        if 'skipped' in prepared:
            pytest.fail('ansible-core %s cannot be installed on this machine (scripts/matrix.py): %s' % (core, prepared['skipped']))
        return prepared['bin']
    ready = sorted(glob.glob(os.path.join(matrix.CACHE_DIR, 'core-%s-*' % core, '.ready')), key=os.path.getmtime)
    if not ready:
        pytest.skip('no ansible-core %s venv in the core matrix cache %s (run make matrix once)' % (core, matrix.CACHE_DIR))
    return os.path.join(os.path.dirname(ready[-1]), 'bin')


# The bin folders of the cores to run on: the venv's, then VPSORG_EXTRA_ANSIBLE_BINS or the matrix's 2.16 (None).
EXTRA_BINS = [path for path in os.environ.get('VPSORG_EXTRA_ANSIBLE_BINS', '').split(':') if path]
CORES = [pytest.param(VENV_BIN, id='venv-core')] + (
    [pytest.param(path, id=path) for path in EXTRA_BINS] or [pytest.param(None, id='core-2.16')])


@pytest.fixture(name='bin_dir')
def bin_dir_fixture(request):
    """The bin folder of the ansible-core a test runs on (the tests parametrize it indirectly from CORES)."""
    return request.param or matrix_core_bin('2.16')


def core_version(bin_dir):
    """(major, minor) of the ansible-core in ``bin_dir``."""
    result = subprocess.run([os.path.join(bin_dir, 'python'), '-c', 'import ansible.release; print(ansible.release.__version__)'],
                            capture_output=True, text=True, check=True)
    return tuple(int(part) for part in result.stdout.strip().split('.')[:2])
