#!/usr/bin/env bash
# The test command (`make test`). Needs only bash and Python 3.11 with pip.
#
# Usage: scripts/test.sh [lint|docs|changelog|sanity|molecule|galaxy|packaging|live|pytest|units|integration|matrix]...
#        (no argument: lint docs changelog sanity molecule galaxy packaging live pytest, with the core matrix beside them)
#
# With no argument the core matrix (scripts/matrix.py --skip-default-core) starts first, in the
# background, on the base Python 3.11 (it needs only the standard library): sanity, unit and integration
# tests on every other supported ansible-core (2.16-2.18, 2.20-2.22), each in a venv of its own and a copy
# of the tree of its own, two cores at a time; its progress goes to tests/output/matrix.log. The stages
# below test the default core (2.19, .venv). After the last one the matrix is waited for and its table
# printed, the base interpreters are checked (scripts/base_pythons.py: the packages of every Python the
# run did not create, recorded before it, must be unchanged), and pytest's closing line is repeated as
# the last line.
# A core that cannot be tested on this machine (no Python it supports) is listed as not tested, and why;
# with VPSORG_REQUIRE_ALL_CORES=1 (as .ci/run sets it) that fails the run.
#
# Stages, in this order; the first that fails stops the run (and the matrix) with a non-zero exit:
#   1. lint    ansible-lint, production profile, offline (.ansible-lint)
#   2. docs    antsibull-docs lint-collection-docs --plugin-docs (plugin docs and the guides of
#              docs/docsite/), then the docs site built offline with Sphinx -W into build/docs/
#              (scripts/docs.sh, as `make docs`)
#   3. changelog  antsibull-changelog lint of changelogs/, and CHANGELOG.rst matches
#              changelogs/changelog.yaml (scripts/changelog.sh lint)
#   4. sanity  ansible-test sanity --local --python 3.11, run from the collection layout with state of its
#              own (scripts/ansible_test_home.py); no tests/sanity/ignore-*.txt entries are allowed
#   5. molecule  molecule test --all (extensions/molecule/: the fleet role against a local simulator)
#   6. galaxy  galaxy-importer on the tarball `ansible-galaxy collection build` makes; fails on
#              any ERROR or WARNING it logs (scripts/galaxy_importer.sh, scripts/galaxy-importer.cfg)
#   7. packaging  pytest on tests/packaging: `ansible-builder create` of an execution environment
#              holding the tarball, and a playbook run through ansible-runner against a simulator
#   8. live    the live smoke against a real VPS.org account (tests/live/run_live_smoke.py) when VPS_LIVE=1
#              with VPS_API_URL and VPS_API_TOKEN; otherwise one line saying it was skipped. Stage 9 proves
#              the mode against the simulator (tests/integration/test_live_smoke.py).
#   9. pytest  one run over the testpaths of pytest.ini, in order: tests/unit, then
#              tests/simulator/tests, tests/integration (the integration targets), tests/reliability
#              and tests/benchmarks (a smoke run of benchmarks/run.py). Its closing summary is the
#              last line of the output.
# `units` and `integration` run only their part of stage 9, without pytest-xdist; `matrix` runs the core
# matrix on all seven cores in the foreground (as `make matrix`).
# Deprecation warnings are shown in sanity, molecule and pytest (Ansible's and Python's), and those that
# point at the collection fail the stage (scripts/deprecations.py, tests/conftest.py).
# Stage 9 runs on two pytest-xdist workers with --dist loadfile: each test file stays on one
# worker, which keeps the integration targets (they share integration_config.yml) sequential.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MATRIX_LOG="$REPO_ROOT/tests/output/matrix.log"
PYTEST_LOG="$REPO_ROOT/tests/output/pytest.log"
MATRIX_PID=""
BASE_PYTHONS="$REPO_ROOT/tests/output/base-pythons.json"

show_deprecations() {
    export ANSIBLE_DEPRECATION_WARNINGS=true
    export PYTHONWARNINGS=default::DeprecationWarning,default::PendingDeprecationWarning
}

# Pass the output through, then fail when it holds a deprecation warning that points at the collection.
check_deprecations() {
    python "$REPO_ROOT/scripts/deprecations.py" --tee
}

stage_lint() {
    say "ansible-lint (production profile, offline)"
    (cd "$REPO_ROOT" && ansible-lint)
}

stage_sanity() {
    local ignores
    say "ansible-test sanity --local --python 3.11"
    ignores="$(cd "$REPO_ROOT" && { grep -sHnv '^[[:space:]]*$' tests/sanity/ignore-*.txt || true; })"
    [ -z "$ignores" ] || die "tests/sanity/ignore-*.txt must stay empty; fix the code instead of ignoring:
$ignores"
    (show_deprecations && python "$REPO_ROOT/scripts/ansible_test_home.py" sanity --local --python 3.11 --color no 2>&1) | check_deprecations
}

