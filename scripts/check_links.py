#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every link from a page of the repository to a file of the repository must resolve.

    python scripts/check_links.py [--root DIR] [FILE...]

Checked, in every Markdown (*.md) and reStructuredText (*.rst) file under the root (folders whose
name starts with a dot, build/, dist/, tests/output/ and caches are skipped), or in the FILEs given:

- Markdown: inline links and images ``[text](target)``, ``![alt](target)`` and reference
  definitions ``[name]: target`` whose target is not a URL. The target must be an existing file or
  folder, relative to the page (or, with a leading ``/``, to the root), inside the root. A
  ``#fragment`` on a Markdown page (or alone, on the page itself) must name one of its headings, as
  GitHub makes their anchors.
- reStructuredText: relative hyperlinks ``\\`text <target>\\`_``, hyperlink targets
  ``.. _name: target`` and the paths of ``image``, ``figure``, ``include`` and ``literalinclude``,
  as for Markdown (fragments are not checked); ``:doc:`` targets; and ``:ref:`` labels of the
  docs site's guides (``ansible_collections.<namespace>.<name>.docsite.*``), which must be defined
  (``.. _label:``) in one of the .rst files under the root. Other labels (the plugin pages antsibull-docs
  generates, the Ansible docs) are left to Sphinx.

Code blocks and inline code are skipped. Prints one line per broken link, ``FILE:LINE: ...``
naming the target and why, and exits 1; exits 0 when every link resolves.
Standard library only: scripts/docs.sh lint runs it before anything is installed into the venv.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from urllib.parse import unquote

SKIPPED_DIRS = {"build", "dist", "node_modules", "__pycache__"}
SKIPPED_PATHS = {os.path.join("tests", "output")}

URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
MD_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*\b(?:name|id)=["']([^"']+)["']""", re.I)

RST_LITERAL = re.compile(r"``.+?``")
RST_LINK = re.compile(r"`(?:[^`<]*?)<([^<>`]+)>`__?")
RST_TARGET = re.compile(r"^\s*\.\.\s+_[^:]+:\s+(\S.*)$")
RST_PATH_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:image|figure|include|literalinclude)::\s+(\S+)")
RST_CODE_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:code-block|code|sourcecode|literalinclude)::")
RST_ROLE = re.compile(r":(ref|doc):`([^`]+)`")
RST_LABEL = re.compile(r"^\s*\.\.\s+_([^:`]+|`[^`]+`):\s*$")
DOCSITE_LABEL = re.compile(r"^ansible_collections\.[a-z0-9_]+\.[a-z0-9_]+\.docsite\.")


def find_pages(root):
    """Every .md and .rst file under root, skipping hidden folders, build output and caches."""
    pages = []
    for directory, subdirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        subdirs[:] = sorted(
            name for name in subdirs
            if not name.startswith(".") and name not in SKIPPED_DIRS
            and os.path.normpath(os.path.join(relative, name)) not in SKIPPED_PATHS)
        pages.extend(os.path.join(directory, name) for name in sorted(files) if name.endswith((".md", ".rst")))
    return pages


def github_slug(heading):
    """The anchor GitHub gives a Markdown heading (before duplicates get -1, -2, ...)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def markdown_lines(text):
    """(line number, line) of the prose of a Markdown page: fenced code blocks left out."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence:
            if match and match.group(1) == fence:
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        yield number, line


def markdown_anchors(text):
    anchors = set()
    seen = {}
    for _number, line in markdown_lines(text):
        anchors.update(HTML_ANCHOR.findall(line))
        match = MD_HEADING.match(line)
        if match:
            slug = github_slug(match.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else "%s-%d" % (slug, count))
    return anchors


def markdown_links(text):
    """(line number, target) of every link of a Markdown page."""
    for number, line in markdown_lines(text):
        prose = MD_CODE_SPAN.sub(lambda match: " " * len(match.group(0)), line)
        for match in MD_LINK.finditer(prose):
            yield number, match.group(1).strip("<>")
        match = MD_REF_DEF.match(prose)
        if match:
            yield number, match.group(1).strip("<>")


def rst_lines(text):
    """(line number, line) of a reStructuredText page, code blocks and literal blocks left out."""
    skip_indent = None  # inside a block: lines indented more than this (or blank) belong to it
    expect_block = None  # after "::", the literal block that follows
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if not line.strip() or indent > skip_indent:
                continue
            skip_indent = None
        if expect_block is not None:
            if not line.strip():
                continue
            if indent > expect_block:
                skip_indent = expect_block
                expect_block = None
                continue
            expect_block = None
        match = RST_CODE_DIRECTIVE.match(line)
        if match:
            yield number, line  # the directive's own argument (literalinclude's path) is checked
            skip_indent = len(match.group(1))
            continue
        yield number, line
        stripped = line.rstrip()
        if stripped.endswith("::") and not stripped.lstrip().startswith(".."):
            expect_block = indent


def rst_labels(text):
    labels = set()
    for _number, line in rst_lines(text):
        match = RST_LABEL.match(line)
        if match:
            labels.add(match.group(1).strip("`"))
    return labels


def rst_links(text):
    """(line number, kind, target) of every link of a reStructuredText page; kind is file, doc or ref."""
    for number, line in rst_lines(text):
        match = RST_PATH_DIRECTIVE.match(line)
        if match:
            yield number, "file", match.group(1)
            continue
        match = RST_TARGET.match(line)
        if match:
            target = match.group(1).strip()
            if not target.endswith("_"):  # an indirect target names another target, not a file
                yield number, "file", target
            continue
        prose = RST_LITERAL.sub(lambda found: " " * len(found.group(0)), line)
        for match in RST_LINK.finditer(prose):
            target = match.group(1).strip()
            if not target.endswith("_"):  # `text <name_>`_ refers to a hyperlink target, not a file
                yield number, "file", target
        for match in RST_ROLE.finditer(prose):
            role, content = match.groups()
            explicit = re.search(r"<([^<>]+)>\s*$", content)
            yield number, role, (explicit.group(1) if explicit else content).strip()


def check_file_target(root, page, target, anchors_of):
    """None when target (a link on page) resolves, else why not."""
    if not target or URL.match(target) or target.startswith("mailto:"):
        return None
    path, _hash, fragment = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if not path:
        resolved = page
    elif path.startswith("/"):
        resolved = os.path.normpath(os.path.join(root, path.lstrip("/")))
    else:
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path))
    if os.path.relpath(resolved, root).split(os.sep, maxsplit=1)[0] == os.pardir:
        return "points outside the repository (%s)" % os.path.relpath(resolved, root)
    if not os.path.exists(resolved):
        return "no such file: %s" % os.path.relpath(resolved, root)
    if fragment and resolved.endswith(".md") and os.path.isfile(resolved):
        if unquote(fragment).lower() not in anchors_of(resolved):
            return "no heading with the anchor #%s in %s" % (fragment, os.path.relpath(resolved, root))
    return None


def check_doc_target(root, page, target):
    """None when a :doc: target (a document name, without .rst) resolves, else why not."""
    base = root if target.startswith("/") else os.path.dirname(page)
    path = os.path.normpath(os.path.join(base, target.lstrip("/"))) + ".rst"
    return None if os.path.isfile(path) else "no such document: %s" % os.path.relpath(path, root)


def check(root, pages):
    """Every broken link of pages, as (page, line, target, reason)."""
    root = os.path.abspath(root)
    pages = [os.path.abspath(page) for page in pages]
    texts = {}

    def read(path):
        if path not in texts:
            with open(path, encoding="utf-8") as stream:
                texts[path] = stream.read()
        return texts[path]

    anchors = {}

    def anchors_of(path):
        if path not in anchors:
            anchors[path] = {anchor.lower() for anchor in markdown_anchors(read(path))}
        return anchors[path]

    labels = set()  # the labels of every .rst page of the root, also when only some pages are checked
    for page in sorted(set(pages) | set(find_pages(root))):
        if page.endswith(".rst"):
            labels.update(rst_labels(read(page)))

    broken = []
    for page in pages:
        text = read(page)
        if page.endswith(".md"):
            for number, target in markdown_links(text):
                reason = check_file_target(root, page, target, anchors_of)
                if reason:
                    broken.append((page, number, target, reason))
            continue
        for number, kind, target in rst_links(text):
            if kind == "file":
                reason = check_file_target(root, page, target, anchors_of)
            elif kind == "doc":
                reason = check_doc_target(root, page, target)
            else:
                reason = None
                if DOCSITE_LABEL.match(target) and target not in labels:
                    reason = "no label %s is defined (.. _%s:) in any .rst file under the root" % (target, target)
            if reason:
                broken.append((page, number, target, reason))
    return broken


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the repository (default: the one this script is in)")
    parser.add_argument("files", nargs="*", help="pages to check (default: every .md and .rst file under the root)")
    args = parser.parse_args(argv)
    pages = args.files or find_pages(args.root)
    broken = check(args.root, pages)
    root = os.path.abspath(args.root)
    for page, number, target, reason in broken:
        print("%s:%d: broken link '%s': %s" % (os.path.relpath(page, root), number, target, reason))
    if broken:
        print("check_links: %d broken link(s) in %d page(s)" % (len(broken), len({item[0] for item in broken})))
        return 1
    print("check_links: every link to a file of the repository resolves (%d pages)" % len(pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
