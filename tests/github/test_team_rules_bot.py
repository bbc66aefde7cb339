"""Team rules on the GitHub bot: the base branch's [[rules]] are reviewed with, and a rule
finding is posted like any other (the real engine, hashing embedder, loopback GitHub)."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.client import GitHubClient
from api.github.events import Task
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from api.github.webhook import GitHubWebhook
from assistant.config import Settings
from assistant.services import Services
from tests.github.conftest import FIXTURES, signed_headers
from tests.github.fake_github import FakeGitHub
from tests.review.test_rules import MIGRATION, RULE_TOML


def test_the_bot_reviews_with_the_base_branchs_rules(
    fake_github: FakeGitHub, gh_settings: Settings
) -> None:
    def client(task: Task) -> GitHubClient:  # noqa: ARG001
        return GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01)))

    hook = GitHubWebhook(Services(settings=gh_settings), client_factory=client)
    app = FastAPI()
    app.include_router(hook.router)
    http = TestClient(app)
    try:
        repo = fake_github.repo("acme", "product")
        repo.commit("main", {"README.md": "# Product\n", ".specreview.toml": RULE_TOML})
        repo.branch("invoices", from_="main")
        repo.commit("invoices", {"docs/specs/invoices.md": MIGRATION})
        repo.open_pull(7, base="main", head="invoices")
        payload = json.loads((FIXTURES / "pull_request.opened.json").read_text(encoding="utf-8"))
        payload["pull_request"]["head"]["sha"] = repo.branches["invoices"]
        payload["pull_request"]["base"]["sha"] = repo.branches["main"]
        payload["pull_request"]["draft"] = False
        raw = json.dumps(payload).encode()
        response = http.post(
            "/github/webhook", content=raw, headers=signed_headers(raw, "pull_request")
        )
        assert response.status_code == 202
        hook.queue.join()
        assert hook.queue.failures == []
        posted = [c["body"] for c in fake_github.review_comments]
        posted += [r["body"] for r in fake_github.reviews]
        assert any("rollback-plan" in body for body in posted), posted
    finally:
        hook.queue.close()
