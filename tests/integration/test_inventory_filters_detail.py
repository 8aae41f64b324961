"""The vpsorg.cloud.vps inventory plugin's filters, detail views and declined files, through ansible-inventory.

Driven like test_inventory_plugin.py (whose ``ansible`` fixture, simulator options and helpers are imported from
there; ``sim`` is tests/support/simulator.py's): a local API simulator, ansible-inventory as a subprocess with the working tree as the collection, and
the simulator's request log for what each run asked of the API.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

from test_inventory_plugin import (  # noqa: F401 (fixtures)  pylint: disable=import-error,unused-import
    LIST_PATH,
    SIMULATOR_OPTIONS,
    TOKEN,
    ansible_fixture,
    api_requests,
    group_hosts,
    inventory_list,
    plain,
)


def seed(sim):
    return sim.seed(servers=[
        {'name': 'web-1', 'location': 'us-west', 'plan_id': 1, 'backups_enabled': True},
        {'name': 'web-2', 'location': 'us-west', 'plan_id': 2},
        {'name': 'db-1', 'location': 'us-east', 'status': 'stopped', 'plan_id': 2, 'backups_enabled': True},
        {'name': 'tmp-1', 'location': 'eu-central', 'status': 'suspended'},
    ])


def detail_paths(sim):
    return sorted(entry['path'] for entry in api_requests(sim) if entry['path'] != LIST_PATH)


def test_filters_first_match_decides_and_filtered_hosts_are_in_no_group(sim, ansible):
    seed(sim)
    listing, _result = inventory_list(ansible, {
        'filters': [{'exclude': "vps_name is match('tmp-')"}, {'include': 'vps_plan.vcpus >= 4'},
                    {'include': "vps_status == 'active'"}, {'exclude': True}],
        'keyed_groups': [{'key': 'vps_plan.name', 'prefix': 'plan'}],
    })
    assert sorted(listing['_meta']['hostvars']) == ['db-1', 'web-1', 'web-2']
    assert 'location_eu_central' not in listing and 'status_suspended' not in listing
    assert group_hosts(listing, 'plan_Standard_VPS') == ['web-1']
    assert group_hosts(listing, 'status_stopped') == ['db-1']
    # The filters are evaluated on the controller: one listing, as without them.
    assert len(api_requests(sim)) == 1


def test_a_bad_condition_fails_naming_it(sim, ansible):
    seed(sim)
    result = ansible(['ansible-inventory', '--list'], {'filters': [{'include': 'vps_plan.no_such_field > 2'}]})
    assert result.returncode != 0
    assert 'vps_plan.no_such_field > 2' in result.stderr
    assert TOKEN not in result.stdout + result.stderr


def test_detail_costs_one_request_per_server_and_gives_its_fields(sim, ansible):
    seeded = {server['name']: server for server in seed(sim)}
    listing, result = inventory_list(ansible, {'detail': True, 'ansible_host_preference': ['ipv6_address', 'ip_address']})
    hostvars = listing['_meta']['hostvars']
    requests = api_requests(sim)
    # Pages + N: one list page, then each of the 4 servers once.
    assert len(requests) == 1 + 4
    assert requests[0]['path'] == LIST_PATH
    assert detail_paths(sim) == sorted('%s%d/' % (LIST_PATH, server['id']) for server in seeded.values())
    assert {entry['status'] for entry in requests} == {200}
    web1 = hostvars['web-1']
    assert web1['vps_ipv6_address'] and web1['ansible_host'] == web1['vps_ipv6_address']
    assert web1['vps_backups_enabled'] is True and hostvars['web-2']['vps_backups_enabled'] is False
    assert set(web1['vps_resource_usage']) == {'cpu_percent', 'memory_used', 'disk_used', 'bandwidth_used'}
    assert web1['vps_plan']['bandwidth'] == 2048
    assert TOKEN not in result.stdout + result.stderr


def test_detail_with_two_listings_and_filters(sim, ansible):
    seed(sim)
    listing, _result = inventory_list(ansible, {'detail': True, 'status': ['active', 'stopped'],
                                                'filters': [{'include': 'vps_backups_enabled'}, {'exclude': True}]})
    assert sorted(listing['_meta']['hostvars']) == ['db-1', 'web-1']
    # Two list pages (one per status), then the 3 servers they listed; the filters save no request.
    assert len(api_requests(sim)) == 2 + 3


def test_the_cache_holds_the_details(sim, ansible, tmp_path):
    seed(sim)
    config = {'detail': True, 'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile',
              'cache_connection': str(tmp_path / 'inventory-cache'), 'cache_timeout': 600}
    first, _result = inventory_list(ansible, config)
    assert len(api_requests(sim)) == 5
    second, _result = inventory_list(ansible, config)
    assert len(api_requests(sim)) == 5, 'a cached run makes no request'
    assert second == first
    assert 'vps_resource_usage' in second['_meta']['hostvars']['db-1']
    (cache_file,) = (tmp_path / 'inventory-cache').iterdir()
    assert 'resource_usage' in cache_file.read_text() and TOKEN not in cache_file.read_text()


def run_inventory(sim, tmp_path, name, text, enabled=None):
    """``ansible-inventory --list -vvv -i <tmp>/<name>`` on a file of its own; CompletedProcess."""
    path = tmp_path / name
    path.write_text(text)
    env = ansible_env(tmp_path, sim, ANSIBLE_VERBOSE_TO_STDERR='true', **({'ANSIBLE_INVENTORY_ENABLED': enabled} if enabled else {}))
    result = subprocess.run([os.path.join(VENV_BIN, 'ansible-inventory'), '--list', '-vvv', '-i', str(path)], env=env,
                            cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    print(result.stderr)
    return result


@pytest.mark.parametrize('name, text, enabled, reason', [
    # Reached through the auto plugin, which reads plugin: and hands the file to this plugin.
    ('servers.yml', 'plugin: vpsorg.cloud.vps\n', None, 'its name does not end with vps.yml or vps.yaml'),
    # This plugin enabled by name (as an AWX inventory source may do): a *.vps.yml of another plugin is not taken.
    ('aws.vps.yml', 'plugin: amazon.aws.aws_ec2\n', 'vpsorg.cloud.vps', 'its plugin: is amazon.aws.aws_ec2, not vpsorg.cloud.vps'),
])
def test_a_declined_file_says_why_at_vvv(sim, tmp_path, name, text, enabled, reason):
    seed(sim)
    result = run_inventory(sim, tmp_path, name, text, enabled)
    output = result.stdout + result.stderr
    assert 'vpsorg.cloud.vps declined %s: %s' % (tmp_path / name, reason) in output
    assert api_requests(sim) == []


def test_a_file_it_takes_is_read_at_vvv_too(sim, tmp_path):
    seed(sim)
    result = run_inventory(sim, tmp_path, 'demo.vps.yaml', yaml.safe_dump({'plugin': 'vpsorg.cloud.vps'}), 'vpsorg.cloud.vps')
    assert result.returncode == 0, result.stderr
    assert 'declined' not in result.stdout + result.stderr
    listing = plain(json.loads(result.stdout))
    assert sorted(listing['_meta']['hostvars']) == ['db-1', 'tmp-1', 'web-1', 'web-2']
