#!/usr/bin/env bash
# ansible-test runs a role target with ANSIBLE_DEPRECATION_WARNINGS=false; this script runs the target's
# role with deprecation warnings on, so that one raised by the collection shows in the output and fails
# the test (tests/conftest.py, scripts/deprecations.py). The role is this folder's tasks/.
set -eu
export ANSIBLE_DEPRECATION_WARNINGS=true
export ANSIBLE_ROLES_PATH=..
exec ansible-playbook -i "$INVENTORY_PATH" -e @../../integration_config.yml runme.yml "$@"
