# Thin wrappers: the logic lives in scripts/ (which also work without make:
# `bash scripts/test.sh`, `bash scripts/demo.sh`).

.PHONY: live matrix bench soak soak-concurrency help test demo venv lint sanity molecule units integration build clean docs changelog galaxy packaging

help:
	@echo "make test         lint, docs, changelog, sanity, molecule, galaxy-importer, packaging, then pytest"
	@echo "make demo         run demo/demo.yml against a local API simulator"
	@echo "make venv         create or update .venv from requirements/dev.txt"
	@echo "make lint         ansible-lint only"
	@echo "make sanity       ansible-test sanity only"
	@echo "make molecule     molecule scenarios of the fleet role only"
	@echo "make units        unit tests only"
	@echo "make integration  simulator tests and integration targets only"
	@echo "make build        build the collection tarball into build/"
	@echo "make docs         lint the docs and build the docs site into build/docs/ (open build/docs/build/html/index.html)"
	@echo "make changelog    add changelogs/fragments/ to the release in galaxy.yml; regenerate CHANGELOG.rst"
	@echo "make galaxy       galaxy-importer on a freshly built tarball"
	@echo "make packaging    execution environment (ansible-builder create) and ansible-runner tests only"
	@echo "make matrix       sanity, unit and integration tests on every supported ansible-core, 2.16 to 2.22, two at a time (scripts/matrix.py)"
	@echo "make live         live smoke against a real account: VPS_LIVE=1 VPS_API_URL=... VPS_API_TOKEN=... make live (docs/docsite/rst/guide_live_smoke.rst)"
	@echo "make bench        benchmarks against Ansible's own floor, printing figures (about 30 minutes; docs/docsite/rst/guide_performance.rst)"
	@echo "make soak         reliability soak: 420 lifecycles under faults (about 9 minutes)"
	@echo "make soak-concurrency  concurrent runs on the same names: 20 rounds of 5 vps_server and 3 vps_fleet runs at once (about 4 minutes)"
	@echo "make clean        remove build output, test output and caches (keeps .venv)"

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

venv:
	bash scripts/common.sh ensure_venv

lint sanity molecule units integration:
	bash scripts/test.sh $@

build:
	bash scripts/build.sh

docs:
	bash scripts/docs.sh

changelog:
	bash scripts/changelog.sh release

galaxy packaging:
	bash scripts/test.sh $@

clean:
	rm -rf build dist tests/output tests/integration/inventory tests/integration/integration_config.yml .cache .ansible .pytest_cache .hypothesis

matrix:
	bash scripts/test.sh matrix

live:
	bash scripts/test.sh live

bench:
	bash scripts/common.sh ensure_venv && .venv/bin/python benchmarks/run.py

soak:
	bash scripts/common.sh ensure_venv && .venv/bin/python tests/reliability/soak.py --lifecycles 420

soak-concurrency:
	bash scripts/common.sh ensure_venv && .venv/bin/python tests/reliability/soak_concurrency.py --rounds 20
