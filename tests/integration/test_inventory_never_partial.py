"""An inventory of vpsorg.cloud.vps is never partial: a list page or a detail read that still fails after the
retries fails the whole source (guide_awx_scale.rst, "An inventory that is never partial"; guide_inventory.rst, "Errors").

AWX imports a source with "overwrite", so an import that returned a subset would delete the missing hosts. Each test
runs ansible-inventory (or ansible-playbook) against the local simulator with a fault on one page of the listing
(the simulator's ``query`` fault matcher) or on one server's detail view, on the default core and on ansible-core 2.16
(tests/support/cores.py), with ``api_retries`` kept low so that a test fails fast. The ``ansible`` fixture and the
helpers come from test_inventory_plugin.py.
"""

from __future__ import annotations

import json
import time

import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.cores import CORES, bin_dir_fixture, core_version  # noqa: F401 pylint: disable=import-error,unused-import

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import STANDARD_INVENTORY_UPDATE_ENV  # pylint: disable=import-error
from test_inventory_plugin import (  # noqa: F401 (fixtures)  pylint: disable=import-error,unused-import
    PLAYBOOK,
    SIMULATOR_OPTIONS,
    TOKEN,
    ansible_fixture,
    api_requests,
    inventory_list,
    plain,
)

# One retry, after a quarter to half a second (the client's backoff): a failing page costs two requests.
FAST_RETRIES = {'api_retries': 1, 'api_timeout': 5}
PROXY_503 = 'answered 503: non-JSON answer: <html> <head><title>503 Service Temporarily Unavailable</title>'


def failing_page(sim, number):
    """Page ``number`` of every listing answers 503, however often it is asked (a proxy in front of a broken shard)."""
    sim.set_faults([{'kind': 'status', 'status': 503, 'query': '(^|&)page=%d(&|$)' % number}])


def listing_queries(sim):
    return [entry['query'] for entry in api_requests(sim)]


def account_hosts_in(output, sim):
    """The names of the account's servers that appear in ``output`` (every seeded name is unique: ``seed-<n>``)."""
    names = {server['name'] for server in sim.servers()}
    return sorted(name for name in names if '"%s"' % name in output)


def cache_config(tmp_path, **extra):
    return dict({'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(tmp_path / 'inventory-cache'),
                 'cache_timeout': 600}, **FAST_RETRIES, **extra)


def cache_file_text(tmp_path):
    (cache_file,) = (tmp_path / 'inventory-cache').iterdir()
    return cache_file.read_text(encoding='utf-8')


def cached_names(tmp_path):
    """The names of the servers in the cache file (ansible-core 2.19 and later keep the entry as JSON text in
    ``__payload__``)."""
    entry = json.loads(cache_file_text(tmp_path))
    if '__payload__' in entry:
        entry = json.loads(entry['__payload__'])
    return sorted(server['name'] for server in entry['servers'])


def says(output, text):
    """Whether ``output`` holds ``text``, wrapped or not: ansible-core 2.16 wraps warnings at a terminal's width, at
    spaces and after hyphens."""
    return ''.join(text.split()) in ''.join(output.split())


