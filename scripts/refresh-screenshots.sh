#!/usr/bin/env bash
# Retake the pages' screenshots in a real browser and copy them into the tracked
# evals/reports/screenshots/. The tests write only to the ignored test-artifacts/screenshots/;
# run this when a page changed on purpose, then review and commit the images.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
rm -rf test-artifacts/screenshots
pytest -q -p no:cacheprovider tests/browser "$@"
shopt -s nullglob
shots=(test-artifacts/screenshots/*.png)
if (( ${#shots[@]} == 0 )); then
  echo "refresh-screenshots: no screenshots taken (is chromium installed?)" >&2
  exit 1
fi
mkdir -p evals/reports/screenshots
cp "${shots[@]}" evals/reports/screenshots/
echo "refresh-screenshots: copied ${#shots[@]} screenshot(s) into evals/reports/screenshots/"
git status --short -- evals/reports/screenshots
