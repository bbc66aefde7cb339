"""POST /v1/ask: answer a question with citations; Server-Sent Events when asked to stream."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import AppState, StateDep, require_token
from api.errors import ERROR_RESPONSES, ApiError, engine_error_status
from api.schemas import AskRequest
from assistant.ask import AskEvent
from assistant.errors import SpecreviewError
from assistant.ledger import Surface, remember_answer
from assistant.models import Answer

log = logging.getLogger("specreview.api")
router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(require_token)])

# The events a stream sends: the asker's event types, then `error` when the engine fails.
STREAM_EVENTS: tuple[str, ...] = (*get_args(AskEvent.model_fields["type"].annotation), "error")


def check_question(state: AppState, question: str) -> str:
    question = question.strip()
    limit = state.settings.max_question_chars
    if not question:
        raise ApiError(422, "empty_question", "the question is empty; ask something")
    if len(question) > limit:
        raise ApiError(
            422,
            "question_too_long",
            f"the question is {len(question):,} characters, over the {limit:,} limit; shorten it",
        )
    return question


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event; `data` is JSON on a single line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _event_name(event: BaseModel) -> str:
    return str(getattr(event, "type", None) or type(event).__name__.lower())


SURFACE_HEADER = "x-specreview-surface"  # the Ask page's script sends `web`


def surface_of(request: Request) -> Surface:
    """Where an answer was asked: the Ask page (its script says so) or the API."""
    return "web" if request.headers.get(SURFACE_HEADER, "").lower() == "web" else "api"


def answered(state: AppState, answer: Answer, surface: Surface) -> None:
    """Count an answer and record it (and the records it cites) in the findings database."""
    state.metrics.record_answer(answer)
    remember_answer(lambda: state.services.ledger, answer, surface=surface)


def stream_answer(
    state: AppState, question: str, k: int, surface: Surface = "api"
) -> Iterator[str]:
    """SSE lines for the asker's events; an engine error becomes an `error` event."""
    try:
        for event in state.asker.stream(question, k=k):
            payload = event.model_dump(mode="json")
            answer = payload.get("answer") if isinstance(payload, dict) else None
            if isinstance(answer, dict):
                answered(state, Answer.model_validate(answer), surface)
            yield sse(_event_name(event), payload)
    except SpecreviewError as exc:
        _, code = engine_error_status(exc)
        yield sse("error", {"error": {"code": code, "message": str(exc)}})
    except Exception:  # the response has started: end the stream with an error event
        log.exception("ask stream failed")
        message = "unexpected server error; it has been logged. Retry, or report the question."
        yield sse("error", {"error": {"code": "internal_error", "message": message}})


@router.post(
    "/ask",
    summary="Ask about past decisions",
    response_model=Answer,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "The answer as JSON, or Server-Sent Events with "
            "`Accept: text/event-stream` (events: "
            + ", ".join(f"`{name}`" for name in STREAM_EVENTS)
            + ").",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
)
async def ask(body: AskRequest, request: Request, state: StateDep) -> Response:
    """Answer with numbered citations, or say no record was found."""
    question = check_question(state, body.question)
    if "text/event-stream" in request.headers.get("accept", ""):
        # A sync iterator: Starlette runs each step in the thread pool, off the event loop.
        return StreamingResponse(
            stream_answer(state, question, body.k, surface_of(request)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await run_in_threadpool(lambda: state.asker.ask(question, k=body.k))
    await run_in_threadpool(answered, state, answer, surface_of(request))
    return JSONResponse(answer.model_dump(mode="json"))
