"""Vector stores behind one small interface: Chroma (embedded on disk, or a `chroma run` server)
and an in-memory store for tests. This module is the only chromadb import.

Two collections per store: `<prefix>-chunks` (vectors + chunk metadata) and `<prefix>-docs`
(one record per fully indexed document, with its content hash). A document record is written
only after all its chunks, so a run killed half-way leaves no record and the next run redoes it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import StoreError
from assistant.models import Chunk, DocumentRecord, Hit
from assistant.store_lock import store_write_lock, write_stamp

Where = Mapping[str, str | Sequence[str]]  # field -> value, or any of several values


class VectorStore(Protocol):
    """Where chunks, their vectors and document records live."""

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...

    def query(self, vector: Sequence[float], k: int, where: Where | None = None) -> list[Hit]: ...

    def query_many(
        self, vectors: Sequence[Sequence[float]], k: int, where: Where | None = None
    ) -> list[list[Hit]]:
        """`query` for each vector, in one round trip where the store allows."""
        ...

    def delete_document(self, doc_id: str) -> None:
        """Remove a document's chunks and its record."""
        ...

    def put_document(self, record: DocumentRecord) -> None: ...

    def put_documents(self, records: Sequence[DocumentRecord]) -> None:
        """Write several records at once (one round trip where the store allows)."""
        ...

    def get_document(self, doc_id: str, *, with_text: bool = True) -> DocumentRecord | None: ...

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        """The records of these ids that exist, with their text, in one round trip where the
        store allows."""
        ...

    def list_documents(self) -> list[DocumentRecord]: ...

    def all_chunks(self, where: Where | None = None) -> list[Chunk]: ...

    def count_chunks(self) -> int: ...


def matches(chunk: Chunk, where: Where | None) -> bool:
    """Whether a chunk passes a filter: each field equals the value, or is one of the values."""
    if not where:
        return True
    for key, wanted in where.items():
        value = getattr(chunk, key, None)
        if isinstance(wanted, str):
            if value != wanted:
                return False
        elif value not in wanted:
            return False
    return True


class InMemoryStore:
    """A dict-backed store with exact cosine search: for tests and small throwaway indexes."""

    def __init__(self) -> None:
        self._chunks: dict[str, tuple[Chunk, list[float]]] = {}
        self._docs: dict[str, DocumentRecord] = {}

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for chunk, vector in zip(chunks, vectors, strict=True):
            self._chunks[chunk.id] = (chunk, list(vector))

    def query(self, vector: Sequence[float], k: int, where: Where | None = None) -> list[Hit]:
        norm_q = math.sqrt(sum(v * v for v in vector)) or 1.0
        scored = []
        for chunk, vec in self._chunks.values():
            if not matches(chunk, where):
                continue
            norm_v = math.sqrt(sum(v * v for v in vec)) or 1.0
            score = sum(a * b for a, b in zip(vector, vec, strict=True)) / (norm_q * norm_v)
            scored.append(Hit(chunk=chunk, score=score))
        scored.sort(key=lambda h: -h.score)
        return scored[:k]

    def query_many(
        self, vectors: Sequence[Sequence[float]], k: int, where: Where | None = None
    ) -> list[list[Hit]]:
        return [self.query(vector, k, where) for vector in vectors]

    def delete_document(self, doc_id: str) -> None:
        self._docs.pop(doc_id, None)
        for chunk_id in [cid for cid, (c, _) in self._chunks.items() if c.doc_id == doc_id]:
            del self._chunks[chunk_id]

    def put_document(self, record: DocumentRecord) -> None:
        self._docs[record.id] = record.model_copy(deep=True)

    def put_documents(self, records: Sequence[DocumentRecord]) -> None:
        for record in records:
            self.put_document(record)

    def get_document(self, doc_id: str, *, with_text: bool = True) -> DocumentRecord | None:
        record = self._docs.get(doc_id)
        if record is None:
            return None
        return record if with_text else record.model_copy(update={"text": None})

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        return {i: r for i in doc_ids if (r := self.get_document(i)) is not None}

    def list_documents(self) -> list[DocumentRecord]:
        return [r.model_copy(update={"text": None}) for r in self._docs.values()]

    def all_chunks(self, where: Where | None = None) -> list[Chunk]:
        return [c for c, _ in self._chunks.values() if matches(c, where)]

    def count_chunks(self) -> int:
        return len(self._chunks)


