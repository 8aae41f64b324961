"""Run every integration target in tests/integration/targets/ against the local API simulator.

One simulator serves the whole module (the ``sim`` fixture of tests/support/simulator.py) and is
reset before each target. Its address and token reach the targets through
tests/integration/integration_config.yml (``vps_api_url``, ``vps_api_token``, and ``vps_sim_url``
for the simulator's ``/_sim/`` control API), which this module writes before each target and
removes at the end. Each target runs as
``ansible-test integration --local --python <this Python> <target>`` from the collection layout, with
ansible-test's own home for this core (scripts/ansible_test_home.py: the cores of the matrix run at once and
must not share the SSH key ansible-test makes); ``--local`` because ``--venv`` needs the network.

All targets share that one config file, so they must not run in parallel: with pytest-xdist use
``--dist loadfile`` (scripts/test.sh does), which keeps this module on one worker.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

# On sys.path through the pythonpath setting of pytest.ini.
import ansible_test_home  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS_DIR = os.path.join(HERE, 'targets')
CONFIG = os.path.join(HERE, 'integration_config.yml')
TARGETS = sorted(name for name in os.listdir(TARGETS_DIR) if os.path.isdir(os.path.join(TARGETS_DIR, name)))
SIMULATOR_OPTIONS = {'provision_delay': 0.3, 'action_delay': 0.3}  # the sim fixture (tests/support/simulator.py)


def teardown_module():
    """integration_config.yml is removed when the targets are done."""
    if os.path.exists(CONFIG):
        os.remove(CONFIG)


def configure(sim):
    """Point integration_config.yml at the (freshly reset) simulator."""
    config = {'vps_api_url': sim.url, 'vps_api_token': sim.token, 'vps_sim_url': sim.url}
    with open(CONFIG, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(config, handle, default_flow_style=False)


def test_there_are_targets():
    """An empty targets folder would pass silently; it must not."""
    assert TARGETS, 'no integration targets in %s' % TARGETS_DIR


@pytest.mark.parametrize('target', TARGETS)
def test_target(sim, target):
    """Run one target with ansible-test; it must run (not be excluded) and pass."""
    configure(sim)
    result = ansible_test_home.run(
        ['integration', '--local', '--python', '%d.%d' % sys.version_info[:2], '--color', 'no', target],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    print(result.stdout)
    assert result.returncode == 0, 'ansible-test integration %s failed (exit %d); its output is above' % (target, result.returncode)
    assert 'Running %s integration test' % target in result.stdout, 'ansible-test did not run target %s' % target
