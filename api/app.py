"""create_app(services): the FastAPI app serving the /v1 API, health, metrics and the web pages."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.answer_view import cite_links
from api.deps import AppState
from api.errors import install_error_handlers
from api.github.webhook import GitHubWebhook
from api.jobs import JobManager
from api.metrics import BodyLimitMiddleware, Metrics, MetricsMiddleware
from api.routes import (
    ask,
    docs_page,
    documents,
    finding_pages,
    findings,
    health,
    insights,
    library_pages,
    pages,
    reviews,
)
from api.security import CrossSiteGuardMiddleware, SecurityHeadersMiddleware
from api.slow_clients import BodyTimeoutMiddleware
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.render import split_suggestion
from assistant.services import Services

API_VERSION = "1.0.0"
_HERE = Path(__file__).resolve().parent

DESCRIPTION = """\
Review product specs and ask about past decisions, grounded in the team's indexed history.

* Every `/v1` route needs `Authorization: Bearer <token>` when `SPECREVIEW_API_TOKENS` is set.
* Errors are JSON: `{"error": {"code": "...", "message": "..."}}`; the message says the fix.
* Limits: `SPECREVIEW_MAX_REQUEST_BYTES` (413), `SPECREVIEW_MAX_DRAFT_BYTES` (413),
  `SPECREVIEW_MAX_QUESTION_CHARS` (422).
"""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, host: str) -> str:
    """Refuse to serve without auth beyond loopback; return a line saying how auth stands."""
    tokens = settings.api_token_list
    if tokens:
        return f"auth on: {len(tokens)} API token(s); /v1 requires `Authorization: Bearer`"
    if not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without authentication: set SPECREVIEW_API_TOKENS "
            "(comma-separated bearer tokens) or bind to 127.0.0.1"
        )
    return f"auth off: no SPECREVIEW_API_TOKENS, so only serving on loopback ({host})"


def create_app(services: Services) -> FastAPI:
    """Build one app around `services`; nothing is opened until a request needs it."""
    jobs = JobManager(ledger=lambda: services.ledger)  # saved as they progress (issue 15)
    webhook = GitHubWebhook(services)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        webhook.start()  # picks up GitHub tasks waiting in the database
        yield
        webhook.close()
        jobs.shutdown()
        services.close_ledger()

    app = FastAPI(
        title="specreview",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; /docs is rendered by api/routes/docs_page.py
        redoc_url=None,
        openapi_tags=[
            {"name": "reviews", "description": "Review drafts."},
            {
                "name": "findings",
                "description": "Recorded findings: dismiss one (with a reason) or reopen it.",
            },
            {"name": "ask", "description": "Questions about past decisions."},
            {"name": "documents", "description": "The indexed library and indexing jobs."},
            {
                "name": "insights",
                "description": "What the findings database shows: findings over time, noisy "
                "checks, common gaps, cited and never-cited decisions.",
            },
            {"name": "service", "description": "Health, readiness and metrics."},
        ],
    )
    metrics = Metrics()
    templates = Jinja2Templates(directory=str(_HERE / "templates"))  # autoescape on for .html
    templates.env.filters["split_suggestion"] = split_suggestion
    templates.env.filters["cite_links"] = cite_links
    app.state.specreview = AppState(
        services=services, metrics=metrics, jobs=jobs, templates=templates
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=services.settings.max_request_bytes)
    app.add_middleware(BodyTimeoutMiddleware, timeout_s=services.settings.request_body_timeout_s)
    app.add_middleware(CrossSiteGuardMiddleware, settings=services.settings)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    app.include_router(reviews.router)
    app.include_router(findings.router)
    app.include_router(ask.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(finding_pages.router)
    app.include_router(library_pages.router)
    app.include_router(insights.api_router)
    app.include_router(insights.page_router)
    app.include_router(docs_page.router)
    # Extra routers mount here (e.g. the GitHub webhook from api/github/).
    app.include_router(webhook.router)

    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    return app
