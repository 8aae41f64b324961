"""A sliced AWX job template on an imported VPS.org inventory: every server acted on once, the fleet converged.

AWX imports an inventory source with ``ansible-inventory --list --export`` and stores the hosts, enabled or not by
the source's *Enabled Variable* and *Enabled Value*. A job template with *Job Slicing* n launches n jobs at once, and
slice k (from 1) gets the enabled hosts ordered by name, ``hosts[k - 1::n]``, as AWX's inventory script. That
algorithm is copied from AWX's source into ``awx_emulation.py`` (``awx_sliced_host_names``, ``awx_inventory_script``,
``awx_effective_slice_count``).

Here 9 servers, 2 of them stopped, are imported; three slices of ``awx_files/slice_job.yml`` run at once (three
ansible-playbook processes, each with AWX's settings and the credential's environment). Its first play is the fleet
on ``hosts: localhost`` (``vps_fleet``, three servers to create, creates taking 2 s), which every slice runs at the
same moment; its
second is per host, ``delegate_to: localhost``, a restart of each server of the slice. The verdict comes from the
simulator's request log and state: each enabled server restarted exactly once, the stopped ones never touched, the
fleet one server per name with every slice reporting the same ids. The test prints the requests and the wall time
(the at-scale AWX guide's "Job slicing" states them). Default core and ansible-core 2.16 (tests/support/cores.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

# On sys.path through the pythonpath setting of pytest.ini (tests/).
from support.cores import CORES, bin_dir_fixture, core_version  # noqa: F401 pylint: disable=import-error,unused-import
from support.environment import ansible_env  # pylint: disable=import-error

# Next to this file (pytest puts the test's folder on sys.path).
from awx_emulation import (  # pylint: disable=import-error
    AWX_ANSIBLE_SETTINGS, awx_effective_slice_count, awx_import, awx_inventory_script, awx_sliced_host_names,
)
from awx_support import credential_env, export_inventory  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, 'awx_files', 'slice_job.yml')
TOKEN = 'tok-AWX-SLICING-61f0b2-never-print-me'
SIMULATOR_OPTIONS = {'provision_delay': 0.1, 'action_delay': 0.1, 'token': TOKEN}  # the sim fixture
SLICES = 3
# Seeded out of name order, so that ids do not follow names: the slices must be cut by name.
NAMES = ['slice-05', 'slice-02', 'slice-09', 'slice-04', 'slice-01', 'slice-07', 'slice-08', 'slice-03', 'slice-06']
STOPPED = ['slice-04', 'slice-08']
FLEET = ['fleet-a', 'fleet-b', 'fleet-c']
SOURCE = {'plugin': 'vpsorg.cloud.vps', 'compose': {'vps_enabled': "vps_status == 'active'"}}
CREATE_PATH = '/api/v1/servers/'
# Creates are carried out (and answered) 2 s after they arrive, so that the slices' fleet plays, which start within
# a fraction of a second of each other, usually all find no server and create one: the slices must converge, not merely
# find the servers another slice made a moment before. A slice that starts late on a busy machine finds them made;
# the assertions hold either way, and the figures printed say how many creates and deletes there were.
CREATE_LATENCY = {'kind': 'latency', 'method': 'POST', 'path': '^%s$' % CREATE_PATH, 'seconds': 2}


def slice_hosts(script):
    """The hosts a slice job sees: what its inventory script prints."""
    printed = json.loads(subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout)
    return sorted(printed['_meta']['hostvars'])


def run_slices_at_once(tmp_path, bin_dir, sim, stored, count):
    """Start every slice job, then wait for all; returns [(returncode, output, report)] and the wall time."""
    started, runs = time.monotonic(), []
    for number in range(1, count + 1):
        folder = tmp_path / ('slice-%d' % number)
        folder.mkdir()
        script = folder / 'hosts'
        script.write_text(awx_inventory_script(stored, number, count), encoding='utf-8')
        script.chmod(0o700)
        env = ansible_env(folder, bin_dir=bin_dir, JOB_ID=str(100 + number), **AWX_ANSIBLE_SETTINGS)
        env.update(credential_env(TOKEN, sim.url))
        command = [os.path.join(bin_dir, 'ansible-playbook'), '-i', str(script), PLAYBOOK, '-e', 'slice_report=%s' % (folder / 'report.json')]
        runs.append((folder, subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    results = []
    for folder, process in runs:
        output = process.communicate(timeout=300)[0]
        report = folder / 'report.json'
        results.append((process.returncode, output, json.loads(report.read_text(encoding='utf-8')) if report.exists() else None))
    return results, time.monotonic() - started


@pytest.mark.parametrize('bin_dir', CORES, indirect=True)
def test_three_slices_at_once_act_on_each_server_once(sim, tmp_path, bin_dir):
    seeded = sim.seed(servers=[dict(name=name, status='stopped' if name in STOPPED else 'active') for name in NAMES])
    ids = {server['name']: server['id'] for server in seeded}
    export = export_inventory(tmp_path, bin_dir, SOURCE, TOKEN, sim.url)
    running = sorted(set(NAMES) - set(STOPPED))

    # Enabled Variable vps_status, Enabled Value active: AWX compares the exported value as text, which on 2.19 and
    # later is {'__ansible_unsafe': 'active'}: every host is disabled. The boolean from compose works on every core.
    by_status = awx_import(export, enabled_var='vps_status', enabled_value='active')
    enabled_by_status = sorted(name for name, host in by_status['hosts'].items() if host['enabled'])
    assert enabled_by_status == ([] if core_version(bin_dir) >= (2, 19) else running)
    stored = awx_import(export, enabled_var='vps_enabled')
    assert sorted(name for name, host in stored['hosts'].items() if host['enabled']) == running

    # The slices AWX cuts: enabled hosts ordered by name, slice k gets hosts[k - 1::3]; the stopped ones in none.
    count = awx_effective_slice_count(SLICES, stored)
    assert count == SLICES
    slices = [awx_sliced_host_names(stored, number, count) for number in range(1, count + 1)]
    assert slices == [running[0::3], running[1::3], running[2::3]]
    assert slices == [['slice-01', 'slice-05', 'slice-09'], ['slice-02', 'slice-06'], ['slice-03', 'slice-07']]

    sim.set_faults([CREATE_LATENCY])
    imported = sim.request_log()[-1]['seq']  # the import's listing is not the job's
    results, seconds = run_slices_at_once(tmp_path, bin_dir, sim, stored, count)
    entries = sim.request_log(since=imported)
    assert [code for code, _output, _report in results] == [0] * count, '\n'.join(output for _code, output, _report in results)
    assert [slice_hosts(tmp_path / ('slice-%d' % number) / 'hosts') for number in range(1, count + 1)] == slices

    # Per host, delegate_to localhost: each running server restarted exactly once, the stopped ones never touched.
    reboots = sorted(entry['path'] for entry in entries if entry['method'] == 'POST' and entry['path'].endswith('/reboot/'))
    assert reboots == sorted('/api/v1/servers/%d/reboot/' % ids[name] for name in running)
    for name in STOPPED:
        assert not [entry for entry in entries if '/%d/' % ids[name] in entry['path']], name
    assert {server['name']: server['status'] for server in sim.servers() if server['name'] in ids} == {
        name: 'stopped' if name in STOPPED else 'active' for name in NAMES}

    # The fleet on hosts: localhost, in every slice at once: one server per name, active, the same ids in every
    # slice's report; each duplicate a slice made deleted once (never a survivor).
    fleet = {server['name']: server['id'] for server in sim.servers() if server['name'] in FLEET}
    assert sorted(fleet) == FLEET and len(sim.servers()) == len(NAMES) + len(FLEET)
    assert all(server['status'] == 'active' for server in sim.servers() if server['name'] in FLEET)
    assert [report for _code, _output, report in results] == [fleet] * count
    creates = [entry for entry in entries if entry['method'] == 'POST' and entry['path'] == CREATE_PATH]
    deleted = [int(entry['path'].strip('/').rsplit('/', 1)[-1]) for entry in entries if entry['method'] == 'DELETE']
    assert len(FLEET) <= len(creates) <= count * len(FLEET)
    assert len(deleted) == len(set(deleted)) == len(creates) - len(FLEET)
    assert not set(deleted) & (set(fleet.values()) | set(ids.values()))

    imported_paths = tuple('/api/v1/servers/%d/' % server_id for server_id in ids.values())
    per_host = [entry for entry in entries if entry['path'].startswith(imported_paths)]
    listings = [entry for entry in entries if entry['method'] == 'GET' and entry['path'] == CREATE_PATH]
    print('FIGURES slicing: %d slices at once, %.1f s wall, %d requests: %d per host (%d restarts), %d fleet (%d creates, %d deletes, '
          '%d listings)' % (count, seconds, len(entries), len(per_host), len(reboots), len(entries) - len(per_host), len(creates),
                            len(deleted), len(listings)))
