# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault modes of a flaky network and gateway, alone and mixed with every other fault.

"mixed" runs two ansible-playbook processes at once (one with vps_fleet, one with a loop of
vps_server) against the same account. See test_faults_answers.py for the other modes.
"""

from __future__ import annotations

import threading
import time

import pytest

from fault_lifecycles import MODES, run_mode
from fault_lifecycles import SIMULATOR_OPTIONS  # noqa: F401 (read by the simulator fixture)  pylint: disable=unused-import
from reliability_support import api_call, run_playbook


@pytest.mark.parametrize("name, least_faults", [
    ("gateway-30%", 10),
    ("drop-20%", 3),
    ("mixed", 10),
])
def test_lifecycles_end_in_the_declared_state(sim, workdir, env, record_row, name, least_faults):
    row, problems = run_mode(sim, workdir, env, MODES[name])
    record_row(row)
    assert problems == []
    assert row["faults"] >= least_faults
    assert row["retries"] > 0


def test_a_server_deleted_while_the_list_is_paged_through_hides_no_other(sim, workdir, env):
    """Page 2 is read after another user deleted a server of page 1: every later server moves back one place.

    Found by the soak (two playbooks at once, 5 servers a page): the listing missed a server, so
    state=absent left it and state=present would have created a second one. Here the second page
    waits 1.5 s in the simulator while the test deletes pg-1; pg-6 must still be found, not created again.
    """
    sim.configure(page_size_max=5)
    servers = sim.seed(count=10, name_prefix="pg", location="us-west", plan_id=1, os_id=5)
    sim.set_faults([
        {"kind": "latency", "seconds": 0, "method": "GET", "path": "^/api/v1/servers/$", "count": 1},
        {"kind": "latency", "seconds": 1.5, "method": "GET", "path": "^/api/v1/servers/$", "count": 1},
    ])
    deleted = []

    def delete_after_first_page():
        while not sim.request_log():
            time.sleep(0.02)
        deleted.append(api_call(sim, "DELETE", "/api/v1/servers/%d/" % servers[0]["id"]))

    watcher = threading.Thread(target=delete_after_first_page)
    watcher.start()
    task = {"name": "present", "vpsorg.cloud.vps_server": {"name": "pg-6", "plan_id": 1, "os_id": 5, "location": "us-west"}}
    run = run_playbook(workdir, env, "paged.yml", [task])
    watcher.join()
    assert deleted == [204]
    assert run.problems() == []
    assert run.result("present")["changed"] is False
    assert [server["name"] for server in sim.servers()].count("pg-6") == 1


def test_a_create_dropped_twice_is_sent_again_and_made_once(sim, workdir, env):
    """The first create and the one sent after checking are both dropped before the API saw them.

    Found by the soak (drop-20%): the module crashed on the second drop ('str' object has no attribute '__cause__').
    """
    sim.set_faults([{"kind": "drop", "method": "POST", "path": "^/api/v1/servers/$", "count": 2}])
    task = {"name": "create", "vpsorg.cloud.vps_server": {"name": "dropped-1", "plan_id": 1, "os_id": 5, "location": "us-west"}}
    run = run_playbook(workdir, env, "dropped.yml", [task])
    assert run.problems() == []
    assert [(entry["status"], entry["committed"]) for entry in sim.request_log() if entry["method"] == "POST"] == [
        (None, False), (None, False), (201, True)]
    assert [server["name"] for server in sim.servers()] == ["dropped-1"]
