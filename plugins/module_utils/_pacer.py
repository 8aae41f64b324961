# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing of the API requests of one run, shared by every thread and client of that run.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.

The API does not say what its rate limit is, so the run learns it from the 429 answers, the way
TCP learns a path's capacity from lost packets:

* **Slow start.** At most ``window`` requests are in flight; the window starts small and grows with
  every answer, so a hundred threads starting together reach the API over a few round trips instead
  of in one burst that a rate limiter would answer with a hundred 429s.
* **Pause.** A 429 (or a 503 with ``Retry-After``) stops every thread until its ``Retry-After``, not
  only the thread that got it, and shrinks the window.
* **Measured rate.** Between two throttling episodes the limiter's bucket went from empty to empty,
  so the answers that got through in between, over the time between them, are its refill rate; the
  answers that got through before the first 429, less that rate's refill, are its size. From then on
  the run keeps a copy of the limiter's bucket (empty at the last 429, refilled at the measured rate)
  and sends only while the copy holds a token, so the limiter's bucket is used to the end but not emptied.

Without a rate limit nothing is ever throttled: the window grows past any number of threads within
a few round trips and no request waits.
"""

from __future__ import annotations

import threading
import time

INITIAL_WINDOW = 4.0
# Window growth per answer before the first 429, and after it (gentler: the limit is known to be near).
WINDOW_GROWTH = 0.5
WINDOW_GROWTH_LIMITED = 0.25
# A measured rate is used as it is measured; the slack only absorbs the clock's and the bucket's rounding.
RATE_SLACK = 0.97
# Fewer answers than this between two throttling episodes say nothing of a rate (throttling at random does that).
MIN_PASSES_TO_MEASURE = 2
BURST_SLACK = 0.9
MIN_RATE = 0.2


class RequestPacer:
    """Decides when each request of a run may be sent. Thread-safe; one per run (module execution)."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._window = INITIAL_WINDOW
        self._in_flight = 0
        self._paused_until = 0.0
        self._pause_started = None
        self._rate = None
        self._burst = 1.0
        self._tokens = 0.0
        self._tokens_at = 0.0
        self._first_sent = None
        self._passed_before_limit = 0
        self._episode_at = None
        self._first_episode_after = 0.0
        self._passed_since_episode = 0
        self.throttled = 0
        self.episodes = 0

    @property
    def rate(self):
        """The learned rate limit (requests per second), or None while none has been measured."""
        return self._rate

    def acquire(self):
        """Block until a request may be sent; return its send time (give it back to ``release``)."""
        with self._cond:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    self._sleep_unlocked(self._paused_until - now)
                elif self._in_flight >= int(self._window):
                    self._cond.wait(1.0)  # release() wakes it as soon as a slot frees
                elif self._rate is not None and self._refill(now) < 1.0 - 1e-6:
                    self._sleep_unlocked(max(0.001, (1.0 - self._tokens) / self._rate))
                else:
                    self._in_flight += 1
                    if self._rate is not None:
                        self._tokens -= 1.0
                    if self._first_sent is None:
                        self._first_sent = now
                    return now

    def _refill(self, now):
        """The tokens of the copy of the API's bucket by ``now``."""
        self._tokens = min(self._burst, self._tokens + (now - self._tokens_at) * self._rate)
        self._tokens_at = now
        return self._tokens

    def _sleep_unlocked(self, seconds):
        # The caller's sleep (a test's fake clock moves with it), with the lock free for the other threads.
        self._cond.release()
        try:
            self._sleep(seconds)
        finally:
            self._cond.acquire()

    def release(self, sent_at, throttled=False, pause=None):
        """Record the answer of a request sent at ``sent_at``.

        ``throttled``: it was a 429. ``pause``: seconds every thread must wait (a Retry-After, or the
        client's backoff), or None.
        """
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            now = self._clock()
            if throttled:
                self.throttled += 1
                self._on_throttled(sent_at, now)
            else:
                # An answer to a request sent before the last episode may have taken a token from before it.
                if self._episode_at is None or sent_at >= self._episode_at:
                    self._passed_since_episode += 1
                self._window += WINDOW_GROWTH if self._episode_at is None else WINDOW_GROWTH_LIMITED
            if pause:
                if now >= self._paused_until:
                    self._pause_started = now
                self._paused_until = max(self._paused_until, now + pause)
            self._cond.notify_all()

    def _on_throttled(self, sent_at, now):
        # A request sent before the current pause began was answered within the episode that began it.
        if self._pause_started is not None and sent_at < self._pause_started:
            return
        self.episodes += 1
        if self._episode_at is None:
            self._passed_before_limit = self._passed_since_episode
            self._first_episode_after = now - (self._first_sent if self._first_sent is not None else now)
        elif now > self._episode_at and self._passed_since_episode >= MIN_PASSES_TO_MEASURE:
            measured = self._passed_since_episode / (now - self._episode_at)
            self._rate = max(MIN_RATE, measured * RATE_SLACK)
            size = self._passed_before_limit - measured * self._first_episode_after
            self._burst = max(1.0, size * BURST_SLACK)
            self._tokens, self._tokens_at = 0.0, now
        self._episode_at = now
        self._passed_since_episode = 0
        self._window = 1.0
        self._pause_started = now
