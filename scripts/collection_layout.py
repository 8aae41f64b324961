#!/usr/bin/env python
"""Make the working tree visible as ``ansible_collections/<namespace>/<name>``, and run ansible-test there.

ansible-test must run from inside such a path, and Ansible, ansible-lint and plain pytest find
the collection through the folder that holds ``ansible_collections/``. This creates
``.cache/collections/ansible_collections/<namespace>/<name>``, a relative symlink back to the
repository root (so a checkout can be moved). ``.cache/`` is git-ignored, so git, ansible-test and
ansible-lint never look into it, and it is in build_ignore.

ansible-test resolves its working directory (``os.getcwd()`` follows the symlink back to the
repository root, which is not under ``ansible_collections/``), so it is told the unresolved
content root with ``ANSIBLE_TEST_CONTENT_ROOT``. That only survives with ``--local``: ``--venv``
re-executes ansible-test with the resolved path and fails.

The collections galaxy.yml depends on are linked beside it, into the same collections root, from the cache
that scripts/collection_deps.py fills once from PyPI (ansible-test finds dependencies in the root its
collection sits in).

Command line:
  collection_layout.py                    print the collections root (for ANSIBLE_COLLECTIONS_PATH)
  collection_layout.py --collection-dir   print the collection directory inside the layout
  collection_layout.py ansible-test ARGS  run ansible-test ARGS from the layout

Used by scripts/common.sh, tests/unit/conftest.py and tests/integration; keep it (and
collection_deps.py) free of third-party imports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import collection_deps

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collection_name(repo_root: str = REPO_ROOT) -> tuple[str, str]:
    """Return (namespace, name) as declared in galaxy.yml."""
    with open(os.path.join(repo_root, 'galaxy.yml'), encoding='utf-8') as handle:
        text = handle.read()

    def field(key: str) -> str:
        match = re.search(r'^%s:\s*["\']?([A-Za-z0-9_]+)' % key, text, re.MULTILINE)
        if not match:
            raise ValueError('galaxy.yml has no %s' % key)
        return match.group(1)

    return field('namespace'), field('name')


def ensure_layout(repo_root: str = REPO_ROOT) -> str:
    """Create the layout if needed and return the absolute path of the collections root."""
    namespace, name = collection_name(repo_root)
    collections_root = os.path.join(repo_root, '.cache', 'collections')
    namespace_dir = os.path.join(collections_root, 'ansible_collections', namespace)
    link = os.path.join(namespace_dir, name)
    target = os.path.relpath(repo_root, namespace_dir)

    os.makedirs(namespace_dir, exist_ok=True)
    collection_deps.link(collections_root, repo_root)

    if os.path.islink(link) and os.readlink(link) == target:
        return collections_root

    if os.path.lexists(link) and not os.path.islink(link):
        raise RuntimeError('%s exists and is not a symlink; remove it' % link)

    # Create under a temporary name and rename, so concurrent callers never see a missing link.
    tmp = '%s.%d.tmp' % (link, os.getpid())
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return collections_root


def collection_dir(repo_root: str = REPO_ROOT) -> str:
    """Return the path of the collection inside the layout (the symlink), creating it if needed."""
    namespace, name = collection_name(repo_root)
    return os.path.join(ensure_layout(repo_root), 'ansible_collections', namespace, name)


def ansible_test(args: list[str], repo_root: str = REPO_ROOT, command: list[str] | None = None,
                 **kwargs) -> subprocess.CompletedProcess:
    """Run ``ansible-test ARGS`` (or ``COMMAND ARGS``, a stand-in for it) from the layout; keyword arguments go to
    subprocess.run."""
    directory = collection_dir(repo_root)
    if command is None:
        executable = os.path.join(os.path.dirname(sys.executable), 'ansible-test')
        command = [executable if os.path.exists(executable) else 'ansible-test']
    env = dict(kwargs.pop('env', os.environ), ANSIBLE_TEST_CONTENT_ROOT=directory)
    return subprocess.run(list(command) + list(args), cwd=directory, env=env, check=False, **kwargs)


def main(argv: list[str]) -> int:
    """Command line entry point."""
    if argv[:1] == ['ansible-test']:
        return ansible_test(argv[1:]).returncode
    if argv == ['--collection-dir']:
        print(collection_dir())
        return 0
    if not argv:
        print(ensure_layout())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
