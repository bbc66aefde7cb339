"""action.yml and .pre-commit-hooks.yaml agree with the code they run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.github.repo_config import is_spec_path
from assistant.config import GitHubConfig

ROOT = Path(__file__).resolve().parents[2]


def test_action_runs_the_github_action_command():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    runs = [step.get("run", "") for step in action["runs"]["steps"]]
    assert any(r.strip() == "specreview github-action" for r in runs)
    env = next(s["env"] for s in action["runs"]["steps"] if "env" in s)
    assert set(env) >= {"GITHUB_TOKEN", "SPECREVIEW_UPLOAD_SARIF"}


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
