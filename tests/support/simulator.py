"""pytest plugin (registered by tests/conftest.py): the local API simulator of a test module.

- ``simulator``: one ``harness.Simulator`` per test module (a module runs on one pytest-xdist worker with
  ``--dist loadfile``), started with ``simulator_options`` and stopped after the module's last test;
- ``sim``: that simulator, reset before the test (empty account, empty request log, no faults, the start-up
  configuration and token);
- ``simulator_options``: the keyword arguments of ``harness.Simulator``: ``SIMULATOR_OPTIONS`` of the test module
  (a dict) over ``DEFAULT_OPTIONS``. A folder whose modules all want the same can override this fixture in its
  conftest.py.

A test that needs the simulator as it was left (several steps over one account) takes ``simulator``; every other
takes ``sim``. A module that wants every test to start from the same accounts overrides ``sim``, requesting it::

    @pytest.fixture(name='sim')
    def seeded_sim_fixture(sim):
        sim.seed(servers=SERVERS)
        return sim
"""

from __future__ import annotations

import pytest

# tests/simulator is on sys.path through the pythonpath setting of pytest.ini.
import harness  # pylint: disable=import-error

# Short enough to keep the tests fast, long enough that a test can see a transitional status.
DEFAULT_OPTIONS = {'provision_delay': 0.2, 'action_delay': 0.2}


@pytest.fixture(scope='module', name='simulator_options')
def simulator_options_fixture(request):
    """Keyword arguments of harness.Simulator: the test module's SIMULATOR_OPTIONS over DEFAULT_OPTIONS."""
    return dict(DEFAULT_OPTIONS, **getattr(request.module, 'SIMULATOR_OPTIONS', {}))


@pytest.fixture(scope='module', name='simulator')
def simulator_fixture(simulator_options):
    """One simulator for the test module, on a free port of 127.0.0.1."""
    with harness.Simulator(**simulator_options) as started:
        yield started


@pytest.fixture(name='sim')
def sim_fixture(simulator):
    """The module's simulator, reset: an empty account with the start-up configuration, no faults, an empty log."""
    simulator.reset()
    return simulator
