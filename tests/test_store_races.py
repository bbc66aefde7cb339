"""The embedded store under concurrent readers and writers (found by evals/soak.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.embed import HashingEmbedder
from assistant.models import Chunk
from assistant.store import ChromaStore


def test_a_chunk_deleted_while_a_query_runs_is_left_out(tmp_path: Path, monkeypatch) -> None:
    """Chroma's vector search can return the id of a chunk whose record a DELETE in another
    thread removed a moment later: its document and metadata come back as None. That was a
    TypeError and a 500 on reviews and asks during deletes; the chunk is simply not a hit."""
    store = ChromaStore.open(path=str(tmp_path / "chroma"), embedder_name="test")
    embedder = HashingEmbedder()
    chunks = [
        Chunk(
            id=f"d{n}#0",
            doc_id=f"d{n}",
            text=f"text {n}",
            start_line=1,
            end_line=1,
            kind="decision",
            title=f"D{n}",
        )
        for n in range(3)
    ]
    store.upsert(chunks, embedder.embed([c.text for c in chunks]))
    real_query = store._chunks.query

    def racing_query(**kwargs: Any) -> Any:
        result = real_query(**kwargs)
        result["metadatas"][0][0] = None  # as Chroma answers for a chunk deleted mid-query
        result["documents"][0][0] = None
        return result

    monkeypatch.setattr(store._chunks, "query", racing_query)
    hits = store.query(embedder.embed(["text 1"])[0], 3)
    assert len(hits) == 2
    assert all(h.chunk.doc_id.startswith("d") for h in hits)
    store.close()


def test_this_processs_own_writes_do_not_reopen_the_client(tmp_path: Path) -> None:
    """Taking the write lock writes the holder's pid into the lock file, which moves its mtime;
    that must count as this process's own change, or every write in `serve` opened a new
    Chroma client and leaked the old one's threads and files (the soak: 6 to 218 threads and
    14 to 513 open files in four minutes of uploads and deletes)."""
    store = ChromaStore.open(path=str(tmp_path / "chroma"), embedder_name="test")
    embedder = HashingEmbedder()

    def write(n: int) -> None:
        chunk = Chunk(
            id=f"d{n}#0",
            doc_id=f"d{n}",
            text=f"text {n}",
            start_line=1,
            end_line=1,
            kind="decision",
            title=f"D{n}",
        )
        with store.writing():
            store.upsert([chunk], embedder.embed([chunk.text]))

    write(0)
    client = store._client
    for n in range(1, 6):
        write(n)
        assert store.query(embedder.embed([f"text {n}"])[0], 1)[0].chunk.doc_id == f"d{n}"
        with store.writing():
            store.delete_document(f"d{n}")
    assert store._client is client
    store.close()


def test_readers_never_see_this_processs_writes_as_foreign(tmp_path: Path) -> None:
    """Readers compare the lock file's mtime with this process's own stamp while writers move
    it; without a lock around both, a reader between a writer's change and its record saw a
    foreign write and reopened the client (a leak under the soak's concurrent reviews)."""
    import threading

    store = ChromaStore.open(path=str(tmp_path / "chroma"), embedder_name="test")
    embedder = HashingEmbedder()

    def chunk(n: int) -> Chunk:
        return Chunk(
            id=f"d{n}#0",
            doc_id=f"d{n}",
            text=f"text {n}",
            start_line=1,
            end_line=1,
            kind="decision",
            title=f"D{n}",
        )

    with store.writing():  # the first write may reopen once: the store was opened before it
        store.upsert([chunk(0)], embedder.embed(["text 0"]))
    store.query(embedder.embed(["text"])[0], 1)
    client = store._client
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            store.query(embedder.embed(["text"])[0], 2)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in range(1, 31):
            with store.writing():
                store.upsert([chunk(n)], embedder.embed([f"text {n}"]))
            with store.writing():
                store.delete_document(f"d{n}")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert store._client is client
    store.close()
