"""Action mode: `specreview github-action` against the same fake GitHub, with an event file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.github.action import read_event, run_action
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from assistant.errors import InputError
from assistant.services import Services
from cli import github_cmd
from tests.github.conftest import FIXTURES, RuleEngines
from tests.github.fake_github import FakeGitHub

EVENT = FIXTURES / "event.pull_request.json"


def checkout_repo(fake: FakeGitHub, config: str = '[review]\nfail_on = "high"\n') -> None:
    """The repo and PR the sample event file names, at the commits it names."""
    event = json.loads(EVENT.read_text())
    pr = event["pull_request"]
    repo = fake.repo("acme", "product")
    repo.commit(
        "main", {".specreview.toml": config, "README.md": "# Product\n"}, sha=pr["base"]["sha"]
    )
    repo.branch("checkout-spec", from_="main")
    spec = (FIXTURES / "specs" / "checkout_v1.md").read_text()
    repo.commit("checkout-spec", {"docs/specs/checkout.md": spec}, sha=pr["head"]["sha"])
    repo.open_pull(pr["number"], base="main", head="checkout-spec")


def test_run_action_reviews_and_uploads_sarif(fake_github, gh_settings, engines):
    checkout_repo(fake_github)
    client = GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01)))
    report = run_action(
        Services(settings=gh_settings),
        event_name="pull_request",
        payload=read_event(EVENT),
        client=client,
        engines=lambda _repo: engines,
        upload_sarif=True,
    )
    assert report is not None and report.conclusion == "failure"
    assert len(fake_github.reviews) == 1 and len(fake_github.review_comments) == 2
    [upload] = fake_github.sarifs
    assert upload["commit_sha"] == "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    assert upload["ref"] == "refs/pull/7/head"
    results = upload["sarif"]["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == [
        "missing_acceptance_criteria",
        "open_questions",
        "open_questions",
    ]


def _run_with(fake: FakeGitHub, settings, engines: RuleEngines):
    client = GitHubkitClient(build_github(settings, retry=RetryPolicy(backoff_s=0.01)))
    return run_action(
        Services(settings=settings),
        event_name="pull_request",
        payload=read_event(EVENT),
        client=client,
        engines=lambda _repo: engines,
    )


def test_run_action_fails_when_a_file_crashes_the_review(fake_github, gh_settings, engines):
    checkout_repo(fake_github, config='[review]\nfail_on = "high"\n')
    head = json.loads(EVENT.read_text())["pull_request"]["head"]["sha"]
    repo = fake_github.repo("acme", "product")
    repo.commit("checkout-spec", {"docs/specs/hostile.md": "# Hostile\n"}, sha=head)
    engines.review_errors["docs/specs/hostile.md"] = RecursionError("too deep")
    report = _run_with(fake_github, gh_settings, engines)
    assert report is not None and report.conclusion == "failure"
    assert report.files == ["docs/specs/checkout.md"]
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure" and "hostile.md" in run["output"]["summary"]


def test_run_action_that_cannot_finish_reports_a_failed_check(fake_github, gh_settings, engines):
    checkout_repo(fake_github)
    fake_github.fail("GET", r"/pulls/7/files$", 500, times=10)
    with pytest.raises(Exception, match="500"):
        _run_with(fake_github, gh_settings, engines)
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure" and "could not finish" in run["output"]["title"]


def test_cli_github_action_fails_on_a_broken_config(fake_github, tmp_path, monkeypatch):
    """A configuration the bot cannot read is a failed check and exit 1, not a skipped pass."""
    checkout_repo(fake_github, config='[review]\nfail_on = "sometimes"\n')
    for name, value in {
        "GITHUB_TOKEN": fake_github.token,
        "SPECREVIEW_EMBEDDER": "hashing",
        "SPECREVIEW_STORE_PATH": str(tmp_path / "store"),
    }.items():
        monkeypatch.setenv(name, value)
    app = typer.Typer()
    github_cmd.register(app, eval_app=typer.Typer(), bench_app=typer.Typer())
    app.command("noop")(lambda: None)  # two commands, so `github-action` is a subcommand
    result = CliRunner().invoke(
        app,
        [
            "github-action",
            "--event-path",
            str(EVENT),
            "--event-name",
            "pull_request",
            "--api-url",
            fake_github.base_url,
        ],
    )
    assert result.exit_code == 1, result.output
    assert "specreview: failed: " in result.stdout and "review.fail_on" in result.stdout
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure"


def test_run_action_ignores_other_events(fake_github, gh_settings, engines):
    payload = read_event(EVENT) | {"action": "labeled"}
    report = run_action(
        Services(settings=gh_settings),
        event_name="pull_request",
        payload=payload,
        engines=lambda _r: engines,
    )
    assert report is None and fake_github.requests == []


def test_read_event_errors_say_the_fix(tmp_path):
    with pytest.raises(InputError, match="--event-path"):
        read_event(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="JSON object"):
        read_event(tmp_path / "bad.json")


@pytest.mark.slow
def test_cli_github_action_end_to_end(fake_github, tmp_path):
    """The real command, real engine (offline rules, hashing embedder), env as Actions sets it."""
    checkout_repo(fake_github, config='[review]\nfail_on = "high"\n[github]\nmax_comments = 5\n')
    exe = shutil.which("specreview", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPECREVIEW_", "GITHUB_", "OPENAI_"))
    }
    env.update(
        GITHUB_EVENT_PATH=str(EVENT),
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_TOKEN=fake_github.token,
        GITHUB_API_URL=fake_github.base_url,
        SPECREVIEW_EMBEDDER="hashing",
        SPECREVIEW_STORE_PATH=str(tmp_path / "store"),
        SPECREVIEW_CONFIG=str(tmp_path / "none.toml"),
    )
    done = subprocess.run(
        [exe, "github-action"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "specreview: 1 spec file(s)" in done.stdout, done.stdout + done.stderr
    assert len(fake_github.reviews) == 1
    [summary] = fake_github.issue_comments
    assert "specreview summary" in summary["body"]
    check = fake_github.check_runs[0]
    assert done.returncode == (1 if check["conclusion"] == "failure" else 0)


def _cli(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("specreview", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPECREVIEW_", "GITHUB_", "OPENAI_"))
    }
    env.update(
        SPECREVIEW_EMBEDDER="hashing",
        SPECREVIEW_STORE_PATH=str(tmp_path / "store"),
        SPECREVIEW_CONFIG=str(tmp_path / "none.toml"),
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(EVENT),
        **env_extra,
    )
    return subprocess.run(
        [exe, "github-action"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_cli_says_which_permission_is_missing(fake_github, tmp_path):
    checkout_repo(fake_github)
    fake_github.fail("POST", r"/pulls/7/reviews$", 403, message="Resource not accessible")
    done = _cli(
        {"GITHUB_TOKEN": fake_github.token, "GITHUB_API_URL": fake_github.base_url}, tmp_path
    )
    assert done.returncode == 2
    assert "GitHub answered 403 to POST /repos/acme/product/pulls/7/reviews" in done.stderr
    assert "pull-requests/issues/checks write" in done.stderr


def test_cli_without_a_token_says_how_to_set_one(tmp_path):
    done = _cli({"GITHUB_API_URL": "http://127.0.0.1:9"}, tmp_path)
    assert done.returncode == 2 and "GITHUB_TOKEN" in done.stderr
