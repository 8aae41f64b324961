"""Fixtures: one simulator for the whole test session, reset before every test."""

import sys

import pytest
import requests

from simulator_support import ACTION_DELAY, PROVISION_DELAY, SIMULATOR_DIR

# pytest.ini puts tests/simulator on sys.path; this keeps the tests runnable without it.
if SIMULATOR_DIR not in sys.path:
    sys.path.insert(0, SIMULATOR_DIR)

from harness import Simulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def sim():
    with Simulator(provision_delay=PROVISION_DELAY, action_delay=ACTION_DELAY, token="test-token") as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def clean_simulator(request):
    """Every test starts from an empty account with the start-up configuration and no faults."""
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").reset()


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
