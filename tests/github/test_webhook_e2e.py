"""The App mode end to end: signed deliveries to POST /github/webhook, work done in the queue,
and what the bot wrote on the (fake, loopback) GitHub."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.client import GitHubClient
from api.github.events import Task
from api.github.githubkit_client import GitHubkitClient, RetryPolicy, build_github
from api.github.markers import fingerprints_in, is_summary, read_state
from api.github.webhook import GitHubWebhook
from assistant.config import Settings
from assistant.errors import InputError
from assistant.services import Services
from tests.github.conftest import FIXTURES, RuleEngines, signed_headers
from tests.github.fake_github import FakeGitHub
from tests.github.fake_repo import FakeRepo

SPECS = FIXTURES / "specs"
ADR = "# ADR-001: Use Postgres for payments\n\nStatus: accepted\n\nWe use Postgres.\n"
CONFIG = '[review]\nfail_on = "high"\n\n[github]\nmax_comments = 20\n'


def _text(name: str) -> str:
    return (SPECS / name).read_text(encoding="utf-8")


def make_repo(fake: FakeGitHub, *, config: str = CONFIG, draft: bool = False) -> FakeRepo:
    repo = fake.repo("acme", "product")
    repo.commit(
        "main",
        {"README.md": "# Product\n", "docs/adr/001-postgres.md": ADR, ".specreview.toml": config},
    )
    repo.branch("checkout-spec", from_="main")
    repo.commit(
        "checkout-spec",
        {"docs/specs/checkout.md": _text("checkout_v1.md"), "src/app.py": "print('hi')\n"},
    )
    repo.open_pull(7, base="main", head="checkout-spec", draft=draft)
    return repo


def pr_event(repo: FakeRepo, action: str = "opened", *, draft: bool = False) -> bytes:
    raw = (FIXTURES / "pull_request.opened.json").read_text(encoding="utf-8")
    payload = json.loads(raw)
    payload["action"] = action
    payload["pull_request"]["head"]["sha"] = repo.branches["checkout-spec"]
    payload["pull_request"]["base"]["sha"] = repo.branches["main"]
    payload["pull_request"]["draft"] = draft
    return json.dumps(payload).encode()


@pytest.fixture
def hook(gh_settings: Settings, engines: RuleEngines) -> Iterator[GitHubWebhook]:
    def client(task: Task) -> GitHubClient:
        retry = RetryPolicy(backoff_s=0.01)
        return GitHubkitClient(
            build_github(gh_settings, installation_id=task.installation_id, retry=retry)
        )

    webhook = GitHubWebhook(
        Services(settings=gh_settings), client_factory=client, engines=lambda _repo: engines
    )
    yield webhook
    webhook.queue.close()


@pytest.fixture
def http(hook: GitHubWebhook) -> TestClient:
    app = FastAPI()
    app.include_router(hook.router)
    return TestClient(app)


def deliver(http: TestClient, hook: GitHubWebhook, raw: bytes, event: str, **kw: str) -> dict:
    response = http.post("/github/webhook", content=raw, headers=signed_headers(raw, event, **kw))
    hook.queue.join()
    assert hook.queue.failures == []
    return {"code": response.status_code, **response.json()}


def test_opened_then_fix_pushed(fake_github, hook, http, engines):
    repo = make_repo(fake_github)
    first = deliver(http, hook, pr_event(repo), "pull_request")
    assert first["code"] == 202

    # One review: inline comments on the two TBD lines (in the diff), the absence in the body.
    assert engines.reviewed == ["docs/specs/checkout.md"]  # src/app.py is not a spec
    assert [(f.path, f.text) for f in engines.indexed] == [("docs/adr/001-postgres.md", ADR)]
    assert len(fake_github.reviews) == 1
    review = fake_github.reviews[0]
    assert review["commit_id"] == repo.branches["checkout-spec"]
    lines = sorted(c["line"] for c in fake_github.review_comments)
    assert lines == [10, 16]
    assert "## Acceptance criteria" in review["body"]  # the stub to add
    assert len(fingerprints_in(review["body"])) == 1
    [summary] = fake_github.issue_comments
    assert is_summary(summary["body"]) and "3 open finding(s)" in summary["body"]
    assert [run["conclusion"] for run in fake_github.check_runs] == ["failure"]

    # Push: fix the first TBD, reword prose elsewhere (lines shift by one).
    repo.commit("checkout-spec", {"docs/specs/checkout.md": _text("checkout_v2.md")})
    second = deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    assert second["code"] == 202

    assert len(fake_github.reviews) == 1  # nothing new: no second review
    assert len(engines.indexed) == 1  # the unchanged ADR was neither fetched nor re-indexed
    reads = [r.path for r in fake_github.requests if r.path.endswith("001-postgres.md")]
    assert len(reads) == 1
    assert len(fake_github.review_comments) == 2  # no duplicate comments
    assert len(fake_github.issue_comments) == 1  # the summary was edited in place
    patches = [r for r in fake_github.writes() if r.method == "PATCH"]
    assert [p.path for p in patches] == [f"/repos/acme/product/issues/comments/{summary['id']}"]
    body = fake_github.issue_comments[0]["body"]
    assert "2 open finding(s)" in body
    assert "Resolved since the last review" in body and "~~Unresolved TBD~~" in body
    assert [run["conclusion"] for run in fake_github.check_runs] == ["failure", "failure"]


def test_every_request_pins_the_api_version(fake_github, hook, http):
    repo = make_repo(fake_github)
    deliver(http, hook, pr_event(repo), "pull_request")
    assert fake_github.requests
    assert {r.headers.get("x-github-api-version") for r in fake_github.requests} == {"2022-11-28"}


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda h: h.pop("X-Hub-Signature-256"), id="missing"),
        pytest.param(lambda h: h.update({"X-Hub-Signature-256": "sha256=" + "0" * 64}), id="wrong"),
        pytest.param(lambda h: h.update({"X-Hub-Signature-256": "sha1=abc"}), id="sha1-only"),
    ],
)
def test_bad_signature_is_401_and_nothing_happens(fake_github, hook, http, mangle):
    repo = make_repo(fake_github)
    raw = pr_event(repo)
    headers = signed_headers(raw, "pull_request")
    mangle(headers)
    response = http.post("/github/webhook", content=raw, headers=headers)
    hook.queue.join()
    assert response.status_code == 401
    assert fake_github.requests == []


def test_body_changed_after_signing_is_401(fake_github, hook, http):
    repo = make_repo(fake_github)
    raw = pr_event(repo)
    headers = signed_headers(raw, "pull_request")
    pretty = json.dumps(json.loads(raw), indent=2).encode()
    assert http.post("/github/webhook", content=pretty, headers=headers).status_code == 401
    assert fake_github.requests == []


def test_replayed_delivery_is_ignored(fake_github, hook, http):
    repo = make_repo(fake_github)
    raw = pr_event(repo)
    first = deliver(http, hook, raw, "pull_request", delivery="d-1")
    again = deliver(http, hook, raw, "pull_request", delivery="d-1")
    assert first["code"] == 202
    assert first["code"] == 202
    assert again["code"] == 200 and "duplicate" in again["status"]
    assert len(fake_github.reviews) == 1 and len(fake_github.check_runs) == 1


def test_ping_is_answered(fake_github, http):
    raw = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    response = http.post("/github/webhook", content=raw, headers=signed_headers(raw, "ping"))
    assert response.status_code == 200 and response.json()["status"] == "pong"
    assert fake_github.requests == []


def test_unconfigured_secret_refuses(fake_github, gh_settings, engines):
    hook = GitHubWebhook(
        Services(settings=gh_settings.model_copy(update={"github_webhook_secret": None})),
        engines=lambda _r: engines,
    )
    app = FastAPI()
    app.include_router(hook.router)
    raw = b"{}"
    response = TestClient(app).post(
        "/github/webhook", content=raw, headers=signed_headers(raw, "ping")
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_configured"
    assert "SPECREVIEW_GITHUB_WEBHOOK_SECRET" in response.json()["error"]["message"]


def test_502_then_200_is_retried_and_posted_once(fake_github, hook, http):
    repo = make_repo(fake_github)
    fake_github.fail("POST", r"/pulls/7/reviews$", 502, message="Bad Gateway")
    deliver(http, hook, pr_event(repo), "pull_request")
    posts = [r for r in fake_github.requests if r.method == "POST" and r.path.endswith("/reviews")]
    assert [p.status for p in posts] == [502, 200]
    assert len(fake_github.reviews) == 1


def test_secondary_rate_limit_waits_for_retry_after(fake_github, hook, http):
    repo = make_repo(fake_github)
    fake_github.fail(
        "POST",
        r"/issues/7/comments$",
        403,
        headers={"Retry-After": "1"},
        message="You have exceeded a secondary rate limit",
    )
    deliver(http, hook, pr_event(repo), "pull_request")
    posts = [
        r
        for r in fake_github.requests
        if r.path.endswith("/issues/7/comments") and r.method == "POST"
    ]
    assert [p.status for p in posts] == [403, 201]
    assert len(fake_github.issue_comments) == 1


def test_draft_is_skipped_unless_configured(fake_github, hook, http, engines):
    repo = make_repo(fake_github, draft=True)
    deliver(http, hook, pr_event(repo, draft=True), "pull_request")
    assert fake_github.writes() == [] and engines.reviewed == []

    repo.commit("main", {".specreview.toml": CONFIG + "review_drafts = true\n"})
    deliver(http, hook, pr_event(repo, draft=True), "pull_request")
    assert len(fake_github.reviews) == 1


def test_comment_cap_summarises_the_rest(fake_github, hook, http):
    repo = make_repo(fake_github, config="[github]\nmax_comments = 1\n")
    deliver(http, hook, pr_event(repo), "pull_request")
    assert len(fake_github.review_comments) == 1
    body = fake_github.reviews[0]["body"]
    assert "1 more finding(s) not shown inline" in body
    assert len(fingerprints_in(body)) == 2  # the overflow and the absence
    # No fail_on configured: like `specreview review`, the check fails on high findings.
    assert [run["conclusion"] for run in fake_github.check_runs] == ["failure"]


def test_base_branch_config_disables_a_check(fake_github, hook, http, engines):
    config = '[review]\ndisabled_checks = ["missing_acceptance_criteria"]\n'
    repo = make_repo(fake_github, config=config)
    deliver(http, hook, pr_event(repo), "pull_request")
    assert fingerprints_in(fake_github.reviews[0]["body"]) == set()
    assert engines.configs[0].disabled_checks == ["missing_acceptance_criteria"]


def test_review_command_reruns(fake_github, hook, http):
    make_repo(fake_github)
    payload = json.loads((FIXTURES / "issue_comment.created.json").read_text())
    payload["comment"]["body"] = "/specreview review"
    deliver(http, hook, json.dumps(payload).encode(), "issue_comment")
    assert len(fake_github.reviews) == 1


def test_ask_command_replies_with_citations(fake_github, hook, http, engines):
    make_repo(fake_github)
    raw = (FIXTURES / "issue_comment.created.json").read_bytes()
    assert deliver(http, hook, raw, "issue_comment")["code"] == 202
    assert engines.questions == ["Which database did we choose for payments?"]
    [reply] = fake_github.issue_comments
    assert "Postgres was chosen" in reply["body"] and "ADR-001" in reply["body"]


def test_bot_comments_are_not_commands(fake_github, hook, http, engines):
    make_repo(fake_github)
    payload = json.loads((FIXTURES / "issue_comment.created.json").read_text())
    payload["comment"]["user"]["type"] = "Bot"
    result = deliver(http, hook, json.dumps(payload).encode(), "issue_comment")
    assert (result["code"], result["status"]) == (200, "ignored")
    assert fake_github.requests == [] and engines.questions == []


def test_unhandled_action_is_ignored(fake_github, hook, http):
    repo = make_repo(fake_github)
    result = deliver(http, hook, pr_event(repo, "closed"), "pull_request")
    assert (result["code"], result["status"]) == (200, "ignored")
    assert fake_github.requests == []


def test_real_engine_fix_is_resolved_and_nothing_repeats(fake_github, gh_settings):
    """The offline reviewer and the index pipeline behind the webhook (hashing embedder)."""

    def client(task: Task) -> GitHubClient:
        github = build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01))
        return GitHubkitClient(github)

    hook = GitHubWebhook(Services(settings=gh_settings), client_factory=client)
    app = FastAPI()
    app.include_router(hook.router)
    http = TestClient(app)
    try:
        repo = make_repo(fake_github)
        deliver(http, hook, pr_event(repo), "pull_request")
        assert len(fake_github.reviews) == 1
        first = {c["line"]: c["body"] for c in fake_github.review_comments}
        assert first, "the reviewer anchors findings on lines of the new spec"
        state = read_state(fake_github.issue_comments[0]["body"])
        assert state.open

        repo.commit("checkout-spec", {"docs/specs/checkout.md": _text("checkout_v2.md")})
        deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
        assert len(fake_github.issue_comments) == 1
        after = read_state(fake_github.issue_comments[0]["body"])
        resolved = set(state.open) - set(after.open)
        assert resolved, "fixing the TBD payment provider resolves a finding"
        for fp in resolved:
            assert state.open[fp].title in fake_github.issue_comments[0]["body"]
        # Every fingerprint is commented at most once across both runs.
        marked = [fp for c in fake_github.review_comments for fp in fingerprints_in(c["body"])]
        marked += [fp for r in fake_github.reviews for fp in fingerprints_in(r["body"])]
        assert len(marked) == len(set(marked))
    finally:
        hook.queue.close()


def test_mounted_in_the_service_app(fake_github, gh_settings):
    """create_app mounts the webhook: signed ping answered, unsigned refused, no bearer needed."""
    from api.app import create_app

    settings = gh_settings.model_copy(update={"api_tokens": "secret-api-token"})
    client = TestClient(create_app(Services(settings=settings)))
    raw = json.dumps({"zen": "Design for failure.", "hook_id": 2}).encode()
    assert (
        client.post("/github/webhook", content=raw, headers=signed_headers(raw, "ping")).json()[
            "status"
        ]
        == "pong"
    )
    assert (
        client.post("/github/webhook", content=raw, headers={"X-GitHub-Event": "ping"}).status_code
        == 401
    )


def test_rejected_review_is_posted_without_inline_comments(fake_github, hook, http):
    """A 422 (the diff moved while we worked) keeps every finding, in the review body."""
    repo = make_repo(fake_github)
    fake_github.fail("POST", r"/pulls/7/reviews$", 422, message="Unprocessable Entity")
    deliver(http, hook, pr_event(repo), "pull_request")
    [review] = fake_github.reviews
    assert fake_github.review_comments == []
    assert len(fingerprints_in(review["body"])) == 3


def test_no_check_run_permission_falls_back_to_a_commit_status(fake_github, hook, http):
    repo = make_repo(fake_github)
    fake_github.fail("POST", r"/check-runs$", 403, message="Resource not accessible by integration")
    deliver(http, hook, pr_event(repo), "pull_request")
    assert fake_github.check_runs == []
    [status] = fake_github.statuses
    assert status["state"] == "failure" and status["context"] == "specreview"
    assert status["sha"] == repo.branches["checkout-spec"]


def test_kb_follows_the_base_branch(fake_github, hook, http, engines):
    """Unchanged records are not fetched again; edited ones are; deleted ones leave."""
    repo = make_repo(fake_github)
    deliver(http, hook, pr_event(repo), "pull_request")
    assert set(engines.versions) == {"docs/adr/001-postgres.md"}

    repo.commit("main", {"docs/adr/001-postgres.md": ADR + "\nAmended: use Aurora.\n"})
    deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    assert [f.text.endswith("Aurora.\n") for f in engines.indexed] == [False, True]

    repo.commit("main", {"docs/adr/001-postgres.md": None, "docs/adr/002-queues.md": ADR})
    deliver(http, hook, pr_event(repo, "synchronize"), "pull_request")
    assert set(engines.versions) == {"docs/adr/002-queues.md"}


def test_ask_that_cannot_be_answered_says_why(fake_github, hook, http, engines):
    make_repo(fake_github)
    engines.ask_error = InputError("question too long: keep it under 2000 characters")
    raw = (FIXTURES / "issue_comment.created.json").read_bytes()
    deliver(http, hook, raw, "issue_comment")
    [reply] = fake_github.issue_comments
    assert reply["body"].startswith("specreview could not answer: question too long")


def test_a_person_quoting_our_markers_changes_nothing(fake_github, hook, http):
    """Only the bot's own comments count: a quoted summary or fingerprint is ignored."""
    repo = make_repo(fake_github)
    fake_github.add_issue_comment(repo, 7, "<!-- specreview:summary --> my notes")
    deliver(http, hook, pr_event(repo), "pull_request")
    assert len(fake_github.issue_comments) == 2  # ours was created, theirs left alone
    assert fake_github.issue_comments[0]["body"] == "<!-- specreview:summary --> my notes"
    assert [r for r in fake_github.requests if r.method == "PATCH"] == []


