#!/usr/bin/env python
"""The core matrix: sanity, unit and integration tests on every ansible-core the collection supports.

    python scripts/matrix.py                       # every core, every stage (make matrix)
    python scripts/matrix.py --cores 2.16,2.21 --stages units
    python scripts/matrix.py --require-all          # a core that cannot be tested fails the run (CI)
    python scripts/matrix.py --skip-default-core --jobs 2   # what the test command runs beside its own stages

Each core gets a virtual environment of its own, installed from requirements/core-<core>.txt on the first
Python of its list that this machine has (on PATH as python3.X, or installed through pyenv). The venvs
live outside the working tree, in $VPSORG_MATRIX_CACHE or ~/.cache/vpsorg-cloud/matrix/, so a fresh clone
reuses them; one is reinstalled only when its requirements file or Python changes.

Each core runs in a copy of the working tree of its own (the files git would show, in a temporary
folder), so cores run side by side (--jobs) and beside the test command's own stages: ansible-test and
the integration targets write into the tree (tests/output/, the integration config). The copy's
collection layout links the collections galaxy.yml depends on from the cache outside the tree
(scripts/collection_deps.py), so no core downloads them again. The stages of a core
run one after the other; each one's output goes to tests/output/matrix/core-<core>-<stage>.log and is
printed when the stage fails. Every stage runs with deprecation warnings shown (Ansible's and Python's),
and fails when one points at the collection (scripts/deprecations.py; the pytest stages also fail the
test that raised it, tests/conftest.py).

Standard library only. At the end it prints a table: each core, the Python it ran on, and each stage's
result and time, or why the core was not tested. Exit status 1 when a stage failed, or with
--require-all when a core could not be tested.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import deprecations
import project_cache

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_DIR = os.environ.get("VPSORG_MATRIX_CACHE") or os.path.join(project_cache.root(), "matrix")
LOG_DIR = os.path.join(REPO_ROOT, "tests", "output", "matrix")
# Each core and the controller Pythons it supports, the one to prefer first.
CORES = (
    ("2.16", ("3.11", "3.12", "3.10")),
    ("2.17", ("3.11", "3.12", "3.10")),
    ("2.18", ("3.11", "3.12", "3.13")),
    ("2.19", ("3.11", "3.12", "3.13")),
    ("2.20", ("3.12", "3.13", "3.14")),
    ("2.21", ("3.13", "3.12", "3.14")),
    ("2.22", ("3.13", "3.14")),
)
STAGES = ("sanity", "units", "integration")
INTEGRATION_TESTS = ("tests/integration/test_integration_targets.py", "tests/integration/test_inventory_plugin.py",
                     "tests/integration/test_inventory_filters_detail.py", "tests/integration/test_event_source_polling.py",
                     "tests/integration/test_tls_setup_playbooks.py", "tests/integration/test_in_process_differential.py")
# Shown in every stage: Ansible's deprecation warnings, and Python's from any code (only the collection's count).
SHOW_DEPRECATIONS = {"ANSIBLE_DEPRECATION_WARNINGS": "true",
                     "PYTHONWARNINGS": "default::DeprecationWarning,default::PendingDeprecationWarning"}
# Left out of a core's copy of the tree when the tree is not a git checkout (git ignores them anyway).
NOT_COPIED = {".git", ".venv", ".cache", "build", "dist", "tests/output", "tests/integration/integration_config.yml",
              "tests/integration/inventory"}
NOT_COPIED_ANYWHERE = {"__pycache__", ".pytest_cache", ".hypothesis"}
PRINT_LOCK = threading.Lock()


def log(text):
    with PRINT_LOCK:
        print("==> %s" % text, flush=True)


def base_interpreter():
    """The base interpreter of the Python running this: the same for a venv's python, a pyenv shim and the real
    file (python_version() asks another Python the same question)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def python_version(executable):
    """(version, base interpreter) of ``executable``, e.g. ("3.12", "/root/.pyenv/versions/3.12.1/bin/python3.12"),
    or None. The base interpreter is the same for a venv's python, a pyenv shim and the real file, so each core's
    venv is made from it and keyed by it whichever of them was found first."""
    script = ("import os, sys; print('%d.%d' % sys.version_info[:2]); "
              "print(os.path.realpath(getattr(sys, '_base_executable', None) or sys.executable))")
    try:
        completed = subprocess.run([executable, "-c", script], capture_output=True, text=True, check=False, timeout=60)
    except OSError:
        return None
    lines = completed.stdout.split()
    return (lines[0], lines[1]) if completed.returncode == 0 and len(lines) == 2 else None


