"""Liveness, readiness (store and, when configured, the LLM) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, require_token
from api.schemas import Check, Health, Readiness
from assistant.errors import LLMError

router = APIRouter(tags=["service"])


def check_store(state: AppState) -> Check:
    try:
        n = state.services.store.count_chunks()
    except Exception as exc:  # readiness reports any failure instead of raising it
        return Check(ok=False, detail=f"store unreachable: {exc}")
    return Check(ok=True, detail=f"{n} chunks")


def check_llm(state: AppState, *, timeout: float = 3.0) -> Check | None:
    """Whether the configured model's server answers (`LLM.ping`); None in offline mode."""
    if not state.settings.llm_enabled:
        return None
    try:
        llm = state.services.llm
        if llm is None:
            return None
        return Check(ok=True, detail=llm.ping(timeout=timeout))
    except LLMError as exc:  # a missing key, a refused connection, a 401: all say why
        return Check(ok=False, detail=str(exc))


@router.get("/healthz", summary="The process is up", response_model=Health)
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    summary="Store and LLM reachable",
    response_model=Readiness,
    # Readiness names the store, the model and its server: behind the token when tokens are set.
    dependencies=[Depends(require_token)],
    responses={503: {"model": Readiness, "description": "A dependency is unavailable"}},
)
async def readyz(state: StateDep) -> Response:
    checks = {"store": await run_in_threadpool(check_store, state)}
    llm = await run_in_threadpool(check_llm, state)
    if llm is not None:
        checks["llm"] = llm
    ok = all(c.ok for c in checks.values())
    body = Readiness(status="ready" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[Depends(require_token)],  # routes, finding codes and volumes are not public
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(state: StateDep) -> Response:
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
