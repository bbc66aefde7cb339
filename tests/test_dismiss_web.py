"""Dismissing on the Review page (through the app): the button's form post without JavaScript
(a redirect to the finding's page) and with it (JSON), the reason and who, the next review
showing the finding as dismissed, identity fields shared with the bot, auth and cross-site
rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
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
from tests.test_db_api import DRAFT

CARD = re.compile(r'action="/review/findings/(\d+)/dismiss"')


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


def review_page(client: TestClient, **fields: str) -> str:
    response = client.post("/review", data={"text": DRAFT, **fields})
    assert response.status_code == 200, response.text
    return response.text


def test_each_finding_has_a_dismiss_form_and_no_js_dismissal_redirects(
    client: TestClient, services: Services
) -> None:
    page = review_page(client)
    ids = [int(i) for i in CARD.findall(page)]
    [recorded] = services.ledger.reviews()
    assert sorted(ids) == sorted(f.id for f in recorded.findings)
    for reason in ("wrong", "not_applicable", "wont_fix"):
        assert f'value="{reason}"' in page
    target = recorded.findings[0]
    response = client.post(
        f"/review/findings/{target.id}/dismiss",
        data={"reason": "not_applicable", "by": "Pat (PM)"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/review/findings/{target.id}"
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200
    assert "dismissed (not applicable), by Pat (PM)" in shown.text
    assert f'action="/review/findings/{target.id}/reopen"' in shown.text

    again = review_page(client)
    assert f'data-fingerprint="{target.fingerprint}"' in again  # listed as dismissed
    assert "dismissed finding not raised again" in again
    assert "not applicable</strong> by Pat (PM)" in again
    assert f'action="/review/findings/{target.id}/dismiss"' not in again
    assert len(CARD.findall(again)) == len(ids) - 1


def test_dismissal_with_javascript_answers_json_and_reopen_works(client: TestClient) -> None:
    first_id = int(CARD.findall(review_page(client))[0])
    json_headers = {"Accept": "application/json"}
    moved = client.post(
        f"/review/findings/{first_id}/dismiss", data={"reason": "wrong"}, headers=json_headers
    )
    assert moved.status_code == 200
    assert (moved.json()["state"], moved.json()["reason"], moved.json()["by"]) == (
        "dismissed",
        "wrong",
        "web page",
    )
    reopened = client.post(f"/review/findings/{first_id}/reopen", data={}, headers=json_headers)
    assert reopened.json()["state"] == "reopened"
    assert len(CARD.findall(review_page(client))) >= 1
    assert "dismissed finding" not in review_page(client)


def test_bad_reason_unknown_finding_and_bad_repo_are_refused(client: TestClient) -> None:
    first_id = int(CARD.findall(review_page(client))[0])
    bad = client.post(f"/review/findings/{first_id}/dismiss", data={"reason": "meh"})
    assert bad.status_code == 422 and "wrong, not_applicable, wont_fix" in bad.text
    missing = client.post(
        "/review/findings/99999/dismiss",
        data={"reason": "wrong"},
        headers={"Accept": "application/json"},
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/review/findings/99999").status_code == 404
    refused = client.post("/review", data={"text": DRAFT, "repo": "not a repo"})
    assert refused.status_code == 422 and "owner/name" in refused.text


def test_a_dismissal_on_the_page_reaches_the_api_and_the_bot(
    client: TestClient, services: Services
) -> None:
    fields = {"repo": "Acme/Specs", "path": "docs/specs/invoices.md"}
    page = review_page(client, **fields)
    [recorded] = services.ledger.reviews()
    assert recorded.document == DocumentKey(repo="acme/specs", path="docs/specs/invoices.md")
    target = recorded.findings[0]
    assert str(target.id) in CARD.findall(page)
    client.post(f"/review/findings/{target.id}/dismiss", data={"reason": "wont_fix"})

    api = client.post(
        "/v1/reviews", json={"text": DRAFT, "path": fields["path"], "repo": "acme/specs"}
    ).json()
    assert target.fingerprint not in [f["fingerprint"] for f in api["findings"]]
    assert any("dismissed" in s for s in api["suppressed"])
    bot = ServicesEngineFactory(services)("acme/specs")
    shown = bot.review(DRAFT, path=fields["path"], config=ReviewConfig())
    assert target.fingerprint not in [f.fingerprint for f in shown.findings]
    # Without the repository it is another document: raised there.
    plain = client.post("/v1/reviews", json={"text": DRAFT, "path": fields["path"]}).json()
    assert target.fingerprint in [f["fingerprint"] for f in plain["findings"]]


def test_an_upload_keeps_its_name(client: TestClient, services: Services) -> None:
    files = {"file": ("invoices-v2.md", DRAFT.encode(), "text/markdown")}
    assert client.post("/review", files=files).status_code == 200
    [recorded] = services.ledger.reviews()
    assert recorded.document == DocumentKey(path="invoices-v2.md")


def test_cross_site_posts_and_signed_out_sessions_are_refused(tmp_path: Path) -> None:
    settings = Settings(
        store_path=tmp_path / "store",
        embedder="hashing",
        database_url=f"sqlite:///{tmp_path / 'f.db'}",
        api_tokens="page-token",
    )
    services = Services(settings=settings)
    with TestClient(create_app(services)) as client:
        client.post("/login", data={"token": "page-token", "next": "/review"})
        first_id = int(CARD.findall(review_page(client))[0])
        cross = client.post(
            f"/review/findings/{first_id}/dismiss",
            data={"reason": "wrong"},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        assert services.ledger.dismissed_fingerprints(DocumentKey(path="draft.md")) == {}
        client.cookies.clear()
        signed_out = client.post(
            f"/review/findings/{first_id}/dismiss",
            data={"reason": "wrong"},
            follow_redirects=False,
        )
        assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
        assert services.ledger.dismissed_fingerprints(DocumentKey(path="draft.md")) == {}
    services.close_ledger()