def pyenv_pythons(version):
    """Interpreters of ``version`` (e.g. 3.12) that pyenv has installed."""
    if not shutil.which("pyenv"):
        return []
    listed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False)
    found = []
    for name in listed.stdout.split():
        if name == version or name.startswith(version + "."):
            prefix = subprocess.run(["pyenv", "prefix", name], capture_output=True, text=True, check=False).stdout.strip()
            if prefix:
                found.append(os.path.join(prefix, "bin", "python" + version))
    return found


def find_python(versions):
    """(base interpreter, version) of the first Python of ``versions`` found here, or (None, why not)."""
    for version in versions:
        for candidate in [shutil.which("python" + version)] + pyenv_pythons(version):
            found = python_version(candidate) if candidate else None
            if found and found[0] == version:
                return found[1], version
    return None, "no Python %s found (on PATH as python3.X, or through pyenv)" % " or ".join(versions)


def ensure_venv(core, python):
    """The bin folder of the core's venv, installed from requirements/core-<core>.txt unless already there.

    The folder's name carries a digest of that file and the Python, so clones with other pins keep venvs
    of their own; a venv counts only once its install finished (the .ready file). Safe to call from several
    processes at once (the test command's AWX test asks for 2.16's while the matrix may be making it)."""
    requirements = os.path.join(REPO_ROOT, "requirements", "core-%s.txt" % core)
    with open(requirements, "rb") as stream:
        digest = hashlib.sha256(stream.read() + python.encode()).hexdigest()[:16]
    venv = os.path.join(CACHE_DIR, "core-%s-%s" % (core, digest))
    bin_dir = os.path.join(venv, "bin")
    ready = os.path.join(venv, ".ready")
    with project_cache.locked(CACHE_DIR, ".lock-" + os.path.basename(venv)):
        if os.path.exists(ready):
            return bin_dir
        log("ansible-core %s: creating %s on %s" % (core, venv, python))
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", requirements], check=True)
        with open(ready, "w", encoding="utf-8") as stream:
            stream.write(requirements + "\n")
    return bin_dir


