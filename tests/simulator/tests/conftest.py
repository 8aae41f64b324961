"""Fixtures: the simulator of tests/support/simulator.py (one per test module, ``sim`` reset before every test:
an empty account with the start-up configuration and no faults), started with this folder's options."""

import pytest
import requests

from simulator_support import ACTION_DELAY, PROVISION_DELAY


@pytest.fixture(scope="module", name="simulator_options")
def simulator_options_fixture():
    return {"provision_delay": PROVISION_DELAY, "action_delay": ACTION_DELAY, "token": "test-token"}


@pytest.fixture
def client(sim):
    """A requests session that sends the token; proxies from the environment are ignored."""
    session = requests.Session()
    session.trust_env = False
    session.headers.update(sim.headers)
    yield session
    session.close()


@pytest.fixture
def api(sim):
    """Base URL of the servers collection."""
    return sim.url + "/api/v1/servers/"
