"""Recording and dismissing through the service: /v1/reviews, /v1/findings/{id}, the Review page
and the GitHub bot's engines, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.github.engines import ServicesEngineFactory
from assistant.config import ReviewConfig, Settings
from assistant.ledger import DocumentKey
from assistant.services import Services
from tests.db_support import DATABASES, fresh_database

DRAFT = """# Export invoices as PDF

We will add a PDF export button to the invoices page.
"""


@pytest.fixture(params=DATABASES)
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    with fresh_database(request.param, tmp_path) as url:
        services = Services(
            settings=Settings(store_path=tmp_path / "store", embedder="hashing", database_url=url)
        )
        yield services
        services.close_ledger()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


def review(client: TestClient, path: str = "docs/invoices.md") -> dict:
    response = client.post("/v1/reviews", json={"text": DRAFT, "path": path})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_review_through_the_api_is_recorded_with_finding_ids(
    client: TestClient, services: Services
) -> None:
    body = review(client)
    assert body["findings"] and all(isinstance(f["id"], int) for f in body["findings"])
    [recorded] = services.ledger.reviews(document=DocumentKey(path="docs/invoices.md"))
    assert recorded.surface == "api"
    assert [f.fingerprint for f in recorded.findings] == [
        f["fingerprint"] for f in body["findings"]
    ]


def test_dismiss_through_the_api_then_the_finding_is_suppressed(client: TestClient) -> None:
    first = review(client)
    target = first["findings"][0]
    response = client.post(
        f"/v1/findings/{target['id']}/dismiss", json={"reason": "not_applicable", "by": "pm"}
    )
    assert response.status_code == 200, response.text
    state = response.json()
    assert (state["state"], state["reason"], state["by"]) == ("dismissed", "not_applicable", "pm")
    assert state["document"] == {"repo": "", "path": "docs/invoices.md"}
    second = review(client)
    assert target["fingerprint"] not in [f["fingerprint"] for f in second["findings"]]
    assert any("dismissed" in s for s in second["suppressed"])
    other = review(client, path="docs/other.md")  # another document: still raised
    assert target["fingerprint"] in [f["fingerprint"] for f in other["findings"]]
    shown = client.get(f"/v1/findings/{target['id']}").json()
    assert shown["state"] == "dismissed" and shown["code"] == target["code"]
    reopened = client.post(f"/v1/findings/{target['id']}/reopen", json={"by": "pm"})
    assert reopened.json()["state"] == "reopened"
    third = review(client)
    assert target["fingerprint"] in [f["fingerprint"] for f in third["findings"]]


def test_unknown_findings_and_reasons_are_refused(client: TestClient) -> None:
    first = review(client)
    missing = client.post("/v1/findings/99999/dismiss", json={"reason": "wrong"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/v1/findings/99999").status_code == 404
    bad = client.post(f"/v1/findings/{first['findings'][0]['id']}/dismiss", json={"reason": "meh"})
    assert bad.status_code == 422


def test_the_review_page_records_as_web(client: TestClient, services: Services) -> None:
    response = client.post("/review", data={"text": DRAFT})
    assert response.status_code == 200
    [recorded] = services.ledger.reviews()
    assert (recorded.surface, recorded.document.path) == ("web", "draft.md")


def test_the_bot_records_per_repository_and_skips_dismissed(services: Services) -> None:
    engines = ServicesEngineFactory(services)("acme/specs")
    first = engines.review(DRAFT, path="docs/specs/invoices.md", config=ReviewConfig())
    document = DocumentKey(repo="acme/specs", path="docs/specs/invoices.md")
    [recorded] = services.ledger.reviews(document=document)
    assert recorded.surface == "github"
    target = first.findings[0]
    assert target.id is not None
    services.ledger.dismiss(target.id, by="octocat", reason="wont_fix")
    again = engines.review(DRAFT, path="docs/specs/invoices.md", config=ReviewConfig())
    assert target.fingerprint not in [f.fingerprint for f in again.findings]
    assert any("dismissed" in s for s in again.suppressed)


def test_an_unreachable_database_does_not_fail_the_review(tmp_path: Path) -> None:
    settings = Settings(
        store_path=tmp_path / "store",
        embedder="hashing",
        database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    with TestClient(create_app(Services(settings=settings))) as client:
        body = review(client)
        assert body["findings"] and "id" not in body["findings"][0]
        assert any("the review was not saved" in s for s in body["coverage"]["skipped"])
        refused = client.post("/v1/findings/1/dismiss", json={"reason": "wrong"})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "database_unavailable"


def test_engines_that_do_not_record_leave_no_database(tmp_path: Path) -> None:
    # The GitHub Action's engines: a runner's checkout holds no database unless configured.
    services = Services(settings=Settings(store_path=tmp_path / "store", embedder="hashing"))
    assert not services.database_in_use()
    engines = ServicesEngineFactory(services, record=services.database_in_use())("acme/specs")
    shown = engines.review(DRAFT, path="docs/specs/invoices.md", config=ReviewConfig())
    assert shown.findings and shown.findings[0].id is None
    assert not (tmp_path / "specreview.db").exists()
