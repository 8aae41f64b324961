# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the run-wide request pacer: slow start, shared pauses, a rate learned from 429s."""

from __future__ import annotations

import math
import threading

from ansible_collections.vpsorg.cloud.plugins.module_utils._pacer import INITIAL_WINDOW, RequestPacer


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def __call__(self):
        return self.now


class TokenBucket:
    """The API's limiter as the simulator implements it: ``rate`` per second, ``burst`` at most, starts full."""

    def __init__(self, clock, rate, burst):
        self.clock, self.rate, self.burst = clock, rate, burst
        self.tokens, self.at = float(burst), clock()

    def take(self):
        """(passed, Retry-After seconds)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, None
        return False, max(1, math.ceil((1 - self.tokens) / self.rate))


def send(pacer, clock, bucket, round_trip=0.01):
    sent_at = pacer.acquire()
    clock.now += round_trip
    passed, retry_after = bucket.take()
    pacer.release(sent_at, throttled=not passed, pause=retry_after)
    return passed


def test_without_a_limit_nothing_waits_and_the_window_grows():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    for _request in range(200):
        pacer.release(pacer.acquire())
    assert clock.now == 0.0
    assert pacer.rate is None and pacer.throttled == 0
    held = [pacer.acquire() for _slot in range(100)]  # the window grew past a hundred threads
    assert len(held) == 100


def test_the_window_holds_back_requests_beyond_it_until_an_answer_comes():
    pacer = RequestPacer()
    held = [pacer.acquire() for _slot in range(int(INITIAL_WINDOW))]
    sent = threading.Event()
    waiter = threading.Thread(target=lambda: (pacer.acquire(), sent.set()))
    waiter.start()
    assert not sent.wait(0.3), "a request beyond the window was sent before any answer came"
    pacer.release(held[0])
    assert sent.wait(2), "an answer did not free a slot"
    waiter.join()


def test_the_rate_is_learned_from_two_throttling_episodes_and_then_never_throttled_again():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    bucket = TokenBucket(clock, rate=10, burst=20)
    passed = sum(send(pacer, clock, bucket) for _request in range(300))
    assert pacer.rate is not None and 9.0 <= pacer.rate <= 10.0
    assert pacer.episodes == 2
    assert pacer.throttled == 2, "sequential requests: one 429 per episode"
    assert passed == 300 - pacer.throttled
    # Throughput after learning is the limiter's own: (300 - burst) / rate seconds at best.
    assert clock.now <= (300 - 20) / 10 * 1.1 + 2


def test_a_throttled_answer_within_the_same_episode_does_not_shrink_or_measure_again():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    early = [pacer.acquire() for _slot in range(3)]
    clock.now = 1.0
    for sent_at in early:
        pacer.release(sent_at, throttled=True, pause=1)
    assert pacer.throttled == 3 and pacer.episodes == 1 and pacer.rate is None
    assert pacer.acquire() == 2.0, "every thread waited out the pause"


def test_a_pause_without_a_429_does_not_count_as_throttling():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    pacer.release(pacer.acquire(), pause=5)  # a 503 with Retry-After
    assert pacer.acquire() == 5.0
    assert pacer.throttled == 0 and pacer.rate is None


def test_throttling_with_no_answer_in_between_measures_no_rate():
    clock = FakeClock()
    pacer = RequestPacer(clock=clock, sleep=clock.sleep)
    for _storm in range(4):  # an API that throttles the first requests whatever their pace
        pacer.release(pacer.acquire(), throttled=True, pause=1)
    assert pacer.episodes == 4
    assert pacer.rate is None, "no rate can be read from episodes without an answer between them"
    for _request in range(50):
        pacer.release(pacer.acquire())
    assert clock.now == 4.0, "after the storm nothing waits"
