"""A job sent to an execution node as AWX sends it: ``ansible-runner transmit | ansible-runner worker | ansible-runner process``.

AWX (``awx/main/tasks/receptor.py``) streams a job's private data dir and arguments to a node (receptor carries the
stream; receptor itself is not on PyPI, so a pipe stands for it), the node runs ``ansible-runner worker
--private-data-dir=<dir> --delete`` in the execution environment, and the controller's ``ansible-runner process``
turns the result stream back into artifacts and job events. Here all three are the CLI of the venv's
ansible-runner, joined by pipes. The controller's private data dir holds ``project/job.yml``
(``awx_files/execution_node_job.yml``: every module and the fleet role), AWX's inventory script and, in
``env/envvars``, AWX's ``ANSIBLE_*`` settings with the credential's environment (AWX passes them as ``envvars`` in
the stream's first line; the CLI's transmit takes them from that file; either way they travel in the stream).

The worker is the execution environment: an empty ``HOME`` and ``TMPDIR`` of its own, no ``VPS_*`` variable, no
Ansible home or temporary folder set, the installed collections as ``ANSIBLE_COLLECTIONS_PATH`` (the working tree's
layout, with the dependency collections beside it; the role needs none), and the core under test first on ``PATH``,
so ``ansible-runner worker`` starts that core's ansible-playbook. The test checks the servers in the simulator, the
processed artifacts (status, rc, events, stats), that the token is in no event and no output, and that the
worker left nothing behind: no file in ``HOME``, nothing in ``TMPDIR``, its private data dir deleted.
Default core and ansible-core 2.16 (tests/support/cores.py). The at-scale AWX guide's "Running jobs on execution nodes"
states what this shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

# On sys.path through the pythonpath setting of pytest.ini (tests/).
from support.cores import CORES, bin_dir_fixture, core_version  # noqa: F401 pylint: disable=import-error,unused-import
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import AWX_ANSIBLE_SETTINGS, awx_inventory_script  # pylint: disable=import-error
from awx_support import credential_env, files_holding, job_events  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
JOB = os.path.join(HERE, 'awx_files', 'execution_node_job.yml')
TOKEN = 'tok-AWX-EXECUTION-NODE-3c7a90-never-print-me'
SIMULATOR_OPTIONS = {'provision_delay': 0.1, 'action_delay': 0.1, 'token': TOKEN}  # the sim fixture
IDENT = '8'
RUNNER = os.path.join(VENV_BIN, 'ansible-runner')
FAILURE_EVENTS = {'runner_on_failed', 'runner_on_unreachable', 'runner_item_on_failed', 'runner_on_async_failed'}
CHANGED_TASKS = [
    'Create node-new-1 and wait until it runs',
    'Stop node-1',
    'Restart node-2',
    'Give node-3 a host name, leaving it stopped',
    'Delete node-2',
    'Bring the fleet to its declared state',
    'Apply the fleet with the connection from module_defaults or the environment',  # the role's task
]
# Ansible's own folder for temporary files, empty after a run: all the node's HOME may hold afterwards.
ANSIBLE_HOME_FOLDERS = {'.ansible', os.path.join('.ansible', 'tmp')}


def controller_private_data_dir(base, sim):
    """What AWX writes for a job before it transmits it: project, inventory script, env/envvars and env/settings."""
    for folder in ('project', 'inventory', 'env'):
        (base / folder).mkdir(parents=True)
    shutil.copy(JOB, str(base / 'project' / 'job.yml'))
    script = base / 'inventory' / 'hosts'
    script.write_text(awx_inventory_script({'hosts': {}, 'groups': {}}), encoding='utf-8')
    script.chmod(0o700)
    envvars = dict(AWX_ANSIBLE_SETTINGS, JOB_ID=IDENT, **credential_env(TOKEN, sim.url))
    for name, content in (('envvars', envvars), ('settings', {'job_timeout': 300, 'suppress_ansible_output': True})):
        (base / 'env' / name).write_text(json.dumps(content), encoding='utf-8')
        (base / 'env' / name).chmod(0o600)
    return base


def node_env(node, bin_dir):
    """The execution environment's process environment: no ANSIBLE_* or VPS_* variable of the caller, an empty HOME and
    TMPDIR of its own, Ansible's home and temporary folders left to their defaults (under HOME)."""
    env = ansible_env(node / 'unused', bin_dir=bin_dir, HOME=str(node / 'home'), TMPDIR=str(node / 'tmp'))
    for name in ('ANSIBLE_HOME', 'ANSIBLE_LOCAL_TEMP', 'ANSIBLE_REMOTE_TEMP'):
        del env[name]
    assert not [name for name in env if name.startswith('VPS_')]
    return env


