"""How AWX counts the nodes a job managed indirectly (through an API), copied from its source for the tests.

From github.com/ansible/awx, each part naming where it comes from:

- ``awx/main/tasks/host_indirect.py`` at 0f33f0a (with the wildcard keys ``namespace.collection.*`` of pull request
  15893, March 2025), and the error handling of pull request 15965 (April 2025: a jq error skips that event and goes
  on): ``get_hashable_form`` and ``build_indirect_host_data``, as they are but for the Django parts (a job's events
  come as a list of dicts, an audit record is a dict, the logger is a list of messages). Every event with
  ``event_data.res`` and ``event_data.resolved_action`` counts, whatever its kind: ``runner_on_ok`` and
  ``runner_on_failed`` (with or without ``ignore_errors``), the ``runner_item_on_*`` events of a loop, in check mode
  as in a normal run. The module's FQCN key wins over a wildcard key.
- ``awx/main/tasks/host_indirect.py``, ``fetch_job_event_query``: the files of the installed collections are merged
  with ``dict.update``. The file of a collection is its ``extensions/audit/event_query.yml``, which the callback
  ``awx/playbooks/library/indirect_instance_count.py`` (at 0ec4ea4) reads from the installed collection at the end of
  a job.
- ``awx/main/models/indirect_managed_node_audit.py`` (at 2cc06a6): ``name = CharField(max_length=255)`` (not null)
  and ``unique_together = [('name', 'job')]``. ``save_indirect_host_entries_of_job`` stores a job's records with one
  ``bulk_create``, and ``save_indirect_host_entries`` only logs its exception: a record without a name, or two
  records of one job with the same name, lose every record of the job (``awx_store``).
- ``awx/main/tasks/jobs.py`` and ``awx/settings/defaults.py`` (at e21dd0a): a job gets ``MAX_EVENT_RES`` =
  ``MAX_EVENT_RES_DATA`` (700000); ansible-runner's event callback (2.4.3, ``display_callback/callback/
  awx_display.py``) replaces a result longer than that (``len(str(res))``) with ``{}``, and the result of a ``no_log``
  task with ``{'censored': ...}``.
"""

from __future__ import annotations

import os

import jq
import yaml

AWX_JOB_ENV = {'MAX_EVENT_RES': '700000'}  # awx/main/tasks/jobs.py: str(settings.MAX_EVENT_RES_DATA)
EVENT_QUERY_FILE = os.path.join('extensions', 'audit', 'event_query.yml')  # indirect_instance_count.py


class UnhashableFacts(RuntimeError):
    pass


def get_hashable_form(input_data):
    "Given a dictionary of JSON types, return something that can be hashed and is the same data"
    if isinstance(input_data, (int, float, str, bool)):
        return input_data  # return scalars as-is
    if isinstance(input_data, dict):
        # Can't hash because we got a dict? Make the dict a tuple of tuples.
        # Can't hash the data in the tuple in the tuple? We'll make tuples out of them too.
        return tuple(sorted(((get_hashable_form(k), get_hashable_form(v)) for k, v in input_data.items())))
    elif isinstance(input_data, (list, tuple)):
        # Nested list data might not be hashable, and lists were never hashable in the first place
        return tuple(get_hashable_form(item) for item in input_data)
    raise UnhashableFacts(f'Cannonical facts contains a {type(input_data)} type which can not be hashed.')


def build_indirect_host_data(job_events, job_event_queries, log=None):
    """The audit records of a job: one per distinct canonical_facts, with the modules that saw it and how often.

    ``job_events``: the job's events (dicts as in ansible-runner's artifacts); ``job_event_queries``: as
    ``fetch_job_event_query`` returns it; ``log``: a list that gets AWX's log messages."""
    log = [] if log is None else log
    results = {}
    compiled_jq_expressions = {}  # Cache for compiled jq expressions
    facts_missing_logged = False
    unhashable_facts_logged = False

    job_event_queries_fqcn = {}
    for query_k, query_v in job_event_queries.items():
        if len(parts := query_k.split('.')) != 3:
            log.append(f"Skiping malformed query '{query_k}'. Expected to be of the form 'a.b.c'")
            continue
        if parts[2] != '*':
            continue
        job_event_queries_fqcn['.'.join(parts[0:2])] = query_v

    for event in (event for event in job_events if event.get('event_data') is not None):
        if 'res' not in event['event_data']:
            continue

        if not (resolved_action := event['event_data'].get('resolved_action', None)):
            continue

        if len(resolved_action_parts := resolved_action.split('.')) != 3:
            log.append(f"Malformed invocation module name '{resolved_action}'. Expected to be of the form 'a.b.c'")
            continue

        resolved_action_fqcn = '.'.join(resolved_action_parts[0:2])

        # Match module invocation to collection queries
        # First match against fully qualified query names i.e. a.b.c
        # Then try and match against wildcard queries i.e. a.b.*
        if not (jq_str_for_event := job_event_queries.get(resolved_action, job_event_queries_fqcn.get(resolved_action_fqcn, {})).get('query')):
            continue

        # Recall from cache, or process the jq expression, and loop over the jq results
        # (as in AWX: the cache is looked up by query and filled by module, so each event compiles its query again)
        if jq_str_for_event not in compiled_jq_expressions:
            compiled_jq_expressions[resolved_action] = jq.compile(jq_str_for_event)
        compiled_jq = compiled_jq_expressions[resolved_action]

        try:
            data_source = compiled_jq.input(event['event_data']['res']).all()
        except Exception as e:  # pylint: disable=broad-exception-caught
            log.append(f'error for module {resolved_action} and data {event["event_data"]["res"]}: {e}')
            continue

        for data in data_source:
            # From this jq result (specific to a single Ansible module), get index information about this host record
            if not data.get('canonical_facts'):
                if not facts_missing_logged:
                    log.append(f'jq output missing canonical_facts for module {resolved_action} on event {event.get("counter")} using jq:{jq_str_for_event}')
                    facts_missing_logged = True
                continue
            canonical_facts = data['canonical_facts']
            try:
                hashable_facts = get_hashable_form(canonical_facts)
            except UnhashableFacts:
                if not unhashable_facts_logged:
                    log.append(f'Could not hash canonical_facts {canonical_facts}, skipping')
                    unhashable_facts_logged = True
                continue

            # Obtain the record based on the hashable canonical_facts now determined
            facts = data.get('facts')
            name = data.get('name')

            if hashable_facts in results:
                audit_record = results[hashable_facts]
            else:
                audit_record = {'canonical_facts': canonical_facts, 'facts': facts, 'name': name, 'events': [], 'count': 0}
                results[hashable_facts] = audit_record

            # Increment rolling count fields
            if resolved_action not in audit_record['events']:
                audit_record['events'].append(resolved_action)
            audit_record['count'] += 1

    return list(results.values())


def fetch_job_event_query(collection_paths):
    """The queries of a job: the event_query.yml of each installed collection (folders of collections), merged."""
    net_job_data = {}
    for path in collection_paths:
        query_file = os.path.join(path, EVENT_QUERY_FILE)
        if os.path.exists(query_file):
            with open(query_file, encoding='utf-8') as handle:
                net_job_data.update(yaml.safe_load(handle.read()))
    return net_job_data


def awx_store(records):
    """What ``bulk_create`` keeps of a job's records: all of them, or none when one breaks the model's rules."""
    names = [record['name'] for record in records]
    if any(not isinstance(name, str) or len(name) > 255 for name in names) or len(set(names)) != len(names):
        return []
    return records
