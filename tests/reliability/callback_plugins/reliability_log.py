# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write every task result of a run to a JSON lines file, for the reliability tests to read.

Enabled only by tests/reliability/reliability_support.py (ANSIBLE_CALLBACKS_ENABLED), which also sets
RELIABILITY_RESULTS_FILE; the reliability tests and tests/integration/test_in_process_differential.py use it.
Standard output is left to the default callback, so the tests still see exactly what a user sees.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: reliability_log
type: aggregate
short_description: Every task result as one JSON line (reliability tests only)
description:
  - Appends one JSON object per task result to the file named by E(RELIABILITY_RESULTS_FILE).
options: {}
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_log"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, outcome, result):
        # ansible-core 2.16 to 2.18 have only the private names (tests/integration/test_in_process_differential.py runs
        # on every core).
        line = {
            "task": result.task_name,
            "outcome": outcome,
            "ignore_errors": bool(getattr(result.task if hasattr(result, "task") else result._task, "ignore_errors", False)),
            "result": result.result if hasattr(result, "result") else result._result,
        }
        with open(os.environ["RELIABILITY_RESULTS_FILE"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._write("unreachable", result)

    def v2_runner_on_skipped(self, result):
        self._write("skipped", result)
