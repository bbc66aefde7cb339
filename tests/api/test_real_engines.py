"""The API over the real engines (offline reviewer, asker, indexing) on a tiny library."""

from __future__ import annotations

import html
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.embed import HashingEmbedder
from assistant.services import Services
from assistant.store import InMemoryStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_upload_then_review_and_ask_with_the_real_engines(tmp_path) -> None:
    services = Services(
        settings=Settings(store_path=tmp_path, embedder="hashing"),
        _embedder=HashingEmbedder(),
        _store=InMemoryStore(),
    )
    with TestClient(create_app(services)) as client:
        files = [
            ("files", (p.name, p.read_bytes(), "text/markdown"))
            for p in sorted((FIXTURES / "ask").glob("*.md"))
        ]
        job = client.post("/v1/documents", files=files).json()
        for _ in range(300):
            job = client.get(f"/v1/jobs/{job['id']}").json()
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert job["state"] == "done", job
        assert client.get("/v1/documents").json()["total"] == len(files)

        draft = (FIXTURES / "api" / "draft.md").read_text()
        review = client.post("/v1/reviews", json={"text": draft, "path": "cart.md"}).json()
        assert review["findings"], "the offline reviewer found nothing in a weak draft"
        lines = draft.split("\n")
        for finding in review["findings"]:
            span = finding["span"]
            if span is not None:  # every quote is the draft's own text at the stated lines
                quoted = "\n".join(lines[span["start_line"] - 1 : span["end_line"]])
                assert span["quote"].strip() in quoted, finding
        page = client.post("/review", data={"text": draft}).text
        assert all(html.escape(f["title"]) in page for f in review["findings"])

        answer = client.post("/v1/ask", json={"question": "Why did we choose Postgres?"}).json()
        assert answer["question"] == "Why did we choose Postgres?"
        for citation in answer["citations"]:
            doc = client.get(f"/v1/documents/{citation['doc_id']}")
            assert doc.status_code == 200
            assert citation["end_line"] <= len(doc.json()["lines"])


def test_history_uploaded_while_serving_is_used_by_later_reviews(tmp_path) -> None:
    services = Services(
        settings=Settings(store_path=tmp_path, embedder="hashing"),
        _embedder=HashingEmbedder(),
        _store=InMemoryStore(),
    )
    draft = (FIXTURES / "api" / "draft.md").read_text()
    with TestClient(create_app(services)) as client:
        assert client.post("/v1/reviews", json={"text": draft}).status_code == 200
        first = services.reviewer
        assert first.history is None  # nothing indexed yet
        files = [
            ("files", (p.name, p.read_bytes(), "text/markdown"))
            for p in sorted((FIXTURES / "ask").glob("*.md"))
        ]
        job = client.post("/v1/documents", files=files).json()
        for _ in range(300):
            job = client.get(f"/v1/jobs/{job['id']}").json()
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert job["state"] == "done"
        assert client.post("/v1/reviews", json={"text": draft}).status_code == 200
        assert services.reviewer is not first
        assert services.reviewer.history is not None
