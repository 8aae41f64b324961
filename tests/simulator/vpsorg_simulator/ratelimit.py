"""A token bucket rate limiter per API token, applied before fault injection and the API.

Off unless ``rate_limit`` is set. Every Authorization header value (requests without one share
one key) has its own bucket of ``rate_burst`` tokens, full at first, that refills continuously
at ``rate_limit`` tokens per second. A request takes one token; with no whole token free it is
answered 429 at once and takes nothing. Refills are computed from time.monotonic() when a
request comes, so no background thread is needed.
"""

import math
import threading
import time

from .errors import ControlError

# Past this many buckets, the full ones are forgotten: a full bucket is the same as a new one.
MAX_BUCKETS = 10_000


def check_rate_setting(key, value):
    """Validate the rate_limit or rate_burst setting; return the value to store."""
    if value is None:
        return None
    if key == "rate_limit":
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value) or value <= 0:
            raise ControlError(f"rate_limit must be null (no limit) or a number of requests per second > 0, got {value!r}.")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ControlError(f"rate_burst must be null (rate_limit rounded, at least 1) or an integer >= 1, got {value!r}.")
    return value


class RateLimiter:
    """The buckets, keyed by Authorization header value; safe to use from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rate = None  # tokens per second; None: no limit
        self.burst = 1
        self.buckets = {}  # key -> (tokens, time.monotonic() they were counted at)

    def configure(self, rate, burst):
        """Set the limit (``rate`` None: off); every bucket starts full again."""
        with self.lock:
            self.rate = rate
            self.burst = burst if burst is not None else max(1, round(rate or 0))
            self.buckets = {}

    def take(self, key):
        """Take a token from ``key``'s bucket: 0.0 when taken, else the seconds until one is free."""
        with self.lock:
            if self.rate is None:
                return 0.0
            now = time.monotonic()
            if key not in self.buckets and len(self.buckets) >= MAX_BUCKETS:
                self._forget_full_buckets(now)
            tokens, counted_at = self.buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - counted_at) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full_buckets(self, now):
        self.buckets = {
            key: (tokens, counted_at) for key, (tokens, counted_at) in self.buckets.items()
            if tokens + (now - counted_at) * self.rate < self.burst
        }
