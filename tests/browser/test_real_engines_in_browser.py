"""End to end in a browser over the real offline engines (hashing embedder): upload history,
review a draft, ask a question and follow a citation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from assistant.config import Settings
from assistant.embed import HashingEmbedder
from assistant.services import Services
from assistant.store import InMemoryStore
from tests.api.loopback import serve
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    services = Services(
        settings=Settings(store_path=tmp_path, embedder="hashing"),
        _embedder=HashingEmbedder(),
        _store=InMemoryStore(),
    )
    with serve(create_app(services)) as base:
        yield base


def test_upload_history_then_review_a_draft(page) -> None:
    page.goto("/library")
    history = sorted(str(p) for p in (FIXTURES / "ask").glob("*.md"))
    page.get_by_label("Markdown or text files").set_input_files(history)
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and index").click()
    page.locator("#documents tbody tr").nth(len(history) - 1).wait_for()

    draft = (FIXTURES / "api" / "draft.md").read_text()
    page.goto("/review")
    page.get_by_label("Draft (markdown or plain text)").fill(draft)
    page.get_by_role("button", name="Review", exact=True).click()
    page.wait_for_selector("#draft")
    anchored = page.locator(".row[id^='L'] .finding[data-line]")
    assert anchored.count() > 0
    lines = draft.split("\n")
    for i in range(anchored.count()):  # each card sits in the row of the line it names
        card = anchored.nth(i)
        n = int(card.get_attribute("data-line") or 0)
        row_id = card.locator("xpath=ancestor::div[contains(@class,'row')][1]").get_attribute("id")
        assert row_id == f"L{n}"
        assert lines[n - 1].strip() in page.locator(f"#L{n} .src").inner_text()
    screenshot(page, "review-real.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.locator("#L13").scroll_into_view_if_needed()
    screenshot(page, "review-real-phone.png", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/ask")
    page.get_by_label("Your question").fill("What caused the cache outage?")
    page.get_by_role("button", name="Ask").click()
    page.locator(".msg.bot:not([aria-busy])").wait_for()
    link = page.locator(".citations a").first
    href = link.get_attribute("href") or ""
    assert href.startswith("/library/") and "?lines=" in href
    screenshot(page, "ask-real.png")
    link.click()  # the cited document opens at the cited lines, highlighted
    page.wait_for_url("**/library/**")
    start, end = (int(n) for n in href.split("?lines=")[1].split("#")[0].split("-"))
    for n in (start, end):
        assert "hl" in (page.locator(f"#L{n}").get_attribute("class") or "")
