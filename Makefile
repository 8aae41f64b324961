# Thin wrappers: the logic lives in scripts/ (which also work without make:
# `bash scripts/test.sh`, `bash scripts/demo.sh`).

.PHONY: help test demo venv lint sanity molecule units integration build clean

help:
	@echo "make test         lint, ansible-test sanity, then unit + simulator + integration tests (pytest)"
	@echo "make demo         run demo/demo.yml against a local API simulator"
	@echo "make venv         create or update .venv from requirements/dev.txt"
	@echo "make lint         ansible-lint only"
	@echo "make sanity       ansible-test sanity only"
	@echo "make molecule     molecule scenarios of the fleet role only"
	@echo "make units        unit tests only"
	@echo "make integration  simulator tests and integration targets only"
	@echo "make build        build the collection tarball into build/"
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

clean:
	rm -rf build dist tests/output tests/integration/inventory tests/integration/integration_config.yml .cache .ansible .pytest_cache .hypothesis
