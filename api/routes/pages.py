"""Web pages: Review and Ask (server-rendered; JS only streams answers and copies text)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import SESSION_COOKIE, AppState, StateDep, page_authorised, token_matches
from api.drafts import check_repo, decode_text, read_upload
from api.errors import ApiError, engine_error_status
from api.review_view import build_review_view, dismissed_in
from api.routes.ask import answered, check_question
from api.routes.reviews import review_draft
from assistant.doctype import declared_type
from assistant.errors import SpecreviewError
from assistant.render import render_markdown

router = APIRouter(include_in_schema=False)


def render(
    state: AppState, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    context = {"auth_on": bool(state.settings.api_token_list), **context}
    return state.templates.TemplateResponse(request, name, context, status_code=status)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def safe_next(value: object) -> str:
    """Only same-site relative paths, so the login form cannot redirect elsewhere."""
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith("//") else "/review"


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/review", status_code=307)


@router.get("/review", response_class=HTMLResponse)
async def review_page(request: Request, state: StateDep) -> Response:
    if not page_authorised(request, state):
        return login_redirect(request)
    return render(state, request, "review.html", {"page": "review"})


@router.post("/review", response_class=HTMLResponse)
async def review_submit(request: Request, state: StateDep) -> Response:
    """Review the pasted or uploaded draft and show it with the findings beside their lines."""
    if not page_authorised(request, state):
        return login_redirect(request)
    limit = state.settings.max_draft_bytes
    text, path, repo, named = "", "draft.md", "", ""
    try:
        async with request.form(max_files=1, max_fields=10, max_part_size=limit + 1) as form:
            upload = form.get("file")
            pasted = form.get("text")
            chosen = form.get("type")
            given_path, given_repo = form.get("path"), form.get("repo")
            named = given_path.strip()[:500] if isinstance(given_path, str) else ""
            repo = given_repo.strip() if isinstance(given_repo, str) else ""
            if isinstance(upload, UploadFile) and upload.filename:
                text, path = await read_upload(upload, max_bytes=limit)
            else:
                pasted_text = pasted if isinstance(pasted, str) else ""
                text = decode_text(pasted_text.encode("utf-8"), name="the draft", max_bytes=limit)
        # An upload keeps its file name unless a path is given; a repository makes the draft
        # the document the bot and the CLI review there (one identity, one set of dismissals).
        repo = check_repo(repo)
        path = named or path
        # "" (Detect it) or anything not a type: the reviewer detects it and says so.
        review = await review_draft(
            state, text, path, declared_type(chosen), surface="web", repo=repo
        )
    except ApiError as exc:
        ctx = {"page": "review", "error": exc.message, "text": text, "repo": repo, "path": named}
        return render(state, request, "review.html", ctx, status=exc.status)
    except SpecreviewError as exc:
        status, _ = engine_error_status(exc)
        ctx = {"page": "review", "error": str(exc), "text": text, "repo": repo, "path": named}
        return render(state, request, "review.html", ctx, status=status)
    context = {
        "page": "review",
        "review": review,
        "view": build_review_view(text, review),
        "markdown": render_markdown(review),
        "text": text,
        "repo": repo,
        "path": named,
        "dismissed": await run_in_threadpool(dismissed_in, lambda: state.services.ledger, review),
    }
    return render(state, request, "review.html", context)


@router.get("/ask", response_class=HTMLResponse)
async def ask_page(request: Request, state: StateDep) -> Response:
    if not page_authorised(request, state):
        return login_redirect(request)
    return render(state, request, "ask.html", {"page": "ask"})


@router.post("/ask", response_class=HTMLResponse)
async def ask_submit(request: Request, state: StateDep) -> Response:
    """The no-JavaScript path: answer on the server and render the page with it."""
    if not page_authorised(request, state):
        return login_redirect(request)
    async with request.form(max_files=0, max_fields=5) as form:
        raw = form.get("question")
    question = raw if isinstance(raw, str) else ""
    try:
        question = check_question(state, question)
        answer = await run_in_threadpool(lambda: state.asker.ask(question, k=5))
    except ApiError as exc:
        ctx = {"page": "ask", "error": exc.message, "question": question}
        return render(state, request, "ask.html", ctx, status=exc.status)
    except SpecreviewError as exc:
        status, _ = engine_error_status(exc)
        ctx = {"page": "ask", "error": str(exc), "question": question}
        return render(state, request, "ask.html", ctx, status=status)
    await run_in_threadpool(answered, state, answer, "web")
    return render(state, request, "ask.html", {"page": "ask", "answer": answer})


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, state: StateDep) -> Response:
    ctx = {"page": "login", "next": safe_next(request.query_params.get("next"))}
    return render(state, request, "login.html", ctx)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request, state: StateDep) -> Response:
    """Exchange an API token for an HttpOnly, SameSite=Strict cookie used by the pages."""
    async with request.form(max_files=0, max_fields=5) as form:
        token = form.get("token")
        target = safe_next(form.get("next"))
    tokens = state.settings.api_token_list
    if not tokens:
        return RedirectResponse(target, status_code=303)
    if not isinstance(token, str) or not token_matches(token, tokens):
        ctx = {"page": "login", "next": target, "error": "That token is not configured."}
        return render(state, request, "login.html", ctx, status=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict")
    return response
