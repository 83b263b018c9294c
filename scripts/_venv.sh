# Sourced by scripts/serve and scripts/test: make .venv and install the project into it, once per change
# of pyproject.toml (a stamp in .venv holds the hash of what was installed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1:-}"
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tanbi needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.tanbi-installed${extras:+-$extras}"
want="$(cat pyproject.toml clients/python/pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing Tanbi${extras:+ with [$extras]} into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}" >&2
  # The partner SDK is tested against the service, so the test setup installs it too.
  if [ "$extras" = dev ]; then .venv/bin/python -m pip install --quiet -e clients/python >&2; fi
  echo "$want" > "$stamp"
fi
