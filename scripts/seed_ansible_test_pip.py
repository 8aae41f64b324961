#!/usr/bin/env python
"""Seed ansible-test's pip bootstrap cache so that ``--venv`` works without internet access.

ansible-test bootstraps pip into every virtual environment it creates by running a ``get-pip``
script that it downloads from the Ansible project's file server, unless the script is already in
its cache (``~/.ansible/test/cache/get_pip_<version>.py``). That server is not reachable here, so
this writes a stand-in: the pip wheel of the wanted version (downloaded from PyPI) and a small
script that installs that wheel offline. Nothing is done when the cache file is already present.

Usage: python scripts/seed_ansible_test_pip.py   (with the Python that has ansible-core installed)
"""

from __future__ import annotations

import os
import subprocess
import sys
import types

STAND_IN = '''\
"""Stand-in for get-pip.py, written by scripts/seed_ansible_test_pip.py: installs the pip
wheel next to this file without network access."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, {wheel!r}))

from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

# get-pip.py takes --no-setuptools / --no-wheel; pip install does not.
ARGS = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install', '--upgrade', '--force-reinstall', '--no-index', '--find-links', HERE] + ARGS))
'''


def venv_packages() -> dict:
    """The packages ansible-test bootstraps into virtual environments of the running Python: pip, and on
    ansible-core before 2.17 also setuptools and wheel, each with its version."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_test._internal.python_requirements import get_venv_packages

    return get_venv_packages(types.SimpleNamespace(version='%d.%d' % sys.version_info[:2]))


def main() -> int:
    """Seed the cache unless it is already there."""
    packages = venv_packages()
    version = packages['pip']
    cache_dir = os.path.expanduser('~/.ansible/test/cache')
    script = os.path.join(cache_dir, 'get_pip_%s.py' % version.replace('.', '_'))
    wheel = 'pip-%s-py3-none-any.whl' % version
    os.makedirs(cache_dir, exist_ok=True)

    # The stand-in installs from this folder only, so every package ansible-test names must be in it.
    wanted = ['%s==%s' % (name, packages[name]) for name in sorted(packages)
              if not any(found.lower().startswith('%s-%s-' % (name, packages[name])) for found in os.listdir(cache_dir))]
    if wanted:
        subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
             '--no-deps', '--only-binary', ':all:', '--dest', cache_dir] + wanted,
            check=True,
        )

    if os.path.exists(script):
        print('ansible-test pip bootstrap cache present: %s' % script)
        return 0

    with open(script + '.tmp', 'w', encoding='utf-8') as handle:
        handle.write(STAND_IN.format(wheel=wheel))

    os.replace(script + '.tmp', script)
    print('Seeded ansible-test pip %s bootstrap cache: %s' % (version, script))
    return 0


if __name__ == '__main__':
    sys.exit(main())