def test_form_encoded_delivery_is_accepted(fake_github, hook, http):
    """A hook set to application/x-www-form-urlencoded: signed over the encoded body."""
    from urllib.parse import urlencode

    repo = make_repo(fake_github)
    raw = urlencode({"payload": pr_event(repo).decode()}).encode()
    headers = signed_headers(raw, "pull_request")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert http.post("/github/webhook", content=raw, headers=headers).status_code == 202
    hook.queue.join()
    assert len(fake_github.reviews) == 1


def test_garbage_body_with_a_good_signature_is_400(fake_github, http):
    raw = b"not json"
    response = http.post("/github/webhook", content=raw, headers=signed_headers(raw, "push"))
    assert response.status_code == 400 and fake_github.requests == []


def test_github_down_leaves_a_failed_check(fake_github, hook, http):
    """5xx past the retries: the run fails, and the PR says so (a failed check, never a pass)."""
    repo = make_repo(fake_github)
    fake_github.fail("GET", r"/pulls/7/files$", 500, times=10)
    raw = pr_event(repo)
    http.post("/github/webhook", content=raw, headers=signed_headers(raw, "pull_request"))
    hook.queue.join()
    [(name, error)] = hook.queue.failures
    assert name == "review acme/product#7" and "500" in error
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure" and "could not finish" in run["output"]["title"]
    assert "500" in run["output"]["summary"]
    assert fake_github.reviews == []


