"""One JSON error shape for every failure: {"error": {"code", "message"}}, never an HTML 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import (
    ConfigError,
    DatabaseError,
    EmbedderError,
    InputError,
    LLMError,
    SpecreviewError,
    StoreError,
)

log = logging.getLogger("specreview.api")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """What every non-2xx JSON response carries."""

    error: ErrorBody


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a message that says the fix."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}

# Engine errors -> (status, code). InputError is the caller's fault; the rest are ours/upstream.
_ENGINE_ERRORS: tuple[tuple[type[SpecreviewError], int, str], ...] = (
    (InputError, 422, "invalid_input"),
    (StoreError, 503, "store_unavailable"),
    (DatabaseError, 503, "database_unavailable"),
    (EmbedderError, 503, "embedder_unavailable"),
    (LLMError, 502, "llm_failed"),
    (ConfigError, 500, "misconfigured"),
)

# Shown in API docs for every route: the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (401, "Missing or wrong bearer token"),
        (413, "Request body or draft too large"),
        (422, "Invalid request"),
    )
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def engine_error_status(exc: SpecreviewError) -> tuple[int, str]:
    for cls, status, code in _ENGINE_ERRORS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) + " (see /docs for the request schema)"


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so validation, HTTP, engine and unexpected errors all answer JSON."""

    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, "invalid_request", _validation_message(exc))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, str(exc.detail), headers)

    async def on_engine(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SpecreviewError)
        status, code = engine_error_status(exc)
        if status >= 500:
            log.warning("engine error: %s", exc)
        return error_response(status, code, str(exc))

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(
            500,
            "internal_error",
            "unexpected server error; it has been logged. Retry, or report it with the request.",
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(SpecreviewError, on_engine)
    app.add_exception_handler(Exception, on_unexpected)
