"""How sure retrieval is that a record answers the question: a few explainable features of the
ranking, combined into one confidence in [0, 1]; below the threshold the asker refuses.

No raw similarity threshold separates answerable from unanswerable questions (an unanswerable
question about a corpus topic still finds on-topic documents with high scores). What does:
whether the question's *distinctive* terms (rare in the corpus, high IDF) actually occur in
the top document, and whether dense and keyword search agree on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from assistant.bm25 import KeywordIndex, split_words, tokenize

# Words a question is phrased with, which say nothing about which record answers it.
QUESTION_WORDS = frozenset(
    """why what which who whom whose when where how did does do was were is are has have had
    decide decided decision decisions choose chose chosen pick picked team teams project
    happen happened reason reasons record records anything ever still go going get got
    """.split()
)

DEFAULT_THRESHOLD = 0.5


class Confidence(BaseModel):
    """The features behind a refusal decision and the combined score."""

    score: float
    covered: float  # IDF-weighted share of the question's terms found in the top document
    distinctive_missing: list[str]  # rare question terms absent from the top document
    agreement: float  # 1 if dense and keyword rank the same document first, else lower
    top_dense: float  # best cosine similarity
    reason: str


def key_terms(question: str) -> list[str]:
    """The question's content words (stemmed, de-duplicated, question phrasing dropped)."""
    words = [w for w in split_words(question) if w not in QUESTION_WORDS]
    seen: dict[str, None] = {}
    for word in words:
        for tok in tokenize(word):
            seen.setdefault(tok, None)
    return list(seen)


def assess(
    question: str,
    index: KeywordIndex,
    top_doc: str | None,
    *,
    dense_rank: int | None,
    keyword_rank: int | None,
    top_dense: float,
    others: Sequence[str] = (),
) -> Confidence:
    """Score how well the top-ranked document (and the runner-ups in `others`) covers the
    question's distinctive terms, and combine with dense/keyword agreement."""
    if top_doc is None:
        return Confidence(
            score=0.0,
            covered=0.0,
            distinctive_missing=[],
            agreement=0.0,
            top_dense=0.0,
            reason="nothing is indexed",
        )
    terms = key_terms(question)
    weights = {t: index.idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    top_terms = index.doc_terms(top_doc)
    pool = set(top_terms)
    for other in others:
        pool |= index.doc_terms(other)
    covered = sum(w for t, w in weights.items() if t in top_terms) / total
    # A term is distinctive when few documents use it; missing from all the top documents, it
    # names something the records may not talk about at all.
    rare = [t for t in terms if index.doc_freq(t) <= max(2, index.n_docs // 50)]
    missing = [t for t in rare if t not in pool]
    agreement = 0.0
    if dense_rank and keyword_rank:
        agreement = 1.0 if dense_rank == keyword_rank == 1 else 0.5
    score = 0.6 * covered + 0.25 * agreement + 0.15 * min(1.0, max(0.0, (top_dense - 0.3) / 0.4))
    score *= 0.5 ** len(missing)
    reason = (
        f"top record covers {covered:.0%} of the question's terms"
        + (f"; not found in it: {', '.join(missing)}" if missing else "")
        + ("; dense and keyword search agree" if agreement == 1.0 else "")
    )
    return Confidence(
        score=round(score, 4),
        covered=round(covered, 4),
        distinctive_missing=missing,
        agreement=agreement,
        top_dense=round(top_dense, 4),
        reason=reason,
    )