def default_core():
    """The ansible-core version of the test command's own venv (.venv), pinned in requirements/dev.txt: e.g. "2.19.14"."""
    with open(os.path.join(REPO_ROOT, "requirements", "dev.txt"), encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("ansible-core=="):
                return line.split("==", 1)[1].strip()
    return None


def copy_tree(destination):
    """Copy the working tree into ``destination``: the files git would show ansible-test, or (no git
    checkout) everything but NOT_COPIED. A fresh git repository there lets ansible-test list them the same way."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=False) if shutil.which("git") else None
    if listed is not None and listed.returncode == 0:
        for path in filter(None, listed.stdout.decode().split("\0")):
            source = os.path.join(REPO_ROOT, path)
            if os.path.lexists(source):  # deleted but not yet staged
                os.makedirs(os.path.dirname(os.path.join(destination, path)), exist_ok=True)
                shutil.copy2(source, os.path.join(destination, path), follow_symlinks=False)
    else:
        def ignored(folder, names):
            relative = os.path.relpath(folder, REPO_ROOT)
            return [name for name in names if name in NOT_COPIED_ANYWHERE
                    or os.path.normpath(os.path.join(relative, name)) in NOT_COPIED]
        shutil.copytree(REPO_ROOT, destination, symlinks=True, ignore=ignored, dirs_exist_ok=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", destination], check=True)


def stage_command(stage, python, version):
    if stage == "sanity":
        return [python, os.path.join("scripts", "ansible_test_home.py"), "sanity", "--local", "--python", version, "--color", "no"]
    if stage == "units":
        return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"]
    return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + list(INTEGRATION_TESTS)


def core_env(bin_dir):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "VPS_", "PYTEST_"))}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = os.path.dirname(bin_dir)
    env.update(SHOW_DEPRECATIONS)
    return env


def prepare_core(core, versions):
    """{"python": version, "bin": venv bin folder, "version": ansible-core version} or {"skipped": why}."""
    python, found = find_python(versions)
    if python is None:
        return {"skipped": found}
    bin_dir = ensure_venv(core, python)
    version = subprocess.run([os.path.join(bin_dir, "python"), "-c", "from ansible.release import __version__; print(__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return {"python": found, "bin": bin_dir, "version": version}


def run_stage(core, stage, prepared, workdir):
    """(passed, seconds) of one stage in ``workdir``; its output goes to LOG_DIR and is printed on failure."""
    log_path = os.path.join(LOG_DIR, "core-%s-%s.log" % (core, stage))
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as stream:
        command = stage_command(stage, os.path.join(prepared["bin"], "python"), prepared["python"])
        passed = subprocess.run(command, cwd=workdir, env=core_env(prepared["bin"]), stdout=stream, stderr=subprocess.STDOUT,
                                check=False).returncode == 0
    seconds = time.monotonic() - started
    with open(log_path, encoding="utf-8", errors="replace") as stream:
        output = stream.read()
    found = deprecations.find(output)
    if found:
        passed = False
        output += "\nERROR: " + deprecations.report(found, "this stage")
    with PRINT_LOCK:
        print("==> ansible-core %s on Python %s: %s %s (%.0f s)" % (
            core, prepared["python"], stage, "passed" if passed else "FAILED", seconds), flush=True)
        if not passed:
            lines = output.splitlines()
            print("---- last %d lines of %s ----" % (min(len(lines), 150), os.path.relpath(log_path, REPO_ROOT)))
            print("\n".join(lines[-150:]))
            print("---- end of %s ----" % os.path.relpath(log_path, REPO_ROOT), flush=True)
    return passed, seconds


def run_core(core, stages):
    """{"python": ..., "stages": {stage: (passed, seconds)}}, or {"skipped": why}; the core's venv is made first
    (so a core starts its stages while the next one installs), the stages run in a copy of the tree of its own."""
    prepared = prepare_core(core, dict(CORES)[core])
    if "skipped" in prepared:
        return prepared
    result = {"python": prepared["python"], "version": prepared["version"], "stages": {}}
    workdir = tempfile.mkdtemp(prefix="vpsorg-matrix-%s-" % core)
    try:
        copy_tree(workdir)
        for stage in stages:
            log("ansible-core %s on Python %s: %s" % (core, prepared["python"], stage))
            result["stages"][stage] = run_stage(core, stage, prepared, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def table(results, stages, default=None):
    lines = ["| ansible-core | Python | %s |" % " | ".join(stages), "|---|---|%s|" % "|".join("---" for _stage in stages)]
    for core, result in results:
        if "skipped" in result:
            lines.append("| %s | not tested: %s | %s |" % (core, result["skipped"], " | ".join("-" for _stage in stages)))
            continue
        cells = ["%s (%.0f s)" % ("passed" if ok else "FAILED", seconds) for ok, seconds in (result["stages"][stage] for stage in stages)]
        lines.append("| %s | %s | %s |" % (result["version"], result["python"], " | ".join(cells)))
    if default:
        own_stages = ["the test command's own %s stage" % ("sanity" if stage == "sanity" else "pytest") for stage in stages]
        lines.append("| %s | %d.%d | %s |" % (default, sys.version_info[0], sys.version_info[1], " | ".join(own_stages)))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--cores", default=",".join(core for core, _versions in CORES), help="comma-separated cores (default: all)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages: %s (default: all)" % ", ".join(STAGES))
    parser.add_argument("--require-all", action="store_true", help="fail when a core cannot be tested here")
    parser.add_argument("--jobs", type=int, default=1, help="cores tested at the same time (default 1)")
    parser.add_argument("--skip-default-core", action="store_true",
                        help="leave out the core of .venv (requirements/dev.txt): the test command tests it in its own stages")
    args = parser.parse_args(argv)
    known = dict(CORES)
    cores = [core.strip() for core in args.cores.split(",") if core.strip()]
    stages = [stage.strip() for stage in args.stages.split(",") if stage.strip()]
    unknown = [core for core in cores if core not in known] + [stage for stage in stages if stage not in STAGES]
    if unknown:
        parser.error("unknown core(s) or stage(s): %s" % ", ".join(unknown))
    default = default_core() if args.skip_default_core else None
    if default:
        cores = [core for core in cores if core != ".".join(default.split(".")[:2])]
    os.makedirs(LOG_DIR, exist_ok=True)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {core: pool.submit(run_core, core, stages) for core in cores}
    results = [(core, futures[core].result()) for core in cores]
    print()
    print("Core matrix (%s, %.1f minutes):" % (time.strftime("%Y-%m-%d"), (time.monotonic() - started) / 60))
    print(table(results, stages, default))
    failed = [core for core, result in results if any(not ok for ok, _seconds in result.get("stages", {}).values())]
    skipped = [core for core, result in results if "skipped" in result]
    if failed:
        print("FAILED on ansible-core %s (logs in %s)" % (", ".join(failed), os.path.relpath(LOG_DIR, REPO_ROOT)))
    if skipped:
        print("%s ansible-core %s: %s" % ("ERROR: not tested:" if args.require_all else "Not tested:", ", ".join(skipped),
                                          "; ".join(dict(results)[core]["skipped"] for core in skipped)))
    return 1 if failed or (skipped and args.require_all) else 0


if __name__ == "__main__":
    sys.exit(main())
