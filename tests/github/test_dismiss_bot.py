"""Dismissing from the pull request, against the fake GitHub: `/specreview dismiss ID [REASON]`
in a conversation comment (issue_comment webhook), only for owners, members and collaborators,
answered with a reply; a 👎 on the bot's inline comment read on the next run; dismissed
findings listed in the summary and not raised again; the findings database shared with the
other surfaces."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.bot import REACTION_BY, parse_dismiss
from api.github.client import GitHubClient
from api.github.events import Task, parse_command, task_for
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from api.github.markers import fingerprints_in, read_state
from api.github.webhook import GitHubWebhook
from assistant.config import ReviewConfig, Settings
from assistant.ledger import DocumentKey, FindingLedger, remember
from assistant.models import Review
from assistant.services import Services
from tests.github.conftest import FIXTURES, RuleEngines, signed_headers
from tests.github.fake_github import FakeGitHub
from tests.github.test_webhook_e2e import CONFIG, make_repo, pr_event

SPEC = "docs/specs/checkout.md"
DOC = DocumentKey(repo="acme/product", path=SPEC)
HINT = re.compile(r"/specreview dismiss (\d+) wrong")


class RecordingRuleEngines(RuleEngines):
    """The test's rule engine, recording in the findings database as ServicesEngines does."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def findings_ledger(self) -> FindingLedger | None:
        return self.services.ledger

    def review(self, text: str, *, path: str, config: ReviewConfig) -> Review:
        review = super().review(text, path=path, config=config)
        return remember(
            lambda: self.services.ledger,
            review,
            document=DocumentKey(repo="acme/product", path=path),
            content=text,
            surface="github",
        )


@pytest.fixture
def services(gh_settings: Settings, tmp_path: Path) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    services = Services(settings=gh_settings.model_copy(update={"database_url": url}))
    yield services
    services.close_ledger()


@pytest.fixture
def hook(services: Services) -> Iterator[GitHubWebhook]:
    engines = RecordingRuleEngines(services)

    def client(task: Task) -> GitHubClient:
        return GitHubkitClient(build_github(services.settings, retry=RetryPolicy(backoff_s=0.01)))

    webhook = GitHubWebhook(services, client_factory=client, engines=lambda _repo: engines)
    yield webhook
    webhook.queue.close()


@pytest.fixture
def http(hook: GitHubWebhook) -> TestClient:
    app = FastAPI()
    app.include_router(hook.router)
    return TestClient(app)


def deliver(http: TestClient, hook: GitHubWebhook, raw: bytes, event: str) -> int:
    response = http.post("/github/webhook", content=raw, headers=signed_headers(raw, event))
    hook.queue.join()
    assert hook.queue.failures == []
    return response.status_code


def command(body: str, *, association: str = "COLLABORATOR", login: str = "alice") -> bytes:
    payload = json.loads((FIXTURES / "issue_comment.created.json").read_text())
    payload["comment"].update(body=body, author_association=association)
    payload["comment"]["user"]["login"] = login
    return json.dumps(payload).encode()


def opened(fake: FakeGitHub, http: TestClient, hook: GitHubWebhook, **kw: Any) -> dict[int, str]:
    """Open the pull request; the finding ids the inline comments offer, with their bodies."""
    repo = make_repo(fake, **kw)
    assert deliver(http, hook, pr_event(repo), "pull_request") == 202
    hints = {}
    for c in fake.review_comments:
        match = HINT.search(c["body"])
        assert match, "each inline comment says how to dismiss its finding"
        hints[int(match.group(1))] = c["body"]
    assert hints
    return hints


def replies(fake: FakeGitHub) -> list[str]:
    return [c["body"] for c in fake.issue_comments if "specreview:summary" not in c["body"]]


