"""The pre-commit hook, as a user's repository runs it: `pre-commit try-repo` installs this
repository the way pre-commit does (its own virtualenv) and runs the hook on a staged spec.

Slow the first time (pre-commit installs chromadb, onnxruntime, ...): the dependencies are kept
in a wheelhouse under ~/.cache/specreview/ keyed on the dependency list, so later runs install
offline. Skipped, saying why, where pre-commit or git is missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

# pre-commit installs the package into a fresh virtualenv: minutes, so the test command runs
# this last, beside the real-model tests.
pytestmark = [pytest.mark.slow, pytest.mark.precommit, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[1]
# [build-system] requires, which pip installs before it builds the hook's package.
BUILD_REQUIRES = ["setuptools>=77"]
SPEC = "# Checkout\n\n## Problem\nUsers abandon carts.\n\n## Open questions\n- TBD: owner\n"


def _cache() -> Path:
    root = os.environ.get("SPECREVIEW_CACHE") or Path.home() / ".cache" / "specreview"
    return Path(root)


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    """The hook's dependencies as wheels, downloaded once per dependency list."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = sorted(project["dependencies"]) + BUILD_REQUIRES
    key = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    house = _cache() / "pre-commit-wheelhouse" / key
    if not (house / ".complete").is_file():
        house.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(house)]
            + [str(REPO), *BUILD_REQUIRES],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"could not download the hook's dependencies: {done.stderr[-500:]}")
        (house / ".complete").write_text(key)
    return house


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's repository with one committed spec and a staged change to it."""
    repo = tmp_path / "user-repo"
    (repo / "docs" / "specs").mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    spec = repo / "docs" / "specs" / "checkout.md"
    spec.write_text(SPEC)
    (repo / "README.md").write_text("# Product\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    spec.write_text(SPEC + "- TBD: rollout\n")
    _git(repo, "add", "docs/specs/checkout.md")
    return repo


def test_pre_commit_try_repo_runs_the_hook_and_leaves_the_repo_clean(
    user_repo: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
        "pre-commit"
    )
    if exe is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit; it is a dev dependency)")
    # The committed hook definition and code, as a user's `rev:` would pin them (uncommitted
    # work in this checkout is not what users install).
    ref = _git(REPO, "rev-parse", "HEAD").strip()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPECREVIEW_", "OPENAI_", "GITHUB_", "PIP_", "VIRTUAL_ENV"))
    }
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PIP_NO_INDEX="1",
        PIP_NO_COMPILE="1",  # no .pyc for thousands of files: the hook runs once
        PIP_FIND_LINKS=str(wheelhouse),
    )
    before = _git(user_repo, "status", "--porcelain", "--untracked-files=all")
    done = subprocess.run(
        [exe, "try-repo", str(REPO), "specreview", "--ref", ref]
        + ["--files", "docs/specs/checkout.md"],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = done.stdout + done.stderr
    # The draft has open questions (high): the hook fails the commit and says why.
    assert done.returncode == 1, out
    assert "specreview (spec review)" in out and "Failed" in out, out
    assert "checkout.md" in out, out
    assert _git(user_repo, "status", "--porcelain", "--untracked-files=all") == before
    assert not (user_repo / ".specreview").exists()
