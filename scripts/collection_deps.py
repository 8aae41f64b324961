#!/usr/bin/env python
"""The collections vpsorg.cloud depends on (``dependencies`` in galaxy.yml), provided without Ansible Galaxy.

The machines of this project reach PyPI, not Galaxy. PyPI's ``ansible`` package holds the collections of the
Ansible community package, so a pinned, hash-checked wheel of it (requirements/collections.txt) is downloaded
once with ``pip download --no-deps`` and only the collections galaxy.yml names are extracted from it into a
cache outside the working tree, shared by every clone and by the copies of the tree the core matrix makes:

    $VPSORG_COLLECTIONS_CACHE or ~/.cache/vpsorg-cloud/collections/
        wheels/ansible-12.3.0-py3-none-any.whl        the download (pip checks its hash; kept for a later re-extraction)
        <digest>/ansible_collections/community/...     the extracted collections; <digest> covers the pin and the names

Two ways in, both made by the scripts, never by hand:
  - scripts/collection_layout.py links each of them beside vpsorg/cloud into .cache/collections/ansible_collections/,
    the collections root that ANSIBLE_COLLECTIONS_PATH, ansible-test (it uses the root its collection sits in),
    ansible-lint, Molecule, the docs build and the tests use;
  - ``collection_deps.py --pth`` (run by scripts/common.sh for .venv) writes a .pth file into the venv's
    site-packages naming the extracted folder. ansible-core scans sys.path for ``ansible_collections`` folders, as it
    does for those the ``ansible`` package installs, so the tools that set a collections path of their own still
    find the dependencies: galaxy-importer's ansible-doc, and ``ansible-galaxy collection install --offline`` of the
    built tarball (the packaging tests), which then counts them as installed instead of asking Galaxy.

Command line:
  collection_deps.py          make sure the cache holds the dependencies; print the folder that holds ansible_collections/
  collection_deps.py --pth    the same, and write the .pth file into the site-packages of the Python running this (a venv)

Standard library only (collection_layout.py imports it); pip runs as ``<this Python> -m pip`` only for the download.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

import project_cache

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join('requirements', 'collections.txt')
PTH_NAME = 'vpsorg_cloud_collection_deps.pth'


def cache_dir() -> str:
    return os.environ.get('VPSORG_COLLECTIONS_CACHE') or os.path.join(project_cache.root(), 'collections')


def dependencies(repo_root: str = REPO_ROOT) -> list[str]:
    """The collection names of the ``dependencies`` mapping of galaxy.yml (block style, one per line)."""
    with open(os.path.join(repo_root, 'galaxy.yml'), encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    names = []
    for index, line in enumerate(lines):
        if re.match(r'dependencies:\s*(\{\s*\})?\s*(#.*)?$', line):
            for item in lines[index + 1:]:
                match = re.match(r'\s+["\']?([A-Za-z0-9_]+\.[A-Za-z0-9_]+)["\']?\s*:', item)
                if not match:
                    break
                names.append(match.group(1))
    return names


def _pinned_wheel(repo_root: str) -> tuple[str, str]:
    """(name, version) of the one ``name==version`` line of requirements/collections.txt."""
    with open(os.path.join(repo_root, REQUIREMENTS), encoding='utf-8') as handle:
        pins = re.findall(r'^([A-Za-z0-9_.-]+)==([^\s;]+)', handle.read(), re.MULTILINE)
    if len(pins) != 1:
        raise RuntimeError('%s must pin exactly one package with ==, found %d' % (REQUIREMENTS, len(pins)))
    return pins[0]


def ensure(repo_root: str = REPO_ROOT) -> str | None:
    """The folder holding ``ansible_collections/`` with every dependency, filled once; None without dependencies."""
    names = dependencies(repo_root)
    if not names:
        return None
    with open(os.path.join(repo_root, REQUIREMENTS), 'rb') as handle:
        digest = hashlib.sha256(handle.read() + '\n'.join(names).encode()).hexdigest()[:16]
    root = cache_dir()
    target = os.path.join(root, digest)
    if os.path.exists(os.path.join(target, '.ready')):
        return target
    with project_cache.locked(root):
        if not os.path.exists(os.path.join(target, '.ready')):
            _fill(repo_root, root, target, names)
    return target


def _fill(repo_root: str, root: str, target: str, names: list[str]) -> None:
    package, version = _pinned_wheel(repo_root)
    wheels = os.path.join(root, 'wheels')
    print('==> collections %s: from the wheel of %s %s (PyPI, once; cached in %s)' % (', '.join(names), package, version, root),
          file=sys.stderr, flush=True)
    completed = subprocess.run(
        [sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps',
         '--only-binary=:all:', '--require-hashes', '--dest', wheels, '-r', os.path.join(repo_root, REQUIREMENTS)],
        check=False)
    prefix = '%s-%s-' % (package.replace('-', '_'), version)
    found = [name for name in os.listdir(wheels) if name.startswith(prefix) and name.endswith('.whl')] if os.path.isdir(wheels) else []
    if completed.returncode != 0 or not found:
        raise RuntimeError('could not download %s==%s from PyPI into %s (pip exit status %d); the collections %s come from it'
                           % (package, version, wheels, completed.returncode, ', '.join(names)))
    staging = tempfile.mkdtemp(prefix='.extract-', dir=root)
    os.chmod(staging, 0o755)
    try:
        with zipfile.ZipFile(os.path.join(wheels, found[0])) as wheel:
            for name in names:
                folder = 'ansible_collections/%s/' % name.replace('.', '/')
                members = [member for member in wheel.namelist() if member.startswith(folder)]
                if folder + 'MANIFEST.json' not in members:
                    raise RuntimeError('%s has no collection %s: pin another version in %s' % (found[0], name, REQUIREMENTS))
                wheel.extractall(staging, members)
        with open(os.path.join(staging, '.ready'), 'w', encoding='utf-8') as handle:
            handle.write('%s\n' % found[0])
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def link(collections_root: str, repo_root: str = REPO_ROOT) -> None:
    """Symlink each dependency into ``collections_root/ansible_collections/<namespace>/<name>``."""
    source = ensure(repo_root)
    for name in dependencies(repo_root):
        namespace, short = name.split('.')
        target = os.path.join(source, 'ansible_collections', namespace, short)
        path = os.path.join(collections_root, 'ansible_collections', namespace, short)
        if os.path.islink(path) and os.readlink(path) == target:
            continue
        if os.path.lexists(path) and not os.path.islink(path):
            raise RuntimeError('%s exists and is not a symlink; remove it' % path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Under a temporary name, then renamed: concurrent callers never see it missing.
        tmp = '%s.%d.tmp' % (path, os.getpid())
        os.symlink(target, tmp)
        os.replace(tmp, path)


def write_pth(repo_root: str = REPO_ROOT) -> str | None:
    """Name the extracted dependencies in a .pth file of this Python's site-packages; return its path."""
    if sys.prefix == sys.base_prefix:
        raise RuntimeError('--pth writes into a virtual environment only, and %s is not one' % sys.executable)
    source = ensure(repo_root)
    path = os.path.join(sysconfig.get_paths()['purelib'], PTH_NAME)
    wanted = '%s\n' % source if source else ''
    try:
        with open(path, encoding='utf-8') as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    if current != wanted:
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(wanted)
    return path


def main(argv: list[str]) -> int:
    if argv not in ([], ['--pth']):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        source = ensure()
        if argv:
            write_pth()
    except RuntimeError as exc:
        print('ERROR: %s' % exc, file=sys.stderr)
        return 1
    print(source or '')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
