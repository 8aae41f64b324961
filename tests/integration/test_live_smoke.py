# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live smoke mode (tests/live/run_live_smoke.py, docs/docsite/rst/guide_live_smoke.rst), proved against the simulator.

The runner is started as a user would start it, with VPS_LIVE, VPS_API_URL and VPS_API_TOKEN in
its environment. The endpoint it is given is a recording gateway on 127.0.0.1 in front of the
simulator: it forwards the API (``/api/v1/``) and refuses everything else, the simulator's
``/_sim/`` control API included, recording every request. The simulator does not log control
calls, so this is how the tests see that the smoke never makes one; the gateway's record also
shows the name of every server created and the id behind every write. The tests alone use the
control API, directly, to seed unrelated servers, to read the servers, and to limit the credit.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

# On sys.path through the pythonpath setting of pytest.ini (tests/simulator, tests/).
from loopback_proxy import LoopbackProxy  # pylint: disable=import-error
from support.environment import ansible_env  # pylint: disable=import-error

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(REPO_ROOT, 'tests', 'live', 'run_live_smoke.py')
# A passing run takes about 20 s; a run whose cleanup never deletes waits 2 minutes for it, then fails.
RUN_TIMEOUT = 240
PREFIX_LINE = re.compile(r'^live smoke: prefix (smoke-[0-9a-f]{8}-);', re.MULTILINE)
# Short but real delays: every wait of the smoke has something to wait for (the sim fixture, tests/support/simulator.py).
SIMULATOR_OPTIONS = {'provision_delay': 1, 'action_delay': 1}
# Servers of the account that are not the smoke's: one of another run (same shape of prefix).
UNRELATED_SERVERS = [
    {'name': 'production-db', 'status': 'active'},
    {'name': 'smoke-00000000-web', 'status': 'stopped'},
]


def json_or_none(data):
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


class RecordingGateway(LoopbackProxy):
    """Plays the remote endpoint: forwards /api/v1/ to the simulator and answers 403 to any other path;
    ``requests`` holds every request received, in order."""

    # Host is kept, so the pagination links the simulator builds lead back through the gateway.
    forwarded_request_headers = ('Authorization', 'Content-Type', 'Accept', 'Host')

    def __init__(self, simulator_url):
        super().__init__(simulator_url)
        self.requests = []
        self.lock = threading.Lock()

    def answer(self, method, path, body, headers):
        if urllib.parse.urlsplit(path).path.startswith('/api/v1/'):
            status, answer_headers, payload = self.forward(method, path, body, headers)
        else:
            status, answer_headers = 403, {'Content-Type': 'application/json'}
            payload = b'{"detail": "Only /api/v1/ is served here."}'
        with self.lock:
            self.requests.append(dict(method=method, path=path, status=status, sent=json_or_none(body), answer=json_or_none(payload)))
        return status, answer_headers, payload


@pytest.fixture(name='account')
def account_fixture(sim):
    """A fresh simulated account holding only the unrelated servers; yields them as seeded."""
    return sim.seed(servers=UNRELATED_SERVERS)


