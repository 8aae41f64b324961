"""The collection in an execution environment (EE), checked as far as it goes without a container engine.

``meta/execution-environment.yml`` points ansible-builder at ``requirements.txt`` (Python) and
``bindep.txt`` (system packages). A version 3 ``execution-environment.yml`` brings the built
tarball into the build context (``additional_build_files``) and installs it as ``type: file``;
``ansible-builder create`` turns it into the build context. The galaxy and builder stages of the
Containerfile are then replayed here: the collection is installed from the context's
``requirements.yml`` exactly as the galaxy stage does (with ``--offline``), and the context's own
``introspect.py`` reads the installed collection as the builder stage does, which must yield the
collection's Python and system requirements.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import tarfile

import pytest
import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement
from packaging.version import Version

from packaging_support import galaxy_metadata  # pylint: disable=import-error
from support.environment import REPO_ROOT, VENV_BIN, ansible_env  # pylint: disable=import-error

BASE_IMAGE = 'quay.io/ansible/awx-ee:24.6.1'
COLLECTIONS_DEST = 'collections'
# Where ansible-builder's galaxy stage installs collections inside the image.
IMAGE_COLLECTIONS_PATH = '/usr/share/ansible/collections'


def read_lines(path):
    """Non-empty lines of a requirements-style file, without comments."""
    with open(path, encoding='utf-8') as handle:
        return [line.split('#', 1)[0].strip() for line in handle if line.split('#', 1)[0].strip()]


def ee_metadata():
    """meta/execution-environment.yml as a dict."""
    with open(os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def test_metadata_names_the_requirement_files():
    """ansible-builder finds requirements.txt and bindep.txt through meta/execution-environment.yml."""
    meta = ee_metadata()
    assert meta['version'] == 1
    assert meta['dependencies'] == {'python': 'requirements.txt', 'system': 'bindep.txt'}
    for name in meta['dependencies'].values():
        assert os.path.isfile(os.path.join(REPO_ROOT, name)), name


def test_python_requirements():
    """requests, with a lower bound that the version the tests run with satisfies."""
    requirements = [Requirement(line) for line in read_lines(os.path.join(REPO_ROOT, 'requirements.txt'))]
    assert [req.name for req in requirements] == ['requests']
    import requests  # pylint: disable=import-outside-toplevel
    assert requirements[0].specifier.contains(Version(requests.__version__))
    assert requirements[0].specifier, 'requests needs a lower bound'


def test_system_requirements_parse_as_bindep():
    """bindep.txt is valid bindep syntax and names the CA bundle for Debian and RPM based images."""
    with open(os.path.join(REPO_ROOT, 'bindep.txt'), encoding='utf-8') as handle:
        depends = Depends(handle.read())
    rules = {rule[0]: {selector[1] for selector in rule[1]} for rule in depends._rules}  # pylint: disable=protected-access
    assert rules == {'ca-certificates': {'platform:dpkg', 'platform:rpm'}}


def test_tarball_holds_the_ee_files(collection_tarball):
    """The three files travel in the tarball, next to MANIFEST.json of the version in galaxy.yml."""
    with tarfile.open(collection_tarball) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile('MANIFEST.json'))
    assert {'meta/execution-environment.yml', 'requirements.txt', 'bindep.txt', 'meta/runtime.yml'} <= names
    info = manifest['collection_info']
    meta = galaxy_metadata()
    assert (info['namespace'], info['name'], info['version']) == (meta['namespace'], meta['name'], meta['version'])


@pytest.fixture(name='build_context')
def build_context_fixture(tmp_path, collection_tarball):
    """``ansible-builder create`` on an EE definition that installs the tarball; returns (context, tarball name)."""
    project = tmp_path / 'ee'
    project.mkdir()
    local_tarball = project / collection_tarball.name
    local_tarball.write_bytes(collection_tarball.read_bytes())
    definition = {
        'version': 3,
        'images': {'base_image': {'name': BASE_IMAGE}},
        'dependencies': {
            'galaxy': {'collections': [{'name': '%s/%s' % (COLLECTIONS_DEST, collection_tarball.name), 'type': 'file'}]},
        },
        'additional_build_files': [{'src': collection_tarball.name, 'dest': COLLECTIONS_DEST}],
    }
    (project / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False), encoding='utf-8')
    result = subprocess.run(
        [os.path.join(VENV_BIN, 'ansible-builder'), 'create', '--file', 'execution-environment.yml',
         '--context', 'context', '--output-filename', 'Containerfile'],
        cwd=str(project), env=ansible_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / 'context', collection_tarball.name, local_tarball


def test_create_makes_the_build_context(build_context):
    """The context holds the tarball, the galaxy requirements that install it, and the builder's scripts."""
    context, name, local_tarball = build_context
    build = context / '_build'
    assert filecmp.cmp(str(build / COLLECTIONS_DEST / name), str(local_tarball), shallow=False)
    with open(build / 'requirements.yml', encoding='utf-8') as handle:
        assert yaml.safe_load(handle) == {'collections': [{'name': '%s/%s' % (COLLECTIONS_DEST, name), 'type': 'file'}]}
    for script in ('assemble', 'install-from-bindep', 'introspect.py', 'check_galaxy', 'check_ansible', 'pip_install', 'entrypoint'):
        assert (build / 'scripts' / script).is_file(), script


