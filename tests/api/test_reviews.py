"""POST /v1/reviews: the three input shapes, the three output formats, and the limits."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from tests.api.conftest import make_services

DRAFT = "# Checkout v2\n\n## Why\nCarts are abandoned.\n\n## Owner\nOwner: TBD\n"


def test_json_review_anchors_the_finding_to_its_line(client: TestClient) -> None:
    response = client.post("/v1/reviews", json={"text": DRAFT, "path": "specs/checkout.md"})
    assert response.status_code == 200
    review = response.json()
    assert review["path"] == "specs/checkout.md"
    owner = next(f for f in review["findings"] if f["code"] == "unresolved_ownership")
    assert owner["span"]["start_line"] == 7
    assert review["llm"]["mode"] == "off"


def test_multipart_upload_uses_the_file_name(client: TestClient) -> None:
    files = {"file": ("plan.md", DRAFT.encode(), "text/markdown")}
    response = client.post("/v1/reviews", files=files)
    assert response.status_code == 200
    assert response.json()["path"] == "plan.md"


def test_raw_markdown_body_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/v1/reviews", content=DRAFT.encode(), headers={"Content-Type": "text/markdown"}
    )
    assert response.status_code == 200
    assert len(response.json()["findings"]) == 2


def test_markdown_format(client: TestClient) -> None:
    response = client.post("/v1/reviews?format=markdown", json={"text": DRAFT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert "Owner is TBD" in response.text


def test_sarif_format_is_sarif_2_1_0(client: TestClient) -> None:
    response = client.post("/v1/reviews?format=sarif", json={"text": DRAFT, "path": "a.md"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sarif+json")
    sarif = json.loads(response.text)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "unresolved_ownership" for r in results)


def test_unknown_format_is_a_json_422(client: TestClient) -> None:
    response = client.post("/v1/reviews?format=pdf", json={"text": DRAFT})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_empty_draft_is_422_with_a_fix(client: TestClient) -> None:
    response = client.post("/v1/reviews", json={"text": "   \n"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "empty_draft"
    assert "send the draft" in error["message"]


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post(
        "/v1/reviews", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_binary_upload_is_refused(client: TestClient) -> None:
    files = {"file": ("x.bin", b"\x00\x01\x02", "application/octet-stream")}
    response = client.post("/v1/reviews", files=files)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_text"


def test_unsupported_content_type_is_415(client: TestClient) -> None:
    response = client.post(
        "/v1/reviews", content=b"<x/>", headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_draft_over_the_draft_limit_is_413(tmp_path) -> None:
    settings = Settings(store_path=tmp_path, embedder="hashing", max_draft_bytes=100)
    with TestClient(create_app(make_services(settings))) as client:
        response = client.post("/v1/reviews", json={"text": "x" * 101})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "draft_too_large"
    assert "SPECREVIEW_MAX_DRAFT_BYTES" in error["message"]


def test_body_over_the_request_limit_is_413_before_reading(tmp_path) -> None:
    settings = Settings(store_path=tmp_path, embedder="hashing", max_request_bytes=1_000)
    services = make_services(settings)
    with TestClient(create_app(services)) as client:
        response = client.post("/v1/reviews", json={"text": "x" * 5_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert services.reviewer.calls == []  # type: ignore[attr-defined]


def test_chunked_body_over_the_limit_is_413(tmp_path) -> None:
    settings = Settings(store_path=tmp_path, embedder="hashing", max_request_bytes=1_000)
    with TestClient(create_app(make_services(settings))) as client:

        def body():
            for _ in range(10):
                yield b"y" * 500

        response = client.post(
            "/v1/reviews", content=body(), headers={"Content-Type": "text/markdown"}
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_review_metrics_count_findings_by_code(client: TestClient) -> None:
    client.post("/v1/reviews", json={"text": DRAFT})
    client.post("/v1/reviews", json={"text": DRAFT})
    metrics = client.get("/metrics").text
    assert 'specreview_reviews_total{llm="off"} 2.0' in metrics
    assert 'specreview_findings_total{code="unresolved_ownership",severity="high"} 2.0' in metrics
    assert 'route="/v1/reviews"' in metrics


def test_form_text_fields_over_a_megabyte_are_accepted(client: TestClient) -> None:
    text = "# Big\nOwner: TBD\n" + "y" * 1_200_000
    multipart = client.post("/v1/reviews", files={"text": (None, text), "path": (None, "big.md")})
    assert multipart.status_code == 200
    assert multipart.json()["path"] == "big.md"
    urlencoded = client.post("/v1/reviews", data={"text": text, "path": "big.md"})
    assert urlencoded.status_code == 200
    assert urlencoded.json()["findings"][0]["span"]["start_line"] == 2


def test_the_caller_may_say_what_the_document_is(tmp_path) -> None:
    """The real reviewer behind the API: ?type= overrides detection, and the review says so."""
    from assistant.services import Services

    settings = Settings(store_path=tmp_path / "store", embedder="hashing")
    adr = (
        "# Use Postgres for jobs\n\n## Context\n\nJobs live in Redis and two days of them were "
        "lost in the March failover, so customers re-ran imports by hand.\n\n"
        "## Decision\n\nJobs move to Postgres.\n"
    )
    with TestClient(create_app(Services(settings=settings))) as http:
        detected = http.post("/v1/reviews", json={"text": adr, "path": "0007.md"}).json()
        assert detected["doc_type"] == "decision" and detected["findings"] == []
        told = http.post("/v1/reviews?type=spec", json={"text": adr, "path": "0007.md"}).json()
        assert (told["doc_type"], told["doc_type_source"]) == ("spec", "--type")
        assert "missing_acceptance_criteria" in {f["code"] for f in told["findings"]}
        bad = http.post("/v1/reviews?type=memo", json={"text": adr})
        assert bad.status_code == 422


def test_a_form_with_too_many_fields_is_a_documented_422(client: TestClient) -> None:
    fields = [("text", "# Spec")] + [(f"extra{i}", "x") for i in range(12)]
    response = client.post("/v1/reviews", data=dict(fields))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "fields" in response.json()["error"]["message"]
