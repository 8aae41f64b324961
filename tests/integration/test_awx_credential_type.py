"""The AWX credential type of ``extensions/awx/`` and the way AWX uses it, replayed with ansible-runner.

How AWX checks and injects a credential type, imports an inventory and hands it to a job is copied from
its source into ``awx_emulation.py`` (github.com/ansible/awx at e21dd0a). As AWX does (``awx/main/tasks/jobs.py``),
an inventory update writes ``ansible-inventory --list --export -i <source> --output artifacts/<id>/output.json
--playbook-dir <dir>`` into ansible-runner's ``args`` file and runs it with ``suppress_env_files``, with
``STANDARD_INVENTORY_UPDATE_ENV``, AWX's ``ANSIBLE_*`` settings and the credential's environment; the
output.json is imported, and a job runs ``awx_files/job.yml`` through ansible-runner on the imported
inventory, given back as AWX's inventory script, with the same credential environment.

Everything runs against the local simulator (``harness.Simulator``); the credential's URL input is the
simulator's. That the file is in the collection tarball is checked by tests/packaging/test_awx_extension.py.
The test runs on the default core and on ansible-core 2.16 (tests/support/cores.py). On 2.19 and later
``--export`` prints every string an inventory plugin set as ``{"__ansible_unsafe": ...}``, which AWX stores as it
is; 2.16 prints plain strings (only values with ``{`` or ``}`` are wrapped, by the plugin). Both come back as plain strings in a job.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess

import ansible_runner
import pytest
import yaml

# On sys.path through the pythonpath setting of pytest.ini (tests/).
from support.cores import CORES, bin_dir_fixture, core_version  # noqa: F401 pylint: disable=import-error,unused-import
from support.environment import VENV_BIN, ansible_env, use_as_environ  # pylint: disable=import-error

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import (  # pylint: disable=import-error
    AWX_ANSIBLE_SETTINGS, HIDDEN, STANDARD_INVENTORY_UPDATE_ENV, awx_credential_type_errors, awx_import, awx_inject_env,
    awx_inventory_script,
)
from awx_support import CREDENTIAL_TYPE, files_holding, load_credential_type  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
FILES = os.path.join(HERE, 'awx_files')
TOKEN = 'tok-AWX-CREDENTIAL-5b9e1d-never-print-me'
SIMULATOR_OPTIONS = {'provision_delay': 0.1, 'action_delay': 0.1, 'token': TOKEN}  # the sim fixture
DEFAULT_URL = 'https://admin.vps.org'
INVENTORY_SOURCE = {
    'plugin': 'vpsorg.cloud.vps',
    'keyed_groups': [{'key': 'vps_plan.name', 'prefix': 'plan'}],
    # A boolean for the source's enabled_var: booleans are exported as they are on every core.
    'compose': {'vps_enabled': "vps_status == 'active'"},
}
SERVERS = [
    {'name': 'web-1', 'hostname': '{{ 6 * 7 }}', 'location': 'us-west', 'plan_id': 1, 'os_id': 5},
    {'name': 'web-2', 'hostname': 'web2.example.com', 'location': 'us-east', 'plan_id': 2, 'os_id': 3},
    {'name': 'db-1', 'hostname': 'db1.example.com', 'location': 'us-east', 'status': 'stopped', 'plan_id': 2, 'os_id': 3},
]

# ----- helpers -----


def wrapped(value):
    """True when ansible-inventory exported the string as {"__ansible_unsafe": ...}."""
    return isinstance(value, dict) and set(value) == {'__ansible_unsafe'}


def assert_token_only_in_runner_command_files(root):
    """ansible-runner records the environment it started Ansible with in artifacts/<ident>/command (mode 0600); AWX
    keeps that private data dir only while the job runs. No other file, output or event may hold the token."""
    for path in files_holding(root, TOKEN):
        assert os.path.basename(path) == 'command' and os.path.basename(os.path.dirname(os.path.dirname(path))) == 'artifacts', path
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


@pytest.fixture(name='sim')
def seeded_sim_fixture(sim):
    """The reset simulator (tests/support/simulator.py) holding SERVERS."""
    sim.seed(servers=SERVERS)
    return sim


@pytest.fixture(name='awx_env')
def awx_env_fixture(sim, tmp_path, monkeypatch):
    """``awx_env(bin_dir, **extra)``: AWX's environment of a job or update on that core, with the credential injected.

    ansible-runner starts from a copy of os.environ: that copy is made clean (support.environment.ansible_env: no
    ANSIBLE_*, VPS_*, proxies; the working tree as the collection).
    """
    environ = ansible_env(tmp_path)
    use_as_environ(monkeypatch, environ)
    credential_env, _safe_env = awx_inject_env(load_credential_type(), {'api_token': TOKEN, 'api_url': sim.url})

    def build(bin_dir, **extra):
        env = dict(AWX_ANSIBLE_SETTINGS, **extra)
        env['PATH'] = bin_dir + os.pathsep + environ['PATH']
        env.update(credential_env)
        return env

    return build


def inventory_update(awx_env, tmp_path, bin_dir, source=None, ident=7):
    """An inventory update of a project source as AWX runs it; returns (runner result, output.json as loaded)."""
    private = tmp_path / ('update-%d' % ident)
    folder = private / 'project' / 'inventories'
    folder.mkdir(parents=True)
    (folder / 'vpsorg.vps.yml').write_text(yaml.safe_dump(source or INVENTORY_SOURCE), encoding='utf-8')
    output = private / 'artifacts' / str(ident) / 'output.json'
    args = ['ansible-inventory', '--list', '--export', '-i', str(folder / 'vpsorg.vps.yml'), '--output', str(output),
            '--playbook-dir', str(folder), '-vvv']
    (private / 'args').write_text(' '.join(args), encoding='utf-8')
    env = awx_env(bin_dir, AWX_PRIVATE_DATA_DIR=str(private), INVENTORY_SOURCE_ID='3', INVENTORY_UPDATE_ID=str(ident),
                  **STANDARD_INVENTORY_UPDATE_ENV)
    result = ansible_runner.run(private_data_dir=str(private), ident=str(ident), envvars=env, suppress_env_files=True,
                                settings={'suppress_ansible_output': True}, quiet=True, timeout=300)
    stdout = result.stdout.read()
    assert (result.status, result.rc) == ('successful', 0), stdout
    with open(output, encoding='utf-8') as handle:
        return result, json.load(handle), stdout


def job(awx_env, tmp_path, bin_dir, stored, ident=8):
    """A job template run of files/awx/job.yml on the stored inventory; returns (runner result, events, stdout)."""
    private = tmp_path / ('job-%d' % ident)
    (private / 'project').mkdir(parents=True)
    (private / 'inventory').mkdir()
    (private / 'project' / 'job.yml').write_text(open(os.path.join(FILES, 'job.yml'), encoding='utf-8').read(), encoding='utf-8')
    script = private / 'inventory' / 'hosts'
    script.write_text(awx_inventory_script(stored), encoding='utf-8')
    script.chmod(0o700)
    env = awx_env(bin_dir, AWX_PRIVATE_DATA_DIR=str(private), JOB_ID=str(ident), INVENTORY_ID='2', ANSIBLE_RETRY_FILES_ENABLED='False')
    result = ansible_runner.run(private_data_dir=str(private), ident=str(ident), playbook='job.yml', inventory=str(script),
                                envvars=env, suppress_env_files=True, settings={'suppress_ansible_output': True},
                                quiet=True, timeout=300)
    return result, list(result.events), result.stdout.read()


def task_messages(events, task):
    return sorted(event['event_data']['res']['msg'] for event in events
                  if event['event'] == 'runner_on_ok' and event['event_data'].get('task') == task)


# ----- the credential type -----

def test_awx_accepts_the_definition():
    definition = load_credential_type()
    assert awx_credential_type_errors(definition) == []
    assert (definition['name'], definition['kind']) == ('VPS.org API', 'cloud')
    fields = {field['id']: field for field in definition['inputs']['fields']}
    assert list(fields) == ['api_token', 'api_url']
    assert fields['api_token']['secret'] is True and 'secret' not in fields['api_url']
    assert fields['api_url']['default'] == DEFAULT_URL
    assert definition['inputs']['required'] == ['api_token']
    assert sorted(definition['injectors']) == ['env']
    assert sorted(definition['injectors']['env']) == ['VPS_API_TOKEN', 'VPS_API_URL']


@pytest.mark.parametrize('change, error', [
    ({'kind': 'ssh'}, "kind must be 'cloud' or 'net'"),
    ({'injectors': {'env': {'ANSIBLE_VPS_TOKEN': '{{ api_token }}'}}}, 'ANSIBLE_VPS_TOKEN is not allowed'),
    ({'injectors': {'env': {'VPS_API_TOKEN': '{{ token }}'}}}, "'token' is undefined"),
    ({'inputs': {'fields': [{'id': 'api_token', 'label': 'x', 'type': 'boolean', 'secret': True}]}}, 'secret not allowed'),
])
def test_the_awx_checks_refuse_what_awx_refuses(change, error):
    """The copy of AWX's checks is not a rubber stamp."""
    definition = dict(load_credential_type(), **change)
    assert any(error in message for message in awx_credential_type_errors(definition)), awx_credential_type_errors(definition)


