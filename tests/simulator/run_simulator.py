#!/usr/bin/env python
"""Start the VPS.org API simulator: python tests/simulator/run_simulator.py --help"""

import os
import sys

# Works from any directory: the package sits next to this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vpsorg_simulator.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
