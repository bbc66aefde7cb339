"""POST /github/webhook: verify the signature before anything else, drop replays, answer ping,
queue the work and answer 202 at once.

Deliveries survive restarts and span workers (issue 15): the delivery id and the task it asks
for are written to the findings database in one transaction (its unique insert is the replay
check, so one delivery sent to two workers is accepted once), a worker claims the task there
(a conditional update: one worker runs it) and leases the pull request (no two workers review
one pull request at once). A task cut off by a crash is queued again when the service starts
(`recover_service_state`), and each worker polls for tasks waiting: nothing accepted is lost.
Without a database (it cannot be opened) the webhook falls back to its in-memory log.

Refusals (4xx, 5xx) carry the API's documented error shape, `{"error": {"code", "message"}}`
(api/errors.py); acceptances say what happened as `{"status": ...}`."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import error_response
from api.github.bot import Bot, RunReport
from api.github.client import GitHubClient
from api.github.engines import EngineFactory, ServicesEngineFactory
from api.github.events import Task, run_task, task_for
from api.github.signature import DeliveryLog, verify_signature
from api.github.work_queue import WorkQueue
from assistant.bot_state import BotTask, PullRequestState
from assistant.errors import DatabaseError
from assistant.ledger import FindingLedger
from assistant.services import Services

log = logging.getLogger(__name__)

LEASE_S = 600.0  # how long a claimed task or a leased pull request is a worker's alone
POLL_S = 2.0  # how often a worker looks for tasks waiting (recovered, or queued elsewhere)
KEEP_DELIVERIES = timedelta(days=14)  # GitHub redelivers for days; ids older are pruned
PRUNE_EVERY_S = 3600.0


def worker_name() -> str:
    """This process, as leases name it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def recover_service_state(ledger: FindingLedger) -> str:
    """Once per service start, before any worker takes work: upload jobs cut off by the last
    process are marked failed with the reason, bot tasks it was running are queued again, and
    deliveries older than KEEP_DELIVERIES are pruned. Returns a line saying what it did."""
    from api.jobs import INTERRUPTED

    jobs = ledger.interrupt_jobs(INTERRUPTED)
    tasks = ledger.requeue_bot_tasks()
    cutoff = datetime.now(UTC) - KEEP_DELIVERIES
    pruned = ledger.prune_deliveries(cutoff) + ledger.prune_bot_tasks(cutoff)
    return (
        f"recovered: {len(jobs)} interrupted upload job(s) marked failed, "
        f"{len(tasks)} GitHub task(s) queued again, {pruned} old delivery record(s) pruned"
    )


ClientFactory = Callable[[Task], GitHubClient]


def _githubkit_factory(services: Services) -> ClientFactory:
    from githubkit.cache import MemCacheStrategy

    token_cache = MemCacheStrategy()  # installation tokens reused for their hour, per app

    def make(task: Task) -> GitHubClient:
        from api.github.githubkit_client import GitHubkitClient, build_github

        github = build_github(
            services.settings,
            installation_id=task.installation_id,
            repo=f"{task.owner}/{task.repo}",
            token_cache=token_cache,
        )
        return GitHubkitClient(github)

    return make


class PayloadError(ValueError):
    """A delivery body that is not a webhook payload (not JSON, too deep, no `payload=`)."""