def test_follows_pagination_links(fake_github, hook, http, engines):
    """A PR with 130 changed files: the spec is on page 2 of the files list (per_page=100)."""
    repo = make_repo(fake_github)
    repo.commit("checkout-spec", {f"assets/f{i:03}.txt": "x\n" for i in range(130)})
    deliver(http, hook, pr_event(repo), "pull_request")
    pages = [r.query.get("page") for r in fake_github.requests if r.path.endswith("/files")]
    assert pages == [None, "2"]
    assert engines.reviewed == ["docs/specs/checkout.md"]


def test_broken_config_on_base_is_reported_not_guessed(fake_github, hook, http, engines):
    repo = make_repo(fake_github, config='[review]\nfail_on = "sometimes"\n')
    deliver(http, hook, pr_event(repo), "pull_request")
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure"
    assert "review.fail_on" in run["output"]["summary"] and "on main" in run["output"]["summary"]
    assert fake_github.reviews == [] and engines.reviewed == []


def _with_hostile_file(repo: FakeRepo, engines: RuleEngines, spec: str) -> None:
    repo.commit("checkout-spec", {"docs/specs/hostile.md": "# Hostile\n", "docs/specs/a.md": spec})
    engines.review_errors["docs/specs/hostile.md"] = RecursionError("maximum recursion depth")


