"""The peers the ask feature is measured against, as the issue defines them: plain BM25 over the
chunk text (the bm25s README recipe: English stop words, Snowball stemmer; no titles), plain
dense (the store's cosine search), and their reciprocal-rank fusion. Each ranks documents by
their best chunk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.embed import Embedder
from assistant.models import Chunk
from assistant.retrieval import DENSE_FETCH
from assistant.store import VectorStore

DEPTH = 60
RRF_K = 60


def _docs_in_order(doc_ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def rrf(rankings: Sequence[Sequence[str]], *, k: int = RRF_K) -> list[str]:
    """Reciprocal-rank fusion of document rankings (ties keep first-seen order)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda d: -scores[d])


class PeerRankers:
    """Plain BM25, plain dense and RRF document rankings over one store."""

    names = ("plain BM25", "plain dense", "RRF(BM25, dense)")

    def __init__(self, store: VectorStore, embedder: Embedder) -> None:
        import bm25s

        self.store = store
        self.embedder = embedder
        self.chunks: list[Chunk] = store.all_chunks()
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self._bm25 = bm25s.BM25()
        self._bm25.index(
            bm25s.tokenize(
                [c.text for c in self.chunks],
                stopwords="en",
                stemmer=self._stemmer,
                show_progress=False,
            ),
            show_progress=False,
        )

    def bm25(self, query: str, depth: int = DEPTH) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize(
            query,
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )
        vocab = self._bm25.vocab_dict
        known = [t for t in tokens[0] if t in vocab] if tokens else []
        if not known:
            return []
        scores = np.asarray(self._bm25.get_scores(known))
        top = np.argsort(-scores, kind="stable")[:depth]
        return _docs_in_order([self.chunks[i].doc_id for i in top if scores[i] > 0])

    def dense(self, query: str, depth: int = DEPTH) -> list[str]:
        # Asked as widely as the asker asks (retrieval.DENSE_FETCH): Chroma's HNSW search is
        # only as wide as the results asked for, and a narrow one misses records.
        vector = self.embedder.embed([query])[0]
        hits = self.store.query(vector, max(depth, DENSE_FETCH))[:depth]
        return _docs_in_order([h.chunk.doc_id for h in hits])

    def rank(self, query: str, k: int) -> dict[str, list[str]]:
        """Each peer's top-k documents for a query."""
        keyword, dense = self.bm25(query), self.dense(query)
        return {
            "plain BM25": keyword[:k],
            "plain dense": dense[:k],
            "RRF(BM25, dense)": rrf([keyword, dense])[:k],
        }
