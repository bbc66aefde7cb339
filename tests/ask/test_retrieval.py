"""Dense, keyword and hybrid retrieval, document ranking and StoreHistory on the fixture KB."""

from __future__ import annotations

from assistant.embed import HashingEmbedder
from assistant.models import Chunk
from assistant.retrieval import Retriever, StoreHistory
from assistant.store import InMemoryStore


def test_keyword_finds_the_record_that_uses_the_words(retriever: Retriever) -> None:
    hits = retriever.keyword("cache stampede checkout outage", 3)
    assert hits[0].chunk.doc_id == "retro-2022-cache-outage"
    assert all(h.score > 0 for h in hits)


def test_keyword_matches_stems_and_titles(retriever: Retriever) -> None:
    # "coalesce" only matches "coalescing" after stemming.
    hits = retriever.keyword("coalesce requests", 1)
    assert hits[0].chunk.doc_id == "retro-2022-cache-outage"


def test_keyword_leaves_out_chunks_without_any_query_term(retriever: Retriever) -> None:
    assert retriever.keyword("zebra giraffe", 5) == []


def test_where_filters_both_sides(retriever: Retriever) -> None:
    where = {"kind": ["decision"]}
    for hits in (
        retriever.dense("orders datastore", 10, where),
        retriever.keyword("orders datastore", 10, where),
        retriever.hybrid("orders datastore", 10, where),
    ):
        assert hits
        assert {h.chunk.kind for h in hits} == {"decision"}
    status_hits = retriever.keyword("orders service database", 10, {"status": "accepted"})
    assert {h.chunk.doc_id for h in status_hits} <= {"adr-007-cockroach", "adr-003-feature-flags"}


def test_several_queries_at_once_rank_as_each_alone(retriever: Retriever) -> None:
    queries = ["orders datastore", "", "cache stampede checkout outage"]
    for where in (None, {"kind": ["decision", "retro"]}):
        together = retriever.hybrid_many(queries, 5, where)
        alone = [retriever.hybrid(q, 5, where) for q in queries]
        assert [[h.chunk.id for h in hits] for hits in together] == [
            [h.chunk.id for h in hits] for hits in alone
        ]
        assert together[1] == [] and together[0] and together[2]


def test_rank_documents_lists_each_document_once_best_first(retriever: Retriever) -> None:
    docs = retriever.rank_documents("CockroachDB so that every region can write locally", 5)
    ids = [d.doc_id for d in docs]
    assert ids[0] == "adr-007-cockroach"
    assert len(ids) == len(set(ids))
    assert docs == sorted(docs, key=lambda d: -d.score)
    assert docs[0].hits and docs[0].hits[0].chunk.doc_id == "adr-007-cockroach"
    assert docs[0].dense_rank is not None and docs[0].keyword_rank is not None


def test_keyword_index_is_rebuilt_when_the_store_changes(kb_store: InMemoryStore) -> None:
    retriever = Retriever(kb_store, HashingEmbedder(), refresh_s=0.0)
    assert retriever.keyword("kubernetes", 3) == []
    chunk = Chunk(
        id="adr-009#0",
        doc_id="adr-009",
        text="We will run workloads on Kubernetes.",
        start_line=1,
        end_line=1,
        kind="decision",
        title="Kubernetes",
    )
    kb_store.upsert([chunk], HashingEmbedder().embed([chunk.text]))
    assert retriever.keyword("kubernetes", 3)[0].chunk.doc_id == "adr-009"


def test_a_search_on_the_index_before_a_rebuild_uses_masks_of_that_index(
    kb_store: InMemoryStore, monkeypatch
) -> None:
    """Threads of the API: one request holds the keyword index while an upload makes another
    request rebuild it; the first must not get a filter mask of the new index (soak finding:
    `operands could not be broadcast together`, a 500 on reviews during uploads)."""
    retriever = Retriever(kb_store, HashingEmbedder(), refresh_s=0.0)
    where = {"kind": ["decision"]}
    old = retriever.keyword_index()
    chunk = Chunk(
        id="adr-009#0",
        doc_id="adr-009",
        text="We will run workloads on Kubernetes.",
        start_line=1,
        end_line=1,
        kind="decision",
        title="Kubernetes",
    )
    kb_store.upsert([chunk], HashingEmbedder().embed([chunk.text]))
    assert retriever.keyword("kubernetes", 3, where)[0].chunk.doc_id == "adr-009"
    monkeypatch.setattr(retriever, "keyword_index", lambda: old)  # fetched before the rebuild
    hits = retriever.keyword("orders datastore", 10, where)
    assert hits and {h.chunk.kind for h in hits} == {"decision"}
    assert all(h.chunk.doc_id != "adr-009" for h in hits)


def test_empty_store_and_empty_query_return_nothing() -> None:
    retriever = Retriever(InMemoryStore(), HashingEmbedder())
    assert retriever.keyword("anything", 5) == []
    assert retriever.rank_documents("anything", 5) == []
    assert retriever.hybrid("   ", 5) == []


def test_store_history_searches_by_kind_and_gets_records(
    retriever: Retriever, kb_store: InMemoryStore
) -> None:
    history = StoreHistory(retriever, kb_store)
    hits = history.search("cache flush during peak traffic", kinds=["retro"], k=3)
    assert hits and {h.chunk.kind for h in hits} == {"retro"}
    record = history.get("adr-001-postgres")
    assert record is not None and record.links[0].target == "adr-007-cockroach"
    assert history.get("nope") is None
