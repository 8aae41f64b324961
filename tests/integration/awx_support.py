"""What the AWX tests share: the collection's credential type, the environment it injects, AWX's inventory update
command, a search for the token in what a run left on disk, and a job's events read from its artifacts.

How AWX itself works is in awx_emulation.py (copied from AWX's source); this file only drives it.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess

import yaml

# On sys.path through the pythonpath setting of pytest.ini (tests/).
from support.environment import REPO_ROOT, ansible_env  # pylint: disable=import-error

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import AWX_ANSIBLE_SETTINGS, STANDARD_INVENTORY_UPDATE_ENV, awx_inject_env  # pylint: disable=import-error

CREDENTIAL_TYPE = 'extensions/awx/credential_type_vps_api.yml'


def load_credential_type():
    """The credential type the collection ships, as AWX is given it."""
    with open(os.path.join(REPO_ROOT, CREDENTIAL_TYPE), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def credential_env(token, api_url):
    """The environment a VPS.org credential with these inputs adds to a job or an inventory update."""
    env, _safe_env = awx_inject_env(load_credential_type(), {'api_token': token, 'api_url': api_url})
    return env


def files_holding(root, secret):
    """Every file under ``root`` whose bytes hold ``secret``."""
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as handle:
                if secret.encode() in handle.read():
                    found.append(path)
    return found


def export_inventory(tmp_path, bin_dir, source, token, api_url):
    """``ansible-inventory --list --export`` of an inventory source file holding ``source``, with AWX's environment of
    an inventory update and the credential's; returns the output as loaded."""
    folder = tmp_path / 'inventories'
    folder.mkdir()
    path = folder / 'vpsorg.vps.yml'
    path.write_text(yaml.safe_dump(source), encoding='utf-8')
    env = ansible_env(tmp_path, bin_dir=bin_dir)
    for variables in (AWX_ANSIBLE_SETTINGS, STANDARD_INVENTORY_UPDATE_ENV, credential_env(token, api_url)):
        env.update(variables)
    result = subprocess.run([os.path.join(bin_dir, 'ansible-inventory'), '--list', '--export', '-i', str(path),
                             '--playbook-dir', str(folder)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    return json.loads(result.stdout)


def job_events(artifacts_dir):
    """The events of an ansible-runner job, as its artifacts hold them (``job_events/*.json``), in their order."""
    events = []
    for path in glob.glob(os.path.join(artifacts_dir, 'job_events', '*.json')):
        with open(path, encoding='utf-8') as handle:
            events.append(json.load(handle))
    return sorted(events, key=lambda event: event['counter'])
