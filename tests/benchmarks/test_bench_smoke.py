"""Smoke run of the benchmark (benchmarks/run.py), so it never rots: it runs end to end and prints figures.

One benchmark of each kind, at the smoke sizes (``--smoke``: small accounts, one run of each command, nothing
judged): P1c for the inventory plugin (ansible-inventory against the simulator, beside the floor plugin, with the
check that both gave the same inventory) and P2 for the modules (ansible-playbook against the simulator). What
the other benchmarks do is the same machinery: the simulator, the measured commands, the figures and the report.
It never asserts a time or a ratio (the machines are small and shared; the real figures come from `make bench`
and are recorded in docs/docsite/rst/guide_performance.rst). About 10 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(REPO_ROOT, 'benchmarks', 'run.py')
FIGURES = ('P1c', 'P2')


def test_benchmark_smoke_run_prints_the_figures_of_an_inventory_and_a_module_benchmark(tmp_path):
    results = tmp_path / 'results.json'
    completed = subprocess.run([sys.executable, RUN, '--smoke', '--only', ','.join(FIGURES), '--json', str(results)], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, 'benchmarks/run.py --smoke failed:\n%s\n%s' % (completed.stdout[-3000:], completed.stderr[-5000:])
    report = json.loads(results.read_text(encoding='utf-8'))
    assert report['smoke'] is True
    figures = {figure['key']: figure for figure in report['figures']}
    assert sorted(figures) == sorted(FIGURES)
    for key, figure in figures.items():
        assert figure['runs'] >= 1, key
        assert 0 < figure['min'] <= figure['median'] <= figure['max'], key
        assert figure['judged'] is False, key
        # Every figure is printed in the report too.
        assert '| %s |' % key in completed.stdout
    # The comparison inventory was checked against the plugin's own output.
    assert any(note.startswith('P1c, same inventory check') for note in report['notes'])