@pytest.mark.parametrize('inputs, url', [
    ({'api_token': TOKEN, 'api_url': 'http://127.0.0.1:8000'}, 'http://127.0.0.1:8000'),
    ({'api_token': TOKEN}, DEFAULT_URL),                  # a credential made through the API without the URL
    ({'api_token': TOKEN, 'api_url': ''}, DEFAULT_URL),   # the URL emptied in the form
])
def test_injectors_render_as_awx_does(inputs, url):
    env, safe_env = awx_inject_env(load_credential_type(), inputs)
    assert env == {'VPS_API_TOKEN': TOKEN, 'VPS_API_URL': url}
    assert safe_env == {'VPS_API_TOKEN': HIDDEN, 'VPS_API_URL': url}


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_example_playbook_loads_the_definition(tmp_path, bin_dir):
    """files/awx/load_credential_type.yml (the guide's playbook) hands the definition to awx.awx.credential_type
    unchanged: AWX's "{{ api_token }}" templates are not rendered by Ansible on the way."""
    module_dir = tmp_path / 'stub' / 'ansible_collections' / 'awx' / 'awx' / 'plugins' / 'modules'
    module_dir.mkdir(parents=True)
    # A stand-in with the argument spec of awx.awx.credential_type (awx_collection/plugins/modules/credential_type.py)
    # that records what it was given.
    (module_dir / 'credential_type.py').write_text(
        "from __future__ import annotations\nimport json, os\nfrom ansible.module_utils.basic import AnsibleModule\n"
        "module = AnsibleModule(argument_spec=dict(name=dict(required=True), new_name=dict(), description=dict(),\n"
        "    kind=dict(choices=['ssh', 'vault', 'net', 'scm', 'cloud', 'insights']), inputs=dict(type='dict'),\n"
        "    injectors=dict(type='dict'), state=dict(choices=['present', 'absent', 'exists'], default='present')))\n"
        "with open(os.environ['STUB_RECORD'], 'w') as handle:\n    json.dump(module.params, handle)\n"
        "module.exit_json(changed=True)\n", encoding='utf-8')
    playbook_dir = tmp_path / 'playbook'
    playbook_dir.mkdir()
    for source in (os.path.join(FILES, 'load_credential_type.yml'), os.path.join(REPO_ROOT, CREDENTIAL_TYPE)):
        (playbook_dir / os.path.basename(source)).write_text(open(source, encoding='utf-8').read(), encoding='utf-8')
    record = tmp_path / 'record.json'
    env = ansible_env(tmp_path, bin_dir=bin_dir, collections_path=str(tmp_path / 'stub'), STUB_RECORD=str(record))
    result = subprocess.run([os.path.join(bin_dir, 'ansible-playbook'), str(playbook_dir / 'load_credential_type.yml')],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    print(result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    definition = load_credential_type()
    with open(record, encoding='utf-8') as handle:
        assert json.load(handle) == dict(definition, new_name=None, state='present')


# ----- inventory updates and jobs -----

@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_inventory_update_and_job_through_runner(sim, awx_env, tmp_path, bin_dir):
    """An inventory update and a job, both with exactly the credential's environment, as AWX runs them."""
    core = core_version(bin_dir)
    _result, export, update_stdout = inventory_update(awx_env, tmp_path, bin_dir)
    assert 'GET /api/v1/servers/ -> 200' in update_stdout
    hostvars = export['_meta']['hostvars']
    assert sorted(hostvars) == ['db-1', 'web-1', 'web-2']
    assert sorted(export['status_active']['hosts']) == ['web-1', 'web-2']
    assert sorted(export['plan_Performance_VPS']['hosts']) == ['db-1', 'web-2']
    # What AWX stores: strings wrapped on 2.19 and later (all of them), plain on earlier cores (but those with braces).
    web1 = hostvars['web-1']
    assert wrapped(web1['vps_name']) is (core >= (2, 19))
    assert wrapped(web1['ansible_host']) is (core >= (2, 19))
    assert wrapped(web1['vps_hostname'])  # '{{ 6 * 7 }}': marked on every core
    assert web1['vps_id'] == sim.servers()[0]['id'] and web1['vps_enabled'] is True and hostvars['db-1']['vps_enabled'] is False

    # A source's enabled_var compared with an enabled_value sees the wrapper on 2.19+: every host would be disabled.
    by_status = awx_import(export, enabled_var='vps_status', enabled_value='active')
    assert {name: host['enabled'] for name, host in by_status['hosts'].items()} == (
        {'db-1': False, 'web-1': False, 'web-2': False} if core >= (2, 19) else {'db-1': False, 'web-1': True, 'web-2': True})
    # The boolean from compose works on every core; the job sees enabled hosts only.
    stored = awx_import(export, enabled_var='vps_enabled')
    assert {name: host['enabled'] for name, host in stored['hosts'].items()} == {'db-1': False, 'web-1': True, 'web-2': True}

    result, events, stdout = job(awx_env, tmp_path, bin_dir, stored)
    assert (result.status, result.rc) == ('successful', 0), stdout
    assert task_messages(events, 'Show the names of the running servers') == ['running=[awx-new-1,web-1,web-2] created=[awx-new-1]']
    assert task_messages(events, "Show each host's variables") == [
        'host=[web-1] name=[web-1] hostname=[{{ 6 * 7 }}] status=[active] plan=[Standard VPS]',
        'host=[web-2] name=[web-2] hostname=[web2.example.com] status=[active] plan=[Performance VPS]',
    ]
    assert '42' not in ''.join(task_messages(events, "Show each host's variables"))
    for event in events:
        assert TOKEN not in json.dumps(event), event['event']
    assert TOKEN not in update_stdout + stdout
    assert_token_only_in_runner_command_files(tmp_path)
    assert [entry['status'] for entry in sim.request_log() if entry['path'].startswith('/api/') and entry['method'] == 'POST'] == [201]


def test_template_like_host_name_fails_the_awx_import(sim, awx_env, tmp_path):
    """AWX refuses to create a host whose name looks like a template, which fails the whole update; naming hosts
    by id keeps such a server (its name stays a variable, shown as it is)."""
    sim.seed(servers=[{'name': '{{ 6 * 7 }}', 'hostname': 'odd.example.com'}])
    _result, export, _stdout = inventory_update(awx_env, tmp_path, VENV_BIN)
    assert '{{ 6 * 7 }}' in export['_meta']['hostvars']
    with pytest.raises(ValueError, match='Inline Jinja variables are not allowed'):
        awx_import(export)
    _result, export, _stdout = inventory_update(awx_env, tmp_path, VENV_BIN, dict(INVENTORY_SOURCE, hostname='id'), ident=9)
    stored = awx_import(export, enabled_var='vps_enabled')
    odd = [host for host in stored['hosts'].values() if '{{ 6 * 7 }}' in json.dumps(host['variables']['vps_name'])]
    assert len(odd) == 1 and len(stored['hosts']) == 4
    assert_token_only_in_runner_command_files(tmp_path)
