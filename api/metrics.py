"""Prometheus metrics with a per-app registry, and the ASGI middleware that records requests."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from assistant.models import Answer, Review

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Counters and histograms for one app; a fresh registry so apps (and tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "specreview_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "specreview_http_request_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reviews = Counter(
            "specreview_reviews_total",
            "Reviews completed, by LLM mode.",
            ["llm"],
            registry=self.registry,
        )
        self.review_seconds = Histogram(
            "specreview_review_seconds",
            "Time spent reviewing one draft.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.findings = Counter(
            "specreview_findings_total",
            "Findings reported, by code and severity.",
            ["code", "severity"],
            registry=self.registry,
        )
        self.asks = Counter(
            "specreview_asks_total",
            "Questions answered, by outcome (answered or refused).",
            ["outcome"],
            registry=self.registry,
        )

    def record_review(self, review: Review) -> None:
        self.reviews.labels(llm=review.llm.mode).inc()
        self.review_seconds.observe(review.seconds)
        for finding in review.findings:
            self.findings.labels(code=finding.code, severity=finding.severity).inc()

    def record_answer(self, answer: Answer) -> None:
        self.asks.labels(outcome="refused" if answer.refused else "answered").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request and its latency, labelled by route template (bounded labels)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or (
                "/static" if str(scope.get("path", "")).startswith("/static/") else "unmatched"
            )
            method = str(scope.get("method", "GET"))
            self.metrics.requests.labels(method=method, route=template, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=template).observe(
                time.perf_counter() - start
            )


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with a 413 JSON error, before anything reads them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing to the JSON handler.
                    raise HTTPException(413, detail=self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return (
            f"request body is over the {self.max_bytes:,}-byte limit; send a smaller draft or "
            "raise SPECREVIEW_MAX_REQUEST_BYTES"
        )

    async def _refuse(self, send: Send) -> None:
        response = error_response(413, "request_too_large", self._message())
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.body})
