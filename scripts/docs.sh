#!/usr/bin/env bash
# The collection's docs site (`make docs`): plugin, module and role pages generated from the code
# by antsibull-docs, plus the guides of docs/docsite/ (extra-docs.yml, links.yml, rst/).
#
# Usage: scripts/docs.sh [lint|html [DIR]]...   (no argument: lint html)
#   lint   scripts/check_links.py: every link from a page of the repository (README.md and the other
#          .md files, the guides in docs/docsite/rst/) to a file of the repository resolves, and
#          every :ref: to a guide's label names a defined label; then antsibull-docs
#          lint-collection-docs --plugin-docs --check-extra-docs-refs: the plugins' documentation
#          (schema, markup, references) and the guides (labels, references to plugins and options)
#   html   antsibull-docs sphinx-init + build.sh into DIR (default build/docs/); the site is
#          DIR/build/html/index.html. Sphinx runs with -W (nitpicky), so a broken reference in a
#          guide fails the build.
#
# Offline (the test command reaches no network but PyPI, see README.md): the conf.py that sphinx-init
# writes fetches intersphinx inventories from docs.python.org and docs.ansible.com, which fails
# without a network and would break -W. The build empties intersphinx_mapping and ignores only
# the references that would have resolved through it (labels of the Ansible docs and other
# collections, ANSIBLE_* variables); references to this collection and between the guides stay
# checked.

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

COLLECTION=vpsorg.cloud

# antsibull-docs configuration that logs problems to standard error only: by default it appends
# every run's log to ~/antsibull.log.
append_log_config() {
    cat >> "$1" <<'EOF'

# added by scripts/docs.sh: problems on standard error, no ~/antsibull.log
logging_cfg = {
    version = "1.0"
    outputs = {
        stderr = {
            output = "twiggy.outputs.StreamOutput"
            format = "twiggy.formats.shell_format"
        }
    }
    emitters = {
        problems = {
            level = "WARNING"
            output_name = "stderr"
            filters = []
        }
    }
}
EOF
}

docs_lint() {
    say "scripts/check_links.py (links between the pages of the repository)"
    python "$REPO_ROOT/scripts/check_links.py" --root "$REPO_ROOT" \
        || die "broken links (above): fix the page or the link"
    say "antsibull-docs lint-collection-docs (plugin docs and docs/docsite)"
    (cd "$REPO_ROOT" && antsibull-docs --config-file "$LOG_CONFIG" lint-collection-docs --plugin-docs --check-extra-docs-refs .) \
        || die "antsibull-docs lint-collection-docs found problems (above)"
}

# Append the offline settings to the conf.py that sphinx-init wrote.
patch_conf() {
    cat >> "$1/conf.py" <<'EOF'

# --- added by scripts/docs.sh: build offline ---------------------------------------------------
# No intersphinx inventories: they are downloaded from the internet. Only the references that
# they would resolve are ignored; everything else stays an error under -W.
intersphinx_mapping = {}
nitpick_ignore_regex = [
    # labels of the Ansible docs (ansible_configuration_settings, common_return_values, ...)
    ('ref', r'(?!ansible_collections\.vpsorg\.cloud\.)[a-z0-9_]+'),
    # pages of other collections (ansible.builtin and the like)
    ('ref', r'ansible_collections\.(?!vpsorg\.cloud\.).*'),
    # Ansible's own configuration variables, documented in the Ansible docs
    ('envvar', r'ANSIBLE_.*'),
]
EOF
}

docs_html() {
    local dest="${1:-$REPO_ROOT/build/docs}"
    say "antsibull-docs sphinx-init + build.sh into $dest"
    # Deleted and rebuilt; a folder that is not an earlier docs build is never deleted.
    if [ -e "$dest" ] && [ ! -f "$dest/antsibull-docs.cfg" ] && [ -n "$(ls -A "$dest")" ]; then
        die "$dest is not empty and not an earlier docs build; choose another folder"
    fi
    rm -rf "$dest"
    # sphinx-init wants an existing folder that only its owner can write to
    mkdir -p "$(dirname "$dest")"
    mkdir -m 700 "$dest"
    antsibull-docs --config-file "$LOG_CONFIG" sphinx-init --use-current --squash-hierarchy --dest-dir "$dest" \
        --project "$COLLECTION" --copyright "$COLLECTION contributors" \
        --title "$COLLECTION collection" "$COLLECTION" >/dev/null
    patch_conf "$dest"
    append_log_config "$dest/antsibull-docs.cfg"
    # build.sh: antsibull-docs collection (RST from the code and docs/docsite), then sphinx-build -W
    (cd "$dest" && ./build.sh) > "$dest/build.log" 2>&1 || {
        cat "$dest/build.log" >&2
        die "the docs site did not build (log above, also in $dest/build.log)"
    }
    grep -i 'warning' "$dest/build.log" >&2 || true
    [ -s "$dest/build/html/index.html" ] || die "no $dest/build/html/index.html"
    say "Docs site: $dest/build/html/index.html"
}

main() {
    ensure_venv
    ensure_layout
    LOG_CONFIG="$(mktemp)"
    # shellcheck disable=SC2064  # expand now: the file name is fixed
    trap "rm -f '$LOG_CONFIG'" EXIT
    append_log_config "$LOG_CONFIG"
    [ "$#" -gt 0 ] || set -- lint html
    while [ "$#" -gt 0 ]; do
        case "$1" in
            lint) docs_lint; shift ;;
            html)
                shift
                if [ "$#" -gt 0 ] && [ "$1" != lint ] && [ "$1" != html ]; then
                    docs_html "$1"; shift
                else
                    docs_html
                fi
                ;;
            *) die "unknown argument '$1' (usage: scripts/docs.sh [lint|html [DIR]]...)" ;;
        esac
    done
}

main "$@"
