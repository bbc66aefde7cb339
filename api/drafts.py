"""Turning request bodies and uploads into draft text, with the size and encoding limits."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from api.errors import ApiError
from api.schemas import ReviewRequest
from assistant.errors import InputError
from assistant.identity import repo_key

_TEXT_TYPES = ("text/markdown", "text/plain", "text/x-markdown")


class Draft(NamedTuple):
    """A draft to review and which document it is: `repo` (owner/name, or "") and `path`."""

    text: str
    path: str
    repo: str = ""


def check_repo(value: object) -> str:
    """An optional owner/name field, lower-cased as documents are keyed; 422 when malformed."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        return repo_key(value)
    except InputError as exc:
        raise ApiError(422, "invalid_repo", f"{exc}; leave it empty for a draft") from exc


def decode_text(data: bytes, *, name: str, max_bytes: int) -> str:
    """UTF-8 text or a 413/422 that says what to send instead."""
    if len(data) > max_bytes:
        raise ApiError(
            413,
            "draft_too_large",
            f"{name} is {len(data):,} bytes, over the {max_bytes:,}-byte draft limit; split it or "
            "raise SPECREVIEW_MAX_DRAFT_BYTES",
        )
    if b"\x00" in data:
        raise ApiError(422, "not_text", f"{name} looks binary; send markdown or plain text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(
            422, "not_utf8", f"{name} is not UTF-8 ({exc.reason}); re-save it as UTF-8"
        ) from exc
    if not text.strip():
        raise ApiError(422, "empty_draft", f"{name} is empty; send the draft's text")
    return text


async def read_upload(upload: UploadFile, *, max_bytes: int) -> tuple[str, str]:
    """(text, filename) of one uploaded file, reading at most max_bytes + 1 bytes."""
    name = upload.filename or "upload.md"
    data = await upload.read(max_bytes + 1)
    return decode_text(data, name=name, max_bytes=max_bytes), name


async def read_draft(request: Request, *, max_bytes: int) -> Draft:
    """The draft from JSON, a form (a `file` upload or a `text` field, and optional `path` and
    `repo` fields) or a raw text body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        try:
            draft = ReviewRequest.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ApiError(
                422,
                "invalid_request",
                f'{where}: {first["msg"]}; send JSON like {{"text": "# My spec\\n..."}}',
            ) from exc
        data = draft.text.encode("utf-8")
        text = decode_text(data, name="text", max_bytes=max_bytes)
        return Draft(text, draft.path, check_repo(draft.repo))
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes + 1)
        except HTTPException as exc:  # a body the form parser refuses (too many fields, ...)
            raise ApiError(422, "invalid_request", f"form body: {exc.detail}") from exc
        try:
            upload = form.get("file")
            repo = check_repo(form.get("repo"))
            path = form.get("path")
            named = path.strip()[:500] if isinstance(path, str) and path.strip() else ""
            if isinstance(upload, UploadFile):
                content, uploaded = await read_upload(upload, max_bytes=max_bytes)
                return Draft(content, named or uploaded, repo)
            pasted = form.get("text")
        finally:
            await form.close()
        if isinstance(pasted, str):
            decoded = decode_text(pasted.encode("utf-8"), name="text", max_bytes=max_bytes)
            return Draft(decoded, named or "draft.md", repo)
        raise ApiError(422, "missing_draft", "multipart body needs a `file` part or a `text` field")
    if content_type in _TEXT_TYPES:
        body = await request.body()
        return Draft(decode_text(body, name="body", max_bytes=max_bytes), "draft.md")
    raise ApiError(
        415,
        "unsupported_media_type",
        'send application/json {"text": ...}, multipart/form-data with a `file`, or text/markdown',
    )
