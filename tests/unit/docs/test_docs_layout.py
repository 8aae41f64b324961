# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""README.md's Layout names every folder at the top of the repository, and CONTRIBUTING.md's map names every file of
the collection's code and every test folder, so that a new one cannot be left out of them."""

from __future__ import annotations

import glob
import os
import re

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# Written by tools and runs (.gitignore), never part of the repository.
NOT_IN_REPOSITORY = (".git", "__pycache__", ".hypothesis", ".pytest_cache")
CODE = ("plugins/module_utils/*.py", "plugins/plugin_utils/*.py", "plugins/modules/*.py", "plugins/action/*.py",
        "plugins/inventory/*.py", "plugins/doc_fragments/*.py", "extensions/eda/plugins/event_source/*.py")


def read(name):
    with open(os.path.join(REPO_ROOT, name), encoding="utf-8") as handle:
        return handle.read()


def ignored_at_the_top():
    """The folders .gitignore ignores at the top (/name/)."""
    return set(re.findall(r"^/([^/\s]+)/$", read(".gitignore"), re.MULTILINE))


def top_folders():
    ignored = ignored_at_the_top() | set(NOT_IN_REPOSITORY)
    return sorted(name for name in os.listdir(REPO_ROOT) if os.path.isdir(os.path.join(REPO_ROOT, name)) and name not in ignored)


def layout_block():
    """The code block of README.md's Layout section."""
    section = read("README.md").split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_layout_names_every_top_folder():
    named = {line.split("/", 1)[0] for line in layout_block().splitlines() if re.match(r"[.\w-]+/", line)}
    folders = top_folders()
    assert len(folders) > 5, folders
    assert sorted(set(folders) - named) == [], "top folders that README.md's Layout does not name"


def test_the_readme_links_the_contributing_guide():
    assert "[CONTRIBUTING.md](CONTRIBUTING.md)" in read("README.md")


def test_the_contributing_map_names_every_file_of_the_code_and_every_test_folder():
    text = read("CONTRIBUTING.md")
    code = [os.path.relpath(path, REPO_ROOT) for pattern in CODE for path in glob.glob(os.path.join(REPO_ROOT, pattern))
            if not path.endswith("__init__.py")]
    tests = [os.path.relpath(path, REPO_ROOT) + "/" for path in glob.glob(os.path.join(REPO_ROOT, "tests", "*"))
             if os.path.isdir(path) and os.path.basename(path) not in ignored_at_the_top() | {"output", "__pycache__"}]
    wanted = code + tests + ["tests/simulator/tests/", "benchmarks/"]
    assert len(code) > 15 and len(tests) > 5, wanted
    assert sorted(name for name in wanted if "`%s`" % name not in text) == [], "not named in CONTRIBUTING.md's map"
