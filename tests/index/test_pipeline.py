"""The incremental pipeline: skip unchanged, replace changed, prune gone, survive a crash."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.embed import HashingEmbedder
from assistant.errors import EmbedderError
from assistant.models import Chunk, DocumentRecord
from assistant.store import InMemoryStore
from index.load import load_text
from index.pipeline import index_documents, index_paths

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "formats"


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering how many texts it embedded."""

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return super().embed(texts)


class Killed(Exception):
    """Stands in for the process dying."""


class CrashingStore(InMemoryStore):
    """An in-memory store that 'dies' on the n-th write of a given kind."""

    def __init__(self, *, crash_on: str, after: int) -> None:
        super().__init__()
        self.crash_on, self.left = crash_on, after

    def _tick(self, op: str) -> None:
        if op == self.crash_on:
            self.left -= 1
            if self.left < 0:
                raise Killed(op)

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        self._tick("upsert")
        super().upsert(chunks, vectors)

    def put_document(self, record: DocumentRecord) -> None:
        self._tick("put")
        super().put_document(record)

    def heal(self) -> None:
        self.crash_on = "never"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    shutil.copytree(FORMATS, folder)
    return folder


def _chunk_ids(store: InMemoryStore) -> list[str]:
    return sorted(c.id for c in store.all_chunks())


def test_first_run_indexes_everything_second_run_nothing(kb: Path) -> None:
    store, embedder = InMemoryStore(), CountingEmbedder()
    calls: list[tuple[int, int]] = []
    first = index_paths(
        [kb], store=store, embedder=embedder, progress=lambda d, t: calls.append((d, t))
    )
    assert first.documents_by_kind == {"decision": 3, "retro": 1, "spec": 3}
    assert first.documents_indexed == 7 and first.documents_unchanged == 0
    assert first.chunks == first.chunks_embedded == store.count_chunks() == embedder.embedded
    assert calls[0] == (0, first.chunks) and calls[-1] == (first.chunks, first.chunks)
    record = store.get_document("ADR-0007")
    assert record is not None and record.n_chunks > 0 and "One message queue" in (record.text or "")
    assert record.links[0].target == "ADR-0011"

    second = index_paths([kb], store=store, embedder=embedder)
    assert second.documents_unchanged == 7 and second.documents_indexed == 0
    assert second.chunks_embedded == 0 and embedder.embedded == first.chunks
    assert second.chunks == first.chunks


def test_changed_document_replaces_its_chunks(kb: Path) -> None:
    store, embedder = InMemoryStore(), CountingEmbedder()
    index_paths([kb], store=store, embedder=embedder, chunk_tokens=20)
    before = [c.id for c in store.all_chunks() if c.doc_id == "prd-saved-carts"]
    assert len(before) > 1
    (kb / "prd-saved-carts.md").write_text("# PRD: Saved carts\n\nOwner: Dana Lee\n\nShort now.\n")
    summary = index_paths([kb], store=store, embedder=embedder, chunk_tokens=20)
    assert summary.documents_indexed == 1 and summary.documents_unchanged == 6
    after = [c for c in store.all_chunks() if c.doc_id == "prd-saved-carts"]
    assert [c.id for c in after] == ["prd-saved-carts#0"]
    assert "Short now." in after[0].text


def test_deleted_files_are_pruned_but_skipped_files_are_kept(kb: Path) -> None:
    store = InMemoryStore()
    index_paths([kb], store=store, embedder=HashingEmbedder())
    (kb / "ADR-3.md").unlink()
    (kb / "release-checklist.txt").write_bytes(b"caf\xe9: broken encoding")
    summary = index_paths([kb], store=store, embedder=HashingEmbedder())
    assert summary.documents_removed == 1
    ids = {r.id for r in store.list_documents()}
    assert "ADR-3" not in ids and not [c for c in store.all_chunks() if c.doc_id == "ADR-3"]
    assert "release-checklist" in ids  # unreadable now, but nothing indexed is lost
    assert [Path(s.path).name for s in summary.skipped] == ["release-checklist.txt"]
    # Without prune, nothing is removed.
    (kb / "prd-saved-carts.md").unlink()
    kept = index_paths([kb], store=store, embedder=HashingEmbedder(), prune=False)
    assert kept.documents_removed == 0 and store.get_document("prd-saved-carts") is not None


def test_single_file_runs_never_prune_siblings(kb: Path) -> None:
    store = InMemoryStore()
    index_paths([kb], store=store, embedder=HashingEmbedder())
    index_paths([kb / "ADR-3.md"], store=store, embedder=HashingEmbedder())
    assert len(store.list_documents()) == 7


