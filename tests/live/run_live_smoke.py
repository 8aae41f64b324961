# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the live smoke (tests/live/smoke.yml) against a real VPS.org account, or say why not.

    VPS_LIVE=1 VPS_API_URL=https://admin.vps.org VPS_API_TOKEN=... .venv/bin/python tests/live/run_live_smoke.py

Without VPS_LIVE=1 it prints one line saying the mode was skipped and exits 0. With VPS_LIVE=1
it needs VPS_API_URL and VPS_API_TOKEN, and fails naming the one that is missing. It then makes a
random per-run prefix (smoke-<8 hex digits>-), runs ansible-playbook on smoke.yml with vpsorg.cloud
from this working tree, and checks afterwards, with plain HTTP of its own (not the collection's
code), that no server named with the prefix is left; any it finds it deletes and reports, and the
run fails. The token reaches ansible-playbook only through the environment; it is never put on a
command line, and any output line that would contain it is masked.

Standard library only (plus the ansible-playbook of the Python that runs this file). Exit status:
0 passed or skipped, 1 failed, 2 misconfigured.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(HERE, 'smoke.yml')
REQUIRED_VARIABLES = ('VPS_API_URL', 'VPS_API_TOKEN')
SKIP_LINE = ('Live smoke mode skipped: VPS_LIVE is not 1 (set VPS_LIVE=1, VPS_API_URL and VPS_API_TOKEN '
             'to run it against a real VPS.org account)')
MASK = '********'
HTTP_TIMEOUT = 60


def say(message):
    print('live smoke: %s' % message, flush=True)


def collections_root():
    """The folder holding ansible_collections/vpsorg/cloud -> this working tree (scripts/collection_layout.py)."""
    sys.path.insert(0, os.path.join(REPO_ROOT, 'scripts'))
    import collection_layout  # pylint: disable=import-error,import-outside-toplevel
    return collection_layout.ensure_layout()


def ansible_playbook_command():
    """The ansible-playbook beside this Python (the project venv), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return beside if os.path.exists(beside) else shutil.which('ansible-playbook')


def playbook_environment():
    """The caller's environment (it carries VPS_API_URL and VPS_API_TOKEN) plus Ansible settings."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_root(),
        # The play's ansible-inventory task must be the same Ansible as the play's.
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_RETRY_FILES_ENABLED='false',
    )
    return env


def run_playbook(prefix, token):
    """Run smoke.yml, print its output with the token masked, and return its exit status."""
    command = [ansible_playbook_command(), PLAYBOOK, '-e', 'smoke_prefix=%s' % prefix]
    with subprocess.Popen(command, cwd=HERE, env=playbook_environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace') as process:
        try:
            for line in process.stdout:
                sys.stdout.write(line.replace(token, MASK))
                sys.stdout.flush()
        except KeyboardInterrupt:
            # ansible-playbook got the interrupt too; let it stop, then the leftover check still runs.
            say('interrupted; waiting for ansible-playbook to stop')
        return process.wait()


def api_request(method, url, token):
    """One API call; returns the parsed JSON answer (None when empty)."""
    request = urllib.request.Request(url, method=method, headers={
        'Authorization': 'Bearer %s' % token, 'Accept': 'application/json'})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
        body = answer.read()
    return json.loads(body) if body else None


def servers_with_prefix(api_url, token, prefix):
    """Every server of the account whose name starts with prefix, across all pages."""
    origin = urllib.parse.urlsplit(api_url)[:2]
    url = api_url.rstrip('/') + '/api/v1/servers/'
    found = []
    while url:
        # The token goes only to the endpoint the caller named, never to another host a link might point to.
        if urllib.parse.urlsplit(url)[:2] != origin:
            raise ValueError('the API pointed the next page at another host: %s' % url)
        page = api_request('GET', url, token)
        found += [server for server in page.get('results', []) if str(server.get('name', '')).startswith(prefix)]
        # DRF's next link is absolute; a relative one is read against the page it came from.
        url = urllib.parse.urljoin(url, page['next']) if page.get('next') else None
    return found


def delete_server(api_url, token, server_id):
    try:
        api_request('DELETE', '%s/api/v1/servers/%d/' % (api_url.rstrip('/'), server_id), token)
    except urllib.error.HTTPError as error:
        if error.code != 404:  # 404: gone meanwhile, which is what we want
            raise


def delete_leftovers(api_url, token, prefix):
    """Delete what the play left behind; return the list of 'name (id N)' strings found, or None if unknown."""
    try:
        leftovers = servers_with_prefix(api_url, token, prefix)
        for server in leftovers:
            delete_server(api_url, token, int(server['id']))
    # OSError covers urllib's HTTP and connection errors; the others, an answer not shaped like the API's.
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        say('the leftover check could not finish (%s); look for servers named %s* in the account and delete them'
            % (str(error).replace(token, MASK), prefix))
        return None
    return ['%s (id %s)' % (server.get('name'), server.get('id')) for server in leftovers]


def main():
    if os.environ.get('VPS_LIVE') != '1':
        print(SKIP_LINE)
        return 0
    missing = [name for name in REQUIRED_VARIABLES if not os.environ.get(name)]
    if missing:
        print('Live smoke mode: VPS_LIVE=1 but %s %s not set; set VPS_API_URL (e.g. https://admin.vps.org) and '
              'VPS_API_TOKEN (the account\'s API token) in the environment.'
              % (' and '.join(missing), 'is' if len(missing) == 1 else 'are'), file=sys.stderr)
        return 2
    if not ansible_playbook_command():
        print('Live smoke mode: ansible-playbook not found; run this with the project venv\'s Python '
              '(bash scripts/common.sh ensure_venv, then .venv/bin/python %s).' % os.path.relpath(__file__), file=sys.stderr)
        return 2
    api_url, token = os.environ['VPS_API_URL'], os.environ['VPS_API_TOKEN']
    prefix = 'smoke-%s-' % secrets.token_hex(4)
    # Scheme, host and port only: a user name or password in the URL is not for the output.
    endpoint = urllib.parse.urlsplit(api_url)
    say('prefix %s; endpoint %s://%s' % (prefix, endpoint.scheme, endpoint.netloc.rpartition('@')[2]))
    started = time.monotonic()
    exit_status = run_playbook(prefix, token)
    leftovers = delete_leftovers(api_url, token, prefix)
    if leftovers:
        say('the play left %d server(s) named %s*; deleted them now: %s' % (len(leftovers), prefix, ', '.join(leftovers)))
    elif leftovers == []:
        say('leftover check: no server named %s* remains' % prefix)
    passed = exit_status == 0 and leftovers == []
    print('Live smoke %s: ansible-playbook exited %d, prefix %s, %.0f s' % (
        'PASSED' if passed else 'FAILED', exit_status, prefix, time.monotonic() - started))
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
