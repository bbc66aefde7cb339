"""Insights: GET /v1/insights (JSON) and the /insights page (tables and an inline SVG chart)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, page_authorised, require_token
from api.errors import ERROR_RESPONSES, ApiError, engine_error_status
from api.insights_view import chart_series, chart_svg
from api.routes.pages import login_redirect, render
from assistant.errors import SpecreviewError
from assistant.insights import DAYS, NOISE_MIN, Bucket, Insights, build_insights

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


def compute(state: AppState, days: int, bucket: Bucket, noise_min: int) -> Insights:
    """The insights from the ledger and the library (read off the event loop)."""
    records = state.services.store.list_documents()
    return build_insights(
        state.services.ledger, records, days=days, bucket=bucket, noise_min=noise_min
    )


@api_router.get(
    "/insights", summary="Insights from the findings database", responses=ERROR_RESPONSES
)
async def insights_json(
    state: StateDep,
    days: DaysQuery = DAYS,
    bucket: BucketQuery = "week",
    noise_min: MinQuery = NOISE_MIN,
) -> Insights:
    """Findings by code over time, the share dismissed per check (noise called out), the most
    common gaps by folder and repository, the most cited records, accepted decisions never
    cited."""
    try:
        found = await run_in_threadpool(compute, state, days, bucket, noise_min)
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
        found = await run_in_threadpool(compute, state, days, bucket, noise_min)
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
