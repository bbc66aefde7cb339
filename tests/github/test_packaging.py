"""action.yml and .pre-commit-hooks.yaml agree with the code they run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.github.repo_config import is_spec_path
from assistant.config import GitHubConfig

ROOT = Path(__file__).resolve().parents[2]


def _steps() -> list[dict[str, Any]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    return steps


def test_action_runs_the_github_action_command():
    [review] = [s for s in _steps() if s.get("id") == "review"]
    lines = [line.strip() for line in review["run"].splitlines()]
    assert "specreview github-action || status=$?" in lines and lines[-1] == 'exit "$status"'
    assert set(review["env"]) >= {
        "GITHUB_TOKEN",
        "SPECREVIEW_UPLOAD_SARIF",
        "SPECREVIEW_COMMENTS",
        "SPECREVIEW_SARIF_FILE",
    }


def test_action_caches_its_environment_keyed_on_the_dependency_set():
    steps = _steps()
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    [key] = [s for s in steps if s.get("id") == "key"]
    assert cache["with"]["key"] == "${{ steps.key.outputs.key }}"
    assert "${{ steps.key.outputs.venv }}" in cache["with"]["path"]
    for part in ("RUNNER_OS", "steps.python.outputs.python-version", "pyproject.toml"):
        assert part in key["run"]
    [install] = [s for s in steps if s.get("name") == "Install specreview"]
    assert "steps.cache.outputs.cache-hit" in install["env"]["CACHE_HIT"]
    assert "--no-deps" in install["run"]  # a cache hit still installs this version's code


def test_action_pins_what_it_uses_to_a_version():
    """Actions the composite uses are pinned to a release tag, never a moving branch."""
    for step in _steps():
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", step["uses"]), step["uses"]


@pytest.mark.parametrize(
    "path",
    [
        "docs/specs/checkout.md",
        "specs/a/b.md",
        "rfcs/0001-x.md",
        "adr/0001.md",
        "svc/docs/adr/0002.md",
        "web/checkout.spec.md",
        "README.md",
        "docs/guide.md",
        "src/adrian.md",
    ],
)
def test_pre_commit_hook_files_match_the_default_spec_globs(path):
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "specreview review"
    hooked = re.search(hook["files"], path) is not None
    assert hooked == is_spec_path(path, GitHubConfig().spec_globs)
