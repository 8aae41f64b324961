"""Late commits: requests a 'lost_answer' rule with ``commit_delay`` answered at once, processed later.

This is what a proxy that gives up on a slow application does: the client gets its 502 (or a
closed connection) at once, and the write still lands some seconds later, with the id and
timestamps of that later moment. Each late commit is a daemon threading.Timer; /_sim/reset
cancels those still pending, so a reset account stays empty.
"""

import threading

from .api import WRITE_METHODS


class LateCommits:
    """Pending late commits; safe to use from many threads."""

    def __init__(self, api, recorder):
        self.api = api
        self.recorder = recorder
        self.lock = threading.Lock()  # held while a late commit runs, so a reset waits for it
        self.pending = set()
        self.generation = 0  # moves on every cancel: a timer that fired just before is ignored

    def schedule(self, delay, request):
        """Process ``request`` (an api.ApiRequest) ``delay`` seconds from now."""
        with self.lock:
            generation = self.generation

            def commit():
                self._commit(timer, request, generation)

            timer = threading.Timer(delay, commit)
            timer.daemon = True
            self.pending.add(timer)
            timer.start()

    def _commit(self, timer, request, generation):
        with self.lock:
            self.pending.discard(timer)
            if generation != self.generation:
                return  # cancelled by a reset after the timer fired
            answer = self.api.handle(request)
            if request.method in WRITE_METHODS and 200 <= answer.status < 300:
                self.recorder.count_late_commit()

    def cancel_all(self):
        """Drop every pending late commit; one that is running finishes first."""
        with self.lock:
            self.generation += 1
            for timer in self.pending:
                timer.cancel()
            self.pending.clear()
