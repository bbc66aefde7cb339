"""POST /v1/reviews: review a draft and return JSON, markdown or SARIF."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, require_token
from api.drafts import read_draft
from api.errors import ERROR_RESPONSES, ErrorResponse
from api.schemas import ReviewFormat, ReviewRequest
from assistant.ledger import DocumentKey, Surface, remember
from assistant.models import DocType, Review
from assistant.render import render_markdown, render_sarif

router = APIRouter(prefix="/v1", tags=["reviews"], dependencies=[Depends(require_token)])

_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": ReviewRequest.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "text": {"type": "string"},
                    "path": {"type": "string"},
                    "repo": {"type": "string"},
                },
            }
        },
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "path": {"type": "string"},
                    "repo": {"type": "string"},
                },
                "required": ["text"],
            }
        },
        "text/markdown": {"schema": {"type": "string"}},
    },
}


async def review_draft(
    state: AppState,
    text: str,
    path: str,
    doc_type: DocType | None = None,
    *,
    surface: Surface = "api",
    repo: str = "",
) -> Review:
    """Run the reviewer off the event loop, record the review (as `repo`'s `path`, or the
    draft's name alone), and count the result."""

    def review_and_record() -> Review:
        review = state.reviewer.review_text(text, path=path, doc_type=doc_type)
        return remember(
            lambda: state.services.ledger,
            review,
            document=DocumentKey(repo=repo, path=path),
            content=text,
            surface=surface,
        )

    review = await run_in_threadpool(review_and_record)
    state.metrics.record_review(review)
    return review


def render_review(review: Review, fmt: ReviewFormat) -> Response:
    if fmt == "markdown":
        return PlainTextResponse(render_markdown(review), media_type="text/markdown")
    if fmt == "sarif":
        return Response(json.dumps(render_sarif([review])), media_type="application/sarif+json")
    return JSONResponse(review.model_dump(mode="json"))


@router.post(
    "/reviews",
    summary="Review a draft spec",
    response_model=Review,
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "The review, as JSON (default), markdown or SARIF 2.1.0.",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "application/sarif+json": {"schema": {"type": "object"}},
            },
        },
        415: {"model": ErrorResponse, "description": "Unsupported content type"},
    },
)
async def create_review(
    request: Request,
    state: StateDep,
    format: Annotated[ReviewFormat, Query(description="Output format.")] = "json",
    doc_type: Annotated[
        DocType | None,
        Query(
            alias="type",
            description="Review it as a spec, design or decision (default: front matter "
            "`type:`, else detected; the review says which).",
        ),
    ] = None,
) -> Response:
    """Review a draft sent as JSON (`{"text", "path"}`), a multipart `file`, or text/markdown."""
    draft = await read_draft(request, max_bytes=state.settings.max_draft_bytes)
    review = await review_draft(state, draft.text, draft.path, doc_type, repo=draft.repo)
    return render_review(review, format)
