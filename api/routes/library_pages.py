"""Web pages: the library (filters, search, upload with progress) and the document view."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.audit_view import library_flags
from api.deps import StateDep, page_authorised
from api.errors import ApiError
from api.routes.documents import (
    MAX_UPLOAD_FILES,
    document_view,
    filter_documents,
    start_index_job,
)
from api.routes.pages import login_redirect, render

router = APIRouter(include_in_schema=False)

KINDS = ("spec", "decision", "retro")


def parse_lines(value: str | None) -> tuple[int, int] | None:
    """`12` or `12-20` → (12, 20); anything else → None."""
    if not value:
        return None
    start, _, end = value.partition("-")
    if not start.isdigit() or (end and not end.isdigit()):
        return None
    first = int(start)
    last = int(end) if end else first
    return (first, last) if last >= first else (last, first)


@router.get("/library", response_class=HTMLResponse)
async def library_page(
    request: Request,
    state: StateDep,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if not page_authorised(request, state):
        return login_redirect(request)
    records = await run_in_threadpool(state.services.store.list_documents)
    flags, audited = await run_in_threadpool(library_flags, state.settings, records)
    kind = kind if kind in KINDS else None
    statuses = sorted({r.status for r in records if r.status})
    matching = filter_documents(records, kind=kind, status=status, text=q)
    context = {
        "page": "library",
        "documents": matching[:500],
        "total": len(records),
        "matching": len(matching),
        "kinds": KINDS,
        "statuses": statuses,
        "kind": kind or "",
        "status": status or "",
        "q": q or "",
        "removed": request.query_params.get("removed", ""),
        "flags": flags,
        "audited": audited,
        "flagged": len(flags),
    }
    return render(state, request, "library.html", context)


@router.post("/library/upload", response_class=HTMLResponse)
async def upload_page(request: Request, state: StateDep) -> Response:
    """The no-JavaScript upload: start the job, then show its progress page."""
    if not page_authorised(request, state):
        return login_redirect(request)
    limit = state.settings.max_draft_bytes
    async with request.form(max_files=MAX_UPLOAD_FILES, max_part_size=limit + 1) as form:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        try:
            job = await start_index_job(state, files)
        except ApiError as exc:
            return render(
                state,
                request,
                "job.html",
                {"page": "library", "error": exc.message},
                status=exc.status,
            )
    return RedirectResponse(f"/library/jobs/{job.id}", status_code=303)


@router.get("/library/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(job_id: str, request: Request, state: StateDep) -> Response:
    """Progress of an upload; refreshes itself every second until the job ends."""
    if not page_authorised(request, state):
        return login_redirect(request)
    job = state.jobs.get(job_id)
    if job is None:
        ctx = {"page": "library", "error": "No such job."}
        return render(state, request, "job.html", ctx, status=404)
    return render(state, request, "job.html", {"page": "library", "job": job})


# Last: ids may contain `/` (`{doc_id:path}`), so these would shadow the routes above.
@router.get("/library/{doc_id:path}", response_class=HTMLResponse)
async def document_page(
    doc_id: str,
    request: Request,
    state: StateDep,
    lines: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if not page_authorised(request, state):
        return login_redirect(request)
    record = await run_in_threadpool(lambda: state.services.store.get_document(doc_id))
    if record is None:
        ctx = {"page": "library", "error": f"No document {doc_id!r} is indexed."}
        return render(state, request, "document.html", ctx, status=404)
    context = {"page": "library", "doc": document_view(record), "highlight": parse_lines(lines)}
    return render(state, request, "document.html", context)


@router.post("/library/{doc_id:path}/delete", response_class=HTMLResponse)
async def delete_page(doc_id: str, request: Request, state: StateDep) -> Response:
    """Remove a document (and its chunks) from the library, then go back to the list."""
    if not page_authorised(request, state):
        return login_redirect(request)
    store = state.services.store
    record = await run_in_threadpool(lambda: store.get_document(doc_id, with_text=False))
    if record is None:
        ctx = {"page": "library", "error": f"No document {doc_id!r} is indexed."}
        return render(state, request, "document.html", ctx, status=404)
    await run_in_threadpool(lambda: store.delete_document(doc_id))
    state.services.store_changed()
    return RedirectResponse(f"/library?removed={quote(doc_id, safe='')}", status_code=303)
