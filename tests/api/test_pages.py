"""Server-rendered pages: findings beside their lines, escaping, the ask and library pages."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from tests.api.conftest import make_services
from tests.api.fakes import FakeReviewer
from tests.api.test_ask import parse_sse

DRAFT = "# Plan\n\n<script>alert('x')</script>\nOwner: TBD\n"


def row(html: str, n: int) -> str:
    """The HTML of draft row n, up to the next row."""
    start = html.index(f'id="L{n}"')
    nxt = html.find('<div class="row', start)
    return html[start : nxt if nxt != -1 else None]


def test_review_page_puts_the_finding_beside_its_line(client: TestClient) -> None:
    response = client.post("/review", data={"text": DRAFT})
    assert response.status_code == 200
    html = response.text
    assert "Owner is TBD" in row(html, 4)
    assert "Owner is TBD" not in row(html, 3)
    # The absence is rendered as a stub after the last line.
    assert "Missing here: No acceptance criteria" in html.split('id="L5"', 1)[1]
    assert 'href="/library/adr-0001"' in html
    assert "LLM off" in html


def test_drafts_are_escaped(client: TestClient) -> None:
    html = client.post("/review", data={"text": DRAFT}).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_degraded_llm_shows_a_banner(tmp_path) -> None:
    services = make_services(
        Settings(store_path=tmp_path, embedder="hashing"),
        reviewer=FakeReviewer(llm_mode="degraded"),
    )
    with TestClient(create_app(services)) as client:
        html = client.post("/review", data={"text": DRAFT}).text
    assert 'class="banner llm-degraded"' in html
    assert "LLM degraded" in html


def test_review_page_upload_and_errors(client: TestClient) -> None:
    files = {"file": ("plan.md", DRAFT.encode(), "text/markdown")}
    assert "plan.md" in client.post("/review", files=files, data={"text": ""}).text
    empty = client.post("/review", data={"text": "  "})
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text


def test_two_thousand_line_draft_renders_every_line(client: TestClient) -> None:
    text = "\n".join(f"line {i} TBD" if i % 500 == 0 else f"line {i}" for i in range(1, 2001))
    html = client.post("/review", data={"text": text}).text
    assert len(re.findall(r'<div class="row[^"]*" id="L\d+"', html)) == 2000
    assert "Owner is TBD" in row(html, 1500)


def test_ask_page_without_javascript_shows_answer_and_citation(client: TestClient) -> None:
    html = client.post("/ask", data={"question": "Why Postgres?"}).text
    assert 'href="/library/adr-0001?lines=3-5#L3"' in html
    # The [1] marker in the text links to the same lines.
    marker = '<a class="cite" href="/library/adr-0001?lines=3-5#L3" title="Use Postgres">[1]</a>'
    assert marker in html
    refused = client.post("/ask", data={"question": "Why Rust?"}).text
    assert "No record found." in refused


def test_library_filters_and_document_view(client: TestClient) -> None:
    html = client.get("/library?kind=decision&status=superseded").text
    assert "Drop Mongodb" in html or "Drop MongoDB" in html
    assert "Use Postgres" not in html
    doc = client.get("/library/adr-0001?lines=3-4").text
    assert 'class="row hl" id="L3"' in doc and 'class="row hl" id="L4"' in doc
    assert 'class="row" id="L5"' in doc
    assert client.get("/library/nope").status_code == 404


def test_static_assets_are_served_locally(client: TestClient) -> None:
    for name in ("app.css", "review.js", "ask.js", "library.js"):
        assert client.get(f"/static/{name}").status_code == 200
    html = client.get("/review").text
    assert "http://" not in html and "https://" not in html


def test_api_reference_is_rendered_locally_from_the_schema(client: TestClient) -> None:
    html = client.get("/docs").text
    assert 'id="post-v1-reviews"' in html
    assert "text/event-stream" in html  # the ask operation documents its stream
    assert "<script" not in html and "cdn" not in html.lower()
    assert client.get("/redoc").status_code == 404


def test_a_pasted_draft_over_a_megabyte_is_reviewed(client: TestClient) -> None:
    text = "# Big\n" + ("Owner: TBD\n" + "x" * 200 + "\n") * 6000  # about 1.3 MB
    response = client.post("/review", data={"text": text})
    assert response.status_code == 200
    assert "Owner is TBD" in row(response.text, 2)


def test_pages_send_a_content_security_policy(client: TestClient) -> None:
    headers = client.get("/review").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_remove_from_library(client: TestClient) -> None:
    response = client.post("/library/adr-0002/delete", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/library?removed=adr-0002"
    assert "Removed <code>adr-0002</code>" in client.get(response.headers["location"]).text
    assert client.get("/v1/documents/adr-0002").status_code == 404
    assert client.post("/library/adr-0002/delete").status_code == 404


def test_upload_without_javascript_shows_job_progress(client: TestClient) -> None:
    text = b"# ADR 9: Adopt feature flags\n\nStatus: accepted\n\nWe adopt flags.\n"
    files = [("files", ("adr-0009-flags.md", text, "text/markdown"))]
    response = client.post("/library/upload", files=files, follow_redirects=False)
    assert response.status_code == 303
    job_url = response.headers["location"]
    for _ in range(300):
        html = client.get(job_url).text
        if 'http-equiv="refresh"' not in html:
            break
        time.sleep(0.05)
    assert "Indexed:" in html and 'href="/library/' in html
    empty = client.post("/library/upload", files=[("files", ("e.md", b" ", "text/markdown"))])
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text


def test_review_page_type_choice_reaches_the_reviewer_and_is_shown(client: TestClient) -> None:
    chosen = client.post("/review", data={"text": DRAFT, "type": "decision"})
    assert "Read as a decision record (--type)." in chosen.text
    detected = client.post("/review", data={"text": DRAFT, "type": ""})
    assert "Read as a spec" in detected.text
    assert '<select id="doc-type" name="type">' in client.get("/review").text


def test_api_reference_renders_the_schema_markdown(client: TestClient) -> None:
    """Descriptions are markdown: shown as HTML, never as raw backticks and asterisks."""
    html = client.get("/docs").text
    intro = html.split('class="panel api-intro">', 1)[1].split("</div>", 1)[0]
    assert "<ul>" in intro and "<code>Authorization: Bearer &lt;token&gt;</code>" in intro
    assert "`" not in intro and "* Every" not in intro
    assert "<code>text/markdown</code>" in html or "<code>file</code>" in html


def test_api_reference_names_the_events_the_stream_sends(client: TestClient) -> None:
    """The documented event names are the ones a streamed answer really sends."""
    with client.stream(
        "POST",
        "/v1/ask",
        json={"question": "Why Postgres?", "k": 3},
        headers={"Accept": "text/event-stream"},
    ) as response:
        sent = {name for name, _ in parse_sse(response.read().decode())}
    described = client.get("/openapi.json").json()["paths"]["/v1/ask"]["post"]["responses"]
    text = described["200"]["description"]
    documented = set(re.findall(r"`(\w+)`", text.split("(events:", 1)[1]))
    assert documented == {"sources", "delta", "done", "error"}
    assert sent <= documented and "citations" not in text
    assert "events: <code>sources</code>, <code>delta</code>" in client.get("/docs").text
