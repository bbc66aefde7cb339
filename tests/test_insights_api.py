"""Insights through the service: GET /v1/insights, the /insights page (chart, noise, citations)
and its auth; answers recorded from /v1/ask (JSON and streamed), the Ask page and
`specreview ask`; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.ledger import DocumentKey, FindingLedger
from assistant.models import Answer, Finding, RelatedRecord, Review, Span
from assistant.services import Services
from tests.api.conftest import make_services
from tests.api.fakes import record
from tests.db_support import DATABASES, fresh_database


@pytest.fixture(params=DATABASES)
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    with fresh_database(request.param, tmp_path) as url:
        settings = Settings(store_path=tmp_path / "store", embedder="hashing", database_url=url)
        services = make_services(settings)
        services.store.put_document(record("adr-0001", title="Use Postgres"))
        services.store.put_document(record("adr-0009", title="Use <b>Kafka</b>"))
        services.store.put_document(record("adr-0010", status="superseded", title="Old"))
        yield services
        services.close_ledger()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


def finding(fp: str, code: str, cites: tuple[str, ...] = ()) -> Finding:
    return Finding(
        code=code,
        severity="medium",
        title="t",
        message="m",
        suggestion="s",
        span=Span(start_line=1, end_line=1, quote="q"),
        fingerprint=fp,
        related=[RelatedRecord(id=c, title=c) for c in cites],
    )


def seed(ledger: FindingLedger) -> None:
    """Six documents with a check people dismiss 4 times in 6 (<script> in its code, to show
    it is escaped), and a finding that cites adr-0001."""
    now = datetime.now(UTC)
    for n in range(6):
        doc = DocumentKey(repo="acme/specs", path=f"docs/specs/s{n}.md")
        recorded = ledger.record_review(
            Review(path=doc.path, findings=[finding(f"n{n}", "noisy<script>")]),
            document=doc,
            content_hash="h",
            surface="api",
            at=now - timedelta(days=n),
        )
        if n < 4:
            ledger.dismiss(recorded.findings[0].id, by="pm", reason="wrong")
    ledger.record_review(
        Review(path="d.md", findings=[finding("c", "contradicts_decision", ("adr-0001",))]),
        document=DocumentKey(path="docs/d.md"),
        content_hash="h",
        surface="web",
    )


def test_the_json_has_every_insight(client: TestClient, services: Services) -> None:
    seed(services.ledger)
    response = client.get("/v1/insights", params={"days": 14, "bucket": "day"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["noise"] == ["noisy<script>"]
    assert body["totals"]["reviews"] == 7
    assert len(body["timeline"]["periods"]) == 14
    assert sum(s["total"] for s in body["timeline"]["series"]) == 7
    assert [c["id"] for c in body["most_cited"]] == ["adr-0001"]
    assert [d["id"] for d in body["never_cited"]] == ["adr-0009"]
    assert body["gaps_by_repository"][0] == {
        "repo": "acme/specs",
        "folder": None,
        "code": "noisy<script>",
        "documents": 2,
        "open": 2,
        "place": "acme/specs",
    }
    assert client.get("/v1/insights", params={"bucket": "month"}).status_code == 422
    high = client.get("/v1/insights", params={"min": 7}).json()
    assert high["noise"] == []


def test_the_page_shows_the_chart_the_noise_and_the_decisions(
    client: TestClient, services: Services
) -> None:
    seed(services.ledger)
    page = client.get("/insights")
    assert page.status_code == 200
    html = page.text
    assert '<a href="/insights" aria-current="page">Insights</a>' in html
    assert '<svg class="chart" id="findings-chart"' in html
    assert len(re.findall(r'<rect class="bar"', html)) >= 2
    assert "<script>" not in html.split("<body>", 1)[1].replace("</script>", "")
    assert "noisy&lt;script&gt;" in html and 'id="noise-callout"' in html
    assert "Use &lt;b&gt;Kafka&lt;/b&gt;" in html  # never cited, escaped
    assert 'href="/library/adr-0001"' in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/insights?bucket=day&days=3").status_code == 200


def test_an_empty_database_says_so(client: TestClient) -> None:
    html = client.get("/insights").text
    assert 'id="no-findings"' in html and "No findings are tracked yet." in html
    assert "0 reviews of 0 documents recorded" in html


def test_insights_need_the_token_when_auth_is_on(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "store", embedder="hashing", api_tokens="s3cret")
    with TestClient(create_app(make_services(settings))) as client:
        page = client.get("/insights", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/insights"
        assert client.get("/v1/insights").status_code == 401
        ok = client.get("/v1/insights", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        client.cookies.set("specreview_token", "s3cret")
        assert client.get("/insights").status_code == 200


def test_answers_are_recorded_from_the_api_the_stream_and_the_page(
    client: TestClient, services: Services
) -> None:
    assert client.post("/v1/ask", json={"question": "Why Postgres?"}).status_code == 200
    with client.stream(
        "POST",
        "/v1/ask",
        json={"question": "Why postgres again?"},
        headers={"Accept": "text/event-stream", "X-Specreview-Surface": "web"},
    ) as streamed:
        assert "event: done" in "".join(streamed.iter_text())
    assert client.post("/ask", data={"question": "Who owns billing?"}).status_code == 200
    body = client.get("/v1/insights").json()
    assert body["totals"]["answers"] == 3
    assert body["most_cited"][0]["id"] == "adr-0001"
    assert body["most_cited"][0]["by_answers"] == 2
    rows = services.ledger.export_findings()  # answers are not findings
    assert list(rows) == []


def test_specreview_ask_records_its_answer(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from cli import _register_all, app
    from tests.api.fakes import FakeAsker

    monkeypatch.chdir(tmp_path)
    store = tmp_path / ".specreview" / "store"

    class Asker(FakeAsker):
        def ask(self, question: str, *, k: int = 5, where: object = None) -> Answer:  # noqa: ARG002
            return super().ask(question, k=k)

    services = make_services(Settings(store_path=store, embedder="hashing"), asker=Asker())
    services.store.put_document(record("adr-0001", title="Use Postgres"))
    services.store.count_chunks = lambda: 1  # type: ignore[method-assign]
    store.mkdir(parents=True)  # a project with a store: its database is in use
    monkeypatch.setattr("cli.ask_cmd.cli_services", lambda *a, **k: services)
    _register_all()
    result = CliRunner().invoke(app, ["ask", "Why Postgres?", "--json"])
    assert result.exit_code == 0, result.output
    services.close_ledger()
    assert services.ledger.citations().by_answers == {"adr-0001": 1}
    services.close_ledger()


def test_insights_are_reused_until_something_is_recorded(
    client: TestClient, services: Services
) -> None:
    seed(services.ledger)
    first = client.get("/v1/insights").json()
    assert client.get("/v1/insights").json()["generated_at"] == first["generated_at"]  # reused
    assert client.get("/v1/insights?min=6").json()["generated_at"] != first["generated_at"]
    ledger = services.ledger
    finding_id = (
        ledger.reviews(document=DocumentKey(repo="acme/specs", path="docs/specs/s5.md"))[0]
        .findings[0]
        .id
    )
    ledger.dismiss(finding_id, by="pm", reason="wont_fix")  # a dismissal: computed again
    after = client.get("/v1/insights").json()
    noisy = next(c for c in after["checks"] if c["code"] == "noisy<script>")
    assert noisy["dismissed"] == 5 and noisy["reasons"] == {"wrong": 4, "wont_fix": 1}
    ledger.record_answer(question="q", cited=["adr-0009"], surface="cli")  # an answer
    again = client.get("/v1/insights").json()
    assert again["never_cited"] == [] and again["totals"]["answers"] == 1
    services.store.put_document(record("adr-0011", title="New"))  # the library changed
    assert [d["id"] for d in client.get("/v1/insights").json()["never_cited"]] == ["adr-0011"]
