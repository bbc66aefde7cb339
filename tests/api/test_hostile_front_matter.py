"""Hostile front matter (issue 17) through the API with the real engines: POST /v1/reviews
answers with a warning, an upload indexes the text with one, and the server stays up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.embed import HashingEmbedder
from assistant.services import Services
from assistant.store import InMemoryStore
from tests.hostile_yaml import HOSTILE, with_front_matter


@pytest.fixture
def real(tmp_path: Path) -> Iterator[TestClient]:
    services = Services(
        settings=Settings(store_path=tmp_path, embedder="hashing"),
        _embedder=HashingEmbedder(),
        _store=InMemoryStore(),
    )
    with TestClient(create_app(services)) as client:
        yield client


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_review_of_hostile_front_matter_is_a_warning(real: TestClient, name: str) -> None:
    started = time.perf_counter()
    response = real.post(
        "/v1/reviews", json={"text": with_front_matter(HOSTILE[name]), "path": "bomb.md"}
    )
    assert time.perf_counter() - started < 10
    assert response.status_code == 200, response.text
    review = response.json()
    [skipped] = review["coverage"]["skipped"]
    assert skipped.startswith("front matter: broken YAML front matter: over a limit")
    assert review["coverage"]["sections_read"]  # the text itself was reviewed
    assert real.get("/healthz").status_code == 200


def test_upload_of_hostile_front_matter_indexes_the_text(real: TestClient) -> None:
    files = [
        ("files", (f"hostile-{n}.md", with_front_matter(text).encode(), "text/markdown"))
        for n, text in enumerate(HOSTILE.values())
    ]
    job = real.post("/v1/documents", files=files).json()
    for _ in range(200):
        job = real.get(f"/v1/jobs/{job['id']}").json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["state"] == "done", job
    assert sorted(job["document_ids"]) == [f"hostile-{n}" for n in range(len(HOSTILE))]
    assert len(job["warnings"]) == len(HOSTILE)
    assert all("front matter: over a limit" in w for w in job["warnings"]), job["warnings"]
    doc = real.get("/v1/documents/hostile-0").json()
    assert doc["title"] == "Export invoices"
