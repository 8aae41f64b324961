"""The environment of the tests' ``ansible-*`` children (tests/support/environment.py), and the real Ansible in it."""

from __future__ import annotations

import os
import subprocess
import sys

# On sys.path through the pythonpath setting of pytest.ini (tests/, scripts/).
import collection_layout  # pylint: disable=import-error
from support.environment import LOOPBACK, VENV_BIN, ansible_env, use_as_environ  # pylint: disable=import-error


class FakeSimulator:  # pylint: disable=too-few-public-methods
    url = "http://127.0.0.1:8123"
    token = "tok-sim"


def caller_environment(monkeypatch):
    """A shell that would leak into a child: Ansible settings, VPS.org settings, proxies."""
    for name, value in {"ANSIBLE_STRATEGY": "free", "ANSIBLE_COLLECTIONS_PATH": "/elsewhere", "VPS_API_TOKEN": "tok-of-the-user",
                        "VPS_API_URL": "https://admin.vps.org", "HTTPS_PROXY": "http://proxy.invalid:3128",
                        "http_proxy": "http://proxy.invalid:3128", "all_proxy": "socks5://proxy.invalid", "NO_PROXY": "*",
                        "PYTHONWARNINGS": "ignore", "KEPT_BY_THE_CHILD": "yes"}.items():
        monkeypatch.setenv(name, value)


def test_nothing_of_the_callers_ansible_vps_or_proxy_settings_is_inherited(monkeypatch, tmp_path):
    caller_environment(monkeypatch)
    env = ansible_env(tmp_path)
    assert not [name for name in env if name.startswith("VPS_")]
    assert not [name for name in env if name.lower().endswith("_proxy") and name not in ("NO_PROXY", "no_proxy")]
    assert env["NO_PROXY"] == env["no_proxy"] == LOOPBACK == "127.0.0.1,localhost"
    assert "ANSIBLE_STRATEGY" not in env and env["ANSIBLE_COLLECTIONS_PATH"] == collection_layout.ensure_layout()
    assert env["KEPT_BY_THE_CHILD"] == "yes"


def test_ansible_keeps_its_files_under_the_folder_shows_no_colour_and_shows_deprecations(tmp_path):
    env = ansible_env(tmp_path)
    for name in ("ANSIBLE_HOME", "ANSIBLE_LOCAL_TEMP", "ANSIBLE_REMOTE_TEMP"):
        assert env[name].startswith(str(tmp_path) + os.sep), name
    assert (env["ANSIBLE_NOCOLOR"], env["ANSIBLE_FORCE_COLOR"]) == ("true", "false")
    assert env["ANSIBLE_DEPRECATION_WARNINGS"] == "true"
    assert env["PYTHONWARNINGS"] == "default::DeprecationWarning,default::PendingDeprecationWarning"
    assert env["PATH"].split(os.pathsep)[0] == VENV_BIN == os.path.dirname(sys.executable)


def test_the_simulator_the_token_the_core_and_other_variables(tmp_path):
    sim = FakeSimulator()
    env = ansible_env(tmp_path, sim)
    assert (env["VPS_API_URL"], env["VPS_API_TOKEN"]) == (sim.url, sim.token)
    env = ansible_env(tmp_path, sim, token="tok-other", bin_dir="/opt/core-2.16/bin", collections_path="/stub",
                      ANSIBLE_INVENTORY_UNPARSED_FAILED=True, ANSIBLE_NOCOLOR="false")
    assert (env["VPS_API_URL"], env["VPS_API_TOKEN"]) == (sim.url, "tok-other")
    assert env["PATH"].split(os.pathsep)[0] == "/opt/core-2.16/bin" and env["ANSIBLE_COLLECTIONS_PATH"] == "/stub"
    assert (env["ANSIBLE_INVENTORY_UNPARSED_FAILED"], env["ANSIBLE_NOCOLOR"]) == ("True", "false")
    env = ansible_env(tmp_path, token="tok-only")
    assert env["VPS_API_TOKEN"] == "tok-only" and "VPS_API_URL" not in env


def test_ansible_itself_sees_only_the_settings_of_the_environment(monkeypatch, tmp_path):
    caller_environment(monkeypatch)
    completed = subprocess.run(["ansible-config", "dump", "--only-changed"], env=ansible_env(tmp_path), cwd=str(tmp_path),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    changed = {line.split("(", 1)[0]: line.split(" = ", 1)[1] for line in completed.stdout.splitlines() if " = " in line}
    assert "DEFAULT_STRATEGY" not in changed
    assert changed["ANSIBLE_NOCOLOR"] == "True"
    assert collection_layout.ensure_layout() in changed["COLLECTIONS_PATHS"]
    assert str(tmp_path) in changed["ANSIBLE_HOME"]


def test_use_as_environ_makes_os_environ_exactly_the_environment_until_the_test_ends(monkeypatch, tmp_path):
    before = dict(os.environ)
    caller_environment(monkeypatch)
    env = ansible_env(tmp_path)
    use_as_environ(monkeypatch, env)
    assert dict(os.environ) == env
    monkeypatch.undo()
    assert dict(os.environ) == before
