# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite, and the table of fault modes printed at the end of the run.

The simulator of a test file is tests/support/simulator.py's ``simulator`` (started with the file's
SIMULATOR_OPTIONS), and ``sim`` is that simulator reset before the test.

Each fault test hands its table row to ``record_row``; the row travels in the test report's
``user_properties``, so the table is complete under pytest-xdist too (the workers' reports reach
the main process, which prints it).
"""

from __future__ import annotations

import pytest

from fault_lifecycles import MODES, OUTAGE, format_table
from reliability_support import reliability_env

ROW_PROPERTY = "reliability_row"
ROW_ORDER = list(MODES) + [OUTAGE["name"]]
_ROWS = []


@pytest.fixture(name="workdir")
def workdir_fixture(tmp_path):
    return str(tmp_path)


@pytest.fixture(name="env")
def env_fixture(sim, workdir):
    """The environment of ansible commands pointed at the (reset) simulator (VPS_API_URL, VPS_API_TOKEN)."""
    return reliability_env(workdir, sim)


@pytest.fixture(name="record_row")
def record_row_fixture(record_property):
    """``record_row(row)`` adds a row to the table printed at the end of the run."""
    return lambda row: record_property(ROW_PROPERTY, row)


def pytest_runtest_logreport(report):
    if report.when == "call":
        _ROWS.extend(value for name, value in report.user_properties if name == ROW_PROPERTY)


def pytest_terminal_summary(terminalreporter):
    if _ROWS:
        terminalreporter.write_sep("=", "reliability: fault modes")
        rows = sorted(_ROWS, key=lambda row: ROW_ORDER.index(row["mode"]) if row["mode"] in ROW_ORDER else len(ROW_ORDER))
        for line in format_table(rows).splitlines():
            terminalreporter.write_line(line)