stage_molecule() {
    say "molecule test --all"
    (cd "$REPO_ROOT" && show_deprecations && molecule test --all 2>&1) | check_deprecations
    # Molecule must use the working tree, never leave an installed copy that could shadow it later.
    [ ! -e "${ANSIBLE_HOME:-$HOME/.ansible}/collections/ansible_collections/vpsorg/cloud" ] \
        || die "molecule left a copy of vpsorg.cloud in ${ANSIBLE_HOME:-$HOME/.ansible}/collections"
}

stage_docs() {
    bash "$REPO_ROOT/scripts/docs.sh" lint html
}

stage_changelog() {
    bash "$REPO_ROOT/scripts/changelog.sh" lint
}

stage_galaxy() {
    bash "$REPO_ROOT/scripts/galaxy_importer.sh"
}

stage_packaging() {
    say "pytest: packaging tests (execution environment, ansible-runner)"
    run_pytest tests/packaging
}

# pytest exits 5 when it collected nothing; that is a broken test tree, never a pass.
run_pytest() {
    local rc=0
    (cd "$REPO_ROOT" && pytest "$@") || rc=$?
    [ "$rc" -ne 5 ] || die "pytest collected no tests (exit 5)"
    return "$rc"
}

stage_pytest() {
    say "pytest: unit, simulator, integration, reliability and benchmark-smoke tests"
    mkdir -p "$(dirname "$PYTEST_LOG")"
    (show_deprecations && run_pytest -n 2 --dist loadfile 2>&1) | tee "$PYTEST_LOG"
}

stage_live() {
    (cd "$REPO_ROOT" && python tests/live/run_live_smoke.py)
}

stage_matrix() {
    say "core matrix: every supported ansible-core (scripts/matrix.py)"
    python "$REPO_ROOT/scripts/matrix.py" --jobs 2 ${VPSORG_REQUIRE_ALL_CORES:+--require-all}
}

# The matrix runs in a process group of its own, so that stopping it stops its pytest and ansible-test too.
# It needs only the standard library, so it starts on the base Python before .venv is installed.
start_matrix_in_background() {
    mkdir -p "$(dirname "$MATRIX_LOG")"
    say "core matrix: ansible-core 2.16, 2.17, 2.18, 2.20, 2.21, 2.22 in the background (progress: tests/output/matrix.log)"
    setsid "$1" "$REPO_ROOT/scripts/matrix.py" --skip-default-core --jobs 2 ${VPSORG_REQUIRE_ALL_CORES:+--require-all} \
        >"$MATRIX_LOG" 2>&1 &
    MATRIX_PID=$!
    trap stop_matrix EXIT
}

stop_matrix() {
    [ -z "$MATRIX_PID" ] || kill -- "-$MATRIX_PID" 2>/dev/null || true
}

finish_matrix() {
    local rc=0
    say "core matrix: waiting for the other cores"
    wait "$MATRIX_PID" || rc=$?
    MATRIX_PID=""
    cat "$MATRIX_LOG"
    [ "$rc" -eq 0 ] || die "the core matrix failed (exit $rc); its table and the failing stages' output are above"
}

stage_units() {
    say "pytest: unit tests"
    run_pytest tests/unit
}

stage_integration() {
    say "pytest: simulator and integration tests"
    run_pytest tests/simulator/tests tests/integration
}

main() {
    local stage with_matrix="" base_python
    base_python="$(find_python311)"
    "$base_python" "$REPO_ROOT/scripts/base_pythons.py" record "$BASE_PYTHONS"
    if [ "$#" -eq 0 ]; then
        set -- lint docs changelog sanity molecule galaxy packaging live pytest
        with_matrix=yes
        start_matrix_in_background "$base_python"
    fi
    ensure_venv
    ensure_layout
    for stage in "$@"; do
        case "$stage" in
            lint | docs | changelog | sanity | molecule | galaxy | packaging | live | pytest | units | integration | matrix) "stage_$stage" ;;
            *) die "unknown stage '$stage' (choose from lint, docs, changelog, sanity, molecule, galaxy, packaging, live, pytest, units, integration, matrix)" ;;
        esac
    done
    [ -z "$with_matrix" ] || finish_matrix
    say "base interpreters: the packages of every Python this run did not create are as they were"
    python "$REPO_ROOT/scripts/base_pythons.py" check "$BASE_PYTHONS" || die "the run changed a base interpreter (above)"
    # The whole run ends the way pytest's run ends: with its closing line.
    [ -z "$with_matrix" ] || tail -n 1 "$PYTEST_LOG"
}

main "$@"
