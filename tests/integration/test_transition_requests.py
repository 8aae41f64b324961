"""The requests of each state transition, as docs/docsite/rst/guide_api_requests.rst states them, from the simulator's log.

The table of the guide's "One server" section is read from the guide itself: each row is run against the simulator
(the ``sim`` fixture, reset before each test; transitions of 0.2 s, shorter than the first poll interval, so "polls"
is one poll) by vps_server's main() in this process with its real client, over HTTP on 127.0.0.1, by name and by id
where the guide gives a cost. The API requests the simulator logged must be the cell's, in its order. A row of the
guide that no scenario below runs fails, and so does a scenario for a row the guide no longer has.

The guide's other figures for one server are checked here too: a poll schedule whose transitions of a few seconds cost
2-4 polls, the first 0.5 s after the request; vps_server_info's one GET per page of 1000 servers, or one detail GET by
id; and finding a server by name among 1000 in one request.
"""

from __future__ import annotations

import datetime
import json
import os
import re

import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support import collection  # pylint: disable=import-error

collection.make_importable()

# pylint: disable-next=wrong-import-position
from ansible_collections.vpsorg.cloud.plugins.modules import vps_server, vps_server_info  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_args import module_args  # noqa: E402

GUIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     'docs', 'docsite', 'rst', 'guide_api_requests.rst')
LIST_PATH = '/api/v1/servers/'
NEW = {'name': 'web-1', 'plan_id': 1, 'os_id': 5, 'location': 'us-west'}
ACTIVE, STOPPED = {'name': 'web-1', 'status': 'active'}, {'name': 'web-1', 'status': 'stopped'}
# A cell's words -> the requests of the log they stand for. "polls": one detail read, as the simulator's transitions
# (0.2 s) are shorter than the first poll interval.
WORDS = {'list': r'list', 'GET': r'GET', 'POST': r'POST(?: \w+)?', 'POST stop': r'POST stop', 'PATCH': r'PATCH',
         'DELETE': r'DELETE', 'polls': r'GET'}


def scenario(seed, by_name=None, by_id=None, check=False):
    """One way of running a row: the server seeded first (or None), the task's arguments by name and by id (None: the
    guide says n/a)."""
    return {'seed': seed, 'name': by_name, 'id': by_id, 'check': check}


def power(wait):
    """stop, start and restart, each from the status it acts on."""
    return [scenario(STOPPED if state == 'started' else ACTIVE, {'name': 'web-1', 'state': state, 'wait': wait},
                     {'state': state, 'wait': wait}) for state in ('stopped', 'started', 'restarted')]


# The rows of the guide's table, by their first cell.
SCENARIOS = {
    'create (``present`` / ``started``), ``wait: true``': [
        scenario(None, dict(NEW, state='present')), scenario(None, dict(NEW, state='started'))],
    'create, ``wait: false``': [scenario(None, dict(NEW, wait=False))],
    'create then stop (``stopped`` on a missing server)': [scenario(None, dict(NEW, state='stopped'))],
    'unchanged (``present``, ``started``, ``stopped``)': [
        scenario(ACTIVE, {'name': 'web-1', 'state': 'present'}, {'state': 'present'}),
        scenario(ACTIVE, {'name': 'web-1', 'state': 'started'}, {'state': 'started'}),
        scenario(STOPPED, {'name': 'web-1', 'state': 'stopped'}, {'state': 'stopped'})],
    'update ``hostname``': [scenario(dict(ACTIVE, hostname='old.example.com'), {'name': 'web-1', 'hostname': 'new.example.com'},
                                     {'hostname': 'new.example.com'})],
    'rename (``id`` and a new ``name``)': [scenario(ACTIVE, by_id={'name': 'web-9'})],
    'update ``backups_enabled``': [scenario(dict(ACTIVE, backups_enabled=False), {'name': 'web-1', 'backups_enabled': True},
                                            {'backups_enabled': True})],
    'stop / start / restart, ``wait: true``': power(wait=True),
    'stop / start / restart, ``wait: false``': power(wait=False),
    'delete (``absent``)': [scenario(ACTIVE, {'name': 'web-1', 'state': 'absent'}, {'state': 'absent'})],
    '``absent``, already missing': [scenario(None, {'name': 'web-1', 'state': 'absent'}, {'id': 99999, 'state': 'absent'})],
    'check mode, a change predicted': [
        scenario(ACTIVE, {'name': 'web-1', 'hostname': 'new.example.com'}, {'hostname': 'new.example.com'}, check=True),
        scenario(ACTIVE, {'name': 'web-1', 'state': 'stopped'}, {'state': 'stopped'}, check=True)],
    'check mode, create predicted': [scenario(None, dict(NEW), check=True)],
}


