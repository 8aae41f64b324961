"""What AWX does with a custom credential type and an inventory source, copied from its source for the tests.

From github.com/ansible/awx at e21dd0a (2024-10-23), each function naming where it comes from:

- ``awx/main/fields.py``: what a custom credential type must look like (``CredentialTypeInputField``,
  ``CredentialTypeInjectorField``: schemas, allowed environment variables, templates checked with
  ``StrictUndefined`` over the declared fields); ``awx/api/serializers.py``: kind ``cloud`` or ``net``.
- ``awx/main/models/credential.py``, ``CredentialType.inject_credential``: each ``env`` injector is rendered
  with ``jinja2.sandbox.ImmutableSandboxedEnvironment`` over the credential's non-empty inputs; the copy kept
  for display (``job_env``) is rendered with secret inputs as ``**********``. Environment values are not
  marked unsafe (AWX does that only for ``extra_vars`` injectors, through ``awx/main/utils/safe_yaml.py``).
- ``awx/main/constants.py`` and ``awx/settings/defaults.py``: the environment of every inventory update.
- ``awx/main/management/commands/inventory_import.py``: new host names go through ``sanitize_jinja``
  (``awx/main/utils/safe_yaml.py``), ``enabled_var`` / ``enabled_value`` decide ``enabled`` (``_get_enabled``),
  and host variables are stored as they came (``json.dumps``).
- ``awx/main/tasks/jobs.py`` ``write_inventory_file`` and ``awx/main/models/inventory.py``
  ``Inventory.get_script_data``: a job's inventory is a Python script that prints the stored inventory as
  JSON, enabled hosts only.
- Job slicing: ``awx/main/models/jobs.py`` ``JobTemplate.get_effective_slice_ct`` (no more slices than the inventory
  has hosts, disabled ones counted) and ``create_unified_job`` (a workflow of that many jobs, numbered from 1);
  ``awx/main/models/workflow.py`` (each slice job gets ``job_slice_number`` and ``job_slice_count`` and
  ``allow_simultaneous``: the slices run at once); ``awx/main/tasks/jobs.py`` ``build_inventory`` passes them to
  ``get_script_data``, whose ``get_sliced_hosts`` takes ``hosts[number - 1::count]`` of the enabled hosts ordered by
  name (by the database: PostgreSQL's collation, here Python's order, the same for the names the tests use).
"""

from __future__ import annotations

import json
import re

import jinja2
import jsonschema
from jinja2 import sandbox

# awx/main/constants.py
STANDARD_INVENTORY_UPDATE_ENV = {
    'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True',
    'ANSIBLE_INVENTORY_EXPORT': 'True',
    'ANSIBLE_VERBOSE_TO_STDERR': 'True',
    'ANSIBLE_HOST_PATTERN_MISMATCH': 'error',
}
ENV_BLOCKLIST = frozenset((
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID', 'INVENTORY_UPDATE_ID',
    'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES', 'CALLBACK_QUEUE', 'CALLBACK_CONNECTION',
    'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH',
))
# awx/settings/defaults.py: the ANSIBLE_* settings BaseTask.build_env gives every job and update.
AWX_ANSIBLE_SETTINGS = {
    'ANSIBLE_HOST_KEY_CHECKING': 'False',
    'ANSIBLE_PARAMIKO_RECORD_HOST_KEYS': 'False',
    'ANSIBLE_FORCE_COLOR': 'True',
    'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True',
}
HIDDEN = '**********'

# awx/main/fields.py, CredentialTypeInputField.schema and CredentialTypeInjectorField.schema
INPUTS_SCHEMA = {
    'type': 'object',
    'additionalProperties': False,
    'properties': {
        'required': {'type': 'array', 'items': {'type': 'string'}},
        'fields': {'type': 'array', 'items': {
            'type': 'object',
            'properties': {
                'type': {'enum': ['string', 'boolean']},
                'format': {'enum': ['ssh_private_key', 'url']},
                'choices': {'type': 'array', 'minItems': 1, 'items': {'type': 'string'}, 'uniqueItems': True},
                'id': {'type': 'string', 'pattern': '^[a-zA-Z_]+[a-zA-Z0-9_]*$'},
                'label': {'type': 'string'},
                'help_text': {'type': 'string'},
                'multiline': {'type': 'boolean'},
                'secret': {'type': 'boolean'},
                'ask_at_runtime': {'type': 'boolean'},
                'default': {},
            },
            'additionalProperties': False,
            'required': ['id', 'label'],
        }},
    },
}
INJECTORS_SCHEMA = {
    'type': 'object',
    'additionalProperties': False,
    'properties': {
        'file': {'type': 'object', 'patternProperties': {r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$': {'type': 'string'}},
                 'additionalProperties': False},
        'env': {'type': 'object', 'patternProperties': {'^[a-zA-Z_]+[a-zA-Z0-9_]*$': {'type': 'string', 'pattern': '^[\x00-\x7F]*$'}},
                'additionalProperties': False},
        'extra_vars': {'type': 'object'},
    },
}


def awx_credential_type_errors(definition):
    """Why AWX would refuse this credential type (an empty list when it accepts it)."""
    errors = []
    if definition.get('kind') not in ('cloud', 'net'):  # awx/api/serializers.py, CredentialTypeSerializer.validate
        errors.append("kind must be 'cloud' or 'net'")
    inputs, injectors = definition.get('inputs', {}), definition.get('injectors', {})
    for schema, value in ((INPUTS_SCHEMA, inputs), (INJECTORS_SCHEMA, injectors)):
        errors += [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(value)]
    fields = inputs.get('fields', [])
    ids = [field.get('id') for field in fields]
    if 'tower' in ids or len(set(ids)) != len(ids):
        errors.append('field ids must be unique and not "tower"')
    for field in fields:
        kind = field.get('type', 'string')
        if 'default' in field and not isinstance(field['default'], {'string': str, 'boolean': bool}[kind]):
            errors.append('default of %s is not a %s' % (field.get('id'), kind))
        errors += ['%s not allowed for %s' % (key, kind) for key in ('choices', 'multiline', 'format', 'secret')
                   if key in field and kind != 'string']
    namespace = dict.fromkeys(ids, 'EXAMPLE')
    for variable, template in injectors.get('env', {}).items():
        if variable.startswith('ANSIBLE_') or variable in ENV_BLOCKLIST:
            errors.append('environment variable %s is not allowed' % variable)
        try:
            sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined).from_string(template).render(namespace)
        except jinja2.TemplateError as exc:
            errors.append('%s: %s' % (variable, exc))
    return errors


