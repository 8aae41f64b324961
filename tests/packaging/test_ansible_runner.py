"""A playbook of the collection run through ansible-runner, as AWX and Automation Platform run jobs.

ansible-runner's Python API runs ``files/runner_playbook.yml`` from a private data dir in
``tmp_path`` against a local API simulator (``harness.Simulator``). The connection reaches the
modules as AWX's credential injection does it: environment variables (``VPS_API_URL``,
``VPS_API_TOKEN``), never task arguments. ``ANSIBLE_COLLECTIONS_PATH`` points at the working tree
(scripts/collection_layout.py). The test reads the job's events and result, the simulator's state
and its request log, and looks for the token in every event and in the job's output.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import ansible_runner
import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import ansible_env, use_as_environ  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, 'files', 'runner_playbook.yml')
TOKEN = 'tok-RUNNER-PACKAGING-8d31e0-never-print-me'
SIMULATOR_OPTIONS = {'token': TOKEN}  # the sim fixture (tests/support/simulator.py)
TASKS = [
    'Create runner-1 and wait until it runs',
    'List the running servers in eu-central',
    'Check that the new server is listed, running',
]
FAILURE_EVENTS = {'runner_on_failed', 'runner_on_unreachable', 'runner_item_on_failed', 'runner_on_async_failed'}


@pytest.fixture(name='private_data_dir')
def private_data_dir_fixture(tmp_path):
    """project/site.yml and an inventory whose localhost runs modules with this Python (it has requests)."""
    base = tmp_path / 'runner'
    (base / 'project').mkdir(parents=True)
    (base / 'inventory').mkdir()
    shutil.copy(PLAYBOOK, str(base / 'project' / 'site.yml'))
    (base / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable, encoding='utf-8')
    return base


def test_playbook_through_ansible_runner(sim, private_data_dir, tmp_path, monkeypatch):
    """The job succeeds task by task, creates exactly one server, and never shows the token."""
    # ansible-runner starts from a copy of os.environ and adds envvars: make that copy clean (it holds the
    # working tree's collection layout as ANSIBLE_COLLECTIONS_PATH).
    use_as_environ(monkeypatch, ansible_env(tmp_path))

    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook='site.yml',
        envvars={'VPS_API_URL': sim.url, 'VPS_API_TOKEN': sim.token},
        settings={'suppress_ansible_output': True},
        # As AWX runs jobs: the environment (the token) is not written to env/envvars in the private data dir.
        suppress_env_files=True,
        quiet=True,
        timeout=300,
    )
    events = list(result.events)
    stdout = result.stdout.read()

    assert result.status == 'successful', stdout
    assert result.rc == 0, stdout

    kinds = [event['event'] for event in events]
    assert not FAILURE_EVENTS & set(kinds), stdout
    ok_tasks = [event['event_data']['task'] for event in events if event['event'] == 'runner_on_ok']
    assert ok_tasks == TASKS, stdout
    stats = [event['event_data'] for event in events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1
    assert stats[0]['failures'] == {} and stats[0]['dark'] == {}
    assert stats[0]['ok'] == {'localhost': len(TASKS)}
    assert stats[0]['changed'] == {'localhost': 1}

    created = [event for event in events if event['event'] == 'runner_on_ok' and event['event_data']['task'] == TASKS[0]]
    server = created[0]['event_data']['res']['server']
    assert server['name'] == 'runner-1' and server['status'] == 'active' and server['location'] == 'eu-central'

    # The account holds exactly that server, made by exactly one create.
    assert [(item['id'], item['name'], item['status']) for item in sim.servers()] == [(server['id'], 'runner-1', 'active')]
    creates = [entry for entry in sim.request_log() if entry['method'] == 'POST' and entry['path'] == '/api/v1/servers/']
    assert [entry['status'] for entry in creates] == [201]

    # The token is in no event (module arguments, results, stdout lines) and not in the job's output.
    for event in events:
        assert TOKEN not in json.dumps(event), event['event']
    assert TOKEN not in stdout
    assert not (private_data_dir / 'env' / 'envvars').exists()
