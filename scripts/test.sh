#!/usr/bin/env bash
# Run every test: lstm_lib's unit tests, every notebook under nbval, the book build
# (clean, -W -n) and the built-site checks. One pytest run; extra arguments go to pytest.
#   bash scripts/test.sh
#   bash scripts/test.sh -k book      (a subset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

if [ ! -x "$VENV/bin/python" ]; then
  echo "no environment in $VENV: run  bash scripts/setup.sh  first" >&2
  exit 1
fi
export PATH="$PWD/$VENV/bin:$PATH"

ensure_node_modules
"$VENV/bin/python" scripts/check_fonts.py

# A cell that runs longer than 300 s has hung: fail it instead of waiting for CI's limit.
exec "$VENV/bin/python" -m pytest --nbval-lax --nbval-cell-timeout=300 tests chapters "$@"
