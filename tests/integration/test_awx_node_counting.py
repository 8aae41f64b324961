"""Indirect node counting: the servers AWX counts from a job's events with ``extensions/audit/event_query.yml``.

A job runs through ansible-runner as AWX runs a job template: the token and the URL only in the environment the
VPS.org credential injects (``awx_emulation.awx_inject_env``), AWX's ``ANSIBLE_*`` settings and ``MAX_EVENT_RES``,
against the local simulator. Its events are read from ansible-runner's artifacts (``artifacts/<ident>/job_events``),
and the queries of the installed collections are applied to them with the ``jq`` package by AWX's own algorithm
(``awx_node_counting.py``, copied from awx/main/tasks/host_indirect.py). The sample job (``awx_files/
node_counting_job.yml``) uses every module to create, stop, start, reboot, rename, read, list and delete servers,
as one task, as a fleet and in a loop; the nodes counted must be exactly the servers it touched, once each, whatever
module saw them and whatever their status was. It runs on the default core and on ansible-core 2.16
(tests/support/cores.py). A check-mode run and a failed job count what the at-scale AWX guide (section "Indirect node
counting") and ``extensions/audit/README.md`` say. That the file is in the collection tarball is checked by
tests/packaging/test_awx_extension.py.
"""

from __future__ import annotations

import glob
import os

import ansible_runner
import jq
import pytest
import yaml

# On sys.path through the pythonpath setting of pytest.ini (tests/).
from support.cores import CORES, bin_dir_fixture, core_version  # noqa: F401 pylint: disable=import-error,unused-import
from support.environment import REPO_ROOT, VENV_BIN, ansible_env, use_as_environ  # pylint: disable=import-error

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import AWX_ANSIBLE_SETTINGS  # pylint: disable=import-error
from awx_node_counting import AWX_JOB_ENV, awx_store, build_indirect_host_data, fetch_job_event_query  # pylint: disable=import-error
from awx_support import credential_env, job_events  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, 'awx_files')
EVENT_QUERY = os.path.join(REPO_ROOT, 'extensions', 'audit', 'event_query.yml')
TOKEN = 'tok-AWX-NODE-COUNTING-4c7a2e-never-print-me'
SIMULATOR_OPTIONS = {'provision_delay': 0.1, 'action_delay': 0.1, 'token': TOKEN}  # the sim fixture
FACTS = {'infra_type': 'PublicCloud', 'infra_bucket': 'Compute', 'device_type': 'VPS'}
SERVER = 'vpsorg.cloud.vps_server'
INFO = 'vpsorg.cloud.vps_server_info'
FLEET = 'vpsorg.cloud.vps_fleet'
# The account before the sample job: what it touches (db-1, listed-1, old-1, old-2), what it reads with no_log
# (secret-1) and what it never touches (other-1: another location, and a task that is skipped).
SEEDED = [
    {'name': 'db-1', 'location': 'us-west', 'status': 'active'},
    {'name': 'listed-1', 'location': 'us-west', 'status': 'active'},
    {'name': 'old-1', 'location': 'us-west', 'status': 'stopped'},
    {'name': 'old-2', 'location': 'us-west', 'status': 'stopped'},
    {'name': 'secret-1', 'location': 'us-west', 'status': 'stopped'},
    {'name': 'other-1', 'location': 'us-east', 'status': 'active'},
]


def run_job(sim, tmp_path, bin_dir, playbook, ident, cmdline=None, extravars=None):
    """A job template run of ``awx_files/<playbook>`` on ``bin_dir``'s core; returns (runner result, events)."""
    private = tmp_path / ('job-%d' % ident)
    (private / 'project').mkdir(parents=True)
    (private / 'inventory').mkdir()
    with open(os.path.join(FILES, playbook), encoding='utf-8') as handle:
        (private / 'project' / playbook).write_text(handle.read(), encoding='utf-8')
    (private / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % os.path.join(bin_dir, 'python'), encoding='utf-8')
    env = dict(AWX_ANSIBLE_SETTINGS, **AWX_JOB_ENV, **credential_env(TOKEN, sim.url), JOB_ID=str(ident),
               AWX_PRIVATE_DATA_DIR=str(private), PATH=bin_dir + os.pathsep + os.environ['PATH'])
    result = ansible_runner.run(private_data_dir=str(private), ident=str(ident), playbook=playbook, cmdline=cmdline,
                                extravars=extravars, envvars=env, suppress_env_files=True,
                                settings={'suppress_ansible_output': True}, quiet=True, timeout=300)
    return result, job_events(str(private / 'artifacts' / str(ident)))


def installed_collections():
    """The folders of the collections a job sees (ANSIBLE_COLLECTIONS_PATH): the working tree and its dependencies."""
    return sorted(path for root in os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep)
                  for path in glob.glob(os.path.join(root, 'ansible_collections', '*', '*')))


