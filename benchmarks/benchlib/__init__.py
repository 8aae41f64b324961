"""The vpsorg.cloud benchmark suite (see benchmarks/README.md); run it with benchmarks/run.py."""
