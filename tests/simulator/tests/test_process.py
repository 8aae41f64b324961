"""The simulator as a process: start-up line, options, signals and the state file."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from simulator_support import SIMULATOR_DIR, VALID_CREATE
from harness import RUN_SCRIPT, Simulator

BANNER = re.compile(r"^VPS\.org API simulator listening on http://127\.0\.0\.1:(\d+) token: (\S+)\n$")


def api_call(sim, method, path, data=None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(sim.url + path, data=body, method=method, headers=sim.headers)
    with opener.open(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_banner_is_one_line_and_runs_from_any_directory(tmp_path):
    """Started from another directory, with a relative script path resolved by the caller."""
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, RUN_SCRIPT, "--port", "0", "--token", "abc", "--quiet", "--url-file", "url.txt"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        match = BANNER.match(line)
        assert match, line
        assert match.group(2) == "abc"
        assert (tmp_path / "url.txt").read_text().strip() == f"http://127.0.0.1:{match.group(1)}"
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stdout == ""  # nothing after the one line


def test_random_token_is_printed_and_enforced():
    with Simulator() as sim:
        assert len(sim.token) >= 20
        assert api_call(sim, "GET", "/api/v1/servers/")["count"] == 0


def test_sigterm_exits_zero():
    sim = Simulator().start()
    assert sim.stop() == 0


def test_options_reach_the_configuration():
    with Simulator(provision_delay=7, action_delay=0.5, credit=4, token="tok", seed=3) as sim:
        config = sim.config()
        assert (config["provision_delay"], config["action_delay"], config["credit"], config["token"]) == (7.0, 0.5, 4, "tok")
        assert sim.faults()["seed"] == 3


def test_state_file_keeps_servers_across_a_restart(tmp_path):
    state_file = str(tmp_path / "state.json")
    with Simulator(state_file=state_file, provision_delay=0) as sim:
        created = api_call(sim, "POST", "/api/v1/servers/", dict(VALID_CREATE, ssh_key_id=9))
        api_call(sim, "PATCH", f"/api/v1/servers/{created['id']}/", {"hostname": "kept.example.com"})
        sim.seed(servers=[{"name": "odd", "status": "suspended"}])
        before = sim.servers()
        assert os.path.exists(state_file)  # saved after every write, not only at exit
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]

    with Simulator(state_file=state_file) as sim:
        assert sim.servers() == before
        assert before[0]["hostname"] == "kept.example.com" and before[0]["ssh_key_id"] == 9
        assert api_call(sim, "POST", "/api/v1/servers/", VALID_CREATE)["id"] == before[-1]["id"] + 1


def test_pending_transition_survives_a_restart(tmp_path):
    state_file = str(tmp_path / "state.json")
    with Simulator(state_file=state_file, provision_delay=0.3) as sim:
        api_call(sim, "POST", "/api/v1/servers/", VALID_CREATE)
    time.sleep(0.4)  # the deadline passes while no simulator runs
    with Simulator(state_file=state_file) as sim:
        server = sim.servers()[0]
        assert server["status"] == "active"
        assert server["ip_address"]


def test_help():
    result = subprocess.run([sys.executable, os.path.join(SIMULATOR_DIR, "run_simulator.py"), "--help"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0
    for option in ("--host", "--port", "--token", "--provision-delay", "--action-delay", "--credit",
                   "--state-file", "--url-file", "--seed", "--quiet"):
        assert option in result.stdout
