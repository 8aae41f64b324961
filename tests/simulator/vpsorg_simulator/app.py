"""The simulator's parts put together; one Application serves one HTTP server."""

from .api import ServersApi
from .faults import FaultInjector
from .latecommit import LateCommits
from .ratelimit import RateLimiter
from .records import RequestRecorder
from .store import Store

RATE_SETTINGS = ("rate_limit", "rate_burst")


class Application:
    """Owns the account state, the rate limiter, the fault rules and the request log."""

    def __init__(self, config, state_file=None, seed=0, quiet=False):
        self.store = Store(config, state_file)
        self.api = ServersApi(self.store)
        self.limiter = RateLimiter()
        self._configure_limiter()
        self.faults = FaultInjector(seed)
        self.recorder = RequestRecorder()
        self.late_commits = LateCommits(self.api, self.recorder)
        self.quiet = quiet

    def _configure_limiter(self):
        config = self.store.current_config()
        self.limiter.configure(config["rate_limit"], config["rate_burst"])

    def configure(self, settings):
        """Change settings (POST /_sim/config); a rate setting given, even unchanged, refills every bucket."""
        config = self.store.configure(settings)
        if any(key in settings for key in RATE_SETTINGS):
            self._configure_limiter()
        return config

    def reset(self, keep_config=False):
        """Back to an empty account: no servers, pending late commits, log, counters or fault rules; full buckets."""
        self.late_commits.cancel_all()
        self.store.reset(keep_config)
        self.recorder.reset()
        self.faults.clear()
        self._configure_limiter()
