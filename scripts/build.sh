#!/usr/bin/env bash
# Build the collection tarball into build/ (`make build`). What goes in is decided by
# build_ignore in galaxy.yml.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_venv
say "ansible-galaxy collection build into build/"
ansible-galaxy collection build --force --output-path "$REPO_ROOT/build" "$REPO_ROOT"
