"""The library over HTTP: filters, numbered lines, delete, and upload → job → listed."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient


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
