"""scripts/matrix.py on a machine that lacks the Python a core needs: the core is listed as not tested, and
why; only --require-all turns that into a failure."""

from __future__ import annotations

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MATRIX = os.path.join(REPO_ROOT, "scripts", "matrix.py")


def run_matrix(tmp_path, *args):
    """matrix.py with a PATH that holds no Python and no pyenv: no core can be tested."""
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir(exist_ok=True)
    env = dict(os.environ, PATH=str(empty_bin), VPSORG_MATRIX_CACHE=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, MATRIX, "--cores", "2.20", "--stages", "units"] + list(args),
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_core_without_its_python_is_listed_as_not_tested(tmp_path):
    result = run_matrix(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| 2.20 | not tested: no Python 3.12 or 3.13 or 3.14 found" in result.stdout
    assert "Not tested: ansible-core 2.20" in result.stdout
    assert not (tmp_path / "cache").exists()


def test_require_all_fails_with_a_clear_message(tmp_path):
    result = run_matrix(tmp_path, "--require-all")
    assert result.returncode == 1
    assert "ERROR: not tested: ansible-core 2.20: no Python 3.12 or 3.13 or 3.14 found" in result.stdout
