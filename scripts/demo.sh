#!/usr/bin/env bash
# The one main command: set up, index the bundled sample history, review the sample draft.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
# The default store (.specreview/store here, found from any folder below): `specreview docs`
# and `specreview review` run later use the same one without a flag or variable.
specreview index examples/kb
specreview status
specreview docs
specreview review examples/drafts/*.md || true  # findings make the exit code non-zero by design
