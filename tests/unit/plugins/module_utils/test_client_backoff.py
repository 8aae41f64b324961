# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's backoff between retries without Retry-After: it grows, and it is jittered (the other retries:
test_client.py, whose fake clock and client this uses)."""

from __future__ import annotations

import random

from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import FakeSession, make_response
from ansible_collections.vpsorg.cloud.tests.unit.plugins.module_utils.test_client import SERVER, make_client

SEEDS = range(20)


def backoff_sleeps(seed):
    """The waits of a read answered 503, 502, 504, then 200, by a client whose random numbers come from ``seed``."""
    session = FakeSession(make_response(503, text="<html>busy</html>"), make_response(502, text="bad gateway"),
                          make_response(504, text=""), make_response(200, SERVER))
    client, clock = make_client(session, backoff_base=1.0, rng=random.Random(seed))
    assert client.get_server(1) == SERVER
    return clock.sleeps


def test_503_then_success_with_growing_jittered_backoff():
    runs = [backoff_sleeps(seed) for seed in SEEDS]
    assert all(len(sleeps) == 3 for sleeps in runs), runs
    for attempt in range(3):
        ceiling = 2 ** attempt
        waits = [sleeps[attempt] for sleeps in runs]
        assert all(ceiling / 2 <= slept <= ceiling for slept in waits), waits
        # Jitter: clients that retry alike at the same moment wait differently, over the upper half of the ceiling.
        # The seeds are fixed, so the spread is the same in every run; without jitter it is 0.
        assert max(waits) - min(waits) >= ceiling / 4, waits
