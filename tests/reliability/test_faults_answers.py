# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault modes where answers are lost, late or deferred, and an outage longer than the retry budget.

Each mode runs full lifecycles under its faults and is checked against the simulator's own state
(fault_lifecycles.py); its row goes to the table printed at the end of the run. The other modes are
in test_faults_network.py: two files, so pytest-xdist (--dist loadfile) runs them on two workers.
"""

from __future__ import annotations

import pytest

from fault_lifecycles import MODES, run_mode, run_outage
from fault_lifecycles import SIMULATOR_OPTIONS  # noqa: F401 (read by the simulator fixture)  pylint: disable=unused-import


# (mode, fewest faults the mode must have injected: a mode that injected none would prove nothing)
@pytest.mark.parametrize("name, least_faults", [
    ("lost-create", 3),    # every create
    ("lost-power", 6),     # every start, stop and reboot of both servers
    ("429-storm", 4),
    ("slow>timeout", 1),
])
def test_lifecycles_end_in_the_declared_state(sim, workdir, env, record_row, name, least_faults):
    row, problems = run_mode(sim, workdir, env, MODES[name])
    record_row(row)
    assert problems == []
    assert row["faults"] >= least_faults


def test_outage_longer_than_the_retry_budget_fails_saying_what_is_unknown_and_a_rerun_converges(sim, workdir, env, record_row):
    row, problems, create_messages, stop_messages = run_outage(sim, workdir, env)
    record_row(row)
    assert problems == []
    assert len(create_messages) == 3 and len(stop_messages) == 3
    for message in create_messages:
        assert message.startswith("Failed to create server outage-fleet0-")
        assert "the answer to /api/v1/servers/ was lost, and checking whether the server was created failed too" in message
        assert "(gave up after 3 attempts)). The server may or may not exist; run the task again to adopt it or create it." in message
    for message in stop_messages:
        assert message.startswith("Failed to stop server outage-fleet0-")
        assert "/stop/ was lost, and reading the server to check whether it was carried out failed too" in message
        assert message.endswith("The server may or may not be stopping; run the task again.")
