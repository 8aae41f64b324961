# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A restart whose reboot request or answer is lost, against the simulator, through ansible-playbook.

The faults do exactly what the rule of module_utils/_power.py must tell apart (guide_reliability.rst, "Lost power
answers"): a reboot dropped on its way in (``drop``: never carried out), one carried out whose connection is then
dropped (``lost_answer`` with ``drop``), one whose answer comes after api_timeout (``latency``: carried out late) and
one carried out some time after its answer was lost (``lost_answer`` with ``commit_delay``). The reboots are counted
on the simulator's side: its counter of committed writes (late commits included; a restart writes nothing else) and
its request log, never from what the module reports. Each run must end with the server rebooted once (twice at most
when a lost request lands late), or warn that the reboot may not have happened.
"""

from __future__ import annotations

import time

import pytest

from reliability_support import run_playbook

ACTION_DELAY = 0.3
SIMULATOR_OPTIONS = {"provision_delay": 0.2, "action_delay": ACTION_DELAY}  # the sim fixture (tests/support/simulator.py)
REBOOT = "/reboot/$"
DROPPED_ON_THE_WAY_IN = {"kind": "drop", "method": "POST", "path": REBOOT}
CARRIED_OUT_THEN_DROPPED = {"kind": "lost_answer", "method": "POST", "path": REBOOT, "drop": True}
SENT_AGAIN = "so the reboot was sent again"
MAY_NOT_HAVE_HAPPENED = "may not have happened"


def restart_task(driver):
    if driver == "vps_fleet":
        return {"name": "restart", "vpsorg.cloud.vps_fleet": {"servers": [{"name": "web-1", "state": "restarted"}]}}
    return {"name": "restart", "vpsorg.cloud.vps_server": {"name": "web-1", "state": "restarted"}}


def restart(sim, workdir, env, faults, driver="vps_server", api_timeout=5):
    """Seed web-1 (active), set ``faults``, restart it in one ansible-playbook run; return the run."""
    sim.seed(servers=[{"name": "web-1", "status": "active"}])
    sim.set_faults(faults)
    run = run_playbook(workdir, env, "restart.yml", [restart_task(driver)], {"api_timeout": api_timeout})
    assert run.problems() == []
    return run


def reboots(sim):
    """(reboots the simulator carried out, reboot requests it received)."""
    sent = [entry for entry in sim.request_log() if entry["method"] == "POST" and entry["path"].endswith("/reboot/")]
    carried_out = sim.stats()["writes_committed"]
    # Without late commits, the log says the same: the requests whose write took effect.
    assert carried_out >= len([entry for entry in sent if entry["committed"]])
    return carried_out, len(sent)


def warnings(run):
    """The text of the restart's warnings (vps_fleet puts the server's name before each)."""
    return " ".join(run.result("restart").get("warnings") or [])


@pytest.mark.parametrize("driver", ["vps_server", "vps_fleet"])
def test_a_reboot_dropped_on_its_way_in_is_sent_again_and_carried_out_once(sim, workdir, env, driver):
    run = restart(sim, workdir, env, [dict(DROPPED_ON_THE_WAY_IN, count=1)], driver)
    assert reboots(sim) == (1, 2)
    assert [server["status"] for server in sim.servers()] == ["active"]
    assert SENT_AGAIN in warnings(run)
    assert run.result("restart")["changed"] is True


@pytest.mark.parametrize("driver", ["vps_server", "vps_fleet"])
def test_a_reboot_carried_out_whose_answer_is_dropped_is_not_sent_again(sim, workdir, env, driver):
    run = restart(sim, workdir, env, [dict(CARRIED_OUT_THEN_DROPPED, count=1)], driver)
    assert reboots(sim) == (1, 1)
    assert SENT_AGAIN not in warnings(run) and MAY_NOT_HAVE_HAPPENED not in warnings(run)


def test_a_reboot_carried_out_and_finished_before_the_check_is_told_by_its_updated_at(sim, workdir, env):
    # With no action delay the reboot is over when the module looks: the server is active again, with a later updated_at.
    sim.configure(action_delay=0)
    run = restart(sim, workdir, env, [dict(CARRIED_OUT_THEN_DROPPED, count=1)])
    assert reboots(sim) == (1, 1)
    assert SENT_AGAIN not in warnings(run)


def test_a_reboot_dropped_twice_is_not_sent_a_third_time_and_the_run_warns(sim, workdir, env):
    run = restart(sim, workdir, env, [DROPPED_ON_THE_WAY_IN], api_timeout=1)
    assert reboots(sim) == (0, 2)
    assert "The reboot of server web-1 (id 10001) %s: it was sent 2 times" % MAY_NOT_HAVE_HAPPENED in warnings(run)
    assert run.result("restart")["changed"] is True


def test_a_reboot_answered_after_api_timeout_is_waited_for_not_sent_again(sim, workdir, env):
    # Carried out 2.5 s after it came in; the module gave up waiting for the answer after 2 s.
    run = restart(sim, workdir, env, [{"kind": "latency", "seconds": 2.5, "method": "POST", "path": REBOOT, "count": 1}],
                  api_timeout=2)
    assert reboots(sim) == (1, 1)
    assert SENT_AGAIN not in warnings(run)


def test_a_reboot_that_lands_late_after_it_was_sent_again_reboots_the_server_twice_at_most(sim, workdir, env):
    # Answered (dropped) at once and carried out 1 s later: by then the module has sent it again.
    commit_delay = 1.0
    run = restart(sim, workdir, env, [dict(CARRIED_OUT_THEN_DROPPED, count=1, commit_delay=commit_delay)])
    time.sleep(commit_delay)  # the late commit has landed (or been refused: the server was rebooting) by now
    carried_out, sent = reboots(sim)
    assert sent == 2
    assert 1 <= carried_out <= 2
    assert SENT_AGAIN in warnings(run)
