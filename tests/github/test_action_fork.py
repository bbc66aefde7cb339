"""The Action on a pull request from a fork: GitHub's read-only token means no comments, no
check, no SARIF upload. The findings go to the job summary (and a SARIF file) instead, and a
`workflow_run` follow-up (comments="always") posts them with a write token."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.github.action import ActionOutputs, fork_of, run_action
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from assistant.services import Services
from cli import github_cmd
from tests.github.conftest import FIXTURES
from tests.github.fake_github import FakeGitHub

FORK = {
    "id": 9999,
    "name": "Hello-World",
    "full_name": "octo-fork/Hello-World",
    "owner": {"login": "octo-fork", "type": "User"},
    "fork": True,
}


@pytest.fixture
def fork_event(shared_dir: Path) -> dict[str, Any]:
    """GitHub's published `pull_request.opened` example, with the head in a fork."""
    example = shared_dir / "github" / "webhook-examples" / "pull_request.opened.payload.json"
    payload: dict[str, Any] = json.loads(example.read_text(encoding="utf-8"))
    event = copy.deepcopy(payload)
    event["pull_request"]["head"]["repo"] = FORK
    event["pull_request"]["head"]["label"] = "octo-fork:changes"
    return event


def checkout_fork_pull(fake: FakeGitHub, event: dict[str, Any]) -> None:
    """The base repo and pull request the event names, at the commits it names."""
    pr = event["pull_request"]
    base, head = pr["base"], pr["head"]
    repo = fake.repo(event["repository"]["owner"]["login"], event["repository"]["name"])
    config = '[review]\nfail_on = "high"\n'
    repo.commit(base["ref"], {".specreview.toml": config}, sha=base["sha"])
    repo.branch(head["ref"], from_=base["ref"])
    spec = (FIXTURES / "specs" / "checkout_v1.md").read_text()
    repo.commit(head["ref"], {"docs/specs/checkout.md": spec}, sha=head["sha"])
    repo.open_pull(pr["number"], base=base["ref"], head=head["ref"])


def test_fork_of_reads_head_and_base_repos(fork_event):
    assert fork_of(fork_event) == "octo-fork/Hello-World"
    same = copy.deepcopy(fork_event)
    same["pull_request"]["head"]["repo"] = same["pull_request"]["base"]["repo"]
    assert fork_of(same) is None
    deleted = copy.deepcopy(fork_event)
    deleted["pull_request"]["head"]["repo"] = None
    assert fork_of(deleted) == "(a deleted fork)"
    assert fork_of({"action": "created", "issue": {}}) is None


def test_a_fork_pull_request_writes_the_job_summary_and_sarif_not_comments(
    fake_github, gh_settings, engines, fork_event, tmp_path
):
    checkout_fork_pull(fake_github, fork_event)
    summary, sarif = tmp_path / "step_summary.md", tmp_path / "specreview.sarif"
    summary.write_text("earlier step\n")  # GitHub's summary file is shared by the job's steps
    report = run_action(
        Services(settings=gh_settings),
        event_name="pull_request",
        payload=fork_event,
        client=GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01))),
        engines=lambda _repo: engines,
        upload_sarif=True,
        outputs=ActionOutputs(summary_path=summary, sarif_path=sarif),
    )
    assert report is not None and report.conclusion == "failure"  # TBD lines are high
    assert fake_github.writes() == []
    assert fake_github.requests and all(r.method == "GET" for r in fake_github.requests)
    text = summary.read_text()
    assert text.startswith("earlier step\n## specreview summary\n")
    assert "Pull request from a fork: GitHub gives this run a read-only token" in text
    assert "**3 open finding(s)** (2 high, 1 medium). Check: **failure**" in text
    assert "### Findings" in text and "`docs/specs/checkout.md` line" in text
    assert "<!--" not in text  # no hidden bot state: nothing will edit this summary
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == [
        "missing_acceptance_criteria",
        "open_questions",
        "open_questions",
    ]


def test_a_workflow_run_follow_up_comments_on_the_fork_pull_request(
    fake_github, gh_settings, engines, fork_event
):
    """comments="always" (a follow-up with a write token) posts as on any pull request, and
    takes the pull request from the API, not from the event file a fork's run handed on."""
    checkout_fork_pull(fake_github, fork_event)
    forged = copy.deepcopy(fork_event)
    forged["pull_request"]["head"]["sha"] = "0" * 40
    report = run_action(
        Services(settings=gh_settings),
        event_name="pull_request",
        payload=forged,
        client=GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01))),
        engines=lambda _repo: engines,
        comments="always",
    )
    assert report is not None and report.review_id is not None
    assert len(fake_github.reviews) == 1 and len(fake_github.issue_comments) == 1
    [check] = fake_github.check_runs
    assert check["head_sha"] == fork_event["pull_request"]["head"]["sha"]


def test_cli_on_a_fork_pull_request_says_where_the_findings_went(
    fake_github, fork_event, tmp_path, monkeypatch
):
    checkout_fork_pull(fake_github, fork_event)
    event_path, summary = tmp_path / "event.json", tmp_path / "summary.md"
    event_path.write_text(json.dumps(fork_event))
    for name, value in {
        "GITHUB_TOKEN": fake_github.token,
        "GITHUB_STEP_SUMMARY": str(summary),
        "SPECREVIEW_EMBEDDER": "hashing",
        "SPECREVIEW_STORE_PATH": str(tmp_path / "store"),
    }.items():
        monkeypatch.setenv(name, value)
    app = typer.Typer()
    github_cmd.register(app, eval_app=typer.Typer(), bench_app=typer.Typer())
    app.command("noop")(lambda: None)  # two commands, so `github-action` is a subcommand
    result = CliRunner().invoke(
        app,
        ["github-action", "--event-path", str(event_path), "--event-name", "pull_request"]
        + ["--api-url", fake_github.base_url],
    )
    assert "specreview: pull request from the fork octo-fork/Hello-World: GITHUB_TOKEN is " in (
        result.stdout
    ), result.output
    assert result.exit_code in (0, 1), result.output
    assert fake_github.writes() == []
    assert "## specreview summary" in summary.read_text()
