"""What every benchmark gets: sizes and run counts, a work folder, the environment, the results."""

from __future__ import annotations

import dataclasses
import os
import sys
import time

from . import environment


@dataclasses.dataclass
class Sizes:
    """The sizes of a full run; ``smoke()`` gives the small ones (one run each, nothing judged)."""

    p1_servers: int = 10_000
    p1_runs: int = 5
    p1s_servers: tuple = (1_000, 10_000, 50_000)
    p1s_runs: int = 3
    p2_account: int = 100
    p2_tasks: int = 20  # P2a: vps_server tasks, and as many debug tasks
    p2_loop: int = 100  # P2b: items of the vps_server_info loop (servers of the account read by id), and of the debug loop
    p2_runs: int = 5
    p2_newest_core: bool = True  # P2 also on the newest core of the core matrix (its venv made when missing)
    p3_servers: int = 20
    p3s_servers: int = 100
    p3_delay: float = 10.0
    p3_runs: int = 5  # also P3r's
    p3r_servers: int = 100
    p3r_delay: float = 10.0
    p3r_rate: float = 10.0  # the simulator's rate limit, requests per second
    p3r_burst: int = 20  # and its bucket size
    warmup: bool = True
    judged: bool = True

    @classmethod
    def smoke(cls):
        return cls(p1_servers=200, p1_runs=1, p1s_servers=(40, 200, 1000), p1s_runs=1, p2_account=20, p2_tasks=2, p2_loop=3, p2_runs=1,
                   p2_newest_core=False, p3_servers=5, p3s_servers=10, p3_delay=2.0, p3_runs=1, p3r_servers=10, p3r_delay=1.0, p3r_rate=5.0, p3r_burst=4,
                   warmup=False, judged=False)


class Context:
    def __init__(self, sizes, work_dir, verbose=True):
        self.sizes = sizes
        self.work_dir = work_dir
        self.verbose = verbose
        self.env = environment.command_env(work_dir)
        self.figures = []
        self.notes = []
        self.checks = []  # (status, text): PASS / FAIL / NOT MEASURED / NOT JUDGED lines of the report
        self.simulators = []
        self.started = time.monotonic()
        self._seeded = {}

    def folder(self, name):
        path = os.path.join(self.work_dir, name)
        os.makedirs(path, exist_ok=True)
        return path

    def log(self, text):
        if self.verbose:
            print("[%5.0fs] %s" % (time.monotonic() - self.started, text), file=sys.stderr, flush=True)

    def note(self, text):
        """A finding the report must show (for example a difference between inventories)."""
        self.notes.append(text)
        self.log("NOTE: " + text)

    def check(self, status, text):
        """A check the report prints as one line, "STATUS: text" (never an assertion: a missed target does not stop the run)."""
        self.checks.append((status, text))
        self.log("%s: %s" % (status, text))

    def simulator(self, provision_delay=0.2, action_delay=0.2, rate_limit=None, rate_burst=None):
        sim = environment.start_simulator(provision_delay=provision_delay, action_delay=action_delay, rate_limit=rate_limit,
                                          rate_burst=rate_burst)
        self.simulators.append(sim)
        return sim

    def stop_simulator(self, sim):
        sim.stop()
        self.simulators.remove(sim)
        self._seeded = {count: entry for count, entry in self._seeded.items() if entry[0] is not sim}

    def seeded_simulator(self, count):
        """(simulator, list items) of an account of ``count`` servers (environment.seed_account), shared by the
        inventory benchmarks: P1, P1c and P1s read the same account. Stopped by close()."""
        if count not in self._seeded:
            sim = self.simulator()
            environment.seed_account(sim, count)
            self._seeded[count] = (sim, environment.api_list(sim))
        return self._seeded[count]

    def close(self):
        for sim in list(self.simulators):
            self.stop_simulator(sim)
