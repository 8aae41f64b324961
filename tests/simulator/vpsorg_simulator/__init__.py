"""A local, standard-library-only simulator of the VPS.org servers REST API.

Start it with ``python tests/simulator/run_simulator.py``; see tests/simulator/README.md.
"""

__version__ = "1.0.0"
