"""The skip report of tests/support/skips.py: every skip listed with its reason at the end of the run, and with
VPSORG_FAIL_ON_UNEXPECTED_SKIP=1 a skip that tests/expected_skips.py does not allow fails the run.

Each test runs pytest on files it writes (pytester), with the plugin and the real allow-list.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

# tests/ is on sys.path through the pythonpath setting of pytest.ini.
from support import skips  # pylint: disable=import-error

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIPPING = """
import pytest


def test_runs():
    pass


def test_skips_for_an_unlisted_reason():
    pytest.skip("no such service here")


@pytest.mark.skipif(True, reason="marked off")
def test_marked():
    pass


@pytest.mark.xfail(reason="a known bug", strict=True)
def test_known_bug():
    assert False
"""
# The allow-list's entry for tests/unit/scripts/test_collection_deps.py, and the same skip elsewhere or for another reason.
ALLOWED_REASON = "not a venv that scripts/common.sh prepared"
COLLECTION_DEPS = """
import pytest


def test_the_venv_sees_the_dependencies():
    pytest.skip("%s")


def test_another_test_of_the_file():
    pytest.skip("%s")
""" % (ALLOWED_REASON, ALLOWED_REASON)
# pytest-xdist is in .venv (the test command runs on two workers), not in the core matrix's venvs.
RUNNERS = ["in-process"] + (["two-xdist-workers"] if importlib.util.find_spec("xdist") else [])


@pytest.fixture(name="project")
def project_fixture(pytester, monkeypatch):
    """A pytest project of its own: its rootdir (so node ids are relative to it), no CI variable yet."""
    pytester.makeini("[pytest]\n")
    monkeypatch.delenv(skips.FAIL_VARIABLE, raising=False)
    # A pytest started as a process (xdist's workers too) finds the plugin and the allow-list through PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", TESTS_DIR)
    return pytester


def run(project, runner="in-process"):
    if runner == "in-process":
        return project.runpytest("-p", "support.skips")
    if runner == "process":
        return project.runpytest_subprocess("-p", "support.skips")
    return project.runpytest_subprocess("-p", "support.skips", "-p", "xdist", "-n", "2")


def skip_block(result):
    """The lines of the skip report (from its title to the end of the output)."""
    lines = result.outlines
    start = next(index for index, line in enumerate(lines) if " %s: " % skips.TITLE in line)
    return lines[start:]


def test_every_skip_is_listed_with_its_reason_and_an_xfail_is_not(project):
    project.makepyfile(test_things=SKIPPING)
    result = run(project)
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
    block = skip_block(result)
    assert "skipped tests: 2 (2 unexpected)" in block[0]
    listed = [line for line in block if line.startswith(("UNEXPECTED", "expected"))]
    assert listed == ["UNEXPECTED test_things.py::test_marked: marked off",
                      "UNEXPECTED test_things.py::test_skips_for_an_unlisted_reason: no such service here"]
    assert any("with VPSORG_FAIL_ON_UNEXPECTED_SKIP=1, as in CI, an unexpected skip fails the run" in line for line in block)


@pytest.mark.parametrize("runner", RUNNERS)
def test_in_ci_an_unexpected_skip_fails_the_run_though_every_test_passed(project, runner, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.makepyfile(test_things=SKIPPING)
    result = run(project, runner)
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # Under xdist too the controller lists each skip once.
    assert [line for line in skip_block(result) if line.startswith(("UNEXPECTED", "expected"))] == [
        "UNEXPECTED test_things.py::test_marked: marked off",
        "UNEXPECTED test_things.py::test_skips_for_an_unlisted_reason: no such service here"]
    result.stdout.fnmatch_lines(["ERROR: 2 unexpected skip(s) fail this run (VPSORG_FAIL_ON_UNEXPECTED_SKIP=1)*"])


def test_in_ci_a_skip_the_allow_list_expects_passes_and_is_listed_with_why(project, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.mkdir("tests")
    (project.mkdir("tests/unit") / "scripts").mkdir()
    (project.path / "tests" / "unit" / "scripts" / "test_collection_deps.py").write_text(
        COLLECTION_DEPS.replace("def test_another_test_of_the_file():\n    pytest.skip", "def test_another_test_of_the_file():\n    pass  #"))
    result = run(project, "process")  # in this process the real test_collection_deps module may be imported already
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.OK
    block = skip_block(result)
    assert "skipped tests: 1 (0 unexpected)" in block[0]
    (entry,) = [entry for entry in skips.expected_skips.EXPECTED_SKIPS if entry.reason == ALLOWED_REASON]
    assert "expected   tests/unit/scripts/test_collection_deps.py::test_the_venv_sees_the_dependencies: %s (%s)" % (
        ALLOWED_REASON, entry.why) in block
    assert not [line for line in block if "ERROR" in line]


def test_the_allow_list_expects_a_skip_only_of_its_test_and_for_its_reason(project, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.mkdir("tests")
    (project.mkdir("tests/unit") / "scripts").mkdir()
    (project.path / "tests" / "unit" / "scripts" / "test_collection_deps.py").write_text(
        COLLECTION_DEPS.replace('pytest.skip("%s")\n\n\ndef test_another' % ALLOWED_REASON, 'pytest.skip("no network")\n\n\ndef test_another'))
    result = run(project, "process")  # in this process the real test_collection_deps module may be imported already
    result.assert_outcomes(skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    listed = [line for line in skip_block(result) if line.startswith(("UNEXPECTED", "expected"))]
    assert listed == [
        "UNEXPECTED tests/unit/scripts/test_collection_deps.py::test_another_test_of_the_file: %s" % ALLOWED_REASON,
        "UNEXPECTED tests/unit/scripts/test_collection_deps.py::test_the_venv_sees_the_dependencies: no network"]


def test_a_skipped_module_is_listed_and_fails_the_run_in_ci(project, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.makepyfile(test_optional='import pytest\n\npytest.skip("optional library missing", allow_module_level=True)\n',
                       test_plain="def test_runs():\n    pass\n")
    result = run(project)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "UNEXPECTED test_optional.py: optional library missing" in skip_block(result)


def test_a_run_without_skips_says_so_and_passes_in_ci(project, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.makepyfile(test_plain="def test_runs():\n    pass\n")
    result = run(project)
    assert result.ret == pytest.ExitCode.OK
    assert "skipped tests: 0 (0 unexpected)" in skip_block(result)[0]


def test_a_failing_run_keeps_its_own_exit_status(project, monkeypatch):
    monkeypatch.setenv(skips.FAIL_VARIABLE, "1")
    project.makepyfile(test_things=SKIPPING + "\n\ndef test_fails():\n    assert False\n")
    result = run(project)
    result.assert_outcomes(passed=1, failed=1, skipped=2, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize("nodeid, reason, expected", [
    ("tests/unit/plugins/inventory/test_vps.py::test_older_cores_wrap_only_strings_that_could_be_templates",
     "ansible-core 2.19+ marks inventory data untrusted by itself", True),
    ("tests/unit/plugins/inventory/test_vps.py::test_older_cores_wrap_only_strings_that_could_be_templates", "no inventory", False),
    ("tests/unit/plugins/inventory/test_vps.py::test_verify_file", "ansible-core 2.19+ marks inventory data untrusted by itself", False),
    # The AWX test's 2.16 case may be skipped on a developer's machine, never in CI: it is not allowed.
    ("tests/integration/test_awx_credential_type.py::test_inventory_update_and_job_through_runner[core-2.16]",
     "no ansible-core 2.16 venv in the core matrix cache", False),
])
def test_the_allow_list_of_the_repository(nodeid, reason, expected):
    assert (skips.allowed_by(nodeid, reason) is not None) is expected


def test_every_entry_of_the_allow_list_says_why_and_names_a_test_that_exists():
    for entry in skips.expected_skips.EXPECTED_SKIPS:
        assert len(entry.why) > 40, entry
        path, name = entry.nodeid.split("::")
        with open(os.path.join(os.path.dirname(TESTS_DIR), path), encoding="utf-8") as handle:
            source = handle.read()
        assert "def %s(" % name in source and entry.reason in source, entry
