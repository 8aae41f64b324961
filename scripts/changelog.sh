#!/usr/bin/env bash
# The changelog (antsibull-changelog; configuration in changelogs/config.yaml).
#
# Usage: scripts/changelog.sh lint|release
#   lint     (the `changelog` stage of the test command) lints the fragments in
#            changelogs/fragments/ and changelogs/changelog.yaml, checks that CHANGELOG.rst is what
#            changelog.yaml gives, and names the fragments that are not in the release of the
#            version in galaxy.yml yet (a note, not a failure: run `make changelog`).
#   release  (`make changelog`) adds the fragments and new plugins to the release of the version
#            in galaxy.yml in changelogs/changelog.yaml, and regenerates CHANGELOG.rst. Run it
#            again after adding or editing a fragment: it is idempotent, and keeps the release date
#            of a release that exists already.
#
# changelogs/config.yaml has keep_fragments: true, so a release keeps the fragment files (the
# release lists their names and their text in changelog.yaml, and a fragment is never counted
# twice). The fragments stay lintable and editable until the version is published.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

galaxy_version() {
    python - "$REPO_ROOT/galaxy.yml" <<'EOF'
import sys
import yaml
with open(sys.argv[1], encoding='utf-8') as handle:
    print(yaml.safe_load(handle)['version'])
EOF
}

changelog_lint() {
    local version tmp
    version="$(galaxy_version)"
    say "antsibull-changelog lint (changelogs/fragments, changelogs/changelog.yaml, CHANGELOG.rst)"
    (cd "$REPO_ROOT" && antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml)
    tmp="$(mktemp)"
    # generate renders changelog.yaml only; it changes no file but the output.
    (cd "$REPO_ROOT" && antsibull-changelog generate --output "$tmp") \
        || { rm -f "$tmp"; die "antsibull-changelog generate failed"; }
    if ! cmp -s "$tmp" "$REPO_ROOT/CHANGELOG.rst"; then
        diff -u "$REPO_ROOT/CHANGELOG.rst" "$tmp" | head -40 >&2 || true
        rm -f "$tmp"
        die "CHANGELOG.rst is not what changelogs/changelog.yaml gives; run 'make changelog'"
    fi
    rm -f "$tmp"
    python - "$REPO_ROOT" "$version" <<'EOF'
import os
import sys
import yaml
root, version = sys.argv[1:]
with open(os.path.join(root, 'changelogs', 'changelog.yaml'), encoding='utf-8') as handle:
    releases = yaml.safe_load(handle).get('releases') or {}
known = set()
for release in releases.values():
    known.update(release.get('fragments') or [])
folder = os.path.join(root, 'changelogs', 'fragments')
pending = sorted(name for name in os.listdir(folder) if name.endswith(('.yml', '.yaml')) and name not in known)
if pending:
    print('==> note: fragments not in CHANGELOG.rst yet (run `make changelog` to add them to %s): %s'
          % (version, ', '.join(pending)))
EOF
}

changelog_release() {
    local version
    version="$(galaxy_version)"
    say "antsibull-changelog release --version $version (changelogs/changelog.yaml, CHANGELOG.rst)"
    # --reload-plugins and --refresh: plugin descriptions and fragment texts that changed since the
    # last run replace the old ones in an existing release.
    (cd "$REPO_ROOT" && antsibull-changelog release --version "$version" --reload-plugins --refresh)
}

main() {
    ensure_venv
    ensure_layout
    case "${1:-}" in
        lint) changelog_lint ;;
        release) changelog_release ;;
        *) die "usage: scripts/changelog.sh lint|release" ;;
    esac
}

main "$@"
