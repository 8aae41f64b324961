"""What the tests (and benchmarks/) share: one place for each piece, so the copies cannot drift apart.

- ``support.environment``: the environment of every ``ansible-*`` child process (``ansible_env``), and
  ``use_as_environ`` for libraries that start from a copy of ``os.environ`` (ansible-runner).
- ``support.collection``: ``make_importable()``, so ``ansible_collections.vpsorg.cloud`` imports in-process.
- ``support.simulator``: a pytest plugin with the ``simulator`` (one per test module) and ``sim`` (reset before
  each test) fixtures.
- ``support.skips``: a pytest plugin that lists every skipped test at the end of the run and, with
  ``VPSORG_FAIL_ON_UNEXPECTED_SKIP=1``, fails the run on a skip that tests/expected_skips.py does not allow.

tests/ is on sys.path through the pythonpath setting of pytest.ini (benchmarks/benchlib/environment.py puts it
there itself); tests/conftest.py registers the two plugins. ``support.environment`` and ``support.collection`` use
the standard library and scripts/collection_layout.py only, so the benchmarks and the soak scripts import them too.
"""