def test_containerfile_installs_the_collection_and_its_requirements(build_context):
    """Galaxy stage: the context is copied to /build and the tarball installed from it; builder stage: introspection."""
    context = build_context[0]
    lines = [line.strip() for line in (context / 'Containerfile').read_text(encoding='utf-8').splitlines()]
    assert 'ARG EE_BASE_IMAGE="%s"' % BASE_IMAGE in lines
    for stage in ('FROM $EE_BASE_IMAGE AS base', 'FROM base AS galaxy', 'FROM base AS builder', 'FROM base AS final'):
        assert stage in lines
    galaxy = lines[lines.index('FROM base AS galaxy'):lines.index('FROM base AS builder')]
    assert 'COPY _build /build' in galaxy
    assert 'WORKDIR /build' in galaxy
    assert ('RUN ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1 ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS '
            '-r requirements.yml --collections-path "%s"' % IMAGE_COLLECTIONS_PATH) in galaxy
    builder = lines[lines.index('FROM base AS builder'):lines.index('FROM base AS final')]
    assert any(line.startswith('RUN $PYCMD /output/scripts/introspect.py introspect') for line in builder)
    assert 'RUN /output/scripts/assemble' in builder
    final = lines[lines.index('FROM base AS final'):]
    assert 'COPY --from=galaxy /usr/share/ansible /usr/share/ansible' in final
    assert 'RUN /output/scripts/install-from-bindep && rm -rf /output/wheels' in final


def test_replayed_stages_yield_the_requirements(build_context, tmp_path):
    """Install from the context as the galaxy stage does, introspect as the builder stage does."""
    context = build_context[0]
    collections = tmp_path / 'usr-share-ansible' / 'collections'
    # The install's destination is the only collections path: one holding vpsorg.cloud already (the working tree's
    # layout) would make ansible-galaxy install nothing.
    env = ansible_env(tmp_path, collections_path=str(collections), ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1')
    result = subprocess.run(
        [os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-r', 'requirements.yml',
         '--collections-path', str(collections)],
        cwd=str(context / '_build'), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    meta = galaxy_metadata()
    installed = collections / 'ansible_collections' / meta['namespace'] / meta['name']
    with open(installed / 'MANIFEST.json', encoding='utf-8') as handle:
        assert json.load(handle)['collection_info']['version'] == meta['version']
    assert (installed / 'meta' / 'execution-environment.yml').is_file()

    out = tmp_path / 'introspected'
    result = subprocess.run(
        [sys.executable, str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect',
         '--write-pip', str(out / 'requirements.txt'), '--write-bindep', str(out / 'bindep.txt'), str(collections)],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    origin = '# from collection %s.%s' % (meta['namespace'], meta['name'])
    pip_lines = (out / 'requirements.txt').read_text(encoding='utf-8').splitlines()
    assert [line for line in pip_lines if line.strip()] == [
        '%s  %s' % (line, origin) for line in read_lines(os.path.join(REPO_ROOT, 'requirements.txt'))]
    bindep_lines = (out / 'bindep.txt').read_text(encoding='utf-8').splitlines()
    assert [line for line in bindep_lines if line.strip()] == [
        '%s  %s' % (line, origin) for line in read_lines(os.path.join(REPO_ROOT, 'bindep.txt'))]