@pytest.mark.parametrize(("crash_on", "after"), [("upsert", 1), ("put", 3), ("put", 0)])
def test_a_run_killed_half_way_is_finished_by_the_next(
    kb: Path, monkeypatch: pytest.MonkeyPatch, crash_on: str, after: int
) -> None:
    import index.pipeline as pipeline

    monkeypatch.setattr(pipeline, "GROUP_CHUNKS", 3)  # many small write batches
    reference = InMemoryStore()
    index_paths([kb], store=reference, embedder=HashingEmbedder(), chunk_tokens=25)

    store = CrashingStore(crash_on=crash_on, after=after)
    with pytest.raises(Killed):
        index_paths([kb], store=store, embedder=HashingEmbedder(), chunk_tokens=25)
    assert len(store.list_documents()) < 7
    # Every record written is complete: its chunks are all there.
    for record in store.list_documents():
        assert len([c for c in store.all_chunks() if c.doc_id == record.id]) == record.n_chunks
    # The doc being written when it died shrinks before the re-run: stray ordinals must go.
    (kb / "prd-saved-carts.md").write_text("# PRD: Saved carts\n\nShorter.\n")
    store.heal()
    summary = index_paths([kb], store=store, embedder=HashingEmbedder(), chunk_tokens=25)
    assert summary.documents_indexed + summary.documents_unchanged == 7
    index_paths([kb], store=reference, embedder=HashingEmbedder(), chunk_tokens=25)
    assert _chunk_ids(store) == _chunk_ids(reference)
    assert {r.id for r in store.list_documents()} == {r.id for r in reference.list_documents()}


def test_index_documents_for_uploads_is_incremental_and_never_prunes() -> None:
    store, embedder = InMemoryStore(), CountingEmbedder()
    doc = load_text(
        "# ADR-0100: Adopt Y\n\nStatus: accepted\n\n## Decision\n\nY.\n", path="up/y.md"
    )
    other = load_text("# Notes\n\nSomething.\n", path="up/notes.md")
    first = index_documents([doc, other], store=store, embedder=embedder)
    assert first.documents_indexed == 2 and store.get_document("ADR-0100") is not None
    again = index_documents([doc], store=store, embedder=embedder)
    assert again.documents_unchanged == 1 and again.documents_removed == 0
    assert store.get_document("notes") is not None
    hit = store.query(
        HashingEmbedder().embed(["Adopt Y decision"])[0], k=1, where={"kind": "decision"}
    )
    assert hit[0].chunk.doc_id == "ADR-0100" and hit[0].chunk.status == "accepted"


def test_chunk_size_change_reindexes(kb: Path) -> None:
    store = InMemoryStore()
    index_paths([kb], store=store, embedder=HashingEmbedder(), chunk_tokens=200)
    summary = index_paths([kb], store=store, embedder=HashingEmbedder(), chunk_tokens=30)
    assert summary.documents_indexed == 7


class FailingEmbedder(HashingEmbedder):
    """The hashing embedder, failing on its n-th call (a model that crashes mid-run)."""

    def __init__(self, *, fail_on_call: int) -> None:
        self.calls, self.fail_on_call = 0, fail_on_call

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise EmbedderError("model crashed")
        return super().embed(texts)


def test_an_embedder_failure_stops_the_run_and_loses_nothing(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.pipeline as pipeline

    monkeypatch.setattr(pipeline, "GROUP_CHUNKS", 1)  # one document a group
    store = InMemoryStore()
    with pytest.raises(EmbedderError, match="model crashed"):
        index_paths([kb], store=store, embedder=FailingEmbedder(fail_on_call=4))
    records = store.list_documents()
    assert 0 < len(records) < 7
    for record in records:  # the groups embedded before the failure are complete
        assert len([c for c in store.all_chunks() if c.doc_id == record.id]) == record.n_chunks
    rerun = index_paths([kb], store=store, embedder=HashingEmbedder())
    assert rerun.documents_unchanged == len(records)
    assert rerun.documents_indexed + rerun.documents_unchanged == 7


def test_an_index_run_removes_chunks_whose_document_has_no_record(kb: Path) -> None:
    store = InMemoryStore()
    index_paths([kb], store=store, embedder=HashingEmbedder())
    ghost = Chunk(
        id="gone#0",
        doc_id="gone",
        text="A chunk left by a write that died.",
        start_line=1,
        end_line=1,
        kind="spec",
        title="Gone",
    )
    store.upsert([ghost], [[1.0] * HashingEmbedder().dimensions])
    (kb / "ADR-3.md").write_text("# ADR 3\n\nChanged, so indexed again.\n")
    records = {r.id: r.n_chunks for r in store.list_documents()}
    summary = index_paths([kb], store=store, embedder=HashingEmbedder())
    assert summary.ghosts_removed == 1
    assert not [c for c in store.all_chunks() if c.doc_id == "gone"]
    assert {r.id for r in store.list_documents()} == set(records)
    assert len(store.all_chunks()) == sum(r.n_chunks for r in store.list_documents())
    # Without prune (one file, or --no-prune) nothing but the documents given is touched.
    store.upsert([ghost], [[1.0] * HashingEmbedder().dimensions])
    kept = index_paths([kb], store=store, embedder=HashingEmbedder(), prune=False)
    assert kept.ghosts_removed == 0 and store.all_chunks(where={"doc_id": "gone"})
