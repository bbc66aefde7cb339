"""GitHub's own published webhook payloads (../shared/github), replayed byte for byte and signed
as GitHub signs them, against the webhook and the fake GitHub (App authentication included)."""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from api.github.client import GitHubClient
from api.github.events import Task
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from api.github.signature import sign
from api.github.webhook import GitHubWebhook
from assistant.config import Settings
from assistant.services import Services
from tests.github.conftest import FIXTURES, SECRET, RuleEngines, signed_headers
from tests.github.fake_github import FakeGitHub

EXPECTED = {
    "pull_request.opened": 202,
    "pull_request.opened.with-organization": 202,
    "pull_request.synchronize": 202,
    "pull_request.reopened": 202,
    "pull_request.ready_for_review": 202,
    "pull_request.ready_for_review.with-installation": 202,
    "pull_request.closed": 200,
    "pull_request.converted_to_draft": 200,
    "pull_request.converted_to_draft.with-installation": 200,
    "issue_comment.created": 200,  # no /specreview command in the comment
    "issue_comment.created.with-installation": 200,
    "issue_comment.edited": 200,
    "ping": 200,
    "ping.with-app_id": 200,
    "installation.created": 200,
    "check_suite.requested": 200,
    "check_suite.rerequested": 200,
    "check_run.rerequested": 200,
}


@pytest.fixture(scope="module")
def examples(shared_dir: Path) -> Path:
    return shared_dir / "github" / "webhook-examples"


def _name(path: Path) -> str:
    return path.name.removesuffix(".json").removesuffix(".payload")


def test_fixture_matches_shared(shared_dir: Path):
    """The repo's copy of the OpenAPI subset is GitHub's, unchanged."""
    ours = (FIXTURES / "rest-api-subset.json").read_bytes()
    assert ours == (shared_dir / "github" / "rest-api-subset.json").read_bytes()


def test_signature_of_a_real_payload(examples: Path):
    raw = (examples / "pull_request.opened.payload.json").read_bytes()
    assert len(raw) == 28011
    expected = "sha256=9dc478d9f168340c18752a2c72bfbec57a9230b5a8af4e1b5cd19e4469a0e55a"
    assert sign(SECRET, raw) == expected


def test_payload_examples_match_their_schemas(shared_dir: Path):
    """The replayed examples are what GitHub's schemas say these events carry."""
    schemas = shared_dir / "github" / "webhook-schemas"
    resources = [
        Resource.from_contents(json.loads(Path(f).read_text()), default_specification=DRAFT7)
        for f in glob.glob(str(schemas / "**" / "*.schema.json"), recursive=True)
    ]
    registry = Registry().with_resources((r.contents["$id"], r) for r in resources)
    for path in sorted((shared_dir / "github" / "webhook-examples").glob("*.json")):
        parts = _name(path).split(".")
        if parts[0] not in ("pull_request", "issue_comment"):
            continue
        event, action = parts[:2]
        schema = registry.contents(f"{event}${action}")
        Draft7Validator(schema, registry=registry).validate(json.loads(path.read_bytes()))


@pytest.fixture
def app_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def app_hook(
    gh_settings: Settings, fake_github: FakeGitHub, engines: RuleEngines, app_keys: tuple[str, str]
) -> Iterator[GitHubWebhook]:
    """The webhook as a GitHub App: JWT → installation token, no plain token at all."""
    private, public = app_keys
    fake_github.app_id, fake_github.app_public_key = "12345", public
    settings = gh_settings.model_copy(
        update={"github_token": None, "github_app_id": "12345", "github_private_key": private}
    )

    def client(task: Task) -> GitHubClient:
        github = build_github(
            settings,
            installation_id=task.installation_id,
            repo=f"{task.owner}/{task.repo}",
            retry=RetryPolicy(backoff_s=0.01),
        )
        return GitHubkitClient(github)

    hook = GitHubWebhook(
        Services(settings=settings), client_factory=client, engines=lambda _repo: engines
    )
    yield hook
    hook.queue.close()


def _post(hook: GitHubWebhook, raw: bytes, event: str) -> int:
    app = FastAPI()
    app.include_router(hook.router)
    response = TestClient(app).post(
        "/github/webhook", content=raw, headers=signed_headers(raw, event)
    )
    hook.queue.join()
    return response.status_code


def hello_world(fake: FakeGitHub, examples: Path) -> dict:
    """The repo and pull request GitHub's examples talk about, with a spec on the PR branch."""
    payload = json.loads((examples / "pull_request.opened.payload.json").read_bytes())
    pr = payload["pull_request"]
    repo = fake.repo("Codertocat", "Hello-World")
    repo.commit("master", {"README.md": "# Hello\n"})
    repo.branch("changes", from_="master")
    spec = (FIXTURES / "specs" / "checkout_v1.md").read_text()
    repo.commit("changes", {"docs/specs/checkout.md": spec}, sha=pr["head"]["sha"])
    repo.open_pull(pr["number"], base="master", head="changes")
    return payload


def test_every_example_gets_the_documented_answer(examples, app_hook, fake_github):
    """Handled actions are queued (202), the rest acknowledged (200); every queued run works,
    and the four that review the same head commit post one review between them."""
    hello_world(fake_github, examples)
    for path in sorted(examples.glob("*.json")):
        event = _name(path).split(".")[0]
        assert _post(app_hook, path.read_bytes(), event) == EXPECTED[_name(path)], path.name
    assert app_hook.queue.failures == []
    assert len(fake_github.reviews) == 1 and len(fake_github.issue_comments) == 1
    # The payloads without `installation` were served after looking the installation up.
    assert any(r.path.endswith("/Hello-World/installation") for r in fake_github.requests)


def test_opened_example_end_to_end_as_an_app(examples, app_hook, fake_github, engines):
    payload = hello_world(fake_github, examples)
    raw = (examples / "pull_request.opened.payload.json").read_bytes()
    assert _post(app_hook, raw, "pull_request") == 202
    assert app_hook.queue.failures == []
    assert len(fake_github.reviews) == 1 and len(fake_github.review_comments) == 2
    tokens = [r for r in fake_github.requests if r.path.endswith("/access_tokens")]
    assert [r.path for r in tokens] == [
        f"/app/installations/{payload['installation']['id']}/access_tokens"
    ]
    assert tokens[0].headers["authorization"].startswith("Bearer ")
    others = [r for r in fake_github.requests if r not in tokens]
    assert all(r.headers["authorization"].startswith("token ghs_") for r in others)
