"""The host variables the vpsorg.cloud.vps inventory plugin documents are the ones it sets, both ways.

The plugin's DOCUMENTATION names them in three entries of its description: those of the list view (with the keys of
the nested ``vps_plan`` and ``vps_os``), those the detail view adds with ``detail: true`` (with the keys of
``vps_resource_usage``, and ``vps_plan.bandwidth``), and ``ansible_host``. ansible-inventory runs against the
simulator (the ``ansible`` fixture of test_inventory_plugin.py), once listing and once with ``detail: true``; every
host must have exactly the documented variables, and each nested one exactly its documented keys: a variable set but
not documented fails, and so does one documented but not set.
"""

from __future__ import annotations

import ast
import os
import re

import yaml

from test_inventory_plugin import (  # noqa: F401 (fixtures)  pylint: disable=import-error,unused-import
    SIMULATOR_OPTIONS,
    ansible_fixture,
    inventory_list,
)

PLUGIN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'plugins', 'inventory', 'vps.py')
# `C(vps_plan)`, `C(vps_plan) (C(id), C(name), C(memory) in MB)` or `C(vps_plan.bandwidth)`.
VARIABLE = re.compile(r'C\((vps_\w+)(?:\.(\w+))?\)(?: \(((?:[^()]|C\([^()]*\))*)\))?')


def documentation():
    """The DOCUMENTATION of the plugin, read from its source (no import: the test checks the text as shipped)."""
    with open(PLUGIN, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ['DOCUMENTATION']:
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError('no DOCUMENTATION in %s' % PLUGIN)


def entry(marker):
    """The one entry of the description that contains ``marker``."""
    found = [text for text in documentation()['description'] if marker in text]
    assert len(found) == 1, 'expected one description entry of %s with %r, found %d' % (PLUGIN, marker, len(found))
    return found[0]


def documented(text):
    """{variable: set of its documented keys (empty for a plain value)} named in ``text``."""
    variables = {}
    for variable, key, keys in VARIABLE.findall(text):
        known = variables.setdefault(variable, set())
        if key:
            known.add(key)
        known.update(re.findall(r'C\((\w+)\)', keys))
    return variables


def expected(detail):
    variables = documented(entry('from the list view'))
    if detail:
        for variable, keys in documented(entry('from the detail view')).items():
            variables.setdefault(variable, set()).update(keys)
    assert re.match(r'C\(ansible_host\) is set from', entry('C(ansible_host) is set')), 'ansible_host is documented'
    variables['ansible_host'] = set()
    return variables


def seen(hostvars):
    """{variable: set of its keys (empty for a plain value)} of one host."""
    return {variable: set(value) if isinstance(value, dict) else set() for variable, value in hostvars.items()}


def check(sim, ansible, detail):
    sim.seed(servers=[
        {'name': 'web-1', 'location': 'us-west', 'plan_id': 1, 'os_id': 5, 'backups_enabled': True},
        {'name': 'db-1', 'location': 'us-east', 'status': 'stopped', 'plan_id': 2, 'os_id': 3},
    ])
    listing, _result = inventory_list(ansible, {'detail': detail})
    hostvars = listing['_meta']['hostvars']
    assert sorted(hostvars) == ['db-1', 'web-1']
    wanted = expected(detail)
    for host, variables in hostvars.items():
        actual = seen(variables)
        assert sorted(set(actual) - set(wanted)) == [], '%s: set but not documented in %s' % (host, PLUGIN)
        assert sorted(set(wanted) - set(actual)) == [], '%s: documented in %s but not set' % (host, PLUGIN)
        assert actual == wanted, '%s: the keys of a nested variable differ from its documentation' % host


def test_the_list_view_sets_the_documented_host_variables(sim, ansible):
    check(sim, ansible, detail=False)


def test_the_detail_view_sets_the_documented_host_variables(sim, ansible):
    check(sim, ansible, detail=True)
