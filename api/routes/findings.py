"""/v1/findings/{id}: a recorded finding, and dismissing or reopening it on its document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, require_token
from api.errors import ERROR_RESPONSES, ApiError, ErrorResponse
from assistant.ledger import DismissReason, FindingState, RecordedFinding

router = APIRouter(prefix="/v1", tags=["findings"], dependencies=[Depends(require_token)])

FindingId = Annotated[int, Path(description="The finding's id, as a recorded review shows it.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No finding with this id"}
}


class DismissRequest(BaseModel):
    reason: DismissReason = Field(description="wrong, not_applicable or wont_fix.")
    by: str = Field("api", max_length=200, description="Who is dismissing it.")


class ReopenRequest(BaseModel):
    by: str = Field("api", max_length=200, description="Who is reopening it.")


def _known(state: AppState, finding_id: int) -> RecordedFinding:
    found = state.services.ledger.get_finding(finding_id)
    if found is None:
        raise ApiError(
            404,
            "not_found",
            f"no finding {finding_id} is recorded; use an id from a review's findings",
        )
    return found


@router.get(
    "/findings/{finding_id}",
    summary="A recorded finding and its state on its document",
    responses={**ERROR_RESPONSES, **NOT_FOUND},
)
async def get_finding(finding_id: FindingId, state: StateDep) -> RecordedFinding:
    return await run_in_threadpool(_known, state, finding_id)


@router.post(
    "/findings/{finding_id}/dismiss",
    summary="Dismiss a finding: it is not raised again on its document until its text changes",
    responses={**ERROR_RESPONSES, **NOT_FOUND},
)
async def dismiss_finding(
    finding_id: FindingId, body: DismissRequest, state: StateDep
) -> FindingState:
    def dismiss() -> FindingState:
        _known(state, finding_id)
        return state.services.ledger.dismiss(finding_id, by=body.by, reason=body.reason)

    return await run_in_threadpool(dismiss)


@router.post(
    "/findings/{finding_id}/reopen",
    summary="Reopen a dismissed finding: later reviews raise it again",
    responses={**ERROR_RESPONSES, **NOT_FOUND},
)
async def reopen_finding(
    finding_id: FindingId, body: ReopenRequest, state: StateDep
) -> FindingState:
    def reopen() -> FindingState:
        _known(state, finding_id)
        return state.services.ledger.reopen(finding_id, by=body.by)

    return await run_in_threadpool(reopen)
