"""Uploaded files → indexed documents, run as a background job with progress.

Each file is all-or-nothing: it is indexed on its own, and one that fails (or that names the
same document as an earlier file of the upload) is a warning on the job, never the end of the
others. A file that fails half-way leaves its old version if nothing was written yet, else
nothing: its stray chunks are removed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from api.jobs import Progress
from assistant.errors import InputError, SpecreviewError
from assistant.models import Document
from assistant.services import Services
from assistant.store import VectorStore, write_lock
from index.load import load_text
from index.pipeline import index_documents

log = logging.getLogger("specreview.api.indexing")


def index_uploads(
    services: Services, files: Sequence[tuple[str, str]], progress: Progress
) -> list[str]:
    """Load each (filename, text) and index them; returns the ids indexed (or already current)."""
    progress.update(done=0, total=len(files), message=f"reading {len(files)} file(s)")
    docs: list[tuple[str, Document]] = []
    names_by_id: dict[str, str] = {}
    for name, text in files:
        try:
            doc = load_text(text, path=name, warn=progress.warn)
        except InputError as exc:
            progress.warn(str(exc))
            continue
        if doc.id in names_by_id:
            progress.warn(
                f"{name}: skipped: it is document {doc.id!r}, as {names_by_id[doc.id]} is; "
                "give one of them another name or id"
            )
            continue
        names_by_id[doc.id] = name
        docs.append((name, doc))
    if not docs:
        raise InputError("nothing to index: every uploaded file was skipped (see warnings)")

    store = services.store
    indexed: list[str] = []
    failures: list[str] = []
    progress.update(done=0, total=len(docs), message=f"indexing {len(docs)} file(s)")
    for n, (name, doc) in enumerate(docs):

        def report(done: int, total: int, n: int = n, name: str = name) -> None:
            progress.update(done=n, message=f"{name}: embedded {done} of {total} chunks")

        def waiting(message: str, n: int = n) -> None:
            progress.update(done=n, message=message)

        try:
            index_documents(
                [doc],
                store=store,
                embedder=services.embedder,
                chunk_tokens=services.settings.chunk_tokens,
                progress=report,
                on_wait=waiting,
            )
        except Exception as exc:
            if not isinstance(exc, SpecreviewError):
                log.exception("indexing upload %s failed", name)
            failures.append(f"{name}: {exc}")
            progress.warn(f"{name}: not indexed: {exc}")
            _remove_strays(store, doc.id)
        else:
            indexed.append(doc.id)
        progress.update(done=n + 1)
    if indexed:
        services.store_changed()  # e.g. the reviewer now has history to cite
    if not indexed:
        raise failure(failures)
    return indexed


def failure(failures: Sequence[str]) -> SpecreviewError:
    return SpecreviewError("no file was indexed: " + "; ".join(failures[:5]))


def _remove_strays(store: VectorStore, doc_id: str) -> None:
    """After a failed file: chunks without a record are ghosts; a record means the old version
    is still whole (the failure came before any write)."""
    try:
        with write_lock(store):
            if store.get_document(doc_id, with_text=False) is None:
                store.delete_document(doc_id)
    except SpecreviewError as exc:
        log.warning("could not clean up after %s: %s", doc_id, exc)
