"""Service state through the ledger, in process (issue 15): what `serve` recovers on start,
upload jobs read back from the database by another worker's manager, and the webhook's
in-memory fallback when the database cannot be opened."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.github.signature import sign
from api.github.webhook import GitHubWebhook, recover_service_state
from api.jobs import INTERRUPTED, JobManager
from assistant.bot_state import BotTask
from assistant.config import Settings
from assistant.ledger import InMemoryLedger, JobRecord
from assistant.services import Services
from tests.github.conftest import RuleEngines, signed_headers


def test_recovery_fails_interrupted_jobs_requeues_tasks_and_prunes_old_deliveries() -> None:
    ledger = InMemoryLedger()
    now = datetime.now(UTC)
    ledger.save_job(JobRecord(id="cut", state="running", total=3, done=1, created_at=now))
    ledger.save_job(JobRecord(id="ok", state="done", total=1, done=1, created_at=now))
    task = BotTask(delivery_id="d", kind="review", repo="a/b", number=1, created_at=now)
    ledger.accept_delivery("d", task)
    ledger.claim_bot_task("d", worker="dead", lease_s=600)
    ledger.first_time_delivery("old", at=now - timedelta(days=30))
    line = recover_service_state(ledger)
    assert line.startswith("recovered: 1 interrupted upload job(s) marked failed, 1 GitHub")
    job = ledger.get_job("cut")
    assert job is not None and job.state == "failed" and job.error == INTERRUPTED
    assert ledger.get_job("ok").state == "done"  # type: ignore[union-attr]
    assert ledger.claimable_bot_tasks() == ["d"]
    assert ledger.first_time_delivery("old")  # pruned, so it is new again
    assert not ledger.first_time_delivery("d")  # recent: kept


def test_a_job_is_saved_as_it_progresses_and_read_by_another_manager() -> None:
    ledger = InMemoryLedger()
    one, other = JobManager(ledger=lambda: ledger), JobManager(ledger=lambda: ledger)
    halfway, finish = threading.Event(), threading.Event()

    def work(progress) -> list[str]:  # type: ignore[no-untyped-def]
        progress.update(done=1, message="one of two")
        halfway.set()
        finish.wait(30)
        return ["ADR-1", "ADR-2"]

    job = one.submit(work, total=2)
    try:
        assert halfway.wait(30)
        seen = other.get(job.id)  # another worker's manager: from the database
        assert seen is not None and seen.state == "running" and seen.done == 1
    finally:
        finish.set()
        one.shutdown()
    done = other.get(job.id)
    assert done is not None and done.state == "done" and done.document_ids == ["ADR-1", "ADR-2"]
    assert other.get("no-such-job") is None


def test_the_webhook_falls_back_to_memory_when_the_database_cannot_be_opened(
    settings: Settings, engines: RuleEngines
) -> None:
    broken = settings.model_copy(
        update={"github_webhook_secret": "s3cret", "database_url": "notadatabase://x"}
    )
    hook = GitHubWebhook(Services(settings=broken), engines=lambda _r: engines)
    app = FastAPI()
    app.include_router(hook.router)
    raw = json.dumps({"zen": "x"}).encode()
    http = TestClient(app)
    try:
        for expected in ("ignored", "duplicate delivery ignored"):
            headers = signed_headers(raw, "push", delivery="d-1")
            headers["X-Hub-Signature-256"] = sign("s3cret", raw)
            response = http.post("/github/webhook", content=raw, headers=headers)
            assert response.status_code == 200 and response.json()["status"] == expected
    finally:
        hook.close()
