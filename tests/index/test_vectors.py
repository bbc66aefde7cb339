"""Vectors before records (issue 17): an index run checks that every chunk it wrote has a
vector before it records the document, and repairs unchanged documents whose chunks lost
theirs (what two writers at once on one embedded store used to leave behind)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.embed import HashingEmbedder
from assistant.errors import StoreError
from assistant.models import DocumentRecord
from assistant.store import ChromaStore, documents_missing_vectors
from index.pipeline import index_paths

DOCS = {
    name: f"# {name.title()} decision\n\n"
    + "\n\n".join(f"## Part {i}\n\n{name} part {i} says w{i}{name} plainly." for i in range(6))
    for name in ("alpha", "beta", "gamma")
}


def open_store(path: Path) -> ChromaStore:
    return ChromaStore.open(path=str(path), embedder_name=HashingEmbedder().name)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / f"{name}.md").write_text(text)
    return folder


def drop_vectors(store_path: Path, chunk_ids: Sequence[str]) -> None:
    """Damage a closed store as two unlocked writers did: the chunks stay (text, metadata),
    their vectors are gone. Chroma rebuilds its HNSW files from its write-ahead log on open,
    so the files go and the log loses these chunks' entries."""
    db = sqlite3.connect(store_path / "chroma.sqlite3")
    try:
        marks = ",".join("?" * len(chunk_ids))
        deleted = db.execute(f"DELETE FROM embeddings_queue WHERE id IN ({marks})", list(chunk_ids))
        assert deleted.rowcount >= len(chunk_ids)
        segments = [row[0] for row in db.execute("SELECT id FROM segments WHERE scope='VECTOR'")]
        db.commit()
    finally:
        db.close()
    for segment in segments:
        for file in (store_path / segment).glob("*"):
            file.unlink()


def found_by_vector_query(store: ChromaStore, doc_id: str, n: int) -> set[str]:
    probes = HashingEmbedder().embed(["decision", f"part says {doc_id}", "w1 w2 w3"])
    found: set[str] = set()
    for probe in probes:
        try:
            found.update(h.chunk.id for h in store.query(probe, k=n + 5, where={"doc_id": doc_id}))
        except StoreError:
            pass  # Chroma fails a filtered query that meets a chunk without a vector
    return found


def test_the_next_index_run_repairs_chunks_without_vectors(tmp_path: Path, kb: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    index_paths([kb], store=store, embedder=HashingEmbedder())
    beta = [c.id for c in store.all_chunks(where={"doc_id": "beta"})]
    store.close()
    drop_vectors(path, beta)

    store = open_store(path)
    try:
        assert documents_missing_vectors(store, ["alpha", "beta", "gamma"]) == ["beta"]
        assert found_by_vector_query(store, "beta", len(beta)) == set()  # the damage is real
        assert store.get_document("beta") is not None  # and its record says it is indexed

        repaired = index_paths([kb], store=store, embedder=HashingEmbedder())

        assert repaired.vectors_repaired == 1
        assert (repaired.documents_indexed, repaired.documents_unchanged) == (1, 2)
        assert documents_missing_vectors(store, ["alpha", "beta", "gamma"]) == []
        assert found_by_vector_query(store, "beta", len(beta)) == set(beta)
        again = index_paths([kb], store=store, embedder=HashingEmbedder())
        assert (again.vectors_repaired, again.documents_indexed, again.documents_unchanged) == (
            0,
            0,
            3,
        )
    finally:
        store.close()


class VectorsLostOnWrite(ChromaStore):
    """A real Chroma store that says `lost` documents' vectors did not land, `times` times."""

    lost: set[str]
    times: int

    def documents_missing_vectors(self, doc_ids: Sequence[str]) -> list[str]:
        if self.times > 0 and self.lost & set(doc_ids):
            self.times -= 1
            return sorted(self.lost & set(doc_ids))
        return super().documents_missing_vectors(doc_ids)

    def put_documents(self, records: Sequence[DocumentRecord]) -> None:
        self.recorded = [*getattr(self, "recorded", []), *(r.id for r in records)]
        super().put_documents(records)


def lossy_store(path: Path, *, times: int) -> VectorsLostOnWrite:
    opened = open_store(path)
    opened.__class__ = VectorsLostOnWrite
    assert isinstance(opened, VectorsLostOnWrite)
    opened.lost, opened.times = {"beta"}, times
    return opened


def test_a_document_whose_vectors_did_not_land_is_written_again_before_its_record(
    tmp_path: Path, kb: Path
) -> None:
    store = lossy_store(tmp_path / "store", times=1)
    try:
        summary = index_paths([kb], store=store, embedder=HashingEmbedder())
        assert summary.documents_indexed == 3
        assert sorted(store.recorded) == ["alpha", "beta", "gamma"]
        assert documents_missing_vectors(store, ["beta"]) == []
        assert store.times == 0  # the check ran on the write, and the second write passed it
    finally:
        store.close()


def test_a_document_whose_vectors_never_land_gets_no_record(tmp_path: Path, kb: Path) -> None:
    store = lossy_store(tmp_path / "store", times=2)
    try:
        with pytest.raises(StoreError, match="have no vector even after writing them again"):
            index_paths([kb], store=store, embedder=HashingEmbedder())
        assert "beta" not in getattr(store, "recorded", [])
        assert store.get_document("beta") is None  # the next run redoes it
    finally:
        store.close()
