# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When vpsorg.cloud reads a server again while it waits for it: one poll schedule for every wait.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.

Every wait of the collection is one loop, ``wait_until``: pause, read, and stop once what was read ends the wait or
the poll came at or after the deadline (``timeout`` seconds after the wait began); that last poll's value is the
answer. Waits differ only in how they pause until the next poll (the ``pause`` of ``polls``):

- A wait alone (vps_server's statuses and the name a lost create may still bring, through ``_account.Account``; the
  watch of a lost power action, ``_power``): the first pause is short (POLL_FIRST_INTERVAL) to catch quick
  transitions, each next one POLL_GROWTH times longer up to POLL_MAX_INTERVAL, so a long provisioning costs no more
  than one request every two seconds; none goes past the deadline (``growing_pauses``).
- The waits of a fleet (``_account.SharedAccount``): until the next tick of the run's shared schedule, so every
  server that waits shares one listing per poll.
"""

from __future__ import annotations

import collections
import time

POLL_FIRST_INTERVAL = 0.5
POLL_GROWTH = 1.5
POLL_MAX_INTERVAL = 2.0

# One poll of a wait: ``at``, the clock when it began (its pause ended); ``waited``, the seconds since the wait began.
Poll = collections.namedtuple("Poll", ("at", "waited"))


def growing_pauses(sleep=None, clock=None):
    """The pauses of a wait alone: ``pause(remaining)`` sleeps the next interval, never more than ``remaining`` (the
    seconds left before the deadline), and returns the clock after it. Each call to this function starts a new wait."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    intervals = [POLL_FIRST_INTERVAL]

    def pause(remaining):
        interval = intervals[0]
        intervals[0] = min(POLL_MAX_INTERVAL, interval * POLL_GROWTH)
        sleep(max(0.0, min(interval, remaining)))
        return clock()

    return pause


def polls(timeout, pause=None, clock=None, sleep=None):
    """The polls of a wait of ``timeout`` seconds, one Poll each, for as long as the caller goes on.

    The caller reads what it waits for at each and stops, at the latest at the first poll whose ``waited`` is
    ``timeout`` or more. ``pause(remaining)`` sleeps until the next poll and returns the clock then; by default
    ``growing_pauses(sleep, clock)``. ``clock`` is the clock ``pause`` returns.
    """
    clock = clock or time.monotonic
    pause = pause or growing_pauses(sleep, clock)
    started = clock()
    while True:
        at = pause(timeout - (clock() - started))
        yield Poll(at, at - started)


def wait_until(read, ended, timeout, pause=None, clock=None, sleep=None):
    """Read at each poll of a wait of ``timeout`` seconds (see ``polls``) until what was read ends it.

    ``read(poll)`` reads (an exception it raises ends the wait); ``ended(value)`` says whether a value ends the wait.
    Returns ``(value, waited)`` of the last poll: the one whose value ended the wait, or the first at or after the
    deadline, whose value may not have (the caller tells a timeout by asking ``ended`` again).
    """
    for poll in polls(timeout, pause, clock, sleep):
        value = read(poll)
        if ended(value) or poll.waited >= timeout:
            return value, poll.waited
    raise AssertionError("polls() never ends")  # pragma: no cover