def counted_nodes(events):
    """The records AWX keeps for a job with these events."""
    log = []
    records = build_indirect_host_data(events, fetch_job_event_query(installed_collections()), log)
    assert log == []
    assert awx_store(records) == records, 'AWX would store none of the records: a name repeats or is not a string: %s' % sorted(
        str(record['name']) for record in records)
    return records


@pytest.fixture(name='awx_job')
def awx_job_fixture(sim, tmp_path, monkeypatch):
    """``awx_job(bin_dir, playbook, ident, cmdline=None, extravars=None)``: a job as AWX runs it, with a clean
    os.environ under ansible-runner (support.environment.ansible_env: the working tree as the collection, no ANSIBLE_*
    or VPS_*)."""
    use_as_environ(monkeypatch, ansible_env(tmp_path))
    return lambda bin_dir, playbook, ident, **options: run_job(sim, tmp_path, bin_dir, playbook, ident, **options)


def by_identity(records):
    """The records by (id, created_at), checking on the way that each is one server and carries the taxonomy."""
    found = {}
    for record in records:
        assert sorted(record['canonical_facts']) == ['created_at', 'id'], record
        assert record['facts'] == FACTS, record
        found[(record['canonical_facts']['id'], record['canonical_facts']['created_at'])] = record
    assert len(found) == len(records)
    return found


def statuses_seen(events, server_id):
    """The statuses of the server ``server_id`` in the results of the job's events, in order of appearance."""
    seen = []

    def walk(value):
        if isinstance(value, dict):
            # A server record (the arguments of a task can hold the id too, and a status filter).
            if value.get('id') == server_id and 'created_at' in value and value['status'] not in seen:
                seen.append(value['status'])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for event in events:
        walk(event['event_data'].get('res'))
    return seen


def print_nodes(title, records):
    """The nodes AWX would count, for the at-scale AWX guide's section "Indirect node counting"."""
    print('%s: %d nodes' % (title, len(records)))
    for record in records:
        print('  %-16s %-44s count %-2d %s' % (record['name'], record['canonical_facts'], record['count'], ', '.join(
            event.rsplit('.', 1)[1] for event in record['events'])))


def test_every_module_has_a_query():
    """AWX finds a query under each module's FQCN (no wildcard: a future module is not counted by accident), and each
    query compiles with jq."""
    with open(EVENT_QUERY, encoding='utf-8') as handle:
        queries = yaml.safe_load(handle)
    modules = sorted('vpsorg.cloud.' + os.path.basename(path)[:-3]
                     for path in glob.glob(os.path.join(REPO_ROOT, 'plugins', 'modules', '*.py')))
    assert sorted(queries) == modules == [FLEET, SERVER, INFO]
    for query in queries.values():
        assert sorted(query) == ['query']
        assert jq.compile(query['query']).input({}).all() == []


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_sample_job_counts_each_server_it_touched_once(sim, awx_job, bin_dir):
    """Nine servers touched, nine nodes: one per server whatever modules saw it and however its status and name
    changed, named after the server as first seen, with the taxonomy's facts; not the server read with no_log, nor
    the one no task reached."""
    seeded = {server['name']: server for server in sim.seed(servers=SEEDED)}
    result, events = awx_job(bin_dir, 'node_counting_job.yml', 1)
    assert (result.status, result.rc) == ('successful', 0), result.stdout.read()
    # The events come from the core of bin_dir (ansible-runner runs the ansible-playbook first on PATH).
    shown = [event['event_data']['res']['msg'] for event in events if event['event'] == 'runner_on_ok'
             and event['event_data']['task'] == 'Show the ansible-core that runs the job']
    assert len(shown) == 1 and shown[0].startswith('ansible-core %d.%d.' % core_version(bin_dir)), shown
    created = {server['name']: server for server in sim.servers()
               if server['name'] in ('web-1b', 'app-1', 'app-2', 'loop-1', 'loop-2')}
    assert sorted(created) == ['app-1', 'app-2', 'loop-1', 'loop-2', 'web-1b']
    assert not {'old-1', 'old-2'} & {server['name'] for server in sim.servers()}
    # Each server the job touched, with the modules that saw it; secret-1 (read with no_log) and other-1 are not.
    expected = {
        'web-1': (created['web-1b'], [SERVER, INFO]),
        'db-1': (seeded['db-1'], [INFO, FLEET]),
        'listed-1': (seeded['listed-1'], [INFO]),
        'old-1': (seeded['old-1'], [FLEET]),
        'old-2': (seeded['old-2'], [SERVER]),
        'app-1': (created['app-1'], [FLEET]),
        'app-2': (created['app-2'], [FLEET]),
        'loop-1': (created['loop-1'], [SERVER]),
        'loop-2': (created['loop-2'], [SERVER]),
    }

    records = counted_nodes(events)
    print_nodes('sample job on ansible-core %s' % shown[0].split()[-1], records)
    counted = by_identity(records)
    assert sorted(counted) == sorted((server['id'], server['created_at']) for server, _modules in expected.values())
    for name, (server, modules) in expected.items():
        record = counted[(server['id'], server['created_at'])]
        assert (record['name'], record['events']) == ('%s_%d' % (name, server['id']), modules)
    # web-1 was running, stopped, running again and renamed: still one node, seen by 6 events.
    web1 = counted[(created['web-1b']['id'], created['web-1b']['created_at'])]
    assert statuses_seen(events, web1['canonical_facts']['id']) == ['active', 'stopped']
    assert web1['count'] == 6


