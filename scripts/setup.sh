#!/usr/bin/env bash
# Set up everything and build the book:
#   bash scripts/setup.sh              virtualenv .venv + requirements + npm assets + book
#   bash scripts/setup.sh --no-build   the same without building the book (CI uses this)
# Needs Python >= 3.10 (3.11 is what Binder and CI use) and, for Chinese figures, a CJK font
# (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "usage: bash scripts/setup.sh [--no-build]" >&2; exit 2 ;;
esac

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "Python >= 3.10 is needed (3.11 recommended); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating the virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "installing requirements.txt into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt

ensure_node_modules

# Also rebuilds matplotlib's font cache if it predates an installed CJK font.
"$VENV/bin/python" scripts/check_fonts.py

if [ "$build" = 1 ]; then
  echo "building the book (notebooks are executed; results are cached in _build/.jupyter_cache)"
  PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/jupyter-book" build . -W -n --keep-going
  echo
  echo "网站已生成 / the site is at: file://$PWD/_build/html/index.html"
  echo "本地运行笔记本 / run the notebooks: $VENV/bin/jupyter lab chapters/"
fi
