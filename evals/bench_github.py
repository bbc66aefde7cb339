"""How fast the webhook acknowledges a delivery (GitHub gives it 10 s): signature, parse, route
and enqueue, measured through the ASGI app with the work itself replaced by nothing."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.events import Task
from api.github.signature import sign
from api.github.webhook import GitHubWebhook
from assistant.services import Services

_SECRET = "bench-secret"


class _AckOnly(GitHubWebhook):
    """The webhook with the queued work doing nothing: what is left is the acknowledgement."""

    def run(self, task: Task) -> None:  # noqa: ARG002 - the work is what this bench leaves out
        return None


def _payload(size_kb: int) -> bytes:
    pr = {"number": 1, "head": {"sha": "a" * 40, "ref": "f"}, "base": {"ref": "main"}}
    payload: dict[str, Any] = {
        "action": "synchronize",
        "pull_request": pr | {"body": "x" * (size_kb * 1024)},
        "repository": {"name": "r", "owner": {"login": "o"}, "default_branch": "main"},
    }
    return json.dumps(payload).encode()


def bench_webhook_ack(
    services: Services, *, runs: int = 300, size_kb: int = 28
) -> dict[str, float]:
    """Milliseconds per acknowledged delivery (p50, p95, max) and the share answered 202."""
    settings = services.settings.model_copy(update={"github_webhook_secret": _SECRET})
    hook = _AckOnly(Services(settings=settings), queue_size=runs + 1)
    app = FastAPI()
    app.include_router(hook.router)
    client = TestClient(app)
    raw = _payload(size_kb)
    times, accepted = [], 0
    for _ in range(runs):
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(_SECRET, raw),
        }
        started = time.perf_counter()
        response = client.post("/github/webhook", content=raw, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        accepted += response.status_code == 202
    hook.queue.close()
    times.sort()
    return {
        "runs": float(runs),
        "payload_kb": float(len(raw) / 1024),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "accepted_share": accepted / runs,
    }
