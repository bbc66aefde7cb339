"""The library over HTTP: filters, numbered lines, delete, and upload → job → listed."""

from __future__ import annotations

import time
from collections.abc import Sequence

from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.errors import StoreError
from assistant.models import Chunk
from assistant.store import InMemoryStore
from tests.api.conftest import make_services


def ids(response) -> list[str]:
    return [d["id"] for d in response.json()["items"]]


def test_list_filters_by_kind_status_and_text(client: TestClient) -> None:
    assert client.get("/v1/documents").json()["total"] == 4
    assert ids(client.get("/v1/documents?kind=retro")) == ["retro-2024-q1"]
    assert ids(client.get("/v1/documents?status=Superseded")) == ["adr-0002"]
    assert ids(client.get("/v1/documents?text=postgres")) == ["adr-0001"]
    listing = client.get("/v1/documents?limit=1&offset=1").json()
    assert listing["total"] == 4 and len(listing["items"]) == 1


def test_unknown_kind_is_422(client: TestClient) -> None:
    response = client.get("/v1/documents?kind=memo")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_document_has_numbered_lines(client: TestClient) -> None:
    doc = client.get("/v1/documents/adr-0001").json()
    assert doc["title"] == "Use Postgres"
    assert doc["lines"][0] == {"n": 1, "text": "# Use Postgres"}
    assert doc["lines"][4] == {"n": 5, "text": "We chose it."}


def test_missing_document_is_404_json(client: TestClient) -> None:
    response = client.get("/v1/documents/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_delete_removes_the_document(client: TestClient) -> None:
    assert client.delete("/v1/documents/adr-0002").status_code == 204
    assert client.get("/v1/documents/adr-0002").status_code == 404
    assert client.delete("/v1/documents/adr-0002").status_code == 404


def wait_for_job(client: TestClient, job_id: str) -> dict:
    for _ in range(300):
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_upload_indexes_in_a_job_and_the_document_is_listed(client: TestClient) -> None:
    text = "# ADR 9: Adopt feature flags\n\nStatus: accepted\n\nWe adopt flags for rollouts.\n"
    upload = ("adr-0009-feature-flags.md", text.encode(), "text/markdown")
    response = client.post("/v1/documents", files=[("files", upload)])
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["id"])
    assert job["state"] == "done", job
    assert job["done"] == job["total"] > 0
    (doc_id,) = job["document_ids"]
    assert doc_id in ids(client.get("/v1/documents?limit=1000"))
    lines = client.get(f"/v1/documents/{doc_id}").json()["lines"]
    assert lines[0]["text"] == "# ADR 9: Adopt feature flags"


def test_an_empty_upload_is_refused_up_front(client: TestClient) -> None:
    empty = ("empty.md", b"  \n", "text/markdown")
    response = client.post("/v1/documents", files=[("files", empty)])
    # An empty upload is refused up front, before any job exists.
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "empty_draft"


def test_upload_without_files_is_422(client: TestClient) -> None:
    response = client.post("/v1/documents", data={"x": "1"})
    assert response.status_code == 422


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/v1/jobs/abc").status_code == 404


def test_two_files_with_one_name_are_refused_before_anything_is_written(
    client: TestClient, api_services
) -> None:
    before = api_services.store.count_chunks()
    files = [
        ("files", ("adr-0010-a.md", b"# ADR 10\n\nOne text.\n", "text/markdown")),
        ("files", ("adr-0011-b.md", b"# ADR 11\n\nAnother.\n", "text/markdown")),
        ("files", ("adr-0010-a.md", b"# ADR 10 again\n\nA second text.\n", "text/markdown")),
    ]
    response = client.post("/v1/documents", files=files)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "duplicate_files"
    assert "adr-0010-a.md" in error["message"] and "rename" in error["message"]
    assert client.get("/v1/documents").json()["total"] == 4  # no job, nothing written
    assert api_services.store.count_chunks() == before


def test_a_file_naming_an_earlier_files_document_is_skipped_not_fatal(client: TestClient) -> None:
    same_id = b"---\nid: adr-0012\n---\n# ADR 12\n\nWe keep this one.\n"
    also = b"---\nid: adr-0012\n---\n# ADR 12 bis\n\nThis one would overwrite it.\n"
    files = [
        ("files", ("first.md", same_id, "text/markdown")),
        ("files", ("second.md", also, "text/markdown")),
        ("files", ("other.md", b"# Other\n\nUnrelated.\n", "text/markdown")),
    ]
    job = wait_for_job(client, client.post("/v1/documents", files=files).json()["id"])
    assert job["state"] == "done", job
    assert job["document_ids"] == ["adr-0012", "other"]
    assert any("second.md" in w and "adr-0012" in w for w in job["warnings"])
    assert client.get("/v1/documents/adr-0012").json()["title"] == "ADR 12"


