"""Retrieval primitives over the indexed history: dense, keyword (BM25), fused hybrid search at
chunk level, and a document-level ranking; `StoreHistory` adapts them to the reviewer's
`History` protocol.

Fusion is weighted reciprocal-rank fusion (RRF) at document level: each document's best dense
rank and best keyword rank are fused, so one very long document cannot crowd out the list with
many chunks. Dense counts 1.5x: it is the stronger single retriever on paraphrased questions
(ask-dev peers: dense MRR 0.87 vs BM25 0.78); results move little between 1x and 2x.

`where` is the store's filter ({"kind": "decision", "status": ["accepted"]}); the keyword side
applies the same filter to its chunk list.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from assistant.bm25 import KeywordIndex
from assistant.embed import Embedder
from assistant.models import Chunk, DocumentRecord, Hit, Kind
from assistant.prose import scaffolding_free_lines
from assistant.store import VectorStore, Where, matches

RRF_K = 60  # the usual constant: rank 1 scores 1/61, rank 10 scores 1/70
DEPTH = 100  # how many chunks each side contributes before fusing
DENSE_WEIGHT = 1.5
DENSE_FETCH = 300  # the fewest chunks asked of the vector store (see Retriever.dense)


class DocHit(BaseModel):
    """A document ranked for a query, with its best chunks and the evidence behind its rank."""

    doc_id: str
    title: str
    kind: Kind
    status: str | None = None
    path: str = ""
    date: str | None = None
    score: float  # fused score (higher is better)
    dense_score: float = 0.0  # best chunk cosine similarity
    keyword_score: float = 0.0  # best chunk BM25 score
    dense_rank: int | None = None  # 1-based rank among documents, None if absent
    keyword_rank: int | None = None
    # How far the document stands out from the others retrieved (standard scores of its best
    # chunk among the documents' best chunks; the pool's minimum when absent from one side).
    dense_z: float = 0.0
    keyword_z: float = 0.0
    hits: list[Hit] = Field(default_factory=list)  # best chunks, best first


def _where_key(where: Where | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not where:
        return ()
    return tuple(
        sorted((k, (v,) if isinstance(v, str) else tuple(sorted(v))) for k, v in where.items())
    )


def _standard_scores(best: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """Per-document standard scores of their best-chunk scores, and the pool's minimum."""
    if not best:
        return {}, 0.0
    values = np.array(list(best.values()), dtype=np.float64)
    std = float(values.std()) or 1.0
    mean = float(values.mean())
    z = {doc: (score - mean) / std for doc, score in best.items()}
    return z, (float(values.min()) - mean) / std


def _doc_ranks(hits: Sequence[Hit]) -> dict[str, tuple[int, float, list[Hit]]]:
    """Document → (1-based rank by best chunk, best score, its chunks best first)."""
    out: dict[str, tuple[int, float, list[Hit]]] = {}
    for hit in hits:  # hits are sorted best first
        doc = hit.chunk.doc_id
        if doc in out:
            out[doc][2].append(hit)
        else:
            out[doc] = (len(out) + 1, hit.score, [hit])
    return out


