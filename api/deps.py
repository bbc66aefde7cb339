"""Dependencies shared by routes: the app state, the engines, and bearer-token auth."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates

from api.errors import ApiError
from api.jobs import JobManager
from api.metrics import Metrics
from assistant.config import Settings
from assistant.models import Answer, DocType, Review
from assistant.services import Services

SESSION_COOKIE = "specreview_token"


class ReviewEngine(Protocol):
    """What the API needs from the reviewer (assistant/review.py)."""

    def review_text(
        self, text: str, *, path: str = ..., doc_type: DocType | None = ...
    ) -> Review: ...


class AskEngine(Protocol):
    """What the API needs from the asker (assistant/ask.py)."""

    def ask(self, question: str, *, k: int = ...) -> Answer: ...

    def stream(self, question: str, *, k: int = ...) -> Iterator[Any]: ...


@dataclass
class AppState:
    """Everything one app instance owns; built by create_app, never at import time."""

    services: Services
    metrics: Metrics
    jobs: JobManager
    templates: Jinja2Templates

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def reviewer(self) -> ReviewEngine:
        engine: ReviewEngine = self.services.reviewer
        return engine

    @property
    def asker(self) -> AskEngine:
        engine: AskEngine = self.services.asker
        return engine


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.specreview
    return state


StateDep = Annotated[AppState, Depends(get_state)]

_bearer = HTTPBearer(
    auto_error=False,
    description="Required when SPECREVIEW_API_TOKENS is set: `Authorization: Bearer <token>`.",
)


def token_matches(candidate: str | None, tokens: list[str]) -> bool:
    """Constant-time comparison against every configured token."""
    if not candidate:
        return False
    given = candidate.encode()
    return any(hmac.compare_digest(given, token.encode()) for token in tokens)


def require_token(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 unless a configured bearer token (or the web pages' session cookie) is presented."""
    tokens = state.settings.api_token_list
    if not tokens:
        return
    if credentials is not None and token_matches(credentials.credentials, tokens):
        return
    if token_matches(request.cookies.get(SESSION_COOKIE), tokens):
        return
    raise ApiError(
        401,
        "unauthorized",
        "missing or wrong bearer token: send `Authorization: Bearer <token>` with one of the "
        "tokens in SPECREVIEW_API_TOKENS",
        headers={"WWW-Authenticate": "Bearer"},
    )


def page_authorised(request: Request, state: AppState) -> bool:
    """Web pages: allowed when auth is off or the session cookie holds a configured token."""
    tokens = state.settings.api_token_list
    return not tokens or token_matches(request.cookies.get(SESSION_COOKIE), tokens)