def refresh(ansible, bin_dir, config):
    """A run that ignores the cache and reads the API again: ansible-inventory --flush-cache (2.17 and later; 2.16's
    ansible-inventory has no such option), else ansible-playbook --flush-cache."""
    if core_version(bin_dir) >= (2, 17):
        return ansible(['ansible-inventory', '--list', '--flush-cache'], config, bin_dir=bin_dir)
    return ansible(['ansible-playbook', '--flush-cache', PLAYBOOK], dict(config, compose={'ansible_connection': "'local'"}),
                   bin_dir=bin_dir)


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_awx_import_fails_when_a_page_fails(sim, ansible, tmp_path, bin_dir):
    """AWX's inventory update (ANSIBLE_INVENTORY_UNPARSED_FAILED and the rest of its environment) fails, saying which
    page failed and how the API answered, and writes no output.json to import."""
    sim.seed(count=2500)
    failing_page(sim, 2)
    output = tmp_path / 'artifacts' / '7' / 'output.json'
    result = ansible(['ansible-inventory', '--list', '--export', '--output', str(output), '-vvv'], FAST_RETRIES, bin_dir=bin_dir,
                     extra_env=STANDARD_INVENTORY_UPDATE_ENV)
    assert result.returncode != 0
    assert says(result.stderr, 'page 2 of 3 of the listing (page=2&page_size=1000), after 1000 of 2500 servers: '
                               'GET /api/v1/servers/ ' + PROXY_503)
    assert says(result.stderr, '(gave up after 2 attempts)')
    assert not output.exists()
    assert account_hosts_in(result.stdout + result.stderr, sim) == []
    assert TOKEN not in result.stdout + result.stderr
    # Page 3 is never asked for: the listing stops at the page that failed.
    assert listing_queries(sim) == ['page_size=1000', 'page=2&page_size=1000', 'page=2&page_size=1000']


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_plain_ansible_inventory_prints_no_host_of_the_account(sim, ansible, bin_dir):
    """Without ANSIBLE_INVENTORY_UNPARSED_FAILED, ansible-core warns about the failed source and goes on: the
    inventory it prints has none of the account's servers, not the servers of the pages read before the failure."""
    sim.seed(count=2500)
    failing_page(sim, 3)
    result = ansible(['ansible-inventory', '--list'], FAST_RETRIES, bin_dir=bin_dir,
                     extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'false'})
    assert result.returncode == 0, result.stderr
    listing = plain(json.loads(result.stdout))
    assert listing['_meta']['hostvars'] == {}
    assert account_hosts_in(result.stdout, sim) == []
    assert says(result.stderr, 'page 3 of 3 of the listing (page=3&page_size=1000), after 2000 of 2500 servers')
    assert len(api_requests(sim)) == 4


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_a_refresh_that_fails_on_a_page_leaves_the_cache_as_it_was(sim, ansible, tmp_path, bin_dir):
    """With the cache on, a refresh (--flush-cache) whose listing fails fails the run and leaves the cache holding the
    whole earlier listing; the next cached run still gives every server, without a request."""
    sim.seed(count=1005)
    config = cache_config(tmp_path)
    first, _result = inventory_list(lambda command, config: ansible(command, config, bin_dir=bin_dir), config)
    assert len(first['_meta']['hostvars']) == 1005
    cached = cache_file_text(tmp_path)
    sim.seed(count=10, name_prefix='later')  # a refresh that worked would store these too
    failing_page(sim, 2)
    result = refresh(ansible, bin_dir, config)
    assert result.returncode != 0
    assert says(result.stdout + result.stderr, 'page 2 of 2 of the listing (page=2&page_size=1000), after 1000 of 1015 servers')
    assert cache_file_text(tmp_path) == cached
    requests_so_far = len(api_requests(sim))
    again, _result = inventory_list(lambda command, config: ansible(command, config, bin_dir=bin_dir), config)
    assert again == first
    assert len(api_requests(sim)) == requests_so_far


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_a_refresh_whose_detail_read_fails_leaves_the_cache_but_a_deleted_server_is_left_out(sim, ansible, tmp_path, bin_dir):
    """With detail=true a detail read that still fails after the retries fails the refresh as a list page does, and the
    cache keeps the earlier servers and details; a detail read answered 404 (the server was deleted after the listing)
    is no partial listing: that server is left out with a warning and the rest is stored."""
    servers = sim.seed(count=5)
    config = cache_config(tmp_path, detail=True)
    first, _result = inventory_list(lambda command, config: ansible(command, config, bin_dir=bin_dir), config)
    assert sorted(first['_meta']['hostvars']) == ['seed-%d' % number for number in range(1, 6)]
    cached = cache_file_text(tmp_path)
    third_path = '^/api/v1/servers/%d/$' % servers[2]['id']
    sim.set_faults([{'kind': 'status', 'status': 503, 'path': third_path}])
    result = refresh(ansible, bin_dir, config)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert says(output, 'Failed to read the details of the VPS.org servers at %s: GET /api/v1/servers/%d/ %s' % (
        sim.url, servers[2]['id'], PROXY_503))
    assert cache_file_text(tmp_path) == cached

    sim.set_faults([{'kind': 'status', 'status': 404, 'path': third_path}])
    result = refresh(ansible, bin_dir, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert says(result.stderr, 'were deleted while their details were read and were left out of the inventory (ids %d)' % servers[2]['id'])
    assert cached_names(tmp_path) == ['seed-1', 'seed-2', 'seed-4', 'seed-5']


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_ten_thousand_servers_with_a_page_in_the_middle_failing(sim, ansible, tmp_path, bin_dir):
    """10,000 servers, page 5 of 10 answering 503 whatever the retries: AWX's import fails after the 4 pages before it
    and the retries of page 5 (7 requests with api_retries=2); the time to fail is printed for the guide."""
    sim.seed(count=10000)
    failing_page(sim, 5)
    output = tmp_path / 'output.json'
    started = time.monotonic()
    result = ansible(['ansible-inventory', '--list', '--export', '--output', str(output)], {'api_retries': 2, 'api_timeout': 5},
                     bin_dir=bin_dir, extra_env=STANDARD_INVENTORY_UPDATE_ENV)
    seconds = time.monotonic() - started
    requests = sim.stats()['requests_total']
    print('10,000 servers, page 5 failing, api_retries=2: failed in %.2f s after %d requests' % (seconds, requests))
    assert result.returncode != 0
    assert says(result.stderr, 'page 5 of 10 of the listing (page=5&page_size=1000), after 4000 of 10000 servers: '
                               'GET /api/v1/servers/ ' + PROXY_503)
    assert says(result.stderr, '(gave up after 3 attempts)')
    assert not output.exists()
    assert requests == 7
    assert listing_queries(sim) == ['page_size=1000'] + ['page=%d&page_size=1000' % number for number in (2, 3, 4, 5, 5, 5)]
    # Two backoffs (0.25-0.5 s, then 0.5-1 s) and ansible-inventory's own start: a failure, not a hang.
    assert seconds < 60
