"""Insights in a real browser: reviews recorded from the page and the API, a dismissal, an answer
asked on the Ask page; /insights (reached from the navigation) draws its chart with no script
and no network beyond the server, and shows the dismissal and the citation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from assistant.config import Settings
from assistant.models import Review
from tests.api.conftest import make_services
from tests.api.fakes import FakeReviewer, record
from tests.api.loopback import serve
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

DRAFT = (Path(__file__).resolve().parents[1] / "fixtures" / "api" / "draft.md").read_text()


class FingerprintingReviewer(FakeReviewer):
    """The fake reviewer, with a fingerprint on each finding as the real engine gives one."""

    def review_text(self, text: str, *, path: str = "draft.md", doc_type: Any = None) -> Review:
        review = super().review_text(text, path=path, doc_type=doc_type)
        findings = [
            f.model_copy(update={"fingerprint": f"{f.code}:{f.span.start_line if f.span else 0}"})
            for f in review.findings
        ]
        return review.model_copy(update={"findings": findings})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The browser tests' server (fake engines, an in-memory library, SQLite findings
    database in tmp_path) with findings that carry fingerprints."""
    settings = Settings(store_path=tmp_path / "store", embedder="hashing")
    services = make_services(settings, reviewer=FingerprintingReviewer())
    services.store.put_document(record("adr-0001", title="Use Postgres"))
    services.store.put_document(record("adr-0002", title="Use Kafka"))
    with serve(create_app(services)) as base:
        yield base


def test_insights_show_the_chart_a_dismissal_and_a_citation(page, server: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    page.goto("/review")  # a review from the web page
    page.get_by_label("Draft (markdown or plain text)").fill(DRAFT)
    page.get_by_role("button", name="Review", exact=True).click()
    page.wait_for_selector("#draft")

    api = page.request  # a review through the API, then dismiss one of its findings
    review = api.post("/v1/reviews", data={"text": DRAFT, "path": "docs/specs/other.md"}).json()
    target = review["findings"][0]
    dismissed = api.post(f"/v1/findings/{target['id']}/dismiss", data={"reason": "wrong"})
    assert dismissed.ok, dismissed.text()

    page.goto("/ask")  # an answer that cites adr-0001, streamed to the page
    page.get_by_label("Your question").fill("Why did we choose Postgres?")
    page.get_by_label("Your question").press("Enter")
    page.locator(".citations a").first.wait_for()

    page.get_by_role("link", name="Insights").click()
    page.wait_for_url("**/insights")
    chart = page.locator("svg#findings-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    bars = page.locator("svg#findings-chart rect.bar")
    assert bars.count() >= 1
    assert bars.first.get_attribute("data-code") == target["code"]
    tip = page.locator("svg#findings-chart rect.bar title").first.text_content() or ""
    assert tip.startswith(f"{target['code']}: ")  # the hover text: code, count, period

    row = page.locator(f"#checks tr[data-code='{target['code']}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "1" and cells[3] == "wrong 1", cells  # one of its findings dismissed
    cited = page.locator("#cited tr[data-id='adr-0001'] td").all_inner_texts()
    assert cited[-1] == "1", cited  # cited by the answer asked on the Ask page
    assert page.locator("nav a[aria-current='page']").inner_text() == "Insights"
    screenshot(page, "insights.png")

    insights_requests = [u for u in requests if "/insights" in u or "/static/" in u]
    assert all(u.startswith(server) for u in insights_requests), insights_requests
    assert all(u.startswith(server) for u in requests), [
        u for u in requests if not u.startswith(server)
    ]
    # Narrow screens: the chart scales down instead of scrolling the page sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px on a phone"