def test_a_collaborator_dismisses_with_a_comment_and_the_next_run_lists_it(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    hints = opened(fake_github, http, hook)
    finding_id = min(hints)
    fingerprint = next(iter(fingerprints_in(hints[finding_id])))
    assert deliver(
        http, hook, command(f"/specreview dismiss {finding_id} wont fix"), "issue_comment"
    )
    [reply] = replies(fake_github)
    assert f"Dismissed finding {finding_id}" in reply
    assert "**won't fix**" in reply and "@alice" in reply
    state = services.ledger.dismissed_fingerprints(DOC)[fingerprint]
    assert (state.reason, state.by) == ("wont_fix", "github:alice")

    repo = fake_github.repos["acme/product"]
    deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    summary = next(
        c["body"] for c in fake_github.issue_comments if "specreview:summary" in c["body"]
    )
    assert fingerprint not in read_state(summary).open
    assert "### Dismissed" in summary and "dismissed as won't fix by github:alice" in summary


def test_only_owners_members_and_collaborators_may_dismiss(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    finding_id = min(opened(fake_github, http, hook))
    for association in ("NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"):
        raw = command(f"/specreview dismiss {finding_id}", association=association, login="mallory")
        deliver(http, hook, raw, "issue_comment")
    assert len(replies(fake_github)) == 3
    assert all("only the repository's owners" in r for r in replies(fake_github))
    assert services.ledger.dismissed_fingerprints(DOC) == {}


def test_unknown_ids_other_repositories_and_bad_reasons_are_answered(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    finding_id = min(opened(fake_github, http, hook))
    other = services.ledger.record_review(
        RuleEngines().review("TBD\n", path="x.md", config=ReviewConfig()),
        document=DocumentKey(repo="other/repo", path="x.md"),
        content_hash="1" * 64,
        surface="cli",
    ).findings[0]
    for body in (
        "/specreview dismiss 99999",
        f"/specreview dismiss {other.id}",
        f"/specreview dismiss {finding_id} because",
        "/specreview dismiss soon",
        "/specreview dismiss",
    ):
        deliver(http, hook, command(body), "issue_comment")
    said = replies(fake_github)
    assert "no finding 99999 was raised on this repository" in said[0]
    assert f"no finding {other.id} was raised on this repository" in said[1]
    assert "'because' is not a reason I know" in said[2]
    assert "I need a finding id" in said[3] and "I need a finding id" in said[4]
    assert services.ledger.dismissed_fingerprints(DOC) == {}


def test_a_thumbs_down_dismisses_on_the_next_run_and_a_reopen_by_hand_wins(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    hints = opened(fake_github, http, hook)
    comment = next(c for c in fake_github.review_comments if str(min(hints)) in c["body"])
    fingerprint = next(iter(fingerprints_in(comment["body"])))
    fake_github.react(comment, "-1")
    repo = fake_github.repos["acme/product"]
    deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    state = services.ledger.dismissed_fingerprints(DOC)[fingerprint]
    assert (state.reason, state.by) == ("wrong", REACTION_BY)
    summary = next(
        c["body"] for c in fake_github.issue_comments if "specreview:summary" in c["body"]
    )
    assert fingerprint not in read_state(summary).open
    assert "dismissed as wrong by 👎" in summary  # the acknowledgement

    services.ledger.reopen(min(hints), by="pm")  # a person's decision outlives the reaction
    deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    assert services.ledger.dismissed_fingerprints(DOC) == {}
    summary = next(
        c["body"] for c in fake_github.issue_comments if "specreview:summary" in c["body"]
    )
    assert fingerprint in read_state(summary).open


def test_reactions_can_be_switched_off(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    opened(fake_github, http, hook, config=CONFIG + "dismiss_on_reaction = false\n")
    fake_github.react(fake_github.review_comments[0], "-1")
    deliver(http, hook, pr_event(fake_github.repos["acme/product"], "synchronize"), "pull_request")
    assert services.ledger.dismissed_fingerprints(DOC) == {}


def test_commands_and_reasons_are_parsed() -> None:
    assert parse_command("/specreview dismiss 12 not applicable") == (
        "dismiss",
        "12 not applicable",
    )
    assert parse_command("/specreview dismiss") == ("dismiss", "")
    assert parse_command("/specreview dismissal of 3") is None
    assert parse_dismiss("12") == (12, "wrong")
    assert parse_dismiss("#12 Not applicable: it is a prototype") == (12, "not_applicable")
    assert parse_dismiss("12 wontfix") == (12, "wont_fix")
    assert parse_dismiss("12 won't-fix") == (12, "wont_fix")
    assert isinstance(parse_dismiss("twelve"), str)
    on_an_issue = json.loads(command("/specreview dismiss 3"))
    del on_an_issue["issue"]["pull_request"]
    assert task_for("issue_comment", on_an_issue) is None


def test_the_command_in_githubs_own_payload_example(shared_dir: Path) -> None:
    """GitHub's published issue_comment example, with the command put in and the issue a pull
    request, still matches GitHub's schema, and becomes a dismiss task with its association."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    github = shared_dir / "github"
    raw = github / "webhook-examples" / "issue_comment.created.with-installation.payload.json"
    payload = json.loads(raw.read_bytes())
    payload["comment"]["body"] = "Looks fine to me.\n/specreview dismiss 4 not_applicable"
    number = payload["issue"]["number"]
    repo = payload["repository"]["full_name"]
    payload["issue"]["pull_request"] = {
        "url": f"https://api.github.com/repos/{repo}/pulls/{number}",
        "html_url": f"https://github.com/{repo}/pull/{number}",
        "diff_url": f"https://github.com/{repo}/pull/{number}.diff",
        "patch_url": f"https://github.com/{repo}/pull/{number}.patch",
        "merged_at": None,
    }
    resources = [
        Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7)
        for p in (github / "webhook-schemas").rglob("*.schema.json")
    ]
    registry = Registry().with_resources((r.contents["$id"], r) for r in resources)
    schema = registry.contents("issue_comment$created")
    Draft7Validator(schema, registry=registry).validate(payload)
    task = task_for("issue_comment", payload)
    assert task is not None and task.kind == "dismiss"
    assert (task.question, task.association) == ("4 not_applicable", "OWNER")
    assert task.sender == payload["comment"]["user"]["login"]


def test_the_action_dismisses_where_a_database_is_configured(
    fake_github: FakeGitHub, hook: GitHubWebhook, http: TestClient, services: Services
) -> None:
    """The Action runs the same command with the workflow's token; reviews recorded in the
    configured database (here by the App) are dismissed there, and the reply is posted; with
    comments off nothing is written to GitHub, the dismissal still holds."""
    from api.github.action import run_action

    finding_id = min(opened(fake_github, http, hook))
    client = GitHubkitClient(build_github(services.settings, retry=RetryPolicy(backoff_s=0.01)))
    payload = json.loads(command(f"/specreview dismiss {finding_id} wont_fix"))
    action_services = Services(settings=services.settings)
    try:
        run_action(
            action_services,
            event_name="issue_comment",
            payload=payload,
            client=client,
            comments="never",
        )
        assert replies(fake_github) == []
        assert [s.reason for s in services.ledger.dismissed_fingerprints(DOC).values()] == [
            "wont_fix"
        ]
        services.ledger.reopen(finding_id, by="pm")
        run_action(action_services, event_name="issue_comment", payload=payload, client=client)
    finally:
        action_services.close_ledger()
    assert len(replies(fake_github)) == 1 and f"finding {finding_id}" in replies(fake_github)[0]
