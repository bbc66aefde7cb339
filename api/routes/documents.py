"""The library over HTTP: list, read, upload (a job), delete; and job progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import starlette.datastructures
from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StateDep, require_token
from api.drafts import read_upload
from api.errors import ERROR_RESPONSES, ApiError, ErrorResponse
from api.indexing import index_uploads
from api.jobs import Job
from api.schemas import DocumentList, DocumentSummary, DocumentView, Line
from assistant.models import DocumentRecord, Kind

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[Depends(require_token)])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such document or job"}
}
MAX_UPLOAD_FILES = 50


def filter_documents(
    records: list[DocumentRecord], *, kind: str | None, status: str | None, text: str | None
) -> list[DocumentRecord]:
    """Documents matching kind, status (case-insensitive) and a substring of id/title/path."""
    needle = (text or "").strip().lower()
    wanted_status = (status or "").strip().lower()
    out = []
    for record in records:
        if kind and record.kind != kind:
            continue
        if wanted_status and (record.status or "").lower() != wanted_status:
            continue
        haystack = f"{record.id} {record.title} {record.path}".lower()
        if needle and needle not in haystack:
            continue
        out.append(record)
    out.sort(key=lambda r: (r.kind, (r.title or r.id).lower()))
    return out


def summary(record: DocumentRecord) -> DocumentSummary:
    return DocumentSummary.model_validate(record.model_dump(exclude={"text"}))


def document_view(record: DocumentRecord) -> DocumentView:
    lines = [Line(n=i, text=t) for i, t in enumerate((record.text or "").split("\n"), start=1)]
    return DocumentView.model_validate({**record.model_dump(exclude={"text"}), "lines": lines})


@router.get("/documents", summary="List indexed documents", response_model=DocumentList)
async def list_documents(
    state: StateDep,
    kind: Annotated[Kind | None, Query(description="spec, decision or retro")] = None,
    status: Annotated[str | None, Query(max_length=100)] = None,
    text: Annotated[
        str | None, Query(max_length=200, description="Substring of id, title or path.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DocumentList:
    records = await run_in_threadpool(state.services.store.list_documents)
    matching = filter_documents(records, kind=kind, status=status, text=text)
    return DocumentList(
        total=len(matching), items=[summary(r) for r in matching[offset : offset + limit]]
    )


@router.get(
    "/documents/{doc_id:path}",
    summary="One document with numbered lines",
    response_model=DocumentView,
    responses=_NOT_FOUND,
)
async def get_document(doc_id: str, state: StateDep) -> DocumentView:
    record = await run_in_threadpool(lambda: state.services.store.get_document(doc_id))
    if record is None:
        raise ApiError(404, "not_found", f"no document {doc_id!r}; list them at /v1/documents")
    return document_view(record)


@router.delete(
    "/documents/{doc_id:path}",
    summary="Remove a document and its chunks",
    status_code=204,
    responses=_NOT_FOUND,
)
async def delete_document(doc_id: str, state: StateDep) -> Response:
    store = state.services.store
    record = await run_in_threadpool(lambda: store.get_document(doc_id, with_text=False))
    if record is None:
        raise ApiError(404, "not_found", f"no document {doc_id!r}; list them at /v1/documents")
    await run_in_threadpool(lambda: store.delete_document(doc_id))
    state.services.store_changed()
    return Response(status_code=204)


@router.post(
    "/documents",
    summary="Upload files to index (returns a job)",
    status_code=202,
    response_model=Job,
    responses=ERROR_RESPONSES,
)
async def upload_documents(
    state: StateDep,
    files: Annotated[list[UploadFile], File(description="Markdown or text files.")],
) -> Job:
    return await start_index_job(state, files)


def refuse_duplicate_names(names: Sequence[str]) -> None:
    """A 422 before anything is read or written when two files of one upload share a name
    (they would be one document, written twice by one job)."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        listed = ", ".join(repr(n[:200]) for n in duplicates[:5])
        raise ApiError(
            422,
            "duplicate_files",
            f"more than one file named {listed} in this upload; each name is one document: "
            "rename the files or send them in separate uploads",
        )


async def start_index_job(
    state: AppState, files: Sequence[starlette.datastructures.UploadFile]
) -> Job:
    """Read the uploads (size and encoding checked now) and index them in a background job."""
    if not files:
        raise ApiError(422, "no_files", "attach one or more files as `files` parts")
    if len(files) > MAX_UPLOAD_FILES:
        raise ApiError(
            413, "too_many_files", f"{len(files)} files; send at most {MAX_UPLOAD_FILES} at once"
        )
    refuse_duplicate_names([upload.filename or "upload.md" for upload in files])
    texts = []
    for upload in files:
        text, name = await read_upload(upload, max_bytes=state.settings.max_draft_bytes)
        texts.append((name, text))
    services = state.services
    return state.jobs.submit(
        lambda progress: index_uploads(services, texts, progress),
        total=len(texts),
        message="queued",
    )


@router.get(
    "/jobs/{job_id}",
    summary="Progress of an indexing job",
    response_model=Job,
    responses=_NOT_FOUND,
)
async def get_job(job_id: str, state: StateDep) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job {job_id!r} was started on this service")
    return job