def test_a_file_that_crashes_the_review_fails_the_check_and_the_rest_is_reviewed(
    fake_github, hook, http, engines
):
    """Issue 17: a hostile second file once crashed the run into a neutral check, so a PR with
    a high finding passed the gate. Now the other files are reviewed and the check fails."""
    repo = make_repo(fake_github)
    _with_hostile_file(repo, engines, "# Fine\n\n## Acceptance criteria\n\n- [ ] done\n")
    deliver(http, hook, pr_event(repo), "pull_request")
    assert hook.queue.failures == []
    assert sorted(engines.reviewed) == [
        "docs/specs/a.md",
        "docs/specs/checkout.md",
        "docs/specs/hostile.md",
    ]
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure"
    assert run["output"]["title"].startswith("could not review 1 spec file(s); ")
    crash = "docs/specs/hostile.md: internal error (RecursionError: maximum recursion depth)"
    assert crash in run["output"]["summary"]
    assert len(fake_github.reviews) == 1  # checkout.md's findings are still posted
    assert any(c["path"] == "docs/specs/checkout.md" for c in fake_github.review_comments)
    [summary] = fake_github.issue_comments
    assert "Could not review" in summary["body"] and "hostile.md" in summary["body"]
    assert "Check: **failure**" in summary["body"]


