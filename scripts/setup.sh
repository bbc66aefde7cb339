#!/usr/bin/env bash
# Create .venv (if missing) and install specreview with its dev tools. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last install.
stamp=.venv/.specreview-installed
if [[ ! -f $stamp ]] || ! cmp -s pyproject.toml "$stamp"; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  cp pyproject.toml "$stamp"
fi
# tiktoken's encodings, rebuilt offline from a PyPI package (no download at run time).
.venv/bin/python -c "from assistant.tokens import ensure_offline_encodings as e; e()"