def awx_inject_env(definition, inputs):
    """(env, safe_env): what a credential with these inputs adds to a job's environment, and the copy AWX shows."""
    fields = definition['inputs'].get('fields', [])
    secret = {field['id'] for field in fields if field.get('secret', False) is True}
    namespace, safe_namespace = {}, {}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if name in secret:
            safe_namespace[name] = HIDDEN
        elif value:
            safe_namespace[name] = value
        if value:
            namespace[name] = value
    for field in fields:
        if field.get('type') == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = safe_namespace[field['id']] = False
    environment = sandbox.ImmutableSandboxedEnvironment()
    env, safe_env = {}, {}
    for variable, template in definition['injectors'].get('env', {}).items():
        env[variable] = environment.from_string(template).render(**namespace)
        safe_env[variable] = environment.from_string(template).render(**safe_namespace)
    return env, safe_env


def awx_sanitize_jinja(name):
    """awx/main/utils/safe_yaml.py: AWX refuses a new host whose name looks like a template."""
    if re.search(r'\{\{[^}]+}}', name) or re.search(r'\{%[^%]+%}', name):
        raise ValueError('Inline Jinja variables are not allowed.: %s' % name)


def awx_get_enabled(variables, enabled_var, enabled_value):
    """inventory_import.Command._get_enabled: True, False or None (no enabled_var: AWX's default, enabled)."""
    if not enabled_var:
        return None
    value, missing = variables, object()
    for key in enabled_var.split('.'):
        value = value.get(key, missing) if hasattr(value, 'get') else missing
    if value is missing:
        return None
    if enabled_value is not None:
        return str(enabled_value).lower() == str(value).lower()
    return bool(value)


def awx_import(export, enabled_var=None, enabled_value=None):
    """The inventory as AWX stores it from ansible-inventory's output: {'hosts': {name: {...}}, 'groups': {...}}."""
    export = dict(export)
    hostvars = export.pop('_meta', {}).get('hostvars', {})
    groups, host_names = {}, set(hostvars)
    for name, group in export.items():
        host_names.update(group.get('hosts', []))
        if name not in ('all', 'ungrouped'):
            groups[name] = {'hosts': list(group.get('hosts', [])),
                            'children': [child for child in group.get('children', []) if child != 'ungrouped']}
    hosts = {}
    for name in sorted(host_names):
        awx_sanitize_jinja(name)
        variables = json.loads(json.dumps(hostvars.get(name, {})))  # stored as JSON text, read back as it is
        enabled = awx_get_enabled(variables, enabled_var, enabled_value)
        hosts[name] = {'variables': variables, 'enabled': True if enabled is None else enabled}
    return {'hosts': hosts, 'groups': groups}


def awx_effective_slice_count(job_slice_count, stored):
    """JobTemplate.get_effective_slice_ct: the slices a launch makes (every host counts, enabled or not)."""
    return min(job_slice_count, len(stored['hosts']))


def awx_sliced_host_names(stored, slice_number=1, slice_count=1):
    """Inventory.get_sliced_hosts over the enabled hosts ordered by name; slice_number counts from 1."""
    names = sorted(name for name, host in stored['hosts'].items() if host['enabled'])
    if slice_count > 1 and slice_number > 0:
        names = names[slice_number - 1::slice_count]
    return names


def awx_inventory_script(stored, slice_number=1, slice_count=1):
    """write_inventory_file(get_script_data(hostvars=True, towervars=True, slice_number, slice_count)): a job's
    inventory, enabled hosts only (of its slice, for a slice job). remote_host_id stands for the database id."""
    host_ids = {name: number for number, name in enumerate(sorted(stored['hosts']), start=1)}
    enabled = {name: stored['hosts'][name] for name in awx_sliced_host_names(stored, slice_number, slice_count)}
    data = {'all': {}, '_meta': {'hostvars': {}}}
    grouped = set()
    for name, group in stored['groups'].items():
        info = {}
        members = [host for host in group['hosts'] if host in enabled]
        if members:
            info['hosts'] = members
            grouped.update(members)
        if group['children']:
            info['children'] = group['children']
        if info:
            data[name] = info
    data['all']['hosts'] = [name for name in sorted(enabled) if name not in grouped]
    data['all']['children'] = list(stored['groups'])
    for name, host in sorted(enabled.items()):
        data['_meta']['hostvars'][name] = dict(host['variables'], remote_tower_enabled='true', remote_tower_id=host_ids[name],
                                               remote_host_enabled='true', remote_host_id=host_ids[name])
    return '#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n' % json.dumps(data)
