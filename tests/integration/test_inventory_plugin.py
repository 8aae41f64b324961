"""The vpsorg.cloud.vps inventory plugin against the local API simulator, through Ansible's own commands.

One simulator (``harness.Simulator``) serves this module and is reset before each test (the ``sim`` fixture,
tests/support/simulator.py). Each test
writes a ``demo.vps.yml`` into its temporary folder and runs ``ansible-inventory --list`` /
``--graph`` or ``ansible-playbook`` as subprocesses, in the environment of support.environment.ansible_env:
the venv's bin first on PATH and the working tree as the collection.
The simulator's request log shows what the plugin asked of the API.

The token is distinctive and is looked for in every output, -vvvv included, and in the cache.

Untrusted names are checked on the ansible-core of the venv. To check other versions too (the
collection supports 2.16-2.19), set VPSORG_EXTRA_ANSIBLE_BINS to bin folders of other venvs
(separated by ``:``) that hold ansible-core and requests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from urllib.parse import parse_qsl

import pytest
import yaml

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, 'inventory_plugin_files', 'show_servers.yml')
TOKEN = 'tok-INVENTORY-INTEGRATION-4f7a2c-never-print-me'
SIMULATOR_OPTIONS = {'token': TOKEN}  # the sim fixture (tests/support/simulator.py)
LIST_PATH = '/api/v1/servers/'
EXTRA_BINS = [path for path in os.environ.get('VPSORG_EXTRA_ANSIBLE_BINS', '').split(':') if path]
LOCAL = {'ansible_connection': "'local'"}


@pytest.fixture(name='ansible')
def ansible_fixture(sim, tmp_path):
    """``ansible(command, config=None, token=TOKEN, bin_dir=VENV_BIN)`` -> CompletedProcess.

    ``command`` is a list whose first item is ansible-inventory or ansible-playbook; the inventory
    source ``<tmp>/demo.vps.yml`` is written from ``config`` (the simulator's URL is added).
    """
    inventory = tmp_path / 'demo.vps.yml'

    def run(command, config=None, token=TOKEN, bin_dir=VENV_BIN, extra_env=None):
        inventory.write_text(yaml.safe_dump(dict({'plugin': 'vpsorg.cloud.vps', 'api_url': sim.url}, **(config or {}))))
        # A source that fails to parse is an error, not a warning followed by an empty inventory.
        env = ansible_env(tmp_path, token=token, bin_dir=bin_dir, **dict({'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'}, **(extra_env or {})))
        result = subprocess.run([os.path.join(bin_dir, command[0])] + command[1:] + ['-i', str(inventory)],
                                env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
        # Captured by pytest: shown when the test fails, and searched for deprecations (tests/conftest.py).
        print(result.stderr)
        return result

    return run


def plain(data):
    """--list output with ansible-core's unsafe markers ({"__ansible_unsafe": text}) replaced by the text."""
    if isinstance(data, dict):
        if set(data) == {'__ansible_unsafe'}:
            return data['__ansible_unsafe']
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data


def inventory_list(ansible, config=None):
    result = ansible(['ansible-inventory', '--list'], config)
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    return plain(json.loads(result.stdout)), result


def group_hosts(listing, group):
    return sorted(listing.get(group, {}).get('hosts', []))


def api_requests(sim):
    return [entry for entry in sim.request_log() if entry['path'].startswith('/api/')]


def messages(output):
    """The msg lines a debug task printed."""
    return re.findall(r'"msg": "(.*)"', output)


def seed_fleet(sim):
    return sim.seed(servers=[
        {'name': 'web-1', 'hostname': 'web1.example.com', 'location': 'us-west', 'plan_id': 1, 'os_id': 5},
        {'name': 'web-2', 'hostname': 'web2.example.com', 'location': 'us-west', 'plan_id': 2, 'os_id': 3, 'ip_address': None},
        {'name': 'db-1', 'hostname': 'db1.example.com', 'location': 'us-east', 'status': 'stopped', 'plan_id': 2, 'os_id': 3},
        {'name': 'old-1', 'location': 'eu-central', 'status': 'suspended'},
    ])


def test_list_gives_hosts_groups_and_hostvars(sim, ansible):
    seeded = {server['name']: server for server in seed_fleet(sim)}
    listing, _result = inventory_list(ansible)
    hostvars = listing['_meta']['hostvars']
    assert sorted(hostvars) == ['db-1', 'old-1', 'web-1', 'web-2']
    assert group_hosts(listing, 'location_us_west') == ['web-1', 'web-2']
    assert group_hosts(listing, 'location_us_east') == ['db-1']
    assert group_hosts(listing, 'location_eu_central') == ['old-1']
    assert group_hosts(listing, 'status_active') == ['web-1', 'web-2']
    assert group_hosts(listing, 'status_stopped') == ['db-1']
    assert group_hosts(listing, 'status_suspended') == ['old-1']
    web1 = hostvars['web-1']
    assert web1['vps_id'] == seeded['web-1']['id']
    assert web1['vps_status'] == 'active'
    assert web1['vps_plan'] == {'id': 1, 'name': 'Standard VPS', 'vcpus': 2, 'memory': 4096, 'storage': 80}
    assert web1['vps_os'] == {'id': 5, 'name': 'Ubuntu 22.04 LTS'}
    assert web1['ansible_host'] == seeded['web-1']['ip_address']
    # No IPv4 address and no IPv6 address in the list view: the hostname.
    assert hostvars['web-2']['ansible_host'] == 'web2.example.com'
    assert set(web1) >= {'vps_' + field for field in ('id', 'name', 'hostname', 'status', 'ip_address', 'location', 'plan', 'os',
                                                      'created_at', 'updated_at')}
    requests = api_requests(sim)
    assert [(entry['method'], entry['path'], entry['query']) for entry in requests] == [('GET', LIST_PATH, 'page_size=1000')]


def test_graph(sim, ansible):
    seed_fleet(sim)
    result = ansible(['ansible-inventory', '--graph'])
    assert result.returncode == 0, result.stderr
    graph = result.stdout
    assert '@status_active:' in graph and '@location_us_east:' in graph
    assert '  |--@status_active:\n  |  |--web-1\n  |  |--web-2\n' in graph, graph


def test_pages_are_list_requests_only(sim, ansible):
    sim.seed(count=2500)
    listing, _result = inventory_list(ansible, {'group_by_status': False})
    assert len(listing['_meta']['hostvars']) == 2500
    requests = api_requests(sim)
    assert len(requests) == 3  # ceil(2500 / 1000): no request per host
    assert {(entry['method'], entry['path'], entry['status']) for entry in requests} == {('GET', LIST_PATH, 200)}
    assert all('page_size=1000' in entry['query'] for entry in requests)


def test_filters_are_query_parameters(sim, ansible):
    seed_fleet(sim)
    listing, _result = inventory_list(ansible, {'status': ['active', 'stopped'], 'location': ['us-east']})
    assert sorted(listing['_meta']['hostvars']) == ['db-1']
    queries = [dict(parse_qsl(entry['query'])) for entry in api_requests(sim)]
    assert queries == [{'page_size': '1000', 'status': 'active', 'location': 'us-east'},
                       {'page_size': '1000', 'status': 'stopped', 'location': 'us-east'}]


def test_constructed_options(sim, ansible):
    seed_fleet(sim)
    listing, _result = inventory_list(ansible, {
        'compose': {'ansible_user': "'debian' if vps_os.name is search('Debian') else 'ubuntu'"},
        'keyed_groups': [{'key': 'vps_plan.name', 'prefix': 'plan'}],
        'groups': {'big': 'vps_plan.vcpus >= 4'},
    })
    assert group_hosts(listing, 'plan_Performance_VPS') == ['db-1', 'web-2']
    assert group_hosts(listing, 'big') == ['db-1', 'web-2']
    assert listing['_meta']['hostvars']['web-2']['ansible_user'] == 'debian'


def test_duplicate_names_are_kept_with_their_ids(sim, ansible):
    twins = sim.seed(servers=[{'name': 'twin'}, {'name': 'twin', 'status': 'stopped'}])
    listing, result = inventory_list(ansible)
    expected = sorted('twin_%d' % server['id'] for server in twins)
    assert sorted(listing['_meta']['hostvars']) == expected
    assert result.stderr.count('share a host name') == 1
    assert all(name in result.stderr for name in expected)


def test_playbook_targets_status_active(sim, ansible):
    seed_fleet(sim)
    result = ansible(['ansible-playbook', PLAYBOOK], {'compose': LOCAL})
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(messages(result.stdout)) == [
        'host=[web-1] name=[web-1] hostname=[web1.example.com] via=[local]',
        'host=[web-2] name=[web-2] hostname=[web2.example.com] via=[local]',
    ]


@pytest.mark.parametrize('bin_dir', [VENV_BIN] + EXTRA_BINS)
@pytest.mark.parametrize('hostname', ['name', 'hostname'])
def test_names_are_never_templated(sim, ansible, bin_dir, hostname):
    # The control API skips validation, as a compromised or careless account could not; the API itself would.
    sim.seed(servers=[{'name': '{{ 6 * 7 }}', 'hostname': '{{ 6 * 7 }}'}])
    result = ansible(['ansible-playbook', PLAYBOOK], {'compose': LOCAL, 'hostname': hostname}, bin_dir=bin_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert messages(result.stdout) == ['host=[{{ 6 * 7 }}] name=[{{ 6 * 7 }}] hostname=[{{ 6 * 7 }}] via=[local]']
    assert '42' not in result.stdout


def test_token_is_never_shown(sim, ansible, tmp_path):
    seed_fleet(sim)
    outputs = []
    for command in (['ansible-inventory', '--list', '-vvvv'], ['ansible-inventory', '--graph', '-vvvv'],
                    ['ansible-playbook', PLAYBOOK, '-vvvv']):
        result = ansible(command, {'compose': LOCAL})
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    # The token given in the file through a lookup, and a failing run.
    result = ansible(['ansible-inventory', '--list', '-vvvv'], {'api_token': "{{ lookup('ansible.builtin.env', 'MY_VPS_TOKEN') }}"},
                     token=None, extra_env={'MY_VPS_TOKEN': TOKEN})
    assert result.returncode == 0, result.stderr
    outputs.append(result.stdout + result.stderr)
    sim.set_faults([{'kind': 'status', 'status': 503}])
    result = ansible(['ansible-inventory', '--list', '-vvvv'], {'api_retries': 0})
    assert result.returncode != 0
    outputs.append(result.stdout + result.stderr)
    assert all('vps_name' in output or 'web-1' in output for output in outputs[:4])
    for output in outputs:
        assert TOKEN not in output
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            with open(os.path.join(root, name), 'rb') as handle:
                assert TOKEN.encode() not in handle.read(), os.path.join(root, name)


def test_token_template_sees_extra_vars(sim, ansible):
    seed_fleet(sim)
    result = ansible(['ansible-inventory', '--graph', '-e', 'my_vps_token=' + TOKEN], {'api_token': '{{ my_vps_token }}'}, token=None)
    assert result.returncode == 0, result.stderr
    assert '|--web-1' in result.stdout
    assert api_requests(sim)[0]['status'] == 200


def test_the_way_awx_runs_it(sim, ansible):
    """AWX runs `ansible-inventory --list --export` with these settings and parses standard output as JSON."""
    seed_fleet(sim)
    awx_env = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True', 'ANSIBLE_INVENTORY_EXPORT': 'True', 'ANSIBLE_VERBOSE_TO_STDERR': 'True'}
    result = ansible(['ansible-inventory', '--list', '--export', '-vvv'], extra_env=awx_env)
    assert result.returncode == 0, result.stderr
    listing = plain(json.loads(result.stdout))
    assert sorted(listing['_meta']['hostvars']) == ['db-1', 'old-1', 'web-1', 'web-2']
    assert group_hosts(listing, 'status_active') == ['web-1', 'web-2']
    assert 'GET /api/v1/servers/ -> 200' in result.stderr
    assert TOKEN not in result.stdout + result.stderr


def test_cache_hit_makes_no_request(sim, ansible, tmp_path):
    sim.seed(servers=[{'name': 'cached-1'}, {'name': '{{ 6 * 7 }}', 'hostname': '{{ 6 * 7 }}'}])
    cache_dir = tmp_path / 'inventory-cache'
    config = {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(cache_dir), 'cache_timeout': 600,
              'compose': LOCAL}
    first, _result = inventory_list(ansible, config)
    assert len(api_requests(sim)) == 1
    sim.seed(servers=[{'name': 'cached-2'}])
    second, _result = inventory_list(ansible, config)
    assert len(api_requests(sim)) == 1, 'a cache hit must not reach the API'
    assert second == first
    # Data read back from the cache is as untrusted as data from the API.
    result = ansible(['ansible-playbook', PLAYBOOK], config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'host=[{{ 6 * 7 }}] name=[{{ 6 * 7 }}] hostname=[{{ 6 * 7 }}] via=[local]' in messages(result.stdout)
    assert len(api_requests(sim)) == 1
    # --flush-cache reads the API again and stores what it read (ansible-playbook's: ansible-inventory has the
    # option only from ansible-core 2.17).
    result = ansible(['ansible-playbook', '--flush-cache', PLAYBOOK], config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(message.startswith('host=[cached-2] ') for message in messages(result.stdout))
    assert len(api_requests(sim)) == 2
    third, _result = inventory_list(ansible, config)
    assert 'cached-2' in third['_meta']['hostvars']
    assert len(api_requests(sim)) == 2
    cache_files = list(cache_dir.iterdir())
    assert len(cache_files) == 1
    assert 'cached-2' in cache_files[0].read_text()
    assert TOKEN not in cache_files[0].read_text()


def test_bad_token_shows_the_api_answer(sim, ansible):
    result = ansible(['ansible-inventory', '--list', '-vvvv'], token='tok-WRONG-secret-as-well')
    assert result.returncode != 0
    assert 'Invalid token.' in result.stderr and '401' in result.stderr
    assert 'tok-WRONG-secret-as-well' not in result.stdout + result.stderr


def test_missing_token_names_option_and_variable(sim, ansible):
    result = ansible(['ansible-inventory', '--list'], token=None)
    assert result.returncode != 0
    assert 'api_token' in result.stderr and 'VPS_API_TOKEN' in result.stderr
    assert api_requests(sim) == []


def test_api_down_after_retries(sim, ansible):
    sim.set_faults([{'kind': 'status', 'status': 503}])
    result = ansible(['ansible-inventory', '--list'], {'api_retries': 1, 'api_timeout': 5})
    assert result.returncode != 0
    assert '503' in result.stderr and 'gave up after 2 attempts' in result.stderr
    assert len(api_requests(sim)) == 2


def test_unknown_hostname_choice_names_the_option(sim, ansible):
    result = ansible(['ansible-inventory', '--list'], {'hostname': 'fqdn'})
    assert result.returncode != 0
    assert 'hostname' in result.stderr and 'fqdn' in result.stderr
    assert api_requests(sim) == []
