"""Incremental indexing: load → chunk → embed → write, skipping unchanged documents.

Per document the store sees: delete old chunks (and record), upsert new chunks, then write the
record with its index key last. A run killed at any point leaves either the old complete
document, or no record (the next run redoes that document, deleting stray chunks first), never
duplicates. Embedding (onnxruntime, outside the GIL) overlaps with store writes, which run on
one writer thread in document order. Writers to one embedded store take turns (a file lock
in its folder, see assistant/store_lock.py): a second run waits, then sees what the first wrote.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.embed import Embedder, count_minilm_tokens
from assistant.errors import StoreError
from assistant.models import Chunk, Document, DocumentRecord
from assistant.store import ChromaStore, VectorStore, documents_missing_vectors, write_lock
from index.chunk import CHUNKER_VERSION, TokenCounter, chunk_document, embedding_texts
from index.load import LoadResult, Skipped, load_paths

Progress = Callable[[int, int], None]
# Chunks embedded together: length-sorted batches inside a group (bigger groups, less padding).
GROUP_CHUNKS = 1024


class IndexSummary(BaseModel):
    """What a run did, for the CLI summary and the API."""

    documents_by_kind: dict[str, int] = Field(default_factory=dict)
    documents_indexed: int = 0
    documents_unchanged: int = 0
    documents_removed: int = 0
    ghosts_removed: int = 0  # documents with chunks but no record (a write that died half-way)
    vectors_repaired: int = 0  # unchanged documents re-indexed: some chunks had no vector
    chunks: int = 0  # chunks of all current documents (indexed now or unchanged)
    chunks_embedded: int = 0
    skipped: list[Skipped] = Field(default_factory=list)
    warnings: list[Skipped] = Field(default_factory=list)
    seconds: float = 0.0


def index_key(doc: Document, chunk_tokens: int) -> str:
    """What decides 'unchanged': content + metadata hash, chunk size, chunker version."""
    raw = f"{doc.content_hash}|{chunk_tokens}|{CHUNKER_VERSION}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _record(doc: Document, key: str, n_chunks: int) -> DocumentRecord:
    return DocumentRecord(
        **doc.model_dump(exclude={"content_hash"}), content_hash=key, n_chunks=n_chunks
    )


class _Writer:
    """Store writes on one thread, in order; the first error is re-raised to the caller."""

    def __init__(self, store: VectorStore, *, delete_first: bool) -> None:
        self._store = store
        self._delete_first = delete_first
        self._queue: queue.Queue[list[tuple[DocumentRecord, list[Chunk], list[list[float]]]] | None]
        self._queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                if self._delete_first:
                    for record, _, _ in batch:
                        self._store.delete_document(record.id)
                self._write_chunks(batch)
                self._store.put_documents([record for record, _, _ in batch])
            except BaseException as exc:  # re-raised in the caller's thread by close()
                self._error = exc

    def _write_chunks(
        self, batch: list[tuple[DocumentRecord, list[Chunk], list[list[float]]]]
    ) -> None:
        """Write the batch's chunks and check that each has its vector before any record is
        written; a document whose vectors did not all land is written again, once."""
        self._store.upsert(
            [c for _, cs, _ in batch for c in cs], [v for _, _, vs in batch for v in vs]
        )
        missing = set(documents_missing_vectors(self._store, [r.id for r, _, _ in batch]))
        if not missing:
            return
        again = [(r, cs, vs) for r, cs, vs in batch if r.id in missing]
        for record, _, _ in again:
            self._store.delete_document(record.id)
        self._store.upsert(
            [c for _, cs, _ in again for c in cs], [v for _, _, vs in again for v in vs]
        )
        still = documents_missing_vectors(self._store, sorted(missing))
        if still:
            raise StoreError(
                f"chunks of {', '.join(still[:3])} have no vector even after writing them again: "
                "is another process writing to this store without its lock? Index again when "
                "it has finished"
            )

    def put(self, batch: list[tuple[DocumentRecord, list[Chunk], list[list[float]]]]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def _run(
    docs: Sequence[Document],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_tokens: int,
    progress: Progress | None,
    count: TokenCounter,
    prune_roots: Sequence[str] = (),
    keep_paths: Sequence[str] = (),
    on_wait: Callable[[str], None] | None = None,
) -> IndexSummary:
    # One writer at a time per embedded store, from reading what it holds to the last write.
    with write_lock(store, on_wait):
        return _run_locked(
            docs,
            store=store,
            embedder=embedder,
            chunk_tokens=chunk_tokens,
            progress=progress,
            count=count,
            prune_roots=prune_roots,
            keep_paths=keep_paths,
        )


def _run_locked(
    docs: Sequence[Document],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_tokens: int,
    progress: Progress | None,
    count: TokenCounter,
    prune_roots: Sequence[str],
    keep_paths: Sequence[str],
) -> IndexSummary:
    started = time.perf_counter()
    summary = IndexSummary()
    existing = {r.id: r for r in store.list_documents()}
    todo: list[tuple[Document, str]] = []
    unchanged: list[tuple[Document, str]] = []
    for doc in docs:
        summary.documents_by_kind[doc.kind] = summary.documents_by_kind.get(doc.kind, 0) + 1
        key = index_key(doc, chunk_tokens)
        old = existing.get(doc.id)
        same = old is not None and old.content_hash == key
        (unchanged if same else todo).append((doc, key))
    # An unchanged document whose chunks lost vectors (two writers at once, before the lock)
    # is indexed again: its record says "done", but a vector query would never find them.
    broken = set(documents_missing_vectors(store, [doc.id for doc, _ in unchanged]))
    summary.vectors_repaired = len(broken)
    for doc, key in unchanged:
        if doc.id in broken:
            todo.append((doc, key))
        else:
            summary.documents_unchanged += 1
            summary.chunks += existing[doc.id].n_chunks

    if prune_roots:
        summary.documents_removed = _prune(store, existing, docs, prune_roots, keep_paths)
        if not (isinstance(store, ChromaStore) and store.folder is None):
            # Under the write lock no other writer is half-way, so chunks without a record are
            # ghosts (a Chroma server has no such lock: another writer's may be in flight).
            redone = {doc.id for doc, _ in todo}
            summary.ghosts_removed = _remove_ghosts(store, existing, redone)

    # A fresh store has nothing to clean; otherwise a crashed run may have left stray chunks.
    writer = _Writer(store, delete_first=bool(existing) or store.count_chunks() > 0)
    try:
        total = _embed_and_write(
            todo,
            writer=writer,
            embedder=embedder,
            chunk=lambda doc: chunk_document(doc, max_tokens=chunk_tokens, count=count),
            progress=progress,
        )
    finally:
        writer.close()
    summary.documents_indexed = len(todo)
    summary.chunks += total
    summary.chunks_embedded = total
    summary.seconds = time.perf_counter() - started
    return summary


_Group = list[tuple[Document, str, list[Chunk]]]


def _embed_and_write(
    todo: Sequence[tuple[Document, str]],
    *,
    writer: _Writer,
    embedder: Embedder,
    chunk: Callable[[Document], list[Chunk]],
    progress: Progress | None,
) -> int:
    """Chunk, embed and hand to the writer every document in `todo`; the number of chunks.

    On two busy cores, any moment the embedder waits is lost, so:
    - the first group starts embedding while the other documents are still being chunked;
    - each group is queued for embedding before the previous one goes to the writer, so the
      embedding thread never waits for the main thread, and the main thread never prepares a
      group while a store write holds the GIL (Chroma's Rust core keeps it while writing).
    """
    groups = _groups((doc, key, chunk(doc)) for doc, key in todo)
    first = next(groups, None)
    if first is None:
        return 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-groups") as embedding:
        submitted: list[Future[list[list[float]]]] = []

        def start(group: _Group) -> tuple[_Group, Future[list[list[float]]]]:
            texts = [t for doc, _, chunks in group for t in embedding_texts(doc, chunks)]
            submitted.append(embedding.submit(embedder.embed, texts))
            return group, submitted[-1]

        in_flight = start(first)
        try:
            rest = list(groups)  # chunks the other documents while the first group embeds
            total = sum(len(chunks) for group in [first, *rest] for _, _, chunks in group)
            if progress is not None:
                progress(0, total)
            done = 0

            def write(group: _Group, vectors: Future[list[list[float]]]) -> None:
                nonlocal done
                done += _write_group(writer, group, vectors.result())
                if progress is not None:
                    progress(done, total)

            for group in rest:
                queued = start(group)
                write(*in_flight)
                in_flight = queued
            write(*in_flight)
        except BaseException:
            for future in submitted:
                future.cancel()  # those not started yet: nobody would write them
            raise
    return total


def _groups(chunked: Iterable[tuple[Document, str, list[Chunk]]]) -> Iterator[_Group]:
    """Whole documents, about GROUP_CHUNKS chunks a group."""
    group: _Group = []
    size = 0
    for item in chunked:
        group.append(item)
        size += len(item[2])
        if size >= GROUP_CHUNKS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _write_group(writer: _Writer, group: _Group, vectors: list[list[float]]) -> int:
    """Hand a group's chunks, vectors and records to the writer; the number of chunks."""
    batch = []
    at = 0
    for doc, key, chunks in group:
        batch.append((_record(doc, key, len(chunks)), chunks, vectors[at : at + len(chunks)]))
        at += len(chunks)
    writer.put(batch)
    return at


def _resolved(path: str) -> Path:
    """The path with links resolved, or as written where they loop."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path).absolute()


def _under(path: str, roots: Sequence[Path]) -> bool:
    resolved = _resolved(path)
    return any(resolved == root or root in resolved.parents for root in roots)


def _prune(
    store: VectorStore,
    existing: dict[str, DocumentRecord],
    docs: Sequence[Document],
    roots: Sequence[str],
    keep_paths: Sequence[str],
) -> int:
    """Remove documents under an indexed folder that are gone (not merely unreadable now)."""
    seen = {d.id for d in docs}
    keep = {_resolved(p) for p in keep_paths}
    resolved_roots = [_resolved(r) for r in roots]
    removed = 0
    for record in existing.values():
        if record.id in seen or not _under(record.path, resolved_roots):
            continue
        if _resolved(record.path) in keep:
            continue  # skipped this time (e.g. now binary): keep what was indexed
        store.delete_document(record.id)
        removed += 1
    return removed


def _remove_ghosts(
    store: VectorStore, existing: dict[str, DocumentRecord], redone: set[str]
) -> int:
    """Delete chunks whose document has no record (and is not being indexed now); how many
    documents they belonged to. Cheap when there are none: the chunks are read only when there
    are more than the records account for."""
    if store.count_chunks() <= sum(r.n_chunks for r in existing.values()):
        return 0
    ghosts = {c.doc_id for c in store.all_chunks()} - existing.keys() - redone
    for doc_id in sorted(ghosts):
        store.delete_document(doc_id)
    return len(ghosts)


def index_documents(
    docs: Sequence[Document],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_tokens: int = 200,
    progress: Progress | None = None,
    count: TokenCounter = count_minilm_tokens,
    on_wait: Callable[[str], None] | None = None,
) -> IndexSummary:
    """Index already-loaded documents (API uploads); unchanged ones are skipped, none removed."""
    return _run(
        docs,
        store=store,
        embedder=embedder,
        chunk_tokens=chunk_tokens,
        progress=progress,
        count=count,
        on_wait=on_wait,
    )


def index_loaded(
    loaded: LoadResult,
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_tokens: int = 200,
    progress: Progress | None = None,
    prune: bool = True,
    count: TokenCounter = count_minilm_tokens,
    on_wait: Callable[[str], None] | None = None,
) -> IndexSummary:
    """Index a LoadResult; with `prune`, documents gone from its folders are removed."""
    summary = _run(
        loaded.documents,
        store=store,
        embedder=embedder,
        chunk_tokens=chunk_tokens,
        progress=progress,
        count=count,
        prune_roots=loaded.roots if prune else (),
        keep_paths=[s.path for s in loaded.skipped],
        on_wait=on_wait,
    )
    summary.skipped = list(loaded.skipped)
    summary.warnings = list(loaded.warnings)
    return summary


def index_paths(
    paths: Sequence[Path],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_tokens: int = 200,
    progress: Progress | None = None,
    prune: bool = True,
    count: TokenCounter = count_minilm_tokens,
    on_wait: Callable[[str], None] | None = None,
) -> IndexSummary:
    """Load files and folders, then index them incrementally (see module docstring)."""
    started = time.perf_counter()
    loaded = load_paths(list(paths))
    summary = index_loaded(
        loaded,
        store=store,
        embedder=embedder,
        chunk_tokens=chunk_tokens,
        progress=progress,
        prune=prune,
        count=count,
        on_wait=on_wait,
    )
    summary.seconds = time.perf_counter() - started
    return summary
