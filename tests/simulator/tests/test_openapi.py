"""The simulator's answers conform to openapi.yaml, checked with schemathesis against the running simulator."""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from simulator_support import SIMULATOR_DIR

# The same settings a schemathesis.toml would hold; given here so no stray file changes them.
CONFIG = schemathesis.Config.from_str('''
[generation]
# Bounded and reproducible, so the check stays a few seconds long.
max-examples = 15
deterministic = true
# The API ignores unknown query parameters, as Django REST framework does: they are not invalid input.
allow-extra-parameters = false
# Authentication has its own tests; here every request carries the valid token.
with-security-parameters = false

[[operations]]
include-path-regex = "/(start|stop|reboot)/$"
# A power action in the wrong status is the documented 400, not a rejection of valid input.
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]
''')

schema = schemathesis.openapi.from_path(os.path.join(SIMULATOR_DIR, "openapi.yaml"), config=CONFIG)


@pytest.fixture(scope="module")
def session():
    http = requests.Session()
    http.trust_env = False
    yield http
    http.close()


@pytest.fixture
def seeded(sim):
    """A few servers; the schema's example id (10001) is the first of them."""
    return sim.seed(count=4)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_answers_conform_to_the_openapi_description(case, sim, seeded, session):  # pylint: disable=unused-argument
    case.call_and_validate(base_url=sim.url, session=session, headers={"Authorization": f"Bearer {sim.token}"})
