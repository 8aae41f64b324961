"""The request log and the counters behind GET /_sim/log and GET /_sim/stats."""

import collections
import threading
import time

from .views import format_time

# Enough for any test; a long benchmark only loses its oldest entries.
MAX_LOG_ENTRIES = 200_000


class Counters:
    """What GET /_sim/stats reports."""

    def __init__(self):
        self.requests_total = 0
        self.by_method = collections.Counter()
        self.by_status = collections.Counter()
        self.faults = collections.Counter()
        self.writes_committed = 0


class RequestRecorder:
    """Records every /api/v1/ request: what came in, what went out, which fault fired."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=MAX_LOG_ENTRIES)
        self.last_seq = 0
        self.counters = Counters()

    def record(self, method, path, query, status, fault, committed):
        """``status`` is None when no answer was sent; ``committed`` is True when a write took effect."""
        with self.lock:
            self.last_seq += 1
            self.entries.append({
                "seq": self.last_seq,
                "time": format_time(time.time()),
                "method": method,
                "path": path,
                "query": query,
                "status": status,
                "fault": fault,
                "committed": committed,
            })
            counters = self.counters
            counters.requests_total += 1
            counters.by_method[method] += 1
            counters.by_status["dropped" if status is None else str(status)] += 1
            if fault:
                counters.faults[fault] += 1
            if committed:
                counters.writes_committed += 1

    def count_late_commit(self):
        """A write that took effect after its request was logged (a lost answer with commit_delay)."""
        with self.lock:
            self.counters.writes_committed += 1

    def reset(self):
        with self.lock:
            self.entries = collections.deque(maxlen=MAX_LOG_ENTRIES)
            self.last_seq = 0
            self.counters = Counters()

    def log_since(self, since):
        with self.lock:
            entries = [entry for entry in self.entries if entry["seq"] > since]
            return {"entries": entries, "last_seq": self.last_seq}

    def stats(self):
        with self.lock:
            counters = self.counters
            return {
                "requests_total": counters.requests_total,
                "requests_by_method": dict(counters.by_method),
                "requests_by_status": dict(counters.by_status),
                "faults_injected": dict(counters.faults),
                "faults_injected_total": sum(counters.faults.values()),
                "writes_committed": counters.writes_committed,
            }
