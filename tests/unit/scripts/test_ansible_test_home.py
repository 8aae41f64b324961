"""scripts/ansible_test_home.py: ansible-test's state per core and Python, and a pip bootstrap that never leaves a venv."""

from __future__ import annotations

import os
import subprocess
import sys
import types

# On sys.path through the pythonpath setting of pytest.ini.
import ansible_test_home  # pylint: disable=import-error


def write_stand_in(folder):
    script = folder / 'get_pip_stand_in.py'
    script.write_text(ansible_test_home.STAND_IN.format(wheel='pip-0-py3-none-any.whl'))
    return str(script)


def test_the_pip_stand_in_refuses_an_interpreter_that_is_not_a_venv(tmp_path):
    base = os.path.realpath(getattr(sys, '_base_executable', None) or sys.executable)
    completed = subprocess.run([base, '-E', write_stand_in(tmp_path), 'pip==0'], capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 1
    assert 'refusing to bootstrap pip into %s' % sys.base_prefix in completed.stderr


def test_the_pip_stand_in_goes_on_inside_a_venv(tmp_path):
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    completed = subprocess.run([str(venv / 'bin' / 'python'), write_stand_in(tmp_path)], capture_output=True, text=True,
                               check=False)
    # Past the guard, it looks for the wheel beside it (none here): the import of pip fails, not the guard.
    assert 'refusing' not in completed.stderr
    assert "No module named 'pip'" in completed.stderr


def test_each_core_and_python_has_a_home_of_its_own(monkeypatch, tmp_path):
    monkeypatch.setenv('VPSORG_CACHE', str(tmp_path))
    homes = set()
    for version in ('2.16.19', '2.17.14'):
        monkeypatch.setitem(sys.modules, 'ansible.release', types.SimpleNamespace(__version__=version))
        homes.add(ansible_test_home.state_home())
    assert len(homes) == 2
    for home in homes:
        assert home.startswith(str(tmp_path / 'ansible-test' / 'core-'))
        assert '-py%d.%d-' % sys.version_info[:2] in home


def test_a_requirement_at_an_address_becomes_its_pypi_release():
    text = ('astroid==4.0.4\n'
            'dill @ https://github.com/uqfoundation/dill/archive/2308ffb.zip#sha256=0901\n'
            'pylint==4.0.8\n')
    assert ansible_test_home.pypi_instead_of_urls(text) == 'astroid==4.0.4\ndill==%s\npylint==4.0.8\n' % ansible_test_home.PYPI_INSTEAD_OF_URL['dill']


def test_an_address_without_a_known_pypi_release_stops_with_a_message():
    try:
        ansible_test_home.pypi_instead_of_urls('unknown-thing @ https://example.invalid/x.zip\n')
    except SystemExit as stop:
        assert 'ansible-test wants unknown-thing from https://example.invalid/x.zip' in str(stop)
    else:
        raise AssertionError('no SystemExit')
