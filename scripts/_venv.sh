# Sourced by scripts/run and scripts/test. Makes ./.venv with Pledgedesk installed (plus the
# extras named in $PD_EXTRAS), reinstalling only when pyproject.toml changed. Needs nothing but
# Python >= 3.11 with pip.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Pledgedesk needs Python 3.11 or newer with pip; set PYTHON=/path/to/python3.11" >&2
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    py=$(find_python)
    echo "Creating a virtual environment in $VENV" >&2
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
        # Some distributions ship Python without the venv module; virtualenv does the same job.
        rm -rf "$VENV"
        "$py" -m pip install --quiet --user virtualenv
        "$py" -m virtualenv --quiet "$VENV"
    fi
fi

target="."
[ -n "${PD_EXTRAS:-}" ] && target=".[$PD_EXTRAS]"
stamp="$VENV/.pledgedesk-installed-${PD_EXTRAS:-base}"
wanted=$(cd "$ROOT" && cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Pledgedesk ${PD_EXTRAS:+with $PD_EXTRAS dependencies }into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target")
    echo "$wanted" > "$stamp"
fi
