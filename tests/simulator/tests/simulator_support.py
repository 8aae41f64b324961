"""Constants shared by the simulator's tests.

A plain module rather than conftest.py: the repository has several conftest.py files, and
``from conftest import ...`` would pick whichever was imported first.
"""

import os

SIMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A create body the API accepts.
VALID_CREATE = {"name": "web-01", "plan_id": 1, "os_id": 5, "location": "us-west"}

# Short enough to keep the suite fast, long enough that a test sees the transitional status.
PROVISION_DELAY = 0.3
ACTION_DELAY = 0.2
