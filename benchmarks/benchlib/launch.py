"""Run one command and write its own wall time, peak memory and CPU time to a file.

    python -S launch.py RESULT_FILE COMMAND [ARGS...]

Why a launcher: Linux records the memory high-water mark of the process image a program replaces
when it execs, so a command started straight from the benchmark (a Python process holding
50,000 servers) would report the benchmark's own peak memory when that is larger. Started from
this small process instead, the command's ru_maxrss is its own (at least this launcher's ~10 MB).
The exit status is the command's (128 + signal number when a signal ended it).
"""

import os
import sys
import time


def main():
    result_file, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)  # pylint: disable=protected-access
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    with open(result_file, "w", encoding="utf-8") as stream:
        stream.write("%r %d %r\n" % (wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
