# shellcheck shell=bash
# Shared by scripts/test.sh, scripts/demo.sh, scripts/build.sh and the Makefile.
#
# Source it:   . scripts/common.sh; ensure_venv; ensure_layout
# or run one of its functions:   bash scripts/common.sh ensure_venv
#
# ensure_venv    creates or reuses the project-local .venv from requirements/dev.txt and puts it
#                first on PATH. It reinstalls only when requirements/dev.txt changed: the
#                file's sha256 is kept in .venv/.requirements.sha256. The collections galaxy.yml
#                depends on are put on the venv's sys.path by a .pth file (scripts/collection_deps.py:
#                extracted once from a pinned wheel of PyPI's ansible package into ~/.cache/vpsorg-cloud/),
#                so tools that set a collections path of their own (galaxy-importer, ansible-galaxy
#                install of the built tarball) find them too.
# ensure_layout  makes the working tree visible as .cache/collections/ansible_collections/vpsorg/cloud
#                (see scripts/collection_layout.py) and exports ANSIBLE_COLLECTIONS_PATH to it.
#
# Needs only bash and Python 3.11 with venv/pip; set PYTHON=/path/to/python3.11 to choose one.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
REQUIREMENTS="$REPO_ROOT/requirements/dev.txt"
REQUIREMENTS_STAMP="$VENV/.requirements.sha256"

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Succeeds when "$1" runs and is Python 3.11.
is_python311() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1
}

find_python311() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && is_python311 "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    die "Python 3.11 not found (tried \$PYTHON, python3.11, python3, python); install it or set PYTHON=/path/to/python3.11"
}

ensure_venv() {
    local python want have=""
    if is_python311 "$VENV/bin/python"; then
        [ -f "$REQUIREMENTS_STAMP" ] && have="$(cat "$REQUIREMENTS_STAMP")"
    else
        python="$(find_python311)"
        say "Creating the virtual environment .venv with $python"
        rm -rf "$VENV"
        "$python" -m venv "$VENV" || die "'$python -m venv' failed (on Debian/Ubuntu: apt-get install python3.11-venv)"
    fi
    want="$("$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$REQUIREMENTS")"
    if [ "$want" != "$have" ]; then
        say "Installing requirements/dev.txt into .venv (about a minute the first time)"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
        printf '%s\n' "$want" > "$REQUIREMENTS_STAMP"
    fi
    "$VENV/bin/python" "$REPO_ROOT/scripts/collection_deps.py" --pth >/dev/null \
        || die "the collections galaxy.yml depends on are not available (scripts/collection_deps.py)"
    export VIRTUAL_ENV="$VENV"
    export PATH="$VENV/bin:$PATH"
}

ensure_layout() {
    ANSIBLE_COLLECTIONS_PATH="$("$VENV/bin/python" "$REPO_ROOT/scripts/collection_layout.py")"
    export ANSIBLE_COLLECTIONS_PATH
}

# Executed rather than sourced: run the function named by the arguments.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    "$@"
fi
