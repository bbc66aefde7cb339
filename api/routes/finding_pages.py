"""The Review page's dismiss and reopen buttons: plain form posts (they work without JavaScript:
the answer is a redirect to the finding's page), or, when review.js sends them with
`Accept: application/json`, the finding's new state as JSON so the card is marked in place.

Same rules as the other pages: the session cookie when tokens are configured, and the cross-site
guard (api/security.py) refuses a post from another origin before it reaches these routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, page_authorised
from api.routes.pages import render
from assistant.errors import DatabaseError, InputError
from assistant.ledger import (
    BY_MAX,
    DISMISS_REASONS,
    DocumentKey,
    FindingState,
    RecordedFinding,
    check_reason,
)

router = APIRouter(include_in_schema=False)

REASON_LABELS = {"wrong": "Wrong", "not_applicable": "Not applicable", "wont_fix": "Won't fix"}
WEB_BY = "web page"  # who, when the form's optional name is left empty
FindingId = Annotated[int, Path(ge=1, le=2**62)]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _page_of(finding_id: int) -> str:
    return f"/review/findings/{finding_id}"


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _lookup(state: AppState, finding_id: int) -> tuple[RecordedFinding, DocumentKey, FindingState]:
    try:
        ledger = state.services.ledger
        found = ledger.get_finding(finding_id)
        recorded = ledger.get_review(found.review_id) if found else None
        if found is None or recorded is None:
            raise _Refused(404, "not_found", f"no finding {finding_id} is recorded")
        states = {s.fingerprint: s for s in ledger.finding_states(recorded.document)}
    except DatabaseError as exc:
        raise _Refused(503, "database_unavailable", str(exc)) from exc
    current = states.get(found.fingerprint) or FindingState(
        document=recorded.document,
        fingerprint=found.fingerprint,
        code=found.code,
        state=found.state,
        changed_at=recorded.created_at,
    )
    return found, recorded.document, current


def _refusal(state: AppState, request: Request, finding_id: int, refused: _Refused) -> Response:
    if _wants_json(request):
        body = {"error": {"code": refused.code, "message": refused.message}}
        return JSONResponse(body, status_code=refused.status)
    ctx = {"page": "review", "error": refused.message, "finding_id": finding_id}
    return render(state, request, "finding.html", ctx, status=refused.status)


def _unauthorised(request: Request, finding_id: int) -> Response:
    if _wants_json(request):
        message = "sign in on /login first: the session has no configured token"
        return JSONResponse({"error": {"code": "unauthorized", "message": message}}, 401)
    return RedirectResponse(f"/login?next={_page_of(finding_id)}", status_code=303)


@router.get("/review/findings/{finding_id}")
async def finding_page(finding_id: FindingId, request: Request, state: StateDep) -> Response:
    """A recorded finding, its state on its document, and the dismiss or reopen form."""
    if not page_authorised(request, state):
        return _unauthorised(request, finding_id)
    try:
        found, document, current = await run_in_threadpool(_lookup, state, finding_id)
    except _Refused as refused:
        return _refusal(state, request, finding_id, refused)
    ctx = {
        "page": "review",
        "finding": found,
        "document": document,
        "current": current,
        "reasons": REASON_LABELS,
        "finding_id": finding_id,
    }
    return render(state, request, "finding.html", ctx)


async def _move(request: Request, state: StateDep, finding_id: int, *, dismiss: bool) -> Response:
    if not page_authorised(request, state):
        return _unauthorised(request, finding_id)
    async with request.form(max_files=0, max_fields=5, max_part_size=4096) as form:
        reason, by = form.get("reason"), form.get("by")
    who = by.strip()[:BY_MAX] if isinstance(by, str) and by.strip() else WEB_BY

    def move() -> FindingState:
        _lookup(state, finding_id)  # 404 before anything changes
        try:
            if dismiss:
                chosen = check_reason(reason if isinstance(reason, str) else "")
                return state.services.ledger.dismiss(finding_id, by=who, reason=chosen)
            return state.services.ledger.reopen(finding_id, by=who)
        except InputError as exc:
            raise _Refused(
                422, "invalid_reason", f"{exc}: choose why ({', '.join(DISMISS_REASONS)})"
            ) from exc
        except DatabaseError as exc:
            raise _Refused(503, "database_unavailable", str(exc)) from exc

    try:
        moved = await run_in_threadpool(move)
    except _Refused as refused:
        return _refusal(state, request, finding_id, refused)
    if _wants_json(request):
        return JSONResponse(moved.model_dump(mode="json"))
    return RedirectResponse(_page_of(finding_id), status_code=303)


@router.post("/review/findings/{finding_id}/dismiss")
async def dismiss_from_page(finding_id: FindingId, request: Request, state: StateDep) -> Response:
    """Dismiss with a reason (wrong, not_applicable, wont_fix) and an optional name."""
    return await _move(request, state, finding_id, dismiss=True)


@router.post("/review/findings/{finding_id}/reopen")
async def reopen_from_page(finding_id: FindingId, request: Request, state: StateDep) -> Response:
    """Reopen a dismissed finding: later reviews of its document raise it again."""
    return await _move(request, state, finding_id, dismiss=False)
