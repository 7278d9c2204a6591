# Shared by scripts/setup.sh, scripts/test.sh and Binder's start (sourced from the repository root).
# VENV: the virtual environment to create/use (default .venv in the repository).
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
# lstm_lib's matrices are small: one BLAS thread is faster than two fighting over two cores,
# and leaves the other core to the second process (e.g. the book build beside a kernel).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

# npm packages (front-end assets the built site serves itself), when package.json exists.
# `npm ci` runs again only when package-lock.json changed since the last install.
ensure_node_modules() {
  [ -f package.json ] || return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "package.json needs Node.js and npm (Debian/Ubuntu: apt-get install nodejs npm)" >&2
    return 1
  fi
  if [ -f node_modules/.installed-package-lock.json ] \
     && cmp -s package-lock.json node_modules/.installed-package-lock.json; then
    return 0
  fi
  echo "npm ci (site assets from the npm registry)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-package-lock.json
}