# --- Chroma -----------------------------------------------------------------------------------

UPSERT_SLICE = 128  # chunks per Chroma write call (see ChromaStore.upsert)
VECTOR_CHECK_DOCS = 100  # documents whose vectors are read back in one call
_CHUNK_SCALARS = ("doc_id", "kind", "title", "status", "path", "date", "start_line", "end_line")


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {key: getattr(chunk, key) for key in _CHUNK_SCALARS}
    meta["heading_path"] = json.dumps(chunk.heading_path)
    # Chroma metadata values cannot be None.
    return {k: ("" if v is None else v) for k, v in meta.items()}


def _chunk_from(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        doc_id=str(meta["doc_id"]),
        text=text,
        heading_path=json.loads(str(meta.get("heading_path") or "[]")),
        start_line=int(meta["start_line"]),
        end_line=int(meta["end_line"]),
        kind=meta["kind"],
        title=str(meta.get("title", "")),
        status=str(meta["status"]) or None,
        path=str(meta.get("path", "")),
        date=str(meta.get("date") or "") or None,
    )


def _chroma_where(where: Where | None) -> dict[str, Any] | None:
    if not where:
        return None
    clauses: list[dict[str, Any]] = []
    for key, wanted in where.items():
        if isinstance(wanted, str):
            clauses.append({key: {"$eq": wanted}})
        else:
            clauses.append({key: {"$in": list(wanted)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _close_client(client: Any) -> None:
    """Close a chromadb client; once its shared system is gone, close its HTTP pool too
    (chromadb leaves the httpx session open, which leaks sockets)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    server = getattr(client, "_server", None)
    identifier = getattr(client, "_identifier", None)
    client.close()
    session = getattr(server, "_session", None)
    if session is not None and identifier not in SharedSystemClient._identifier_to_system:
        session.close()


class ChromaStore:
    """Chroma, embedded on disk (`path`) or a server (`url`); vectors are always passed in."""

    def __init__(
        self,
        *,
        client: Any,
        prefix: str,
        embedder_name: str,
        where_label: str,
        folder: Path | None = None,
        lock_timeout: float = 600.0,
        reconnect: Callable[[], Any] | None = None,
    ) -> None:
        self._client = client
        self._where_label = where_label
        self.folder = folder  # embedded: the store's folder, where writers take turns
        self.lock_timeout = lock_timeout
        # The vector space is part of the name: switching embedders never mixes spaces.
        space = "".join(c if c.isalnum() else "-" for c in embedder_name)
        self._names = (f"{prefix}-chunks-{space}", f"{prefix}-docs-{space}")
        self._open_collections(client)
        self._reconnect = reconnect if folder is not None else None
        self._seen_ns = write_stamp(folder)[0] if folder is not None else None
        self._reopening = threading.Lock()

    def _open_collections(self, client: Any) -> None:
        with self._translated("open collections"):
            self._chunks = client.get_or_create_collection(
                self._names[0], metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
            self._docs = client.get_or_create_collection(self._names[1], embedding_function=None)

    def _fresh(self) -> None:
        """Embedded: open a new client when another process has written since this one read.

        Chroma keeps the vectors it loaded: an older client's queries miss what another process
        wrote since (a `serve` after a CLI `index`). The old client is left to readers in
        flight; a write of our own needs nothing (its stamp is ours)."""
        if self._reconnect is None or self.folder is None:
            return
        now, own = write_stamp(self.folder)
        if now == self._seen_ns:
            return
        with self._reopening:
            if now != self._seen_ns and now != own:
                from chromadb.api.shared_system_client import SharedSystemClient as Shared

                with Shared._refcount_lock:  # a new system reads the files again
                    Shared._identifier_to_system.pop(self._client._identifier, None)
                    Shared._identifier_to_refcount.pop(self._client._identifier, None)
                client = self._reconnect()
                self._open_collections(client)
                self._client = client
            self._seen_ns = now

    @classmethod
    def open(
        cls,
        *,
        path: str | None = None,
        url: str | None = None,
        prefix: str = "specreview",
        embedder_name: str = "minilm",
        lock_timeout: float = 600.0,
    ) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url if "://" in url else f"http://{url}")
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                try:
                    client.heartbeat()
                except Exception:
                    _close_client(client)
                    raise
                label = url
            else:
                if path is None:
                    raise StoreError("no store path given; set SPECREVIEW_STORE_PATH")

                def reconnect() -> Any:
                    return chromadb.PersistentClient(path=path, settings=chroma_settings)

                client = reconnect()
                label = path
        except StoreError:
            raise
        except Exception as exc:
            target = url or path
            raise StoreError(
                f"cannot reach the Chroma store at {target}: {exc}. "
                + ("Is `chroma run` up at that URL?" if url else "Is the folder writable?")
            ) from exc
        return cls(
            client=client,
            prefix=prefix,
            embedder_name=embedder_name,
            where_label=label,
            folder=None if url or path is None else Path(path),
            lock_timeout=lock_timeout,
            reconnect=None if url else reconnect,
        )

    def writing(self, on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        """Hold this store's write lock (embedded: one writer at a time across processes; a
        server orders writes itself)."""
        if self.folder is None:
            return nullcontext()
        return self._locked(self.folder, on_wait)

    @contextmanager
    def _locked(self, folder: Path, on_wait: Callable[[str], None] | None) -> Iterator[None]:
        with store_write_lock(folder, timeout=self.lock_timeout, on_wait=on_wait):
            self._fresh()  # write through a client that has read what others wrote
            yield

    def close(self) -> None:
        """Release the client's connections and files (optional: not part of VectorStore)."""
        with self._translated("close"):
            _close_client(self._client)

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        """chromadb's errors become StoreErrors here, at the seam, naming the store and what
        it could not do; nothing above this class sees a chromadb exception."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"Chroma at {self._where_label}: could not {action}: {exc}") from exc

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        # In slices: Chroma's Rust core holds the GIL while it writes (~1 ms a chunk), so one
        # call for a whole group stalls the embedding threads of the next group for a second.
        for start in range(0, len(chunks), UPSERT_SLICE):
            part = chunks[start : start + UPSERT_SLICE]
            with self._translated("write chunks"):
                self._chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=[list(v) for v in vectors[start : start + UPSERT_SLICE]],
                    documents=[c.text for c in part],
                    metadatas=[_chunk_metadata(c) for c in part],
                )

    def query(self, vector: Sequence[float], k: int, where: Where | None = None) -> list[Hit]:
        return self.query_many([vector], k, where)[0]

    def query_many(
        self, vectors: Sequence[Sequence[float]], k: int, where: Where | None = None
    ) -> list[list[Hit]]:
        # One call for several queries: a `where` filter costs ~25 ms a call, whatever the
        # number of query vectors (three in 32 ms against 28 ms for one).
        if not vectors:
            return []
        self._fresh()
        with self._translated("query"):
            # Chroma caps n_results at the collection size itself: no count() round trip.
            result = self._chunks.query(
                query_embeddings=[list(v) for v in vectors],
                n_results=max(1, k),
                where=_chroma_where(where),
                include=["documents", "metadatas", "distances"],
            )
        out = []
        for ids, texts, metas, dists in zip(
            result["ids"],
            result["documents"] or [],
            result["metadatas"] or [],
            result["distances"] or [],
            strict=True,
        ):
            hits = []
            for chunk_id, text, meta, dist in zip(ids, texts, metas, dists, strict=True):
                if meta is None or text is None:
                    continue  # deleted while the query ran (a DELETE or re-index elsewhere)
                hits.append(Hit(chunk=_chunk_from(chunk_id, text, meta), score=1.0 - float(dist)))
            out.append(hits)
        return out

    def delete_document(self, doc_id: str) -> None:
        with self._translated(f"delete {doc_id}"):
            self._docs.delete(ids=[doc_id])
            self._chunks.delete(where={"doc_id": {"$eq": doc_id}})

    def put_document(self, record: DocumentRecord) -> None:
        self.put_documents([record])

    def put_documents(self, records: Sequence[DocumentRecord]) -> None:
        # One call for many: each call to Chroma has a fixed cost of its own, well above what
        # a record's text adds to it.
        if not records:
            return
        names = ", ".join(r.id for r in records[:3]) + (", ..." if len(records) > 3 else "")
        with self._translated(f"write documents {names}"):
            self._docs.upsert(
                ids=[r.id for r in records],
                documents=[r.text or "" for r in records],
                metadatas=[{"record": json.dumps(r.model_dump(exclude={"text"}))} for r in records],
                embeddings=[[0.0]] * len(records),
            )

    def get_document(self, doc_id: str, *, with_text: bool = True) -> DocumentRecord | None:
        record = self._read([doc_id], f"read document {doc_id}").get(doc_id)
        if record is not None and not with_text:
            record.text = None
        return record

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        # One call for the review's dozen retrieved records (each call has its own fixed cost).
        return self._read(doc_ids, f"read {len(doc_ids)} documents") if doc_ids else {}

    def _read(self, doc_ids: Sequence[str], action: str) -> dict[str, DocumentRecord]:
        """The records of these ids that exist, with their text, in one call."""
        with self._translated(action):
            got = self._docs.get(
                ids=list(dict.fromkeys(doc_ids)), include=["metadatas", "documents"]
            )
        found = {}
        for doc_id, meta, text in zip(
            got["ids"], got["metadatas"] or [], got["documents"] or [], strict=True
        ):
            record = DocumentRecord.model_validate_json(str(meta["record"]))
            record.text = text
            found[doc_id] = record
        return found

    def list_documents(self) -> list[DocumentRecord]:
        with self._translated("list documents"):
            got = self._docs.get(include=["metadatas"])
        return [DocumentRecord.model_validate_json(str(m["record"])) for m in got["metadatas"]]

    def all_chunks(self, where: Where | None = None) -> list[Chunk]:
        with self._translated("read chunks"):
            got = self._chunks.get(where=_chroma_where(where), include=["documents", "metadatas"])
        return [
            _chunk_from(cid, text, meta)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def count_chunks(self) -> int:
        with self._translated("count chunks"):
            return int(self._chunks.count())

    def documents_missing_vectors(self, doc_ids: Sequence[str]) -> list[str]:
        """Those of `doc_ids` with a chunk that has no vector.

        Two writers at once on one embedded store leave such chunks: a vector query never finds
        them, and Chroma cannot read their embeddings back ("Error finding id"). Read in
        batches; a batch that fails is asked again one document at a time."""
        self._fresh()
        missing: list[str] = []
        for start in range(0, len(doc_ids), VECTOR_CHECK_DOCS):
            part = list(doc_ids[start : start + VECTOR_CHECK_DOCS])
            if not self._vectors_readable(part):
                missing += [d for d in part if len(part) == 1 or not self._vectors_readable([d])]
        return missing

    def _vectors_readable(self, doc_ids: Sequence[str]) -> bool:
        from chromadb.errors import InternalError

        with self._translated("read vectors"):
            try:
                self._chunks.get(where=_chroma_where({"doc_id": doc_ids}), include=["embeddings"])
            except InternalError:
                return False
        return True


def documents_missing_vectors(store: VectorStore, doc_ids: Sequence[str]) -> list[str]:
    """Those of `doc_ids` with chunks that have no vector (only an embedded Chroma store can
    have them: see ChromaStore.documents_missing_vectors)."""
    if isinstance(store, ChromaStore) and doc_ids:
        return store.documents_missing_vectors(doc_ids)
    return []


def write_lock(
    store: VectorStore, on_wait: Callable[[str], None] | None = None
) -> AbstractContextManager[None]:
    """The write lock of `store` where it has one (an embedded Chroma store), else nothing."""
    if isinstance(store, ChromaStore):
        return store.writing(on_wait)
    return nullcontext()