def test_a_crash_alone_fails_the_check(fake_github, hook, http, engines):
    """No finding at fail_on anywhere: the file that could not be reviewed still fails it."""
    repo = make_repo(fake_github)
    repo.commit("checkout-spec", {"docs/specs/checkout.md": None})
    _with_hostile_file(repo, engines, "# Fine\n\n## Acceptance criteria\n\n- [ ] done\n")
    deliver(http, hook, pr_event(repo), "pull_request")
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure"


DECISION_PR = """# 12. Move background jobs to Postgres

* Status: proposed
* Deciders: TBD

## Context

Jobs live in Redis today. Two days of jobs were lost in the March failover and customers had
to re-run their imports by hand, because Redis was never configured to persist them.

## Decision

Background jobs move to a Postgres table read with `SELECT ... FOR UPDATE SKIP LOCKED`.

## Consequences

Workers need a database connection each; the Redis instance can be retired.
"""


def test_decision_record_pull_request_gets_decision_checks_only(fake_github, gh_settings):
    """A real-shaped ADR in docs/decisions/ is picked up by the default globs, read as a
    decision record, and gets no acceptance-criteria, metric or scope findings."""

    def client(task: Task) -> GitHubClient:
        return GitHubkitClient(build_github(gh_settings, retry=RetryPolicy(backoff_s=0.01)))

    hook = GitHubWebhook(Services(settings=gh_settings), client_factory=client)
    app = FastAPI()
    app.include_router(hook.router)
    http = TestClient(app)
    try:
        repo = fake_github.repo("acme", "product")
        repo.commit("main", {"README.md": "# Product\n", ".specreview.toml": CONFIG})
        repo.branch("checkout-spec", from_="main")
        repo.commit("checkout-spec", {"docs/decisions/0012-jobs-in-postgres.md": DECISION_PR})
        repo.open_pull(7, base="main", head="checkout-spec")
        deliver(http, hook, pr_event(repo), "pull_request")
        [summary] = fake_github.issue_comments
        body = summary["body"]
        posted = body + "".join(c["body"] for c in fake_github.review_comments)
        posted += "".join(r["body"] for r in fake_github.reviews)
        assert "0012-jobs-in-postgres.md" in body
        assert "Ownership is unresolved" in posted  # "Deciders: TBD" leaves the decider open
        for plan_only in ("acceptance criteria", "No outcome metric", "Scope is not bounded"):
            assert plan_only not in posted
    finally:
        hook.queue.close()