def test_check_mode_job_counts_the_servers_it_read(sim, awx_job):
    """A job of type Check (--check) changes nothing and counts each existing server a task read; a server a task
    would create has no id yet and is not counted."""
    keep = sim.seed(servers=[{'name': 'keep-1', 'location': 'us-west', 'status': 'active'}])[0]
    result, events = awx_job(VENV_BIN, 'node_counting_check.yml', 2, cmdline='--check')
    assert (result.status, result.rc) == ('successful', 0), result.stdout.read()
    assert [entry['method'] for entry in sim.request_log() if entry['method'] != 'GET'] == []
    assert [(server['id'], server['status']) for server in sim.servers()] == [(keep['id'], 'active')]

    records = counted_nodes(events)
    print_nodes('check-mode job', records)
    assert sorted(by_identity(records)) == [(keep['id'], keep['created_at'])]
    assert records[0]['events'] == [SERVER, FLEET, INFO]


def test_failed_job_counts_the_servers_in_its_results(sim, awx_job):
    """Failed tasks count as the others, ignored or not: each server whose record is in a result (the one a task could
    not start, the one a failing fleet created); a create the API refused made no server and counts nothing."""
    suspended = sim.seed(servers=[{'name': 'susp-1', 'location': 'us-west', 'status': 'suspended'}])[0]
    result, events = awx_job(VENV_BIN, 'node_counting_failed.yml', 3)
    assert (result.status, result.rc) == ('failed', 2), result.stdout.read()
    failed = [(event['event_data']['task'], event['event_data']['ignore_errors'])
              for event in events if event['event'] == 'runner_on_failed']
    assert failed == [('Start susp-1, which the provider suspended (fails, ignored)', True),
                      ('Create bad-1 on a plan that does not exist (refused by the API, ignored)', True),
                      ('Create fleet-ok and start susp-1, as one fleet (fails the job)', None)]
    refused = [event['event_data']['res'] for event in events if event['event'] == 'runner_on_failed'
               and event['event_data']['task'].startswith('Create bad-1')]
    assert (refused[0]['status'], refused[0]['server']) == (400, {})
    fleet_ok = [server for server in sim.servers() if server['name'] == 'fleet-ok']
    assert len(fleet_ok) == 1 and len(sim.servers()) == 2

    records = counted_nodes(events)
    print_nodes('failed job', records)
    counted = by_identity(records)
    assert sorted(counted) == sorted([(suspended['id'], suspended['created_at']), (fleet_ok[0]['id'], fleet_ok[0]['created_at'])])
    assert counted[(suspended['id'], suspended['created_at'])]['events'] == [SERVER, FLEET]


def test_results_over_the_event_limit_count_nothing(sim, awx_job):
    """ansible-runner replaces a result longer than MAX_EVENT_RES characters (700,000 in AWX) with {}: a listing of
    1,900 servers and a fleet of 1,000 are counted, the listing of all 2,100 and a fleet of 1,300 count nothing."""
    west = sim.seed(count=1900, name_prefix='bulk-west', location='us-west', status='active')
    sim.seed(count=200, name_prefix='bulk-east', location='us-east', status='active')
    bulk_fleet = [{'name': server['name'], 'state': 'present'} for server in west[:1300]]
    result, events = awx_job(VENV_BIN, 'node_counting_large.yml', 4, extravars={'bulk_fleet': bulk_fleet})
    assert (result.status, result.rc) == ('successful', 0), result.stdout.read()
    sizes = {event['event_data']['task']: len(str(event['event_data']['res']))
             for event in events if event['event'] == 'runner_on_ok'}
    print('characters of each result as AWX sees it:', sizes)
    assert sizes['List the servers in us-west'] < 700000 and sizes['Keep 1,000 servers as they are, as one fleet'] < 700000
    assert sizes['List every server of the account'] == sizes['Keep 1,300 servers as they are, as one fleet'] == len(str({}))

    counted = by_identity(counted_nodes(events))
    assert sorted(counted) == sorted((server['id'], server['created_at']) for server in west)
