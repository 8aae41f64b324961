"""Smoke run of the benchmark (benchmarks/run.py --smoke), so it never rots.

Small sizes, one run of each command, nothing judged: this asserts only that the benchmark ran
and produced every figure. It never asserts a time or a ratio (the machines are small and shared;
the real figures come from `make bench` and are recorded in docs/docsite/rst/guide_performance.rst). About 50-65 s
on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(REPO_ROOT, 'benchmarks', 'run.py')

TRANSITIONS = (
    'create, wait', 'create, wait: false', 'create then stop', 'unchanged, by name', 'unchanged, by id', 'update hostname', 'update backups_enabled',
    'rename, by id', 'stop, wait', 'start, wait', 'restart, wait', 'stop, wait: false', 'start, already running', 'delete',
    'absent, already missing', 'check mode, stop predicted', 'check mode, create predicted',
)
# P4f is keyed by its fleet size: in the smoke run those of P3 and P3s (Sizes.smoke(): 5 and 10 servers).
FIGURES = (('P1 (a)', 'P1 (b)', 'P1 (c)', 'P1m', 'P5', 'P5 warm cache', 'P1c', 'P1s', 'P2', 'P3', 'P3s', 'P4f 5', 'P4f 10', 'P3r', 'P3r 429s',
            'P3r creates') + tuple('P4 ' + name for name in TRANSITIONS))


def test_benchmark_smoke_run_produces_every_figure(tmp_path):
    results = tmp_path / 'results.json'
    completed = subprocess.run([sys.executable, RUN, '--smoke', '--json', str(results)], cwd=REPO_ROOT, capture_output=True, text=True,
                               timeout=900, check=False)
    assert completed.returncode == 0, 'benchmarks/run.py --smoke failed:\n%s\n%s' % (completed.stdout[-3000:], completed.stderr[-5000:])
    report = json.loads(results.read_text(encoding='utf-8'))
    assert report['smoke'] is True
    figures = {figure['key']: figure for figure in report['figures']}
    assert sorted(figures) == sorted(FIGURES)
    for key, figure in figures.items():
        assert figure['runs'] >= 1, key
        assert figure['min'] <= figure['median'] <= figure['max'], key
        assert figure['judged'] is False, key
        # Every figure is printed in the report too.
        assert '| %s |' % key in completed.stdout
    # The comparison inventories were checked against the plugin's own output.
    assert any(note.startswith('P1, same inventory check') for note in report['notes'])
    assert any(note.startswith('P1c, same inventory check') for note in report['notes'])
