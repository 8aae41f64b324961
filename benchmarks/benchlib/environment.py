"""Where things are, the environment every measured command gets, the simulator, the machine."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import urllib.request

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(BENCH_DIR)
FLOOR_PLUGIN_DIR = os.path.join(BENCH_DIR, "inventory_plugins")
SIMULATOR_DIR = os.path.join(REPO_ROOT, "tests", "simulator")
SCRIPTS_DIR = os.path.join(REPO_ROOT, "scripts")
TESTS_DIR = os.path.join(REPO_ROOT, "tests")
TOKEN = "tok-BENCH-5d1e7a-never-print-me"

# The folders pytest.ini's pythonpath names: the harness, the scripts, and the tests' support package.
for _path in (SIMULATOR_DIR, SCRIPTS_DIR, TESTS_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=import-error,wrong-import-position
import collection_layout  # noqa: E402
import harness  # noqa: E402
from support.environment import ansible_env  # noqa: E402
# pylint: enable=import-error,wrong-import-position


def tool(name):
    """An Ansible command next to the running Python (the project's .venv), else the repository's .venv."""
    for directory in (os.path.dirname(sys.executable), os.path.join(REPO_ROOT, ".venv", "bin")):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise SystemExit("%s not found next to %s nor in .venv/bin; run the benchmark with .venv/bin/python" % (name, sys.executable))


def python_for_modules():
    """The Python the modules run with: the one next to ansible-playbook (it has requests)."""
    return os.path.join(os.path.dirname(tool("ansible-playbook")), "python")


def command_env(work_dir, bin_dir=None):
    """The same environment for every measured command: the tests' (tests/support/environment.py: no proxies, no user
    ANSIBLE_* or VPS_* settings, the working tree as the collection), Ansible's defaults, the floor plugin, the token.

    ``bin_dir``: the bin folder of another ansible-core's venv (its commands first on PATH, its Python for the modules);
    the project's .venv by default."""
    bin_dir = bin_dir or os.path.dirname(tool("ansible-inventory"))
    config = os.path.join(work_dir, "ansible.cfg")
    with open(config, "w", encoding="utf-8") as stream:
        stream.write("# empty: Ansible's defaults\n")
    return ansible_env(
        work_dir, token=TOKEN, bin_dir=bin_dir,
        ANSIBLE_CONFIG=config,
        ANSIBLE_INVENTORY_PLUGINS=FLOOR_PLUGIN_DIR,
        ANSIBLE_PYTHON_INTERPRETER=os.path.join(bin_dir, "python"),
        # A source that fails to parse must fail the run, not give an empty inventory quickly.
        ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
    )


def start_simulator(provision_delay=0.2, action_delay=0.2, rate_limit=None, rate_burst=None):
    """A simulator with the benchmark's token; ``rate_limit`` (requests per second) and ``rate_burst`` turn its limiter on."""
    return harness.Simulator(provision_delay=provision_delay, action_delay=action_delay, token=TOKEN, rate_limit=rate_limit,
                             rate_burst=rate_burst).start()


def seed_account(sim, count, name_prefix="vps"):
    """``count`` servers, a third each active, stopped and suspended, spread over the three locations."""
    statuses = ("active", "stopped", "suspended")
    for index, status in enumerate(statuses):
        share = count // len(statuses) + (1 if index < count % len(statuses) else 0)
        if share:
            sim._call("POST", "/_sim/seed", {"count": share, "status": status,  # pylint: disable=protected-access
                                             "name_prefix": "%s-%s" % (name_prefix, status)})


def api_list(sim, page_size=1000):
    """Every list item, read from the API like a client would (following ``next``), with urllib."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = "%s/api/v1/servers/?page_size=%d" % (sim.url, page_size)
    servers = []
    while url:
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + sim.token, "Accept": "application/json"})
        with opener.open(request, timeout=120) as response:
            page = json.loads(response.read())
        servers.extend(page["results"])
        url = page.get("next")
    return servers


def log_mark(sim):
    """The sequence number of the last API request the simulator logged."""
    return sim._call("GET", "/_sim/log?since=999999999")["last_seq"]  # pylint: disable=protected-access


def fleet_poll_interval():
    """Seconds between two listings of a waiting vps_fleet (FLEET_POLL_INTERVAL, read from the collection of the working tree)."""
    root = collection_layout.ensure_layout()
    if root not in sys.path:
        sys.path.insert(0, root)
    # pylint: disable-next=import-error,import-outside-toplevel
    from ansible_collections.vpsorg.cloud.plugins.module_utils._account import FLEET_POLL_INTERVAL
    return FLEET_POLL_INTERVAL


def machine():
    """What the figures were measured on."""
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            match = re.search(r"^model name\s*:\s*(.+)$", stream.read(), re.MULTILINE)
        info["cpu"] = match.group(1).strip() if match else "unknown"
    except OSError:
        info["cpu"] = "unknown"
    try:
        info["memory"] = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        info["memory"] = "unknown"
    info["ansible_core"] = core_version(python_for_modules()) or "unknown"
    return info


def core_version(python):
    """The ansible-core version ``python`` imports ("2.19.14"), or "" when it has none."""
    return subprocess.run([python, "-c", "from ansible.release import __version__; print(__version__)"],
                          capture_output=True, text=True, check=False).stdout.strip()