class Retriever:
    """Dense + BM25 retrieval over one store; the keyword index is built lazily and rebuilt
    when the store's chunk count changes."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        *,
        depth: int = DEPTH,
        rrf_k: int = RRF_K,
        dense_weight: float = DENSE_WEIGHT,
        refresh_s: float = 2.0,
        dense_fetch: int = DENSE_FETCH,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.depth = depth
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.dense_fetch = dense_fetch
        self._index: KeywordIndex | None = None
        self._index_count = -1
        self._checked_at = -1e9
        self.refresh_s = refresh_s
        self._masks: dict[tuple[Any, ...], np.ndarray] = {}
        self._masks_for: KeywordIndex | None = None
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._titles: dict[str, list[float]] = {}
        self._titles_for: KeywordIndex | None = None
        self._records: dict[str, list[Chunk]] = {}
        self._positions: dict[str, int] = {}
        self._records_for: KeywordIndex | None = None
        self._lock = threading.Lock()

    # --- building blocks ---------------------------------------------------------------------

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index over every chunk in the store, rebuilt if the store changed.

        The chunk count is checked at most every `refresh_s` seconds (a store count costs a
        round trip), so one question does not pay for it several times."""
        now = time.monotonic()
        with self._lock:
            if self._index is not None and now - self._checked_at < self.refresh_s:
                return self._index
        count = self.store.count_chunks()
        with self._lock:
            self._checked_at = now
            if self._index is None or count != self._index_count:
                self._index = KeywordIndex(self.store.all_chunks())
                self._index_count = count
            return self._index

    def embed_query(self, query: str) -> list[float]:
        """The query's vector, cached: one ask calls dense search more than once."""
        with self._lock:
            cached = self._vectors.get(query)
            if cached is not None:
                self._vectors.move_to_end(query)
                return cached
        vector = self.embedder.embed([query])[0]
        with self._lock:
            self._vectors[query] = vector
            while len(self._vectors) > 256:
                self._vectors.popitem(last=False)
        return vector

    def title_similarity(self, query: str, title: str) -> float:
        """Cosine similarity of a query and a document title (vectors are unit length).

        Every indexed title is embedded in one batch on first use (a few hundred short texts),
        so asking stays one embedding per question."""
        index = self.keyword_index()
        with self._lock:
            if self._titles_for is not index:
                titles = list(dict.fromkeys(c.title for c in index.chunks))
                vectors = self.embedder.embed(titles) if titles else []
                self._titles = dict(zip(titles, vectors, strict=True))
                self._titles_for = index
            vector = self._titles.get(title)
        if vector is None:
            vector = self.embed_query(title)
        return float(np.dot(np.asarray(self.embed_query(query)), np.asarray(vector)))

    def record_chunks(self, doc_id: str) -> list[Chunk]:
        """Every chunk of one record, in reading order (from the keyword index, so no store
        round trip)."""
        index = self.keyword_index()
        with self._lock:
            if self._records_for is not index:
                records: dict[str, list[Chunk]] = {}
                for chunk in index.chunks:
                    records.setdefault(chunk.doc_id, []).append(chunk)
                for chunks in records.values():
                    chunks.sort(key=lambda c: (c.start_line, c.end_line))
                self._positions = {c.id: i for i, c in enumerate(index.chunks)}
                self._records, self._records_for = records, index
            return self._records.get(doc_id, [])

    def rank_passages(self, query: str, doc_id: str) -> dict[str, float]:
        """Each chunk of one record → how well it matches the query among the record's chunks:
        weighted RRF of its dense and keyword ranks within the record, given as 1 / (1 +
        rank / 2), so 1 for the best, 2/3 for the second, 1/2 for the third."""
        chunks = self.record_chunks(doc_id)
        if not chunks or not query.strip():
            return {}
        index = self.keyword_index()
        dense = {
            h.chunk.id: r
            for r, h in enumerate(self.dense(query, len(chunks), {"doc_id": doc_id}), start=1)
        }
        scores = index.scores(query)
        by_keyword = sorted(chunks, key=lambda c: -float(scores[self._positions.get(c.id, 0)]))
        keyword = {c.id: r for r, c in enumerate(by_keyword, start=1)}
        missing = len(chunks) + 1
        fused = sorted(
            chunks,
            key=lambda c: (
                -(
                    self.dense_weight / (self.rrf_k + dense.get(c.id, missing))
                    + 1.0 / (self.rrf_k + keyword[c.id])
                )
            ),
        )
        return {c.id: 1.0 / (1.0 + rank / 2) for rank, c in enumerate(fused)}

    def record_text(self, doc_id: str) -> str:
        """A record's text without page scaffolding (HTML comments, tables of contents)."""
        lines = "\n".join(c.text for c in self.record_chunks(doc_id)).split("\n")
        return "\n".join(scaffolding_free_lines(lines))

    def _mask(self, index: KeywordIndex, where: Where | None) -> np.ndarray | None:
        if not where:
            return None
        # Masks are cached for one index only: a request still holding the previous index
        # (another thread rebuilt it after an upload or delete) must not get a mask of the
        # new one, whose length differs (found by evals/soak.py).
        key = _where_key(where)
        with self._lock:
            if self._masks_for is not index:
                self._masks, self._masks_for = {}, index
            mask = self._masks.get(key)
        if mask is None:
            mask = np.array([matches(c, where) for c in index.chunks], dtype=bool)
            with self._lock:
                if self._masks_for is index:
                    self._masks[key] = mask
        return mask

    # --- public searches ---------------------------------------------------------------------

    def dense(self, query: str, k: int, where: Where | None = None) -> list[Hit]:
        """Chunks nearest to the query by cosine similarity.

        Asks the store for at least `dense_fetch` chunks: Chroma's HNSW index searches only
        as wide as the number of results asked for, and at 100 it missed whole records that
        exact search ranks first (an ask-dev-2 question's three best chunks, cosine 0.57, were
        not among the 100 returned; asked for 300, they came first). ~25 ms a query."""
        return self.dense_many([query], k, where)[0]

    def dense_many(
        self, queries: Sequence[str], k: int, where: Where | None = None
    ) -> list[list[Hit]]:
        """`dense` for each query, in one store round trip (see `dense` for the fetch width)."""
        asked = [q for q in queries if q.strip()]
        if k <= 0 or not asked:
            return [[] for _ in queries]
        fetch = max(k, self.dense_fetch) if where is None else k
        vectors = [self.embed_query(q) for q in asked]
        found = iter(self.store.query_many(vectors, fetch, dict(where) if where else None))
        return [next(found)[:k] if q.strip() else [] for q in queries]

    def keyword(self, query: str, k: int, where: Where | None = None) -> list[Hit]:
        """Chunks ranked by BM25; chunks sharing no term with the query are left out."""
        if k <= 0 or not query.strip():
            return []
        index = self.keyword_index()
        scores = index.scores(query)
        mask = self._mask(index, where)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        if not len(scores):
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        return [Hit(chunk=index.chunks[i], score=float(scores[i])) for i in top if scores[i] > 0]

    def rank_documents(self, query: str, k: int, where: Where | None = None) -> list[DocHit]:
        """Documents ranked by weighted RRF of their best dense rank and best keyword rank."""
        if k <= 0 or not query.strip():
            return []
        dense = _doc_ranks(self.dense(query, self.depth, where))
        keyword = _doc_ranks(self.keyword(query, self.depth, where))
        dense_z, dense_floor = _standard_scores({doc: v[1] for doc, v in dense.items()})
        keyword_z, keyword_floor = _standard_scores({doc: v[1] for doc, v in keyword.items()})
        fused: list[DocHit] = []
        for doc_id in dict.fromkeys([*dense, *keyword]):
            d = dense.get(doc_id)
            w = keyword.get(doc_id)
            score = (self.dense_weight / (self.rrf_k + d[0]) if d else 0.0) + (
                1.0 / (self.rrf_k + w[0]) if w else 0.0
            )
            hits = _merge_hits(d[2] if d else [], w[2] if w else [])
            chunk = hits[0].chunk
            fused.append(
                DocHit(
                    doc_id=doc_id,
                    title=chunk.title,
                    kind=chunk.kind,
                    status=chunk.status,
                    path=chunk.path,
                    date=chunk.date,
                    score=score,
                    dense_score=d[1] if d else 0.0,
                    keyword_score=w[1] if w else 0.0,
                    dense_rank=d[0] if d else None,
                    keyword_rank=w[0] if w else None,
                    dense_z=dense_z.get(doc_id, dense_floor),
                    keyword_z=keyword_z.get(doc_id, keyword_floor),
                    hits=hits,
                )
            )
        # Ties (one side ranks A first, the other B) go to the stronger keyword match.
        fused.sort(key=lambda h: (-h.score, -h.keyword_score, -h.dense_score))
        return fused[:k]

    def hybrid(self, query: str, k: int, where: Where | None = None) -> list[Hit]:
        """Chunks fused by weighted RRF of their dense and keyword ranks (score = fused score)."""
        return self.hybrid_many([query], k, where)[0]

    def hybrid_many(
        self, queries: Sequence[str], k: int, where: Where | None = None
    ) -> list[list[Hit]]:
        """`hybrid` for each query; the dense side in one store round trip."""
        dense = self.dense_many(queries, self.depth, where)
        return [
            self._fused(query, hits, k, where) if k > 0 and query.strip() else []
            for query, hits in zip(queries, dense, strict=True)
        ]

    def _fused(self, query: str, dense: list[Hit], k: int, where: Where | None) -> list[Hit]:
        fused: dict[str, tuple[float, Chunk]] = {}
        sides = (
            (self.dense_weight, dense),
            (1.0, self.keyword(query, self.depth, where)),
        )
        for weight, hits in sides:
            for rank, hit in enumerate(hits, start=1):
                prev = fused.get(hit.chunk.id, (0.0, hit.chunk))[0]
                fused[hit.chunk.id] = (prev + weight / (self.rrf_k + rank), hit.chunk)
        ordered = sorted(fused.values(), key=lambda sc: -sc[0])[:k]
        return [Hit(chunk=chunk, score=score) for score, chunk in ordered]


def _merge_hits(dense: Sequence[Hit], keyword: Sequence[Hit]) -> list[Hit]:
    """A document's chunks from both sides, each once, interleaved best first."""
    seen: dict[str, Hit] = {}
    for pair in zip(dense, keyword, strict=False):
        for hit in pair:
            seen.setdefault(hit.chunk.id, hit)
    for hit in [*dense, *keyword]:
        seen.setdefault(hit.chunk.id, hit)
    return list(seen.values())


class StoreHistory:
    """The reviewer's `History`: hybrid search over the indexed records, and record lookup."""

    def __init__(self, retriever: Retriever, store: VectorStore) -> None:
        self.retriever = retriever
        self.store = store

    def search(self, text: str, *, kinds: Sequence[str] | None = None, k: int = 8) -> list[Hit]:
        return self.search_many([text], kinds=kinds, k=k)[0]

    def search_many(
        self, texts: Sequence[str], *, kinds: Sequence[str] | None = None, k: int = 8
    ) -> list[list[Hit]]:
        where: Mapping[str, Sequence[str]] | None = {"kind": list(kinds)} if kinds else None
        return self.retriever.hybrid_many(texts, k, where)

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self.store.get_document(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        return self.store.get_documents(doc_ids)
