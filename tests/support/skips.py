"""pytest plugin (registered by tests/conftest.py): no quiet skips.

At the end of the run every skipped test (and every skipped module) is listed with its reason, in a block of
its own in the terminal summary, each marked as expected (allowed by tests/expected_skips.py, which says why) or
UNEXPECTED. With ``VPSORG_FAIL_ON_UNEXPECTED_SKIP=1`` in the environment (CI sets it) an unexpected skip fails
the run: the exit status is 1 even when every test that ran passed. An expected failure (xfail) is not a skip.

Under pytest-xdist the workers' reports reach the controller, which alone lists and judges them.
"""

from __future__ import annotations

import fnmatch
import os

import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
import expected_skips  # pylint: disable=import-error

FAIL_VARIABLE = 'VPSORG_FAIL_ON_UNEXPECTED_SKIP'
TITLE = 'skipped tests'


def skip_reason(report):
    """The reason a skipped report gives, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3 else str(longrepr)
    return reason[len('Skipped: '):] if reason.startswith('Skipped: ') else reason


def allowed_by(nodeid, reason, allowed=None):
    """The entry of the allow-list (``expected_skips.EXPECTED_SKIPS`` unless ``allowed``) that expects this skip,
    or None: its nodeid pattern (fnmatch) matches the test and its reason is part of the skip's reason."""
    for entry in expected_skips.EXPECTED_SKIPS if allowed is None else allowed:
        if fnmatch.fnmatchcase(nodeid, entry.nodeid) and entry.reason in reason:
            return entry
    return None


def failing_on_unexpected():
    return os.environ.get(FAIL_VARIABLE) == '1'


class SkipReport:
    """Collects the skips of the run (on the controller) and lists and judges them at its end."""

    def __init__(self):
        self.skips = {}  # nodeid -> (reason, allow-list entry or None)

    def _record(self, report):
        if report.skipped and not hasattr(report, 'wasxfail') and report.nodeid not in self.skips:
            reason = skip_reason(report)
            self.skips[report.nodeid] = (reason, allowed_by(report.nodeid, reason))

    def pytest_runtest_logreport(self, report):
        self._record(report)

    def pytest_collectreport(self, report):
        self._record(report)

    def unexpected(self):
        return sorted(nodeid for nodeid, (_reason, entry) in self.skips.items() if entry is None)

    def pytest_sessionfinish(self, session):
        if failing_on_unexpected() and self.unexpected() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        unexpected = self.unexpected()
        terminalreporter.write_sep('=', '%s: %d (%d unexpected)' % (TITLE, len(self.skips), len(unexpected)),
                                   red=bool(unexpected), yellow=bool(self.skips and not unexpected))
        for nodeid in sorted(self.skips):
            reason, entry = self.skips[nodeid]
            if entry is None:
                terminalreporter.write_line('UNEXPECTED %s: %s' % (nodeid, reason), red=True)
            else:
                terminalreporter.write_line('expected   %s: %s (%s)' % (nodeid, reason, entry.why))
        if unexpected and failing_on_unexpected():
            terminalreporter.write_line(
                'ERROR: %d unexpected skip(s) fail this run (%s=1). Make the test run here, or, when skipping is right '
                'on some machines, add it to tests/expected_skips.py with why.' % (len(unexpected), FAIL_VARIABLE), red=True, bold=True)
        elif unexpected:
            terminalreporter.write_line('(with %s=1, as in CI, an unexpected skip fails the run)' % FAIL_VARIABLE)


def pytest_configure(config):
    # The controller only (or a run without xdist): a worker's reports reach the controller.
    if not hasattr(config, 'workerinput'):
        config.pluginmanager.register(SkipReport(), 'vpsorg-skip-report')
