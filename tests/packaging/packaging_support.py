"""Helpers of the packaging tests (imported by conftest.py and the test modules).

Named apart from conftest.py: other test folders have a conftest.py of their own, and a plain
``import conftest`` could find one of theirs.
"""

from __future__ import annotations

import os
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)


def galaxy_metadata():
    """galaxy.yml as a dict."""
    with open(os.path.join(REPO_ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def clean_env(tmp_path, **extra):
    """The environment of a child process: no proxies, no ANSIBLE_* or VPS_* from the caller.

    Ansible keeps its home and temporary files under ``tmp_path``, so nothing is left in ~/.ansible;
    ``NO_PROXY=*`` keeps every request on the direct route to 127.0.0.1.
    """
    env = {key: value for key, value in os.environ.items()
           if not key.lower().endswith('_proxy') and not key.startswith(('ANSIBLE_', 'VPS_'))}
    env.update({
        'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': 'true',
        'ANSIBLE_FORCE_COLOR': 'false',
        'NO_PROXY': '*',
        'no_proxy': '*',
    })
    env.update(extra)
    return env
