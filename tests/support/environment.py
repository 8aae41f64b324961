"""The environment of an ``ansible-*`` child process (ansible-playbook, ansible-inventory, ansible-galaxy,
ansible-runner, ansible-rulebook, ansible-builder...) started by a test or a benchmark.

    env = ansible_env(tmp_path, sim)                        # pointed at the simulator
    env = ansible_env(tmp_path, token=TOKEN, bin_dir=other_core_bin, ANSIBLE_INVENTORY_UNPARSED_FAILED='true')

What every child gets, the same everywhere:

- nothing inherited that could change what Ansible does: no ``ANSIBLE_*`` or ``VPS_*`` variable of the
  caller's shell, no proxy (every ``*_proxy`` / ``*_PROXY`` is dropped, and ``NO_PROXY`` / ``no_proxy`` name
  the loopback addresses: the only server a test talks to is on 127.0.0.1);
- the ansible-core of ``bin_dir`` (the running venv's by default) first on PATH;
- the working tree as the collection vpsorg.cloud (``ANSIBLE_COLLECTIONS_PATH`` from scripts/collection_layout.py);
- Ansible's home, local and remote temporary folders under ``tmp``, so nothing is read from or left in ~/.ansible;
- no colour, so the output can be searched;
- deprecation warnings shown, Ansible's and Python's: tests/conftest.py fails a test whose captured output holds
  one that points at the collection (the same settings as scripts/test.sh's show_deprecations and
  scripts/matrix.py's SHOW_DEPRECATIONS, which this environment would otherwise lose with the ANSIBLE_* variables).

Standard library and scripts/collection_layout.py only: benchmarks/ and the soak scripts import it too.
"""

from __future__ import annotations

import os
import sys

# scripts/ is on sys.path through pytest.ini (benchmarks/benchlib/environment.py and the soak scripts put it there).
import collection_layout  # pylint: disable=import-error

VENV_BIN = os.path.dirname(sys.executable)
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Variables of the caller never passed on: they would change what Ansible or the collection does.
STRIPPED_PREFIXES = ('ANSIBLE_', 'VPS_')
LOOPBACK = '127.0.0.1,localhost'
SHOW_DEPRECATIONS = {
    'ANSIBLE_DEPRECATION_WARNINGS': 'true',
    'PYTHONWARNINGS': 'default::DeprecationWarning,default::PendingDeprecationWarning',
}


def inherited():
    """os.environ without the variables no child may inherit: ANSIBLE_*, VPS_* and every proxy setting."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(STRIPPED_PREFIXES) and not key.lower().endswith('_proxy')}


def ansible_env(tmp, sim=None, *, token=None, api_url=None, bin_dir=VENV_BIN, collections_path=None, **extra):
    """The environment of an ``ansible-*`` child process (see the module's docstring for what it holds).

    ``tmp``: a folder of the test (str or path) for Ansible's home and temporary files.
    ``sim``: a ``harness.Simulator``: VPS_API_URL and VPS_API_TOKEN point at it.
    ``token``, ``api_url``: VPS_API_TOKEN, VPS_API_URL (they win over ``sim``'s); left unset when None and no ``sim``.
    ``bin_dir``: the bin folder of the venv whose ansible-core runs (first on PATH).
    ``collections_path``: ANSIBLE_COLLECTIONS_PATH, when not the working tree's collection layout.
    ``extra``: more variables, or other values (for example PATH); they are set last, as strings.
    """
    tmp = os.fspath(tmp)
    env = inherited()
    env.update({
        'PATH': bin_dir + os.pathsep + env.get('PATH', ''),
        'NO_PROXY': LOOPBACK,
        'no_proxy': LOOPBACK,
        'ANSIBLE_COLLECTIONS_PATH': collections_path or collection_layout.ensure_layout(),
        'ANSIBLE_HOME': os.path.join(tmp, 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': os.path.join(tmp, 'ansible-local-tmp'),
        'ANSIBLE_REMOTE_TEMP': os.path.join(tmp, 'ansible-remote-tmp'),
        'ANSIBLE_NOCOLOR': 'true',
        'ANSIBLE_FORCE_COLOR': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
    })
    env.update(SHOW_DEPRECATIONS)
    if sim is not None:
        env.update(VPS_API_URL=sim.url, VPS_API_TOKEN=sim.token)
    if api_url is not None:
        env['VPS_API_URL'] = api_url
    if token is not None:
        env['VPS_API_TOKEN'] = token
    env.update({key: str(value) for key, value in extra.items()})
    return env


def use_as_environ(monkeypatch, env):
    """Make os.environ exactly ``env`` for the rest of the test (``monkeypatch`` undoes it).

    For libraries that start their child from a copy of os.environ and add their own variables to it, as
    ansible-runner does: the copy must be as clean as ``ansible_env`` makes it.
    """
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
