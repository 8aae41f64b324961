"""What every test of the repository gets: the deprecation gate, the support plugins, pytester.

Every test fails when its captured output holds a deprecation warning that points at this collection.

The integration tests print what ansible-playbook, ansible-inventory and ansible-test said, so a
deprecation raised by the collection on the ansible-core under test (for example an inventory host
variable whose name is not a valid identifier, deprecated in 2.19) fails the test that caused it, on
every core the matrix runs. What counts as pointing at the collection: scripts/deprecations.py. The children
that tests start show deprecation warnings through support.environment.ansible_env.

The plugins of tests/support (on sys.path through pytest.ini): support.simulator (the ``simulator`` and ``sim``
fixtures) and support.skips (every skip listed at the end; with VPSORG_FAIL_ON_UNEXPECTED_SKIP=1 an unexpected
one fails the run). pytester runs pytest on files a test writes (the tests of support.skips).
"""

from __future__ import annotations

import pytest

# On sys.path through the pythonpath setting of pytest.ini.
import deprecations  # pylint: disable=import-error

pytest_plugins = ('support.simulator', 'support.skips', 'pytester')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.passed:
        return
    captured = "\n".join(content for name, content in report.sections if name.startswith("Captured"))
    found = deprecations.find(captured)
    if found:
        report.outcome = "failed"
        report.longrepr = deprecations.report(found, item.nodeid)
