#!/usr/bin/env python
"""Run ansible-test with a home of its own: one per ansible-core, Python and base interpreter.

    python scripts/ansible_test_home.py ANSIBLE-TEST ARGS      e.g. sanity --local --python 3.11 --color no
    ansible_test_home.run(ARGS, **subprocess_kwargs)           (tests/integration/test_integration_targets.py)

ansible-test keeps state under ``~/.ansible/test/``: its sanity virtual environments and pip bootstrap cache (keyed
by the Python version and the requirements, not by the ansible-core) and the SSH key its integration command makes
on first use. The test command runs several cores at once (the core matrix beside its own stages), several of them
on the same Python. Sharing that folder on a cold machine, one sanity run removed and rebuilt a virtual environment
that another was bootstrapping pip into, and the bootstrap installed pip, setuptools and wheel into the base
interpreter; and two integration runs each started ``ssh-keygen`` for the same key, one of which failed. So every
ansible-test of the test command runs here, with ``HOME`` set to
``<project cache>/ansible-test/core-<version>-py<X.Y>-<digest>/`` (scripts/project_cache.py), locked while it
runs. pip's download cache stays the user's (``PIP_CACHE_DIR``), so the cores do not download the same wheels
again.

ansible-test bootstraps pip into each virtual environment it makes by running a ``get-pip`` script that it
downloads from the Ansible project's file server unless the script is in its cache
(``~/.ansible/test/cache/get_pip_<version>.py``). That server is not reachable from our machines, so this
writes a stand-in there: the wheels of the wanted versions (downloaded from PyPI) and a small script that
installs them offline. The stand-in refuses to run in a Python that is not a virtual environment, so whatever
goes wrong, it never installs into an interpreter the test command did not create. ansible-test itself runs in
a child process that reads ansible-test's requirements files with a PyPI release in place of any download
address (PYPI_INSTEAD_OF_URL).

Standard library only; run it with the Python that has the ansible-core (ansible-test) under test.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import types

import collection_layout
import matrix
import project_cache

STAND_IN = '''\
"""Stand-in for get-pip.py, written by scripts/ansible_test_home.py: installs the wheels next to this file, without
network access, into the virtual environment running it, and nowhere else."""
import os
import sys

if sys.prefix == getattr(sys, "base_prefix", sys.prefix):
    sys.exit("refusing to bootstrap pip into %s: it is not a virtual environment (scripts/ansible_test_home.py)" % sys.prefix)

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
                             'PYPI_INSTEAD_OF_URL in scripts/ansible_test_home.py' % (name, match.group('url')))
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

    digest = hashlib.sha256(matrix.base_interpreter().encode()).hexdigest()[:12]
    return os.path.join(project_cache.root(), 'ansible-test',
                        'core-%s-py%d.%d-%s' % (__version__, sys.version_info[0], sys.version_info[1], digest))


def user_pip_cache() -> str:
    return os.environ.get('PIP_CACHE_DIR') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'pip')


def run(args: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """``ansible-test ARGS`` from the collection layout with this core's own home; keyword arguments go to
    subprocess.run."""
    home = state_home()
    env = dict(os.environ if env is None else env, HOME=home, PIP_CACHE_DIR=user_pip_cache())
    env.pop('XDG_CACHE_HOME', None)  # pylint's and pip's other caches follow HOME, into the state folder
    with project_cache.locked(home):
        seed_pip_bootstrap(os.path.join(home, '.ansible', 'test', 'cache'))
        return collection_layout.ansible_test(list(args), env=env, **kwargs,
                                              command=[sys.executable, os.path.abspath(__file__), '--in-process'])


def main(argv: list[str]) -> int:
    if argv[:1] == ['--in-process']:
        return run_ansible_test(argv[1:])
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    print('ansible-test home: %s' % state_home(), flush=True)
    return run(argv).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