def guide_rows():
    """[(transition, by name, by id)] of the list-table of the guide's "One server" section, cells as one line each."""
    with open(GUIDE, encoding='utf-8') as handle:
        text = handle.read()
    section = text.split('\nOne server\n', 1)[1].split('.. list-table::', 1)[1]
    rows, cells = [], None
    for line in section.split('\n')[1:]:
        if line.startswith('  * - '):
            cells = [line[6:]]
            rows.append(cells)
        elif line.startswith('    -'):
            cells.append(line[6:])
        elif line.startswith('      ') and cells:
            cells[-1] += ' ' + line.strip()
        elif line.strip() and not line.startswith('  :'):
            break
    assert rows and rows[0][:3] == ['transition', 'by ``name``', 'by ``id``'], rows[:1]
    return [tuple(row[:3]) for row in rows[1:]]


def cases():
    """(transition, its scenarios, column, the guide's cell or None for n/a) of each row and column of the guide."""
    for transition, by_name, by_id in guide_rows():
        for column, cell in (('name', by_name), ('id', by_id)):
            name = '%s, by %s' % (transition.replace('``', ''), column)
            yield pytest.param(transition, SCENARIOS.get(transition), column, None if cell.startswith('n/a') else cell, id=name)


def expected(cell):
    """The regular expression of a cell's requests, over the log's requests joined by commas."""
    return ','.join(WORDS[word] for word in cell.split(', '))


def request_words(entries):
    """The log's API requests as the guide names them: list, POST (a create), POST <action>, GET, PATCH, DELETE."""
    words = []
    for entry in entries:
        path, method = entry['path'], entry['method']
        if path == LIST_PATH:
            words.append('list' if method == 'GET' else method)
        elif re.fullmatch(r'%s\d+/' % LIST_PATH, path):
            words.append(method)
        else:
            words.append('POST ' + path.rstrip('/').rsplit('/', 1)[-1])
    return words


def api_log(sim, since=0):
    return [entry for entry in sim.request_log(since=since) if entry['path'].startswith('/api/')]


@pytest.fixture(name='run')
def run_fixture(sim, capsys):
    """``run(module, args, check=False)`` -> the result of the module's main() against the simulator."""

    def run(module, args, check=False):
        args = dict(args, api_url=sim.url, api_token=sim.token, _ansible_check_mode=check)
        with module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        result = json.loads(capsys.readouterr().out)
        assert not result.get('failed'), result
        return result

    return run


def test_the_guide_has_a_row_for_every_scenario():
    assert sorted(set(SCENARIOS) - {row[0] for row in guide_rows()}) == []


@pytest.mark.parametrize('transition, runs, column, cell', list(cases()))
def test_each_transition_costs_the_requests_the_guide_states(sim, run, transition, runs, column, cell):
    assert runs, 'the guide has a row no scenario of this test runs: %s' % transition
    for run_spec in runs:
        args = run_spec[column]
        if cell is None:
            assert args is None, 'the guide says n/a, but a scenario runs it: %s' % transition
            continue
        assert args is not None, 'the guide gives %s by %s, but a scenario does not run it' % (cell, column)
        sim.reset()
        seeded = sim.seed(servers=[run_spec['seed']]) if run_spec['seed'] else []
        if column == 'id':
            args = dict({'id': seeded[0]['id'] if seeded else None}, **args)
        run(vps_server, dict(args, wait_timeout=30), check=run_spec['check'])
        words = request_words(api_log(sim))
        assert re.fullmatch(expected(cell), ','.join(words)), '%s: the guide says %s; the simulator logged %s' % (
            args, cell, ', '.join(words))


def seconds(entry):
    return datetime.datetime.strptime(entry['time'], '%Y-%m-%dT%H:%M:%S.%fZ').timestamp()


@pytest.mark.parametrize('delay', [1.0, 3.0])
def test_a_transition_of_a_few_seconds_costs_2_to_4_polls_the_first_half_a_second_after_the_request(sim, run, delay):
    sim.configure(action_delay=delay)
    sim.seed(servers=[ACTIVE])
    run(vps_server, {'name': 'web-1', 'state': 'stopped'})
    log = api_log(sim)
    assert request_words(log)[:2] == ['list', 'POST stop']
    polls = log[2:]
    assert 2 <= len(polls) <= 4 and request_words(polls) == ['GET'] * len(polls), request_words(log)
    assert seconds(polls[0]) - seconds(log[1]) >= 0.5


@pytest.mark.parametrize('count, pages', [(1000, 1), (1001, 2)])
def test_the_info_module_costs_one_request_per_page_of_1000_and_a_name_among_1000_one_listing(sim, run, count, pages):
    sim.seed(count=count)
    result = run(vps_server_info, {})
    assert len(result['servers']) == count
    assert request_words(api_log(sim)) == ['list'] * pages
    since = sim.request_log()[-1]['seq']
    result = run(vps_server_info, {'id': result['servers'][-1]['id']})
    assert request_words(api_log(sim, since)) == ['GET']
    since = sim.request_log()[-1]['seq']
    run(vps_server, {'name': result['servers'][0]['name'], 'state': 'present'})
    assert request_words(api_log(sim, since)) == ['list'] * pages + ['GET']
