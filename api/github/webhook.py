"""POST /github/webhook: verify the signature before anything else, drop replays, answer ping,
queue the work and answer 202 at once.

Refusals (4xx, 5xx) carry the API's documented error shape, `{"error": {"code", "message"}}`
(api/errors.py); acceptances say what happened as `{"status": ...}`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import error_response
from api.github.bot import Bot
from api.github.client import GitHubClient
from api.github.engines import EngineFactory, ServicesEngineFactory
from api.github.events import Task, run_task, task_for
from api.github.signature import DeliveryLog, verify_signature
from api.github.work_queue import WorkQueue
from assistant.services import Services

log = logging.getLogger(__name__)

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
        self.deliveries = DeliveryLog()
        self.queue = WorkQueue(maxsize=queue_size)
        self.router = APIRouter(tags=["github"])
        self.router.add_api_route(
            "/github/webhook",
            self.receive,
            methods=["POST"],
            status_code=202,
            summary="GitHub App webhook (signed with SPECREVIEW_GITHUB_WEBHOOK_SECRET)",
        )

    def run(self, task: Task) -> None:
        """Do one task now (the worker calls this)."""
        client = self.client_factory(task)
        engines = self.engines(f"{task.owner}/{task.repo}")
        bot = Bot(client, engines, owner=task.owner, repo=task.repo)
        report = run_task(task, bot)  # a review that fails has reported a failed check
        log.info("%s: %s", task.name, report.skipped_reason or f"{report.findings} finding(s)")

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
        if not self.deliveries.first_time(delivery):
            return _reply(200, "duplicate delivery ignored", delivery=delivery)
        try:
            payload = parse_payload(body, request.headers.get("Content-Type", ""))
        except PayloadError as exc:
            return error_response(
                400,
                "invalid_payload",
                f"body is not a JSON (or form-encoded `payload=`) webhook payload ({exc})",
            )
        task = task_for(event, payload) if isinstance(payload, dict) else None
        if task is None:
            return _reply(200, "ignored", event=event)
        if not self.queue.submit(task.name, lambda: self.run(task)):
            self.deliveries.forget(delivery)
            return error_response(503, "busy", "the work queue is full; GitHub may redeliver later")
        return _reply(202, "queued", task=task.name)
