"""Issue 15's journey in a real browser over the real offline engines and a findings database:
review a draft on the Review page (named as the repository's file), dismiss a finding with a
reason, then review it again through the API and through the GitHub bot (signed webhook, fake
GitHub on loopback): the finding is not raised, and each says it was dismissed; /insights
counts the dismissal against its check."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.github.markers import fingerprints_in, is_summary, read_state
from assistant.config import Settings
from assistant.embed import HashingEmbedder
from assistant.ledger import DocumentKey
from assistant.services import Services
from assistant.store import InMemoryStore
from tests.api.loopback import serve
from tests.browser.conftest import screenshot
from tests.github.fake_github import FakeGitHub
from tests.github.fake_github import serve as serve_github
from tests.github.spec_validator import SpecValidator

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GITHUB = FIXTURES / "github"
SPEC_PATH = "docs/specs/checkout.md"
SPEC = (GITHUB / "specs" / "checkout_v1.md").read_text(encoding="utf-8")
SECRET = "browser-test-secret"
DOC = DocumentKey(repo="acme/product", path=SPEC_PATH)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    spec = json.loads((GITHUB / "rest-api-subset.json").read_text(encoding="utf-8"))
    fake = FakeGitHub(spec)
    with serve_github(fake, SpecValidator(spec)):
        yield fake
    assert fake.violations == [], "\n".join(fake.violations)


@pytest.fixture
def services(tmp_path: Path, fake_github: FakeGitHub) -> Iterator[Services]:
    settings = Settings(
        store_path=tmp_path / "store",
        embedder="hashing",
        database_url=f"sqlite:///{tmp_path / 'findings.db'}",
        github_token=fake_github.token,
        github_api_url=fake_github.base_url,
        github_webhook_secret=SECRET,
    )
    services = Services(settings=settings, _embedder=HashingEmbedder(), _store=InMemoryStore())
    yield services
    services.close_ledger()


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    with serve(create_app(services)) as base:
        yield base


def _pull_request_event(fake: FakeGitHub) -> bytes:
    repo = fake.repo("acme", "product")
    repo.commit("main", {"README.md": "# Product\n"})
    repo.branch("checkout-spec", from_="main")
    repo.commit("checkout-spec", {SPEC_PATH: SPEC})
    repo.open_pull(7, base="main", head="checkout-spec")
    payload = json.loads((GITHUB / "pull_request.opened.json").read_text(encoding="utf-8"))
    payload["pull_request"]["head"]["sha"] = repo.branches["checkout-spec"]
    payload["pull_request"]["base"]["sha"] = repo.branches["main"]
    return json.dumps(payload).encode()


def _deliver(base: str, raw: bytes, event: str) -> httpx.Response:
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": signature,
    }
    return httpx.post(f"{base}/github/webhook", content=raw, headers=headers, timeout=30)


def _summary(fake: FakeGitHub, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in fake.issue_comments if is_summary(c["body"])]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"the bot posted no summary in {timeout_s} s")


def test_dismiss_on_the_page_then_the_api_and_the_bot_do_not_raise_it(
    page: Any, server: str, services: Services, fake_github: FakeGitHub
) -> None:
    page.goto("/review")
    page.get_by_label("Draft (markdown or plain text)").fill(SPEC)
    page.get_by_text("Which document is this?").click()
    page.get_by_label("Repository (owner/name)").fill("acme/product")
    page.get_by_label("Path in the repository").fill(SPEC_PATH)
    page.get_by_role("button", name="Review", exact=True).click()
    page.wait_for_selector("#draft")

    card = page.locator("#draft .finding[data-line]").first
    code = card.get_attribute("data-code")
    card.get_by_text("Dismiss", exact=True).click()
    card.get_by_label("Not applicable").check()
    card.get_by_label("Who (optional)").fill("Pat")
    card.get_by_role("button", name="Dismiss finding").click()
    note = card.locator(".dismissed-note")
    note.wait_for()
    assert "Dismissed as not applicable by Pat" in note.inner_text()
    assert card.get_attribute("data-state") == "dismissed"
    screenshot(page, "review-dismissed.png")

    [state] = services.ledger.dismissed_fingerprints(DOC).values()
    assert (state.code, state.reason, state.by) == (code, "not_applicable", "Pat")
    fingerprint = state.fingerprint

    # The same draft again on the page: listed as dismissed, with a way to reopen it.
    page.goto("/review")
    page.get_by_label("Draft (markdown or plain text)").fill(SPEC)
    page.get_by_text("Which document is this?").click()
    page.get_by_label("Repository (owner/name)").fill("acme/product")
    page.get_by_label("Path in the repository").fill(SPEC_PATH)
    page.get_by_role("button", name="Review", exact=True).click()
    listed = page.locator(f".dismissed-finding[data-fingerprint='{fingerprint}']")
    listed.wait_for()
    assert "not applicable" in listed.inner_text() and "Pat" in listed.inner_text()

    # Through the API.
    api = httpx.post(
        f"{server}/v1/reviews",
        json={"text": SPEC, "path": SPEC_PATH, "repo": "acme/product"},
        timeout=60,
    ).json()
    assert fingerprint not in [f["fingerprint"] for f in api["findings"]]
    assert any(s.startswith(code) and "dismissed" in s for s in api["suppressed"])

    # Through the bot: a signed pull_request delivery, the review posted on the fake GitHub.
    assert _deliver(server, _pull_request_event(fake_github), "pull_request").status_code == 202
    summary = _summary(fake_github)["body"]
    assert fingerprint not in read_state(summary).open
    assert "### Dismissed" in summary and "dismissed as not applicable by Pat" in summary
    posted = [c["body"] for c in fake_github.review_comments]
    posted += [r["body"] for r in fake_github.reviews]
    assert all(fingerprint not in fingerprints_in(body) for body in posted)
    assert posted, "the bot still posts the findings that were not dismissed"

    # Insights count the dismissal against its check, with the reason.
    page.goto("/insights")
    row = page.locator(f"#checks tr[data-code='{code}']")
    row.wait_for()
    assert row.locator("td").nth(1).inner_text() == "1"
    assert "not_applicable 1" in row.inner_text()
    screenshot(page, "insights-after-dismissal.png")


def test_dismiss_without_javascript(browser: Any, server: str, services: Services) -> None:
    """The button is a plain form: with scripts off it lands on the finding's page, which says
    the finding is dismissed and offers to reopen it."""
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/review")
        page.get_by_label("Draft (markdown or plain text)").fill(SPEC)
        page.get_by_role("button", name="Review", exact=True).click()
        card = page.locator("#draft .finding[data-line]").first
        card.get_by_text("Dismiss", exact=True).click()
        card.get_by_label("Won't fix").check()
        with page.expect_navigation():
            card.get_by_role("button", name="Dismiss finding").click()
        assert "/review/findings/" in page.url
        assert "dismissed (won't fix), by web page" in page.locator("#finding-state").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Reopen finding").click()
        assert page.locator("#finding-state").inner_text().startswith("reopened")
    finally:
        context.close()
    assert services.ledger.dismissed_fingerprints(DocumentKey(path="draft.md")) == {}