class StoreFailingOn(InMemoryStore):
    """Writes half of a chosen document's chunks, then fails: a crash in the middle of a file."""

    def __init__(self, doc_id: str) -> None:
        super().__init__()
        self.doc_id = doc_id

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        if any(c.doc_id == self.doc_id for c in chunks):
            super().upsert(chunks[:1], vectors[:1])
            raise StoreError(f"disk full while writing {self.doc_id}")
        super().upsert(chunks, vectors)


def test_a_failed_file_never_takes_the_others_and_leaves_no_ghost_chunks(
    settings: Settings,
) -> None:
    store = StoreFailingOn("big")
    services = make_services(settings)
    services._store = store
    services.__dict__.pop("store", None)
    long = "# Big\n\n" + "\n\n".join(f"Paragraph {i} of many words." * 20 for i in range(20))
    files = [
        ("files", ("first.md", b"# First\n\nFirst.\n", "text/markdown")),
        ("files", ("big.md", long.encode(), "text/markdown")),
        ("files", ("last.md", b"# Last\n\nLast.\n", "text/markdown")),
    ]
    with TestClient(create_app(services)) as client:
        job = wait_for_job(client, client.post("/v1/documents", files=files).json()["id"])
        assert job["state"] == "done", job
        assert job["document_ids"] == ["first", "last"]
        assert any("big.md: not indexed" in w and "disk full" in w for w in job["warnings"])
        assert ids(client.get("/v1/documents")) == ["first", "last"]
        assert client.get("/v1/documents/big").status_code == 404
    assert {c.doc_id for c in store.all_chunks()} == {"first", "last"}  # no ghosts


def test_a_job_whose_every_file_fails_is_failed_with_the_reasons(settings: Settings) -> None:
    services = make_services(settings)
    services._store = StoreFailingOn("big")
    services.__dict__.pop("store", None)
    files = [("files", ("big.md", b"# Big\n\nOnly.\n", "text/markdown"))]
    with TestClient(create_app(services)) as client:
        job = wait_for_job(client, client.post("/v1/documents", files=files).json()["id"])
    assert job["state"] == "failed"
    assert "big.md" in job["error"] and "disk full" in job["error"]


def test_an_id_with_slashes_can_be_read_linked_and_deleted(client: TestClient) -> None:
    """Ids may contain `/` (manifests, front matter): the routes take them whole (issue 17)."""
    text = "---\nid: platform/adr-0007\n---\n# Use queues\n\nWe use queues.\n"
    upload = ("queues.md", text.encode(), "text/markdown")
    job = wait_for_job(client, client.post("/v1/documents", files=[("files", upload)]).json()["id"])
    assert job["document_ids"] == ["platform/adr-0007"], job
    for url in ("/v1/documents/platform/adr-0007", "/v1/documents/platform%2Fadr-0007"):
        got = client.get(url)
        assert got.status_code == 200, url
        assert got.json()["id"] == "platform/adr-0007"
    page = client.get("/library/platform%2Fadr-0007")
    assert page.status_code == 200 and "Use queues" in page.text
    assert 'action="/library/platform/adr-0007/delete"' in page.text
    assert 'href="/library/platform/adr-0007"' in client.get("/library").text
    assert client.get(f"/library/jobs/{job['id']}").status_code == 200  # not taken for an id
    assert client.delete("/v1/documents/platform/adr-0007").status_code == 204
    assert client.get("/v1/documents/platform/adr-0007").status_code == 404
    assert client.delete("/v1/documents/platform/adr-0007").status_code == 404
    assert "platform/adr-0007" not in ids(client.get("/v1/documents"))


def test_the_delete_page_takes_an_id_with_slashes(client: TestClient) -> None:
    text = "---\nid: a/b/c\n---\n# Nested\n\nText.\n"
    upload = ("nested.md", text.encode(), "text/markdown")
    wait_for_job(client, client.post("/v1/documents", files=[("files", upload)]).json()["id"])
    gone = client.post("/library/a/b/c/delete", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/library?removed=a%2Fb%2Fc"
    assert client.get("/v1/documents/a/b/c").status_code == 404
