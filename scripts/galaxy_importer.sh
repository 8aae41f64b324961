#!/usr/bin/env bash
# galaxy-importer on the collection tarball (`make galaxy`; stage `galaxy` of the test
# command): builds the tarball with `ansible-galaxy collection build` into a temporary folder,
# checks that no local file (venvs, caches, test output) slipped into it, and imports it with
# galaxy-importer configured by scripts/galaxy-importer.cfg.
#
# galaxy-importer exits 0 on many problems (it logs them), so the stage fails on its exit status,
# on any ERROR, CRITICAL or WARNING line of its log (ansible-lint findings are WARNING lines), and
# when the log lacks its closing "Importer processing completed successfully".
#
# Usage: scripts/galaxy_importer.sh [TARBALL]   (default: build one from the working tree)

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_venv

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

if [ "$#" -gt 0 ]; then
    tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
    say "ansible-galaxy collection build (temporary folder)"
    ansible-galaxy collection build --output-path "$workdir/dist" "$REPO_ROOT" >/dev/null
    tarball="$(ls "$workdir"/dist/*.tar.gz)"
fi

# What must never be in the tarball: build_ignore in galaxy.yml keeps them out.
strays="$(tar -tzf "$tarball" | grep -E '(^|/)(\.venv|venv|\.cache|\.ansible|\.git|\.pytest_cache|\.hypothesis|__pycache__|build|dist)(/|$)|^tests/output/|\.pyc$|\.tar\.gz$' || true)"
[ -z "$strays" ] || die "$(basename "$tarball") holds files that build_ignore in galaxy.yml should keep out:
$strays"

say "galaxy-importer $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
# From the temporary folder: galaxy-importer writes importer_result.json into the current folder.
rc=0
(
    cd "$workdir"
    GALAXY_IMPORTER_CONFIG="$REPO_ROOT/scripts/galaxy-importer.cfg" \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$workdir/ansible-tmp" \
    GALAXY_IMPORTER_TMP_ROOT_DIR="$workdir" \
        python -m galaxy_importer.main "$tarball"
) > "$workdir/importer.log" 2>&1 || rc=$?
cat "$workdir/importer.log"

problems="$(grep -E '^(ERROR|CRITICAL|WARNING)\b|Traceback' "$workdir/importer.log" || true)"
[ "$rc" -eq 0 ] || die "galaxy-importer exited with status $rc"
[ -z "$problems" ] || die "galaxy-importer reported problems:
$problems"
grep -q '^Importer processing completed successfully' "$workdir/importer.log" \
    || die "galaxy-importer did not complete the import"
say "galaxy-importer: no errors, no warnings"
