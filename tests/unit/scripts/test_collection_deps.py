"""scripts/collection_deps.py: the collections of galaxy.yml's dependencies, extracted once from a pinned wheel.

The download (``pip download``) is replaced by a stand-in that writes a small wheel, so these tests need no network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

# scripts/ is on sys.path through the pythonpath setting of pytest.ini.
import collection_deps  # pylint: disable=import-error

GALAXY = """namespace: vpsorg
name: cloud
version: 0.2.0
# a comment
dependencies:
  community.library_inventory_filtering_v1: ">=1.1.0"
  'other.collection': '*'
repository: https://example.test
"""


@pytest.fixture(name="repo")
def repo_fixture(tmp_path, monkeypatch):
    """A repository root with galaxy.yml and requirements/collections.txt; the cache in tmp_path/cache."""
    root = tmp_path / "repo"
    (root / "requirements").mkdir(parents=True)
    (root / "galaxy.yml").write_text(GALAXY)
    (root / "requirements" / "collections.txt").write_text("# pinned\nansible==12.3.0 --hash=sha256:00\n")
    monkeypatch.setenv("VPSORG_COLLECTIONS_CACHE", str(tmp_path / "cache"))
    return root


@pytest.fixture(name="downloads")
def downloads_fixture(monkeypatch):
    """Each `pip download` writes a wheel holding both collections (and one more) into --dest; returns the calls."""
    calls = []

    def fake_run(command, check=False):  # pylint: disable=unused-argument
        calls.append(command)
        dest = command[command.index("--dest") + 1]
        os.makedirs(dest, exist_ok=True)
        with zipfile.ZipFile(os.path.join(dest, "ansible-12.3.0-py3-none-any.whl"), "w") as wheel:
            for name in ("community/library_inventory_filtering_v1", "other/collection", "community/general"):
                wheel.writestr("ansible_collections/%s/MANIFEST.json" % name, "{}")
                wheel.writestr("ansible_collections/%s/plugins/x.py" % name, "")
            wheel.writestr("ansible/__init__.py", "")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(collection_deps.subprocess, "run", fake_run)
    return calls


def test_dependencies_of_galaxy_yml(repo):
    assert collection_deps.dependencies(str(repo)) == ["community.library_inventory_filtering_v1", "other.collection"]
    (repo / "galaxy.yml").write_text("namespace: vpsorg\ndependencies: {}\nname: cloud\n")
    assert collection_deps.dependencies(str(repo)) == []


def test_the_project_declares_the_filtering_library():
    assert collection_deps.dependencies() == ["community.library_inventory_filtering_v1"]


def test_only_the_dependencies_are_extracted_once_and_linked(repo, downloads, tmp_path):
    source = collection_deps.ensure(str(repo))
    assert sorted(os.listdir(os.path.join(source, "ansible_collections"))) == ["community", "other"]
    assert os.listdir(os.path.join(source, "ansible_collections", "community")) == ["library_inventory_filtering_v1"]
    assert len(downloads) == 1 and "--require-hashes" in downloads[0] and "--no-deps" in downloads[0]
    assert collection_deps.ensure(str(repo)) == source
    assert len(downloads) == 1, "a filled cache is not downloaded again"

    root = tmp_path / "layout"
    collection_deps.link(str(root), str(repo))
    collection_deps.link(str(root), str(repo))
    link = root / "ansible_collections" / "community" / "library_inventory_filtering_v1"
    assert os.readlink(link) == os.path.join(source, "ansible_collections", "community", "library_inventory_filtering_v1")
    assert (link / "MANIFEST.json").is_file()


def test_another_pin_is_another_cache_entry(repo, downloads):
    first = collection_deps.ensure(str(repo))
    (repo / "requirements" / "collections.txt").write_text("ansible==12.3.0 --hash=sha256:11\n")
    assert collection_deps.ensure(str(repo)) != first
    assert len(downloads) == 2


def test_a_wheel_without_a_dependency_is_a_clear_error(repo, downloads):
    (repo / "galaxy.yml").write_text(GALAXY.replace("other.collection", "missing.collection"))
    with pytest.raises(RuntimeError, match="has no collection missing.collection: pin another version"):
        collection_deps.ensure(str(repo))
    assert downloads


def test_a_failed_download_names_the_package(repo, monkeypatch):
    monkeypatch.setattr(collection_deps.subprocess, "run", lambda command, check=False: subprocess.CompletedProcess(command, 1))
    with pytest.raises(RuntimeError, match=r"could not download ansible==12\.3\.0 from PyPI"):
        collection_deps.ensure(str(repo))


def test_the_venv_sees_the_dependencies():
    """In .venv, scripts/common.sh wrote the .pth file: the extracted collections are on sys.path, where ansible-core
    looks for collections too (the core matrix's venvs use the links of collection_layout.py only)."""
    pth = os.path.join(sysconfig.get_paths()["purelib"], collection_deps.PTH_NAME)
    if not os.path.isfile(pth):
        pytest.skip("not a venv that scripts/common.sh prepared")
    assert collection_deps.ensure() in sys.path
