#!/usr/bin/env bash
# One entry point for people and CI: creates .venv from the hashed lock files, then runs a task.
#   bash scripts/dev.sh run     set up and start the console chat on embedded defaults
#   bash scripts/dev.sh test    set up and run ruff, ruff format --check, mypy --strict, vulture
#                               (dead code, settings in pyproject.toml) and pytest
#   bash scripts/dev.sh lock    recompile the lock files (needs uv)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv

setup() {  # setup LOCKFILE...: install exactly these pins, then the project itself, once per lock change
  local stamp="$VENV/.installed-$(cat "$@" pyproject.toml | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  local args=()
  for lock in "$@"; do args+=(-r "$lock"); done
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes "${args[@]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  rm -f "$VENV"/.installed-* && touch "$stamp"
}

case "${1:-}" in
  run)
    setup requirements.lock requirements-build.lock
    shift
    exec "$VENV/bin/clipbridge" "${@:-chat}"
    ;;
  test)
    setup requirements-dev.lock
    export PATH="$PWD/$VENV/bin:$PATH"
    ruff check .
    ruff format --check .
    mypy --strict bot adapters
    vulture
    shift
    pytest -q "$@"
    ;;
  lock)
    uv pip compile -q --python-version 3.11 --generate-hashes --extra dev pyproject.toml -o requirements-dev.lock
    uv pip compile -q --python-version 3.11 --generate-hashes pyproject.toml -c requirements-dev.lock -o requirements.lock
    uv pip compile -q --python-version 3.11 --generate-hashes requirements-build.in -c requirements-dev.lock -o requirements-build.lock
    ;;
  *)
    echo "usage: bash scripts/dev.sh run|test|lock" >&2
    exit 2
    ;;
esac
