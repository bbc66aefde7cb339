"""POST /v1/ask: JSON answers, Server-Sent Events, refusals and limits."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.config import Settings
from assistant.errors import LLMError
from tests.api.conftest import make_services
from tests.api.fakes import FakeAsker


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_json_answer_has_citations(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "Why Postgres?"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["refused"] is False
    assert answer["citations"][0]["doc_id"] == "adr-0001"


def test_refusal_is_reported_as_refused(client: TestClient) -> None:
    answer = client.post("/v1/ask", json={"question": "Why kubernetes?"}).json()
    assert answer["refused"] is True
    assert answer["citations"] == []


def test_event_stream_sends_sources_deltas_then_done(client: TestClient) -> None:
    with client.stream(
        "POST",
        "/v1/ask",
        json={"question": "Why Postgres?", "k": 3},
        headers={"Accept": "text/event-stream"},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    events = parse_sse(body)
    names = [name for name, _ in events]
    assert names == ["sources", "delta", "delta", "done"]
    assert events[0][1]["sources"][0]["doc_id"] == "adr-0001"
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == events[-1][1]["answer"]["text"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (LLMError("model timed out; retry later"), "llm_failed"),
        (RuntimeError("bug"), "internal_error"),
    ],
)
def test_failure_mid_stream_becomes_an_error_event(tmp_path, error, code) -> None:
    settings = Settings(store_path=tmp_path, embedder="hashing")
    asker = FakeAsker(fail_with=error)
    with TestClient(create_app(make_services(settings, asker=asker))) as client:
        response = client.post(
            "/v1/ask", json={"question": "Postgres?"}, headers={"Accept": "text/event-stream"}
        )
    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["sources", "delta", "error"]
    assert events[-1][1]["error"]["code"] == code
    assert "bug" not in events[-1][1]["error"]["message"]


def test_question_over_the_limit_is_422(tmp_path) -> None:
    settings = Settings(store_path=tmp_path, embedder="hashing", max_question_chars=20)
    services = make_services(settings)
    with TestClient(create_app(services)) as client:
        response = client.post("/v1/ask", json={"question": "why " * 10})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "question_too_long"
    assert services.asker.questions == []  # type: ignore[attr-defined]


def test_blank_question_is_422(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "   "})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "empty_question"


def test_ask_metrics_count_outcomes(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": "Why Postgres?"})
    client.post("/v1/ask", json={"question": "Why Rust?"}, headers={"Accept": "text/event-stream"})
    metrics = client.get("/metrics").text
    assert 'specreview_asks_total{outcome="answered"} 1.0' in metrics
    assert 'specreview_asks_total{outcome="refused"} 1.0' in metrics
