#!/usr/bin/env bash
# The one main command: set up, index the bundled sample history, review the sample draft.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export SPECREVIEW_STORE_PATH=${SPECREVIEW_STORE_PATH:-.specreview/demo-store}
specreview index examples/kb
specreview docs
specreview review examples/drafts/*.md || true  # findings make the exit code non-zero by design
