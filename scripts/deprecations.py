#!/usr/bin/env python
"""Find deprecation warnings that point at this collection in the output of a test stage.

Two kinds are looked for:

- Ansible's own ``[DEPRECATION WARNING]: ...`` (Display.deprecated, module results' ``deprecations``).
  The stages run only the collection's plugins, roles and test plays, and ansible-core's message often
  cannot say where it came from (an invalid inventory variable name says ``Origin: <unknown>``), so
  every one counts, unless ALLOWED says why it is not ours.
- Python's ``<file>:<line>: <Name>DeprecationWarning: ...`` whose file is in this collection (its
  ``ansible_collections/vpsorg/cloud/`` path or the working tree). The same warning raised inside
  ansible-core or a library is shown but does not count.

    python scripts/deprecations.py FILE...   # exit 1, listing them, when a file holds one
    some-command 2>&1 | python scripts/deprecations.py --tee   # pass the output through, then judge it

Standard library only: scripts/matrix.py and tests/conftest.py import it on every core.
"""

from __future__ import annotations

import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION_PATH = "ansible_collections/vpsorg/cloud/"
ANSIBLE_DEPRECATION = re.compile(r"^\[DEPRECATION WARNING\]: .*$", re.MULTILINE)
PYTHON_DEPRECATION = re.compile(r"^(?P<file>\S+\.py):\d+: \w*(?:Deprecation|PendingDeprecation)Warning: .*$", re.MULTILINE)
# Ansible deprecation warnings that ansible-core raises for itself, whatever the content: (pattern, why).
ALLOWED = ()


def ours(path):
    """True when ``path`` is a file of this collection (through the layout, an installed copy or the tree), not of
    a library installed in the tree's .venv."""
    if COLLECTION_PATH in path.replace(os.sep, "/"):
        return True
    absolute = os.path.abspath(path)
    return absolute.startswith(REPO_ROOT + os.sep) and "site-packages" not in absolute.split(os.sep)


def find(text):
    """The deprecation warnings in ``text`` that point at this collection, one line each, in order."""
    found = []
    for match in ANSIBLE_DEPRECATION.finditer(text):
        if not any(re.search(pattern, match.group(0)) for pattern, _why in ALLOWED):
            found.append((match.start(), match.group(0)))
    for match in PYTHON_DEPRECATION.finditer(text):
        if ours(match.group("file")):
            found.append((match.start(), match.group(0)))
    return [line for _start, line in sorted(found)]


def report(found, where):
    """The message a failing stage or test shows."""
    return "%d deprecation warning(s) point at vpsorg.cloud in %s; fix the code, do not silence them:\n  %s" % (
        len(found), where, "\n  ".join(found))


def main(argv):
    if argv[:1] == ["--tee"]:
        text = []
        for line in sys.stdin:
            sys.stdout.write(line)
            sys.stdout.flush()
            text.append(line)
        sources = [("the output", "".join(text))]
    elif argv and not argv[0].startswith("-"):
        sources = []
        for path in argv:
            with open(path, encoding="utf-8", errors="replace") as stream:
                sources.append((path, stream.read()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for where, text in sources:
        found = find(text)
        if found:
            print("ERROR: " + report(found, where), file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