def parse_payload(body: bytes, content_type: str) -> object:
    """The payload of a delivery: JSON, or the `payload` field when the hook is form-encoded.

    PayloadError for anything else, deep nesting included (json raises RecursionError)."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            return json.loads(parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"][0])
        return json.loads(body)
    except (ValueError, KeyError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        reason = "nested too deep" if isinstance(exc, RecursionError) else type(exc).__name__
        raise PayloadError(reason) from None


def _reply(status: int, message: str, **extra: str) -> JSONResponse:
    return JSONResponse({"status": message, **extra}, status_code=status)


class GitHubWebhook:
    """The webhook endpoint, its delivery log and its work queue.

    Include it with `app.include_router(GitHubWebhook(services).router)`.
    """

    def __init__(
        self,
        services: Services,
        *,
        client_factory: ClientFactory | None = None,
        engines: EngineFactory | None = None,
        queue_size: int = 64,
    ) -> None:
        self.services = services
        self.client_factory = client_factory or _githubkit_factory(services)
        self.engines = engines or ServicesEngineFactory(services)
        self.deliveries = DeliveryLog()  # only when the database cannot be opened
        self.queue = WorkQueue(maxsize=queue_size)
        self.worker = worker_name()
        self._pending: set[str] = set()  # delivery ids queued here, not yet run
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.router = APIRouter(tags=["github"])
        self.router.add_api_route(
            "/github/webhook",
            self.receive,
            methods=["POST"],
            status_code=202,
            summary="GitHub App webhook (signed with SPECREVIEW_GITHUB_WEBHOOK_SECRET)",
        )

    def run(self, task: Task) -> RunReport | None:
        """Do one task now (the worker calls this)."""
        client = self.client_factory(task)
        engines = self.engines(f"{task.owner}/{task.repo}")
        bot = Bot(client, engines, owner=task.owner, repo=task.repo)
        report = run_task(task, bot)  # a review that fails has reported a failed check
        log.info("%s: %s", task.name, report.skipped_reason or f"{report.findings} finding(s)")
        return report

    def _ledger(self) -> FindingLedger | None:
        try:
            return self.services.ledger
        except DatabaseError as exc:
            log.warning("webhook deliveries kept in memory only: %s", exc)
            return None

    def _submit(self, delivery: str, name: str = "") -> bool:
        """Queue a persisted task here once; False when the queue is full."""
        with self._pending_lock:
            if delivery in self._pending:
                return True
            job = lambda: self.run_persisted(delivery)  # noqa: E731
            if not self.queue.submit(name or f"delivery {delivery}", job):
                return False
            self._pending.add(delivery)
            return True

    def run_persisted(self, delivery: str) -> None:
        """Claim the delivery's task in the database and run it, the pull request leased; a
        task another worker claimed first is left to it."""
        with self._pending_lock:
            self._pending.discard(delivery)
        ledger = self.services.ledger
        claimed = ledger.claim_bot_task(delivery, worker=self.worker, lease_s=LEASE_S)
        if claimed is None:
            return  # another worker has it, or it is done
        task = Task.model_validate(claimed.task)
        repo = f"{task.owner}/{task.repo}"
        while not ledger.lease_pull_request(repo, task.number, worker=self.worker, lease_s=LEASE_S):
            if self._stop.wait(0.5):  # another worker reviews this pull request now
                return  # shutting down: the task is queued again on the next start
        run: PullRequestState | None = None
        try:
            report = self.run(task)
            if task.kind == "review" and report and report.skipped_reason is None:
                run = PullRequestState(
                    repo=repo,
                    number=task.number,
                    head_sha=task.pull.head_sha if task.pull else None,
                    conclusion=report.conclusion,
                    summary_comment_id=report.summary_id,
                    findings=report.findings,
                )
        except Exception as exc:
            ledger.finish_bot_task(delivery, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        else:
            ledger.finish_bot_task(delivery)
        finally:
            ledger.release_pull_request(repo, task.number, worker=self.worker, run=run)

    def start(self) -> None:
        """Poll the database for tasks waiting (a server's start; tests run without it)."""
        if self._poller is None and self.services.settings.github_webhook_secret:
            self._stop.clear()
            self._poller = threading.Thread(
                target=self._poll, name="specreview-github-poll", daemon=True
            )
            self._poller.start()

    def close(self) -> None:
        """Stop polling, finish the tasks queued here."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
            self._poller = None
        self.queue.close()

    def _poll(self) -> None:
        pruned_at = 0.0
        while not self._stop.is_set():
            try:
                ledger = self.services.ledger
                for delivery in ledger.claimable_bot_tasks():
                    if not self.queue.has_room() or not self._submit(delivery):
                        break
                now = datetime.now(UTC).timestamp()
                if now - pruned_at > PRUNE_EVERY_S:
                    cutoff = datetime.now(UTC) - KEEP_DELIVERIES
                    ledger.prune_deliveries(cutoff)
                    ledger.prune_bot_tasks(cutoff)
                    pruned_at = now
            except DatabaseError as exc:
                log.warning("could not look for waiting GitHub tasks: %s", exc)
            except Exception:  # noqa: BLE001 - the poller must outlive one bad round
                log.exception("polling for GitHub tasks failed")
            self._stop.wait(POLL_S)

    async def receive(self, request: Request) -> JSONResponse:
        secret = self.services.settings.github_webhook_secret
        if not secret:
            return error_response(
                503,
                "not_configured",
                "the GitHub webhook is not configured: set SPECREVIEW_GITHUB_WEBHOOK_SECRET to "
                "the GitHub App's webhook secret",
            )
        body = await request.body()  # the raw bytes: the signature covers exactly these
        if not verify_signature(secret, body, request.headers.get("X-Hub-Signature-256")):
            return error_response(401, "invalid_signature", "X-Hub-Signature-256 missing or wrong")
        event = request.headers.get("X-GitHub-Event", "")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if event == "ping":
            return _reply(200, "pong")
        if not delivery:
            return error_response(400, "missing_delivery", "missing X-GitHub-Delivery header")
        try:
            payload = parse_payload(body, request.headers.get("Content-Type", ""))
        except PayloadError as exc:
            return error_response(
                400,
                "invalid_payload",
                f"body is not a JSON (or form-encoded `payload=`) webhook payload ({exc})",
            )
        task = task_for(event, payload) if isinstance(payload, dict) else None
        if task is not None and not self.queue.has_room():
            return _busy()  # before recording it: GitHub's redelivery must be accepted
        ledger = self._ledger()
        if ledger is None:
            return self._receive_in_memory(delivery, event, task)
        try:
            first = ledger.accept_delivery(delivery, _bot_task(delivery, task))
        except DatabaseError as exc:
            log.warning("delivery %s not recorded: %s", delivery, exc)
            return self._receive_in_memory(delivery, event, task)
        if not first:
            return _reply(200, "duplicate delivery ignored", delivery=delivery)
        if task is None:
            return _reply(200, "ignored", event=event)
        self._submit(delivery, task.name)  # a full queue: the task waits in the database for a poll
        return _reply(202, "queued", task=task.name)

    def _receive_in_memory(self, delivery: str, event: str, task: Task | None) -> JSONResponse:
        if not self.deliveries.first_time(delivery):
            return _reply(200, "duplicate delivery ignored", delivery=delivery)
        if task is None:
            return _reply(200, "ignored", event=event)
        if not self.queue.submit(task.name, lambda: self.run(task)):
            self.deliveries.forget(delivery)
            return _busy()
        return _reply(202, "queued", task=task.name)


def _busy() -> JSONResponse:
    return error_response(503, "busy", "the work queue is full; GitHub may redeliver later")


def _bot_task(delivery: str, task: Task | None) -> BotTask | None:
    if task is None:
        return None
    return BotTask(
        delivery_id=delivery,
        kind=task.kind,
        repo=f"{task.owner}/{task.repo}",
        number=task.number,
        task=task.model_dump(mode="json"),
        created_at=datetime.now(UTC),
    )
