"""The simulator's parts put together; one Application serves one HTTP server."""

from .api import ServersApi
from .faults import FaultInjector
from .records import RequestRecorder
from .store import Store


class Application:
    """Owns the account state, the fault rules and the request log."""

    def __init__(self, config, state_file=None, seed=0, quiet=False):
        self.store = Store(config, state_file)
        self.api = ServersApi(self.store)
        self.faults = FaultInjector(seed)
        self.recorder = RequestRecorder()
        self.quiet = quiet

    def reset(self, keep_config=False):
        """Back to an empty account: no servers, log, counters or fault rules."""
        self.store.reset(keep_config)
        self.recorder.reset()
        self.faults.clear()
