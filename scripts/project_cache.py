"""The test command's own caches outside the working tree, and the lock that keeps two processes from filling
one at the same time.

Everything lives under ``$VPSORG_CACHE`` or ``~/.cache/vpsorg-cloud/`` (``$XDG_CACHE_HOME/vpsorg-cloud/`` when
that is set):

    collections/    the collections galaxy.yml depends on (scripts/collection_deps.py)
    matrix/         one virtual environment per ansible-core of the core matrix (scripts/matrix.py)
    ansible-test/   one home folder per ansible-core and Python for ansible-test's own state (scripts/ansible_test_home.py)

Standard library only.
"""

from __future__ import annotations

import contextlib
import os


def root() -> str:
    return os.environ.get('VPSORG_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'vpsorg-cloud')


@contextlib.contextmanager
def locked(folder: str, name: str = '.lock'):
    """Hold an exclusive lock (the file ``name`` in ``folder``, created if missing) while the block runs; other
    processes wait."""
    import fcntl  # pylint: disable=import-outside-toplevel

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'w', encoding='utf-8') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