def run_runner(tmp_path, **variables):
    """Run the runner in the environment of an ansible command (support.environment.ansible_env) plus ``variables``."""
    # A session of its own, so a run that hangs is stopped with its ansible-playbook, not just the runner.
    with subprocess.Popen([sys.executable, RUNNER], env=ansible_env(tmp_path, **variables), cwd=REPO_ROOT, start_new_session=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail('the runner did not finish within %d s; its output: %s %s' % (RUN_TIMEOUT, stdout, stderr))
    print(stdout)
    print(stderr, file=sys.stderr)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_live(sim, gateway, tmp_path):
    """Run the runner in live mode against the gateway, as a user would against https://admin.vps.org."""
    result = run_runner(tmp_path, VPS_LIVE='1', VPS_API_URL=gateway.url, VPS_API_TOKEN=sim.token)
    match = PREFIX_LINE.search(result.stdout)
    assert match, 'the runner did not print the prefix it used'
    return result, match.group(1)


def created_servers(gateway):
    """(name, id) of every server a create through the gateway made."""
    return [(entry['sent']['name'], entry['answer']['id']) for entry in gateway.requests
            if entry['method'] == 'POST' and entry['path'] == '/api/v1/servers/' and entry['status'] == 201]


def written_ids(gateway):
    """Ids of the servers that a write through the gateway (update, delete, power action) went to."""
    ids = set()
    for entry in gateway.requests:
        match = re.match(r'^/api/v1/servers/(\d+)/', entry['path'])
        if entry['method'] != 'GET' and match:
            ids.add(int(match.group(1)))
    return ids


def assert_untouched(sim, seeded, prefix):
    """The unrelated servers are as seeded, and no server named with the run's prefix is left."""
    now = {server['id']: server for server in sim.servers()}
    for before in seeded:
        after = now.get(before['id'])
        assert after is not None, 'unrelated server %s was deleted' % before['name']
        for field in ('name', 'status', 'hostname', 'updated_at'):
            assert after[field] == before[field], 'unrelated server %s changed its %s' % (before['name'], field)
    assert [server['name'] for server in now.values() if server['name'].startswith(prefix)] == []
    assert len(now) == len(seeded)


def assert_no_control_calls(gateway):
    paths = [entry['path'] for entry in gateway.requests]
    assert paths, 'nothing reached the endpoint'
    assert [path for path in paths if not path.startswith('/api/v1/')] == [], 'requests outside the API'
    assert [path for path in paths if '/_sim/' in path] == []


def test_skipped_with_one_clear_line_without_vps_live(tmp_path):
    for variables in ({}, {'VPS_LIVE': '0', 'VPS_API_URL': 'http://127.0.0.1:9', 'VPS_API_TOKEN': 'x'}):
        result = run_runner(tmp_path, **variables)
        assert result.returncode == 0
        assert result.stdout.strip().splitlines() == [
            'Live smoke mode skipped: VPS_LIVE is not 1 (set VPS_LIVE=1, VPS_API_URL and VPS_API_TOKEN '
            'to run it against a real VPS.org account)']
        assert result.stderr == ''
        assert 'PLAY' not in result.stdout + result.stderr


@pytest.mark.parametrize('missing', [['VPS_API_TOKEN'], ['VPS_API_URL'], ['VPS_API_URL', 'VPS_API_TOKEN']], ids=['token', 'url', 'both'])
def test_live_mode_names_a_missing_variable(missing, tmp_path):
    # A token that is set must not be echoed in the message either.
    given = {name: value for name, value in (('VPS_API_URL', 'http://127.0.0.1:9'), ('VPS_API_TOKEN', 'tok-not-printed'))
             if name not in missing}
    result = run_runner(tmp_path, VPS_LIVE='1', **given)
    assert result.returncode == 2
    for name in missing:
        assert name in result.stderr
    assert 'is not set' in result.stderr or 'are not set' in result.stderr
    assert 'tok-not-printed' not in result.stdout + result.stderr
    assert 'PLAY' not in result.stdout


def test_gateway_records_and_refuses_control_calls(simulator):
    """The instrument the proof relies on: a control call through the gateway is refused and recorded."""
    with RecordingGateway(simulator.url) as gateway:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(gateway.url + '/_sim/health', timeout=10)
        assert refused.value.code == 403
    assert [entry['path'] for entry in gateway.requests] == ['/_sim/health']
    with pytest.raises(AssertionError):
        assert_no_control_calls(gateway)


def test_live_mode_passes_against_a_remote_like_endpoint(sim, account, tmp_path):
    with RecordingGateway(sim.url) as gateway:
        result, prefix = run_live(sim, gateway, tmp_path)
    assert result.returncode == 0, 'the live smoke failed; its output is above'
    assert 'Live smoke PASSED' in result.stdout.splitlines()[-1]
    assert 'leftover check: no server named %s* remains' % prefix in result.stdout
    assert sim.token not in result.stdout + result.stderr
    assert_no_control_calls(gateway)
    # Every module, the role and the inventory plugin ran: 1 server, then a fleet of 2.
    created = created_servers(gateway)
    assert len(created) == 3
    assert all(name.startswith(prefix) for name, _id in created), created
    # Every write went to a server of this run, and the cleanup deleted each of them.
    own_ids = {server_id for _name, server_id in created}
    assert written_ids(gateway) == own_ids
    deleted = {int(entry['path'].split('/')[4]) for entry in gateway.requests if entry['method'] == 'DELETE'}
    assert deleted == own_ids
    renames = [entry['sent']['name'] for entry in gateway.requests if entry['method'] in ('PATCH', 'PUT') and 'name' in (entry['sent'] or {})]
    assert renames and all(name.startswith(prefix) for name in renames)
    assert_untouched(sim, account, prefix)


def test_failure_mid_run_still_deletes_every_server_of_the_run(sim, account, tmp_path):
    # The account can pay for two more servers: the first step's server and one of the fleet's two.
    # The fleet's second create is refused (402, as on an account out of credit) and the play fails.
    sim.configure(credit=2)
    with RecordingGateway(sim.url) as gateway:
        result, prefix = run_live(sim, gateway, tmp_path)
    assert result.returncode == 1
    assert 'Live smoke FAILED' in result.stdout.splitlines()[-1]
    assert 'Insufficient credits' in result.stdout
    # The play's own cleanup (not the runner's safety net) removed both servers it had made.
    assert 'leftover check: no server named %s* remains' % prefix in result.stdout
    assert sim.token not in result.stdout + result.stderr
    assert_no_control_calls(gateway)
    created = created_servers(gateway)
    assert len(created) == 2
    assert all(name.startswith(prefix) for name, _id in created), created
    assert written_ids(gateway) == {server_id for _name, server_id in created}
    assert_untouched(sim, account, prefix)
