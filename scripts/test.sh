#!/usr/bin/env bash
# The test command (`make test`). Needs only bash and Python 3.11 with pip.
#
# Usage: scripts/test.sh [lint|docs|changelog|sanity|molecule|galaxy|packaging|pytest|units|integration]...
#        (no argument: lint docs changelog sanity molecule galaxy packaging pytest)
#
# Stages, in this order; the first that fails stops the run with a non-zero exit:
#   1. lint    ansible-lint, production profile, offline (.ansible-lint)
#   2. docs    antsibull-docs lint-collection-docs --plugin-docs (plugin docs and the guides of
#              docs/docsite/), then the docs site built offline with Sphinx -W into build/docs/
#              (scripts/docs.sh, as `make docs`)
#   3. changelog  antsibull-changelog lint of changelogs/, and CHANGELOG.rst matches
#              changelogs/changelog.yaml (scripts/changelog.sh lint)
#   4. sanity  ansible-test sanity --local --python 3.11, run from the collection layout; no
#              tests/sanity/ignore-*.txt entries are allowed
#   5. molecule  molecule test --all (extensions/molecule/: the fleet role against a local simulator)
#   6. galaxy  galaxy-importer on the tarball `ansible-galaxy collection build` makes; fails on
#              any ERROR or WARNING it logs (scripts/galaxy_importer.sh, scripts/galaxy-importer.cfg)
#   7. packaging  pytest on tests/packaging: `ansible-builder create` of an execution environment
#              holding the tarball, and a playbook run through ansible-runner against a simulator
#   8. pytest  one run over the testpaths of pytest.ini, in order: tests/unit, then
#              tests/simulator/tests, tests/integration (the integration targets), tests/reliability
#              and tests/benchmarks (a smoke run of benchmarks/run.py). Its closing summary is the
#              last line of the output.
# `units` and `integration` run only their part of stage 8, without pytest-xdist.
# Stage 8 runs on two pytest-xdist workers with --dist loadfile: each test file stays on one
# worker, which keeps the integration targets (they share integration_config.yml) sequential.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

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
    python "$REPO_ROOT/scripts/seed_ansible_test_pip.py"
    python "$REPO_ROOT/scripts/collection_layout.py" ansible-test sanity --local --python 3.11 --color no
}

stage_molecule() {
    say "molecule test --all"
    (cd "$REPO_ROOT" && molecule test --all)
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
    run_pytest -n 2 --dist loadfile
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
    local stage
    ensure_venv
    ensure_layout
    [ "$#" -gt 0 ] || set -- lint docs changelog sanity molecule galaxy packaging pytest
    for stage in "$@"; do
        case "$stage" in
            lint | docs | changelog | sanity | molecule | galaxy | packaging | pytest | units | integration) "stage_$stage" ;;
            *) die "unknown stage '$stage' (choose from lint, docs, changelog, sanity, molecule, galaxy, packaging, pytest, units, integration)" ;;
        esac
    done
}

main "$@"
