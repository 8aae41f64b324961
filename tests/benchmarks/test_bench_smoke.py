"""Smoke run of the benchmark (benchmarks/run.py), so it never rots: it runs end to end and prints figures.

One benchmark of each kind, at the smoke sizes (``--smoke``: small accounts, one run of each command, nothing
judged, the default core only): P1c for the inventory plugin (ansible-inventory against the simulator, beside the
floor plugin, with the check that both gave the same inventory) and P2 for the modules (ansible-playbook against the
simulator, on the in-process path and on the module path, each checked at -vvv to have taken its path). What the
other benchmarks do is the same machinery: the simulator, the measured commands, the figures and the report.
It never asserts a time or a ratio (the machines are small and shared; the real figures come from `make bench`
and are recorded in docs/docsite/rst/guide_performance.rst). About 11 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(REPO_ROOT, 'benchmarks', 'run.py')


@pytest.fixture(name='smoke_run', scope='module')
def smoke_run_fixture(tmp_path_factory):
    """(completed process, JSON report) of one ``run.py --smoke --only P1c,P2``, shared by the tests of this file."""
    results = tmp_path_factory.mktemp('bench') / 'results.json'
    completed = subprocess.run([sys.executable, RUN, '--smoke', '--only', 'P1c,P2', '--json', str(results)], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, 'benchmarks/run.py --smoke failed:\n%s\n%s' % (completed.stdout[-3000:], completed.stderr[-5000:])
    return completed, json.loads(results.read_text(encoding='utf-8'))


def test_benchmark_smoke_run_prints_the_figures_of_an_inventory_and_a_module_benchmark(smoke_run):
    completed, report = smoke_run
    assert report['smoke'] is True
    figures = {figure['key']: figure for figure in report['figures']}
    # P2 on the default core only (a smoke run): "P2a module path, 2.19" ...
    core = report['machine']['ansible_core'].rsplit('.', 1)[0]
    paths = ('in-process', 'module path')
    expected = ['P1c'] + ['%s %s, %s' % (key, path, core) for key in ('P2a', 'P2b') for path in paths]
    expected.append('P2a module path vs today, %s' % core)  # beside the collection without its action plugins
    assert sorted(figures) == sorted(expected)
    for key, figure in figures.items():
        assert figure['runs'] >= 1, key
        assert 0 < figure['min'] <= figure['median'] <= figure['max'], key
        assert figure['judged'] is False, key
        # Every figure is printed in the report too.
        assert '| %s |' % key in completed.stdout
    # The comparison inventory was checked against the plugin's own output.
    assert any(note.startswith('P1c, same inventory check') for note in report['notes'])


def test_benchmark_smoke_run_says_which_path_each_p2_run_took(smoke_run):
    """Both paths are named in P2's checks, each with what its -vvv run showed; the in-process path counts as taken only
    when its -vvv run showed it."""
    completed, report = smoke_run
    path_checks = {check['text'].split(',')[0]: check for check in report['checks'] if check['text'].startswith('P2 ')}
    assert sorted(path_checks) == ['P2 in-process', 'P2 module path']
    assert path_checks['P2 module path']['status'] == 'PASS', path_checks
    # The bench reports in-process figures only when the -vvv run showed that path (else FAIL and NOT MEASURED).
    assert path_checks['P2 in-process']['status'] == 'PASS', path_checks
    for check in path_checks.values():
        assert 'module run(s)' in check['text']  # what the -vvv run showed is printed
        assert '%s: %s' % (check['status'], check['text']) in completed.stdout
