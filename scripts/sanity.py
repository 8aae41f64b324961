#!/usr/bin/env python
"""``ansible-test sanity --local`` for the ansible-core of the Python running this, with state of its own.

    python scripts/sanity.py [ANSIBLE-TEST SANITY ARGS]     (the test command's sanity stage, each matrix core's)

ansible-test keeps its sanity virtual environments and its pip bootstrap cache under ``~/.ansible/test/``, keyed
by the Python version and the requirements, not by the ansible-core. The test command runs several cores at
once (the core matrix beside its own stages), several of them on the same Python: sharing that folder, one run
removed and rebuilt a virtual environment that another was bootstrapping pip into, and the bootstrap ended up
installing pip, setuptools and wheel into the base interpreter. So each (ansible-core, Python, base
interpreter) gets a home folder of its own, ``<project cache>/ansible-test/core-<version>-py<X.Y>-<digest>/``
(scripts/project_cache.py), locked while a run uses it, and ansible-test runs with ``HOME`` set to it. pip's
download cache stays the user's (``PIP_CACHE_DIR``), so the cores do not download the same wheels again.

ansible-test bootstraps pip into each virtual environment it makes by running a ``get-pip`` script that it
downloads from the Ansible project's file server unless the script is in its cache
(``~/.ansible/test/cache/get_pip_<version>.py``). That server is not reachable from our machines, so this
writes a stand-in there: the wheels of the wanted versions (downloaded from PyPI) and a small script that
installs them offline. The stand-in refuses to run in a Python that is not a virtual environment, so whatever
goes wrong, it never installs into an interpreter the test command did not create.

Standard library only; needs ansible-core (ansible-test) in the running Python.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import types

import collection_layout
import project_cache

STAND_IN = '''\
"""Stand-in for get-pip.py, written by scripts/sanity.py: installs the wheels next to this file, without
network access, into the virtual environment running it, and nowhere else."""
import os
import sys

if sys.prefix == getattr(sys, "base_prefix", sys.prefix):
    sys.exit("refusing to bootstrap pip into %s: it is not a virtual environment (scripts/sanity.py)" % sys.prefix)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, {wheel!r}))

from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

# get-pip.py takes --no-setuptools / --no-wheel; pip install does not.
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--no-index", "--find-links", HERE] + ARGS))
'''


# ansible-test's own requirements that name a download address instead of a PyPI release, which our machines cannot
# reach: the PyPI release used instead. 2.22.0rc1 pins pylint's dill to a GitHub archive of a commit after 0.4.1.
PYPI_INSTEAD_OF_URL = {'dill': '0.4.1'}
DIRECT_URL = re.compile(r'^(?P<name>[A-Za-z0-9_.-]+)\s*@\s*(?P<url>\S+).*$', re.MULTILINE)


def pypi_instead_of_urls(text: str) -> str:
    """Requirements ``text`` with each ``name @ URL`` line replaced by the PyPI pin of PYPI_INSTEAD_OF_URL."""
    def pin(match):
        name = match.group('name')
        if name.lower() not in PYPI_INSTEAD_OF_URL:
            raise SystemExit('ansible-test wants %s from %s, which is not on PyPI; add a PyPI release for it to '
                             'PYPI_INSTEAD_OF_URL in scripts/sanity.py' % (name, match.group('url')))
        return '%s==%s' % (name, PYPI_INSTEAD_OF_URL[name.lower()])
    return DIRECT_URL.sub(pin, text)


def run_ansible_test(argv: list[str]) -> int:
    """ansible-test's command line, in this process, reading its requirements through pypi_instead_of_urls."""
    # pylint: disable=import-outside-toplevel
    from ansible_test._internal import python_requirements
    from ansible_test._util.target.cli.ansible_test_cli_stub import main as ansible_test_main

    read_text_file = python_requirements.read_text_file
    python_requirements.read_text_file = lambda path: pypi_instead_of_urls(read_text_file(path))
    sys.argv = ['ansible-test'] + argv  # what ansible-test's parser expects, its program name first
    ansible_test_main(list(sys.argv))
    return 0


def bootstrap_packages() -> dict:
    """The packages ansible-test bootstraps into virtual environments of the running Python, with their versions:
    pip, and before ansible-core 2.17 setuptools and wheel too."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_test._internal.python_requirements import get_venv_packages

    return get_venv_packages(types.SimpleNamespace(version='%d.%d' % sys.version_info[:2]))


def seed_pip_bootstrap(cache_dir: str) -> str:
    """Write the stand-in get-pip script and its wheels into ``cache_dir`` unless they are there; its path."""
    packages = bootstrap_packages()
    os.makedirs(cache_dir, exist_ok=True)
    # The stand-in installs from this folder only, so every package ansible-test names must be in it.
    wanted = ['%s==%s' % (name, packages[name]) for name in sorted(packages)
              if not any(found.lower().startswith('%s-%s-' % (name, packages[name])) for found in os.listdir(cache_dir))]
    if wanted:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
                        '--no-deps', '--only-binary', ':all:', '--dest', cache_dir] + wanted, check=True)
    script = os.path.join(cache_dir, 'get_pip_%s.py' % packages['pip'].replace('.', '_'))
    text = STAND_IN.format(wheel='pip-%s-py3-none-any.whl' % packages['pip'])
    if not os.path.exists(script) or open(script, encoding='utf-8').read() != text:
        with open(script + '.tmp', 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.replace(script + '.tmp', script)
    return script


def state_home() -> str:
    """The home folder of ansible-test's state for this ansible-core, Python and base interpreter."""
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    base = os.path.realpath(getattr(sys, '_base_executable', None) or sys.executable)
    digest = hashlib.sha256(base.encode()).hexdigest()[:12]
    return os.path.join(project_cache.root(), 'ansible-test',
                        'core-%s-py%d.%d-%s' % (__version__, sys.version_info[0], sys.version_info[1], digest))


def user_pip_cache() -> str:
    return os.environ.get('PIP_CACHE_DIR') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'pip')


def main(argv: list[str]) -> int:
    if argv[:1] == ['--in-process']:
        return run_ansible_test(argv[1:])
    home = state_home()
    env = dict(os.environ, HOME=home, PIP_CACHE_DIR=user_pip_cache())
    env.pop('XDG_CACHE_HOME', None)  # pylint and pip's other caches follow HOME, into the state folder
    version = '%d.%d' % sys.version_info[:2]
    with project_cache.locked(home):
        seed_pip_bootstrap(os.path.join(home, '.ansible', 'test', 'cache'))
        print('ansible-test state (HOME for ansible-test): %s' % home, flush=True)
        return collection_layout.ansible_test(['sanity', '--local', '--python', version, '--color', 'no'] + argv, env=env,
                                              command=[sys.executable, os.path.abspath(__file__), '--in-process']).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
