"""Uploaded files → indexed documents, run as a background job with progress."""

from __future__ import annotations

from collections.abc import Sequence

from api.jobs import Progress
from assistant.errors import InputError
from assistant.models import Document
from assistant.services import Services
from index.load import load_text
from index.pipeline import index_documents


def index_uploads(
    services: Services, files: Sequence[tuple[str, str]], progress: Progress
) -> list[str]:
    """Load each (filename, text) and index them; returns the ids indexed (or already current)."""
    progress.update(done=0, total=len(files), message=f"reading {len(files)} file(s)")
    docs: list[Document] = []
    for name, text in files:
        try:
            docs.append(load_text(text, path=name, warn=progress.warn))
        except InputError as exc:
            progress.warn(str(exc))
    if not docs:
        raise InputError("nothing to index: every uploaded file was skipped (see warnings)")

    def report(done: int, total: int) -> None:
        progress.update(done=done, total=total, message=f"embedded {done} of {total} chunks")

    index_documents(
        docs,
        store=services.store,
        embedder=services.embedder,
        chunk_tokens=services.settings.chunk_tokens,
        progress=report,
    )
    services.store_changed()  # e.g. the reviewer now has history to cite
    return [doc.id for doc in docs]
