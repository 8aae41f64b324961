"""The skips that may happen in CI: every other skip fails a run with VPSORG_FAIL_ON_UNEXPECTED_SKIP=1
(tests/support/skips.py), and every skip, expected or not, is listed at the end of the run.

Each entry names the tests (an fnmatch pattern of their pytest node ids, relative to the repository root), a
text their skip reason contains, and why skipping is right there. Keep it short: a test that can run everywhere
must not be listed; make it run instead.
"""

from __future__ import annotations

import collections

ExpectedSkip = collections.namedtuple('ExpectedSkip', 'nodeid reason why')

EXPECTED_SKIPS = (
    ExpectedSkip(
        'tests/unit/plugins/inventory/test_vps.py::test_older_cores_wrap_only_strings_that_could_be_templates',
        'ansible-core 2.19+ marks inventory data untrusted by itself',
        'the plugin wraps strings as unsafe only on ansible-core 2.16-2.18; on 2.19 and later core guards inventory '
        'data itself, which the other inventory tests check'),
    ExpectedSkip(
        'tests/unit/scripts/test_collection_deps.py::test_the_venv_sees_the_dependencies',
        'not a venv that scripts/common.sh prepared',
        "the core matrix's venvs (scripts/matrix.py) find the dependency collections through the collection layout's "
        "links, not the .pth file of .venv; the test runs in .venv's own pytest stage"),
)
