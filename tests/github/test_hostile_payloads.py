"""Hostile but signed webhook deliveries (issue 17): names from a payload stay one path segment
each on the way to GitHub, deep JSON is a clean 400, and every refusal has the documented
error shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.client import GitHubClient, GitHubError
from api.github.events import Task
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github, path_names
from api.github.webhook import GitHubWebhook
from assistant.config import Settings
from assistant.services import Services
from tests.github.conftest import RuleEngines, signed_headers
from tests.github.fake_github import FakeGitHub, serve


@pytest.fixture
def bare_github(rest_spec: dict[str, Any]) -> Iterator[FakeGitHub]:
    """The fake without the OpenAPI check: these paths are not GitHub's on purpose."""
    with serve(FakeGitHub(rest_spec), None) as fake:
        yield fake


@pytest.mark.parametrize(
    ("owner", "repo", "raw"),
    [
        ("evil/../acme", "product", "/repos/evil%2F..%2Facme/product/pulls/7"),
        (
            "acme/product/pulls/7/../../../..",
            "x",
            "/repos/acme%2Fproduct%2Fpulls%2F7%2F..%2F..%2F..%2F../x/pulls/7",
        ),
        ("..", "..", "/repos/%2E%2E/%2E%2E/pulls/7"),
        ("acme", ".", "/repos/acme/%2E/pulls/7"),
    ],
)
def test_payload_names_are_one_path_segment_each(
    bare_github: FakeGitHub, settings: Settings, owner: str, repo: str, raw: str
) -> None:
    """Unencoded, httpx removes the dot segments: the first reached acme/product's pull 7,
    the others `/repos/x/pulls/7`, `/pulls/7`, `/repos/acme/pulls/7`. Encoded, GitHub sees
    a name that does not exist."""
    target = bare_github.repo("acme", "product")
    target.commit("main", {"README.md": "# Product\n"})
    target.branch("feature", from_="main")
    target.commit("feature", {"spec.md": "# Spec\n"})
    target.open_pull(7, base="main", head="feature")
    gh_settings = settings.model_copy(
        update={"github_token": bare_github.token, "github_api_url": bare_github.base_url}
    )
    client = GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(max_retries=0)))
    assert client.get_pull("acme", "product", 7).number == 7  # plain names still work
    with pytest.raises(GitHubError) as refused:
        client.get_pull(owner, repo, 7)
    assert refused.value.status == 404
    assert bare_github.requests[-1].raw_path == raw


def test_path_names_leave_ordinary_names_alone() -> None:
    assert path_names("octo-org", "my.repo_2") == ("octo-org", "my.repo_2")
    assert path_names("a/b", "c?d#e") == ("a%2Fb", "c%3Fd%23e")


@pytest.fixture
def http(gh_settings: Settings, engines: RuleEngines) -> Iterator[TestClient]:
    def client(task: Task) -> GitHubClient:
        return GitHubkitClient(build_github(gh_settings, installation_id=task.installation_id))

    hook = GitHubWebhook(
        Services(settings=gh_settings), client_factory=client, engines=lambda _repo: engines
    )
    app = FastAPI()
    app.include_router(hook.router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    hook.queue.close()


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b'{"n": ' + b"9" * 100_000 + b"}",
        b"\xff\xfe not json",
    ],
    ids=["deep-arrays", "deep-objects", "huge-int", "not-utf8"],
)
def test_signed_hostile_json_is_a_clean_400(http: TestClient, raw: bytes) -> None:
    response = http.post("/github/webhook", content=raw, headers=signed_headers(raw, "push"))
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_payload")


def test_refusals_have_the_documented_error_shape(
    fake_github: FakeGitHub, gh_settings: Settings, engines: RuleEngines, http: TestClient
) -> None:
    raw = json.dumps({"zen": "x"}).encode()
    forged = http.post(
        "/github/webhook",
        content=raw,
        headers={**signed_headers(raw, "ping"), "X-Hub-Signature-256": "sha256=00"},
    )
    assert forged.status_code == 401
    assert_error_shape(forged.json(), "invalid_signature")
    headers = signed_headers(raw, "push")
    del headers["X-GitHub-Delivery"]
    no_delivery = http.post("/github/webhook", content=raw, headers=headers)
    assert no_delivery.status_code == 400
    assert_error_shape(no_delivery.json(), "missing_delivery")

    unset = GitHubWebhook(
        Services(settings=gh_settings.model_copy(update={"github_webhook_secret": None})),
        engines=lambda _r: engines,
    )
    app = FastAPI()
    app.include_router(unset.router)
    response = TestClient(app).post(
        "/github/webhook", content=raw, headers=signed_headers(raw, "ping")
    )
    assert response.status_code == 503
    assert_error_shape(response.json(), "not_configured")
    assert "SPECREVIEW_GITHUB_WEBHOOK_SECRET" in response.json()["error"]["message"]


def test_a_full_queue_is_a_503_with_the_documented_error_shape(
    fake_github: FakeGitHub, gh_settings: Settings, engines: RuleEngines
) -> None:
    hook = GitHubWebhook(Services(settings=gh_settings), engines=lambda _r: engines, queue_size=1)
    busy, gate = threading.Event(), threading.Event()
    assert hook.queue.submit("busy", lambda: (busy.set(), gate.wait(30)))
    assert busy.wait(10)  # the worker is held; now fill the queue behind it
    assert hook.queue.submit("waiting", lambda: None)
    app = FastAPI()
    app.include_router(hook.router)
    payload = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": "a" * 40, "ref": "feature"},
            "base": {"sha": "b" * 40, "ref": "main"},
        },
        "repository": {"name": "product", "owner": {"login": "acme"}, "full_name": "acme/product"},
        "installation": {"id": 1},
    }
    raw = json.dumps(payload).encode()
    try:
        response = TestClient(app).post(
            "/github/webhook", content=raw, headers=signed_headers(raw, "pull_request")
        )
    finally:
        gate.set()
        hook.queue.close()
    assert response.status_code == 503
    assert_error_shape(response.json(), "busy")
