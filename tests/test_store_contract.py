"""The VectorStore contract, run against every implementation."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.models import Chunk, DocumentRecord
from assistant.store import UPSERT_SLICE, ChromaStore, InMemoryStore, VectorStore


def _chunk(doc: str, n: int, kind: str = "decision", status: str = "accepted") -> Chunk:
    return Chunk(
        id=f"{doc}#{n}",
        doc_id=doc,
        text=f"text {doc} {n}",
        heading_path=["A", "B"],
        start_line=n * 10 + 1,
        end_line=n * 10 + 9,
        kind=kind,
        title=doc.upper(),  # type: ignore[arg-type]
        status=status,
        path=f"{doc}.md",
    )


@pytest.fixture(params=["memory", "chroma"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    if request.param == "memory":
        yield InMemoryStore()
    else:
        yield ChromaStore.open(path=str(tmp_path / "chroma"), embedder_name="test")


def test_upsert_query_filter_delete(store: VectorStore) -> None:
    store.upsert([_chunk("a", 0), _chunk("a", 1)], [[1.0, 0.0], [0.8, 0.6]])
    store.upsert([_chunk("b", 0, kind="retro", status="final")], [[0.0, 1.0]])
    hits = store.query([1.0, 0.0], k=2)
    assert [h.chunk.id for h in hits] == ["a#0", "a#1"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].chunk.heading_path == ["A", "B"]
    assert [h.chunk.id for h in store.query([1.0, 0.0], k=5, where={"kind": "retro"})] == ["b#0"]
    assert {h.chunk.id for h in store.query([1.0, 0.0], k=5, where={"status": ["final", "x"]})} == {
        "b#0"
    }
    store.delete_document("a")
    assert store.count_chunks() == 1
    assert [c.id for c in store.all_chunks()] == ["b#0"]


def test_several_queries_at_once_answer_as_each_alone(store: VectorStore) -> None:
    store.upsert([_chunk("a", 0), _chunk("a", 1)], [[1.0, 0.0], [0.8, 0.6]])
    store.upsert([_chunk("b", 0, kind="retro", status="final")], [[0.0, 1.0]])
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]
    for where in (None, {"kind": ["decision"]}):
        together = store.query_many(vectors, 2, where)
        alone = [store.query(v, 2, where) for v in vectors]
        assert [[h.chunk.id for h in hits] for hits in together] == [
            [h.chunk.id for h in hits] for hits in alone
        ]
    assert [[h.chunk.id for h in hits] for hits in store.query_many(vectors, 1)] == [
        ["a#0"],
        ["b#0"],
        ["a#1"],
    ]
    assert store.query_many([], 3) == []


def test_a_write_larger_than_one_slice_keeps_every_chunk_and_vector(store: VectorStore) -> None:
    n = UPSERT_SLICE * 2 + 3
    chunks = [_chunk("big", i) for i in range(n)]
    # Unit vectors at distinct angles: each chunk is the nearest to its own vector.
    vectors = [[math.cos(i / n), math.sin(i / n)] for i in range(n)]
    store.upsert(chunks, vectors)
    assert store.count_chunks() == n
    for i in (0, UPSERT_SLICE - 1, UPSERT_SLICE, n - 1):
        assert store.query(vectors[i], k=1)[0].chunk.id == f"big#{i}"


def test_document_records_round_trip(store: VectorStore) -> None:
    record = DocumentRecord(
        id="ADR-1",
        kind="decision",
        title="Use X",
        path="adr/1.md",
        status="accepted",
        owners=["ana"],
        content_hash="h1",
        n_chunks=2,
        text="line 1\nline 2",
    )
    store.put_document(record)
    assert store.get_document("ADR-1") == record
    listed = store.list_documents()
    assert [r.id for r in listed] == ["ADR-1"] and listed[0].text is None
    assert store.get_document("nope") is None


def test_several_records_are_read_at_once_with_their_text(store: VectorStore) -> None:
    records = [
        DocumentRecord(id=f"ADR-{n}", kind="decision", title=f"T{n}", path=f"{n}.md", text=f"b{n}")
        for n in (1, 2, 3)
    ]
    store.put_documents(records)
    got = store.get_documents(["ADR-3", "nope", "ADR-1", "ADR-3"])
    assert set(got) == {"ADR-1", "ADR-3"}
    assert got["ADR-3"] == records[2] and got["ADR-1"].text == "b1"
    assert store.get_documents([]) == {}


def test_several_records_are_written_in_one_call(store: VectorStore) -> None:
    records = [
        DocumentRecord(
            id=f"ADR-{n}",
            kind="decision",
            title=f"Decision {n}",
            path=f"adr/{n}.md",
            content_hash=f"h{n}",
            n_chunks=1,
            text=f"body {n}",
        )
        for n in range(3)
    ]
    store.put_documents(records)
    store.put_documents([])
    assert sorted(r.id for r in store.list_documents()) == ["ADR-0", "ADR-1", "ADR-2"]
    assert store.get_document("ADR-2") == records[2]
