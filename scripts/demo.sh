#!/usr/bin/env bash
# The demo (`make demo`). Needs only bash and Python 3.11 with pip.
#
# Starts the local VPS.org API simulator (tests/simulator) on a free loopback port, points the
# collection at it with VPS_API_URL / VPS_API_TOKEN, runs demo/demo.yml with vpsorg.cloud taken
# from this working tree, and stops the simulator when done, also on failure or Ctrl-C.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIMULATOR_START_TIMEOUT=30

ensure_venv
ensure_layout

workdir="$(mktemp -d)"
simulator_pid=""

stop_simulator() {
    if [ -n "$simulator_pid" ] && kill -0 "$simulator_pid" 2>/dev/null; then
        say "Stopping the simulator (pid $simulator_pid)"
        kill "$simulator_pid" 2>/dev/null || true
        wait "$simulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap stop_simulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

VPS_API_TOKEN="demo-$(python -c 'import secrets; print(secrets.token_hex(16))')"

say "Starting the VPS.org API simulator"
python "$REPO_ROOT/tests/simulator/run_simulator.py" --port 0 --url-file "$workdir/url" \
    --token "$VPS_API_TOKEN" --provision-delay 3 --action-delay 2 --quiet &
simulator_pid=$!

# The simulator writes its URL to the file once it listens.
for _ in $(seq $((SIMULATOR_START_TIMEOUT * 10))); do
    [ -s "$workdir/url" ] && break
    kill -0 "$simulator_pid" 2>/dev/null || die "the simulator exited before it was ready"
    sleep 0.1
done
[ -s "$workdir/url" ] || die "the simulator was not ready within ${SIMULATOR_START_TIMEOUT}s"
VPS_API_URL="$(head -n 1 "$workdir/url")"
export VPS_API_URL VPS_API_TOKEN
say "Simulator ready at $VPS_API_URL"

say "Running ansible-playbook demo/demo.yml (vpsorg.cloud from $ANSIBLE_COLLECTIONS_PATH)"
# From demo/, so that an ansible.cfg or inventory there applies; no warning for implicit localhost.
cd "$REPO_ROOT/demo" || exit
ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ansible-playbook demo.yml
say "Demo finished"