def run_on_node(controller, node, bin_dir, controller_env):
    """transmit | worker | process; returns the three exit codes, what the pipe printed and the seconds it took."""
    started = time.monotonic()
    with subprocess.Popen([RUNNER, 'transmit', str(controller), '-p', 'job.yml', '--ident', IDENT],
                          stdout=subprocess.PIPE, env=controller_env) as transmit, \
            subprocess.Popen([RUNNER, 'worker', '--private-data-dir', str(node / 'runner'), '--delete'], stdin=transmit.stdout,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=node_env(node, bin_dir)) as worker, \
            subprocess.Popen([RUNNER, 'process', str(controller), '--ident', IDENT], stdin=worker.stdout, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=controller_env) as process:
        transmit.stdout.close()  # the worker and the process hold the ends of the pipes now
        worker.stdout.close()
        printed = process.communicate(timeout=300)[0].decode() + worker.stderr.read().decode()
        codes = (transmit.wait(timeout=60), worker.wait(timeout=60), process.returncode)
    return codes, printed, time.monotonic() - started


def left_in(folder):
    """(files, folders) under ``folder``, relative to it."""
    files, folders = [], []
    for path, dirs, names in os.walk(folder):
        files += [os.path.relpath(os.path.join(path, name), folder) for name in names]
        folders += [os.path.relpath(os.path.join(path, name), folder) for name in dirs]
    return files, folders


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_job_through_transmit_worker_process(sim, tmp_path, bin_dir):
    """Every module and the role run on the node with only the streamed credential; nothing is left on the node."""
    seeded = sim.seed(servers=[{'name': 'node-1'}, {'name': 'node-2'}, {'name': 'node-3', 'status': 'stopped'}])
    node_1, node_2, node_3 = ('/api/v1/servers/%d/' % server['id'] for server in seeded)
    controller = controller_private_data_dir(tmp_path / 'controller', sim)
    node = tmp_path / 'node'
    (node / 'home').mkdir(parents=True)
    (node / 'tmp').mkdir()
    codes, printed, seconds = run_on_node(controller, node, bin_dir, ansible_env(tmp_path / 'controller-tmp'))
    print('FIGURES execution node: %d requests, %.1f s for transmit | worker | process' % (len(sim.request_log()), seconds))
    assert codes == (0, 0, 0), printed

    # The processed artifacts: status, rc, the events and the stats.
    artifacts = controller / 'artifacts' / IDENT
    assert (artifacts / 'status').read_text(encoding='utf-8') == 'successful'
    assert (artifacts / 'rc').read_text(encoding='utf-8') == '0'
    events = job_events(str(artifacts))
    assert not FAILURE_EVENTS & {event['event'] for event in events}, printed
    changed = [event['event_data']['task'] for event in events
               if event['event'] == 'runner_on_ok' and event['event_data']['res'].get('changed')]
    assert changed == CHANGED_TASKS
    stats = [event['event_data'] for event in events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1 and stats[0]['failures'] == {} and stats[0]['dark'] == {}
    assert stats[0]['changed'] == {'localhost': len(CHANGED_TASKS)}
    # The events come from the core under test (the worker ran the ansible-playbook first on its PATH).
    messages = [event['event_data']['res']['msg'] for event in events
                if event['event'] == 'runner_on_ok' and event['event_data']['task'].startswith('Show the running servers')]
    assert messages == ['running=[node-3,node-fleet-1,node-new-1,node-role-1] fleet=[node-role-1] core=[%d.%d]' % core_version(bin_dir)]

    # The account: each write sent once, and every server as the job declared it.
    writes = [(entry['method'], entry['path']) for entry in sim.request_log() if entry['method'] != 'GET']
    assert sorted(writes) == sorted([('POST', '/api/v1/servers/')] * 3 + [
        ('POST', node_1 + 'stop/'), ('POST', node_2 + 'reboot/'), ('PATCH', node_3), ('DELETE', node_2), ('POST', node_3 + 'start/')])
    assert sorted((server['name'], server['status'], server['hostname']) for server in sim.servers()) == [
        ('node-1', 'stopped', None), ('node-3', 'active', 'node3.example.com'), ('node-fleet-1', 'active', None),
        ('node-new-1', 'active', None), ('node-role-1', 'active', None)]

    # The token is in no event and no output; on disk only where the controller put it (env/envvars) and where
    # ansible-runner records the environment it started Ansible with (artifacts/<ident>/command), both mode 0600.
    for event in events:
        assert TOKEN not in json.dumps(event), event['event']
    assert TOKEN not in printed + (artifacts / 'stdout').read_text(encoding='utf-8')
    assert sorted(files_holding(tmp_path, TOKEN)) == [str(artifacts / 'command'), str(controller / 'env' / 'envvars')]

    # Nothing the collection needs lives outside the execution environment, and the job leaves nothing on the node:
    # no file in HOME (Ansible's own empty ~/.ansible/tmp at most), nothing in TMPDIR, the private data dir deleted.
    home_files, home_folders = left_in(node / 'home')
    assert home_files == [] and set(home_folders) <= ANSIBLE_HOME_FOLDERS, (home_files, home_folders)
    assert left_in(node / 'tmp') == ([], [])
    assert not (node / 'runner').exists()
