"""Insights: GET /v1/insights (JSON) and the /insights page (tables and an inline SVG chart)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, page_authorised, require_token
from api.errors import ERROR_RESPONSES, ApiError, engine_error_status
from api.insights_view import chart_series, chart_svg
from api.routes.pages import login_redirect, render
from assistant.errors import SpecreviewError
from assistant.insights import DAYS, NOISE_MIN, Bucket, Insights, build_insights, version

api_router = APIRouter(prefix="/v1", tags=["insights"], dependencies=[Depends(require_token)])
page_router = APIRouter(include_in_schema=False)

DaysQuery = Annotated[
    int, Query(ge=1, le=3660, description="Days the findings-over-time series covers.")
]
BucketQuery = Annotated[Bucket, Query(description="One point per `day` or per `week`.")]
MinQuery = Annotated[
    int,
    Query(
        alias="min",
        ge=1,
        le=100_000,
        description="Findings a check needs tracked before it can be called noise.",
    ),
]


CACHED = 8  # insights kept per app (parameter sets), each until anything is recorded


class InsightsCache:
    """The last insights computed per parameters, reused while the ledger's totals (reviews,
    findings, answers, the latest state move) and the library are unchanged: a view of the
    page between two reviews costs the totals query, not the aggregates."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[int, str, int], tuple[str, Insights]] = OrderedDict()

    def get(self, key: tuple[int, str, int], version: str) -> Insights | None:
        with self._lock:
            found = self._kept.get(key)
            return found[1] if found and found[0] == version else None

    def put(self, key: tuple[int, str, int], version: str, insights: Insights) -> None:
        with self._lock:
            self._kept[key] = (version, insights)
            self._kept.move_to_end(key)
            while len(self._kept) > CACHED:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def cache_of(request: Request) -> InsightsCache:
    cache = getattr(request.app.state, "insights_cache", None)
    if cache is None:
        cache = request.app.state.insights_cache = InsightsCache()
    return cache


def compute(
    state: AppState, cache: InsightsCache, days: int, bucket: Bucket, noise_min: int
) -> Insights:
    """The insights from the ledger and the library (read off the event loop), or the ones
    computed last for these parameters when nothing has changed since."""
    records = state.services.store.list_documents()
    ledger = state.services.ledger
    totals = ledger.totals()
    now = datetime.now(UTC)
    key = (days, bucket, noise_min)
    current = version(totals, records, now=now, days=days, bucket=bucket, min=noise_min)
    found = cache.get(key, current)
    if found is None:
        found = build_insights(
            ledger, records, days=days, bucket=bucket, noise_min=noise_min, now=now, totals=totals
        )
        cache.put(key, current, found)
    return found


@api_router.get(
    "/insights", summary="Insights from the findings database", responses=ERROR_RESPONSES
)
async def insights_json(
    request: Request,
    state: StateDep,
    days: DaysQuery = DAYS,
    bucket: BucketQuery = "week",
    noise_min: MinQuery = NOISE_MIN,
) -> Insights:
    """Findings by code over time, the share dismissed per check (noise called out), the most
    common gaps by folder and repository, the most cited records, accepted decisions never
    cited."""
    try:
        found = await run_in_threadpool(compute, state, cache_of(request), days, bucket, noise_min)
    except SpecreviewError as exc:
        status, code = engine_error_status(exc)
        raise ApiError(status, code, str(exc)) from exc
    return JSONResponse(found.model_dump(mode="json"))  # type: ignore[return-value]


@page_router.get("/insights", response_class=HTMLResponse)
async def insights_page(
    request: Request,
    state: StateDep,
    days: DaysQuery = DAYS,
    bucket: BucketQuery = "week",
    noise_min: MinQuery = NOISE_MIN,
) -> Response:
    if not page_authorised(request, state):
        return login_redirect(request)
    try:
        found = await run_in_threadpool(compute, state, cache_of(request), days, bucket, noise_min)
    except SpecreviewError as exc:
        status, _ = engine_error_status(exc)
        failed: dict[str, Any] = {"page": "insights", "error": str(exc)}
        return render(state, request, "insights.html", failed, status)
    context: dict[str, Any] = {
        "page": "insights",
        "insights": found,
        "chart": chart_svg(found.timeline),
        "legend": [(label, colour) for label, colour, _ in chart_series(found.timeline)],
        "days": days,
        "bucket": bucket,
        "noise_min": noise_min,
    }
    return render(state, request, "insights.html", context)
