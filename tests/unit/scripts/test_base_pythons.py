"""scripts/base_pythons.py: a run that changes the packages of a Python it did not create fails."""

from __future__ import annotations

import json
import sys

# On sys.path through the pythonpath setting of pytest.ini.
import base_pythons  # pylint: disable=import-error


def test_unchanged_interpreters_pass(tmp_path, capsys):
    recorded = tmp_path / 'before.json'
    recorded.write_text(json.dumps({sys.executable: base_pythons.packages(sys.executable)}))
    assert base_pythons.check(str(recorded)) == 0
    assert 'Base interpreters unchanged: %s' % sys.executable in capsys.readouterr().out


def test_a_package_removed_added_or_replaced_fails_the_check(tmp_path, capsys):
    now = base_pythons.packages(sys.executable)
    pip_now = next(item for item in now if item.lower().startswith('pip=='))
    before = [item for item in now if item != pip_now] + ['pip==0.1', 'gone-package==1.0']
    recorded = tmp_path / 'before.json'
    recorded.write_text(json.dumps({sys.executable: before}))
    assert base_pythons.check(str(recorded)) == 1
    out = capsys.readouterr().out
    assert 'ERROR: the run changed the packages of a Python it did not create' in out
    assert '- pip==0.1' in out and '- gone-package==1.0' in out and '+ %s' % pip_now in out


def test_the_recorded_interpreters_include_the_base_of_the_running_python(tmp_path):
    snapshot = base_pythons.record(str(tmp_path / 'record.json'))
    assert base_pythons.base_interpreters()[0] in snapshot
    assert all(listed for listed in snapshot.values())
