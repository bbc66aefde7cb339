"""A review in progress must not block other requests: engines run off the event loop."""

from __future__ import annotations

import threading

import httpx

from api.app import create_app
from assistant.config import Settings
from assistant.models import Review
from tests.api.conftest import make_services
from tests.api.loopback import serve


class BlockingReviewer:
    """Holds its worker thread until released, like a long CPU-bound review would."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def review_text(self, text: str, *, path: str = "draft.md", doc_type=None) -> Review:
        self.entered.set()
        assert self.release.wait(timeout=30), "never released"
        return Review(path=path)


def test_health_and_other_requests_answer_while_a_review_runs(tmp_path) -> None:
    reviewer = BlockingReviewer()
    services = make_services(Settings(store_path=tmp_path, embedder="hashing"), reviewer=reviewer)
    with serve(create_app(services)) as base:
        results: dict[str, int] = {}

        def post_review() -> None:
            response = httpx.post(f"{base}/v1/reviews", json={"text": "# x"}, timeout=30)
            results["review"] = response.status_code

        worker = threading.Thread(target=post_review)
        worker.start()
        try:
            assert reviewer.entered.wait(timeout=10), "the review never started"
            # If the review ran on the event loop, these would hang until the timeout.
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            assert httpx.get(f"{base}/v1/documents", timeout=10).status_code == 200
            assert "review" not in results
        finally:
            reviewer.release.set()
            worker.join(timeout=30)
    assert results["review"] == 200
