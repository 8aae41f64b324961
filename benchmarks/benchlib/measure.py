"""Running commands side by side: wall time and peak memory of each run, ratios per round.

The machine is small and shared, so no figure is an absolute time: every figure is the ratio of
two (or more) commands run in the same rounds, one after the other, and the order of the commands
turns by one place each round, so none of them always runs first (after a pause) or last.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import statistics
import subprocess
import sys
import threading

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launch.py")


class CommandFailed(RuntimeError):
    """A measured command exited non-zero or timed out; the message has the end of its output."""


@dataclasses.dataclass
class Sample:
    """One run of one command."""

    wall: float  # seconds, from start to exit
    maxrss_kib: int  # peak resident set size of the process (and the children it waited for), KiB
    cpu: float  # user + system CPU seconds of the process (and the children it waited for)
    stdout_path: str
    stderr_path: str


@dataclasses.dataclass
class Command:
    """A command to measure; ``before`` runs (unmeasured) before each run, ``after`` after it."""

    label: str
    argv: list
    env: dict
    cwd: str
    timeout: float = 900.0
    before: object = None
    after: object = None
    warmup: bool = True  # False: skip it in the warm-up round (too slow to run once more for nothing)


def run_once(command, out_dir):
    """Run ``command`` once through launch.py; its standard output and error go to files under ``out_dir``.

    launch.py forks and execs the command and reads its os.wait4() resource usage: the wall time
    from fork to exit, ru_maxrss (the peak memory of exactly that process, not of this one, see
    launch.py) and its CPU time.
    """
    stdout_path = os.path.join(out_dir, "%s.stdout" % command.label)
    stderr_path = os.path.join(out_dir, "%s.stderr" % command.label)
    result_path = os.path.join(out_dir, "%s.usage" % command.label)
    if os.path.exists(result_path):
        os.remove(result_path)
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        # The launcher leads a process group of its own, so a timeout ends the command too.
        with subprocess.Popen([sys.executable, "-S", LAUNCHER, result_path] + list(command.argv), stdout=stdout, stderr=stderr,
                              env=command.env, cwd=command.cwd, start_new_session=True) as process:
            timer = threading.Timer(command.timeout, os.killpg, (process.pid, signal.SIGKILL))
            timer.start()
            try:
                returncode = process.wait()
            finally:
                timer.cancel()
    usage = None
    if os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as stream:
            usage = stream.read().split()
    if returncode != 0 or not usage:
        raise CommandFailed("%s exited %s%s: %s\n%s" % (
            command.label, returncode, "" if usage else " (killed after %ss?)" % command.timeout, " ".join(command.argv),
            tail(stderr_path) or tail(stdout_path)))
    return Sample(wall=float(usage[0]), maxrss_kib=int(usage[1]), cpu=float(usage[2]), stdout_path=stdout_path, stderr_path=stderr_path)


def tail(path, chars=3000):
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        stream.seek(max(0, stream.tell() - chars))
        return stream.read().decode("utf-8", "replace")


def alternate(commands, rounds, out_dir, warmup=False, log=None):
    """Run every command once per round, turning the order each round; return {label: [Sample per round]}.

    With ``warmup`` one unmeasured round runs first (byte-code caches, page cache, the simulator's
    first answers).
    """
    samples = {command.label: [] for command in commands}
    total = rounds + (1 if warmup else 0)
    for index in range(total):
        shift = index % len(commands)
        for command in commands[shift:] + commands[:shift]:
            measured = not (warmup and index == 0)
            if not (measured or command.warmup):
                continue
            if command.before:
                command.before()
            sample = run_once(command, out_dir)
            if command.after:
                command.after(sample)
            if measured:
                samples[command.label].append(sample)
            if log:
                which = "round %d" % (index - (1 if warmup else 0)) if measured else "warm-up"
                log("  %s %s: %.2fs (cpu %.2fs), %.0f MiB" % (which, command.label, sample.wall, sample.cpu, sample.maxrss_kib / 1024.0))
    return samples


@dataclasses.dataclass
class Spread:
    """min / median / max of a list of numbers."""

    values: list

    @property
    def min(self):
        return min(self.values)

    @property
    def median(self):
        return statistics.median(self.values)

    @property
    def max(self):
        return max(self.values)

    def format(self, fmt="%.2f"):
        return "%s / %s / %s" % (fmt % self.min, fmt % self.median, fmt % self.max)


def ratios(numerators, denominators):
    """Per-round ratios of two lists measured in the same rounds."""
    return Spread([a / b for a, b in zip(numerators, denominators)])


def walls(samples):
    return [sample.wall for sample in samples]


def cpus(samples):
    return [sample.cpu for sample in samples]


def summary(label, samples):
    """"label wall a / b / c s (cpu a / b / c s)": the absolute numbers behind a ratio."""
    return "%s %s s (cpu %s s)" % (label, Spread(walls(samples)).format(), Spread(cpus(samples)).format())


def compared(samples, numerator, denominator):
    """Detail text of a time ratio: both commands' numbers and the ratio of their CPU times.

    CPU time (user + system of the measured process) suffers less from a noisy machine than wall
    time, but leaves out what other processes (the simulator) spent; the judged figure is wall time.
    """
    return "%s; %s; cpu-time ratio %s" % (summary(numerator, samples[numerator]), summary(denominator, samples[denominator]),
                                          ratios(cpus(samples[numerator]), cpus(samples[denominator])).format())
