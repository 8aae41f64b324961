"""scripts/check_links.py, which scripts/docs.sh lint runs: a link from a page of the repository to a file of the
repository that does not exist fails the check, naming the page, the line and the target."""

from __future__ import annotations

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CHECK_LINKS = os.path.join(REPO_ROOT, "scripts", "check_links.py")

LABEL = "ansible_collections.vpsorg.cloud.docsite.guide_inventory"

GUIDE = """\
.. _%s:

The inventory plugin
====================

See `the README <../../../README.md>`_ and :ref:`the guide <%s>`.

.. code-block:: text

  `not a link <no/such/file>`_
""" % (LABEL, LABEL)

README = """\
# Title

## Rate limiting

[the guide](docs/docsite/rst/guide_inventory.rst), [a heading](#rate-limiting),
[the web](https://example.org/nowhere.md), `[code](no/such/file.md)`

```sh
cat [not a link](no/such/file.md)
```
"""


def make_tree(root, readme=README, guide=GUIDE):
    rst = root / "docs" / "docsite" / "rst"
    rst.mkdir(parents=True)
    (rst / "guide_inventory.rst").write_text(guide, encoding="utf-8")
    (root / "README.md").write_text(readme, encoding="utf-8")
    # build output and hidden folders are not pages of the repository
    for skipped in ("build", ".venv"):
        (root / skipped).mkdir()
        (root / skipped / "README.md").write_text("[broken](no/such/file.md)\n", encoding="utf-8")


def check_links(root):
    return subprocess.run([sys.executable, CHECK_LINKS, "--root", str(root)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_links_that_resolve_pass(tmp_path):
    make_tree(tmp_path)
    result = check_links(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every link to a file of the repository resolves (2 pages)" in result.stdout


def test_a_markdown_link_to_a_removed_file_fails_naming_page_line_and_target(tmp_path):
    make_tree(tmp_path, readme=README + "\nThe old guide: [inventory](docs/inventory.md).\n")
    result = check_links(tmp_path)
    assert result.returncode == 1
    assert "README.md:12: broken link 'docs/inventory.md': no such file: docs/inventory.md" in result.stdout
    assert "1 broken link(s) in 1 page(s)" in result.stdout


def test_a_markdown_anchor_without_its_heading_fails(tmp_path):
    make_tree(tmp_path, readme=README + "[gone](#rate-limits) [also](README.md#title)\n")
    result = check_links(tmp_path)
    assert result.returncode == 1
    assert "README.md:11: broken link '#rate-limits': no heading with the anchor #rate-limits in README.md" in result.stdout
    assert "README.md#title" not in result.stdout


def test_an_rst_file_link_and_an_undefined_guide_label_fail(tmp_path):
    guide = GUIDE + "\nSee `performance <../../performance.md>`_ and :ref:`%s_old`.\n" % LABEL
    make_tree(tmp_path, guide=guide)
    result = check_links(tmp_path)
    assert result.returncode == 1
    page = os.path.join("docs", "docsite", "rst", "guide_inventory.rst")
    assert "%s:12: broken link '../../performance.md': no such file: docs/performance.md" % page in result.stdout
    assert "%s:12: broken link '%s_old': no label" % (page, LABEL) in result.stdout


def test_a_link_out_of_the_repository_fails(tmp_path):
    make_tree(tmp_path, readme=README + "[up](../elsewhere.md)\n")
    (tmp_path.parent / "elsewhere.md").write_text("# Elsewhere\n", encoding="utf-8")
    result = check_links(tmp_path)
    assert result.returncode == 1
    assert "broken link '../elsewhere.md': points outside the repository" in result.stdout


def test_the_repository_has_no_broken_link():
    result = check_links(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
