#!/usr/bin/env python
"""The core matrix: sanity, unit and integration tests on every ansible-core the collection supports.

    python scripts/matrix.py                       # every core, every stage (make matrix)
    python scripts/matrix.py --cores 2.16,2.21 --stages units
    python scripts/matrix.py --require-all          # a core that cannot be tested fails the run (CI)

Each core gets a virtual environment of its own under .cache/matrix/, installed from
requirements/core-<core>.txt on the first Python of its list that this machine has (on PATH as
python3.X, or installed through pyenv); it is reinstalled only when that file or the Python changes.
The stages of a core run one after the other, and the cores one after the other: ansible-test and the
integration targets share the collection's tests/output/ and integration config.

Standard library only. At the end it prints a table: each core, the Python it ran on, and each
stage's result and time, or why the core was not tested. Exit status 1 when a stage failed, or with
--require-all when a core could not be tested.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_DIR = os.path.join(REPO_ROOT, ".cache", "matrix")
# Each core and the controller Pythons it supports, the one to prefer first.
CORES = (
    ("2.16", ("3.11", "3.12", "3.10")),
    ("2.17", ("3.11", "3.12", "3.10")),
    ("2.18", ("3.11", "3.12", "3.13")),
    ("2.19", ("3.11", "3.12", "3.13")),
    ("2.20", ("3.12", "3.13", "3.14")),
    ("2.21", ("3.13", "3.12", "3.14")),
)
STAGES = ("sanity", "units", "integration")
INTEGRATION_TESTS = ("tests/integration/test_integration_targets.py", "tests/integration/test_inventory_plugin.py")


def log(text):
    print("==> %s" % text, flush=True)


def python_version(executable):
    try:
        completed = subprocess.run([executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                   capture_output=True, text=True, check=False, timeout=60)
    except OSError:
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


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
    """(path, version) of the first Python of ``versions`` found here, or (None, why not)."""
    for version in versions:
        for candidate in [shutil.which("python" + version)] + pyenv_pythons(version):
            if candidate and python_version(candidate) == version:
                return candidate, version
    return None, "no Python %s found (on PATH as python3.X, or through pyenv)" % " or ".join(versions)


def ensure_venv(core, python):
    """The bin folder of the core's venv, (re)installed from requirements/core-<core>.txt when needed."""
    requirements = os.path.join(REPO_ROOT, "requirements", "core-%s.txt" % core)
    with open(requirements, "rb") as stream:
        stamp = hashlib.sha256(stream.read() + python.encode()).hexdigest()
    venv = os.path.join(CACHE_DIR, "core-%s" % core)
    stamp_file = os.path.join(venv, ".requirements.sha256")
    bin_dir = os.path.join(venv, "bin")
    if os.path.exists(stamp_file):
        with open(stamp_file, encoding="utf-8") as stream:
            if stream.read().strip() == stamp:
                return bin_dir
    log("ansible-core %s: creating %s on %s" % (core, os.path.relpath(venv, REPO_ROOT), python))
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", requirements], check=True)
    with open(stamp_file, "w", encoding="utf-8") as stream:
        stream.write(stamp)
    return bin_dir


def stage_commands(stage, python, version):
    layout = [python, os.path.join(REPO_ROOT, "scripts", "collection_layout.py")]
    if stage == "sanity":
        return [[python, os.path.join(REPO_ROOT, "scripts", "seed_ansible_test_pip.py")],
                layout + ["ansible-test", "sanity", "--local", "--python", version, "--color", "no"]]
    if stage == "units":
        return [[python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"]]
    return [[python, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + list(INTEGRATION_TESTS)]


def core_env(bin_dir):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "VPS_"))}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = os.path.dirname(bin_dir)
    return env


def run_core(core, versions, stages):
    """{"python": ..., "stages": {stage: (ok, seconds)}} or {"skipped": why}."""
    python, found = find_python(versions)
    if python is None:
        return {"skipped": found}
    bin_dir = ensure_venv(core, python)
    result = {"python": found, "stages": {}}
    for stage in stages:
        log("ansible-core %s on Python %s: %s" % (core, found, stage))
        started = time.monotonic()
        ok = all(subprocess.run(command, cwd=REPO_ROOT, env=core_env(bin_dir), check=False).returncode == 0
                 for command in stage_commands(stage, os.path.join(bin_dir, "python"), found))
        result["stages"][stage] = (ok, time.monotonic() - started)
    return result


def table(results, stages):
    lines = ["| ansible-core | Python | %s |" % " | ".join(stages), "|---|---|%s|" % "|".join("---" for _stage in stages)]
    for core, result in results:
        if "skipped" in result:
            lines.append("| %s | not tested: %s | %s |" % (core, result["skipped"], " | ".join("-" for _stage in stages)))
            continue
        cells = ["%s (%.0f s)" % ("passed" if ok else "FAILED", seconds) for ok, seconds in (result["stages"][stage] for stage in stages)]
        lines.append("| %s | %s | %s |" % (core, result["python"], " | ".join(cells)))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--cores", default=",".join(core for core, _versions in CORES), help="comma-separated cores (default: all)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages: %s (default: all)" % ", ".join(STAGES))
    parser.add_argument("--require-all", action="store_true", help="fail when a core cannot be tested here")
    args = parser.parse_args(argv)
    known = dict(CORES)
    cores = [core.strip() for core in args.cores.split(",") if core.strip()]
    stages = [stage.strip() for stage in args.stages.split(",") if stage.strip()]
    unknown = [core for core in cores if core not in known] + [stage for stage in stages if stage not in STAGES]
    if unknown:
        parser.error("unknown core(s) or stage(s): %s" % ", ".join(unknown))
    results = [(core, run_core(core, known[core], stages)) for core in cores]
    print()
    print("Core matrix (%s):" % time.strftime("%Y-%m-%d"))
    print(table(results, stages))
    failed = [core for core, result in results if any(not ok for ok, _seconds in result.get("stages", {}).values())]
    skipped = [core for core, result in results if "skipped" in result]
    if failed:
        print("FAILED on ansible-core %s" % ", ".join(failed))
    if skipped:
        print("%s ansible-core %s: %s" % ("ERROR: not tested:" if args.require_all else "Not tested:", ", ".join(skipped),
                                          "; ".join(dict(results)[core]["skipped"] for core in skipped)))
    return 1 if failed or (skipped and args.require_all) else 0


if __name__ == "__main__":
    sys.exit(main())
