"""The simulator's fixed catalogue of plans, operating systems and locations.

The values are those the collection's examples and guides use (plan 1 "Standard VPS", OS 5
"Ubuntu 22.04 LTS", us-west, ...), so that they work against the simulator unchanged.
"""

PLANS = {
    1: {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80, "bandwidth": 2048},
    2: {"id": 2, "name": "Performance VPS", "vcpus": 4, "memory": 8192, "storage": 160, "bandwidth": 4096},
}

OPERATING_SYSTEMS = {
    3: {"id": 3, "name": "Debian 12"},
    5: {"id": 5, "name": "Ubuntu 22.04 LTS"},
}

LOCATIONS = ("us-west", "us-east", "eu-central")

# Statuses a server can have. The transitional ones end by themselves after a delay.
STATUSES = ("provisioning", "active", "stopping", "stopped", "starting", "rebooting", "suspended")
TRANSITIONAL_STATUSES = ("provisioning", "stopping", "starting", "rebooting")

# Where each transitional status ends up once its delay has passed.
TRANSITION_TARGET = {
    "provisioning": "active",
    "stopping": "stopped",
    "starting": "active",
    "rebooting": "active",
}
