#!/usr/bin/env python
"""The test command leaves every Python it did not create as it found it: this records, before a run, the
installed packages of each base interpreter the run may use, and fails after it when any of them changed.

    python scripts/base_pythons.py record FILE    before the run
    python scripts/base_pythons.py check FILE     after it: exit 1 and say what changed

The interpreters: the base interpreter of the Python running this (.venv's), and for every Python version a
core of the matrix supports, the one scripts/matrix.py would pick (python3.X on PATH, else pyenv's). The
packages: every distribution the interpreter sees outside a virtual environment (its site-packages and the
user's), as name and version.

Standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import matrix

LIST_PACKAGES = ("import importlib.metadata as m, json, sys; "
                 "print(json.dumps(sorted('%s==%s' % (d.metadata['Name'], d.version) for d in m.distributions())))")


def base_interpreters() -> list[str]:
    found = [matrix.base_interpreter()]
    versions = []
    for _core, core_versions in matrix.CORES:
        versions.extend(version for version in core_versions if version not in versions)
    for version in versions:
        python, _why_not = matrix.find_python((version,))
        if python and python not in found:
            found.append(python)
    return found


def packages(python: str) -> list[str]:
    # -E: no PYTHONPATH or other PYTHON* setting of the run may change what the interpreter itself holds
    completed = subprocess.run([python, '-E', '-c', LIST_PACKAGES], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def record(path: str) -> dict:
    snapshot = {python: packages(python) for python in base_interpreters()}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(snapshot, handle, indent=1)
    return snapshot


def changes(before: dict, after: dict) -> dict:
    """{interpreter: ["- pip==23.2.1", "+ pip==23.1.2", ...]} for each interpreter whose packages changed."""
    changed = {}
    for python, listed in before.items():
        now = after.get(python, [])
        lines = ['- ' + item for item in listed if item not in now] + ['+ ' + item for item in now if item not in listed]
        if lines:
            changed[python] = lines
    return changed


def check(path: str) -> int:
    with open(path, encoding='utf-8') as handle:
        before = json.load(handle)
    after = {python: packages(python) for python in before}
    changed = changes(before, after)
    if changed:
        print('ERROR: the run changed the packages of a Python it did not create:')
        for python, lines in changed.items():
            print('  %s\n    %s' % (python, '\n    '.join(lines)))
        return 1
    print('Base interpreters unchanged: %s' % ', '.join('%s (%d packages)' % (python, len(listed))
                                                        for python, listed in before.items()))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ('record', 'check'):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == 'record':
        record(argv[1])
        return 0
    return check(argv[1])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
