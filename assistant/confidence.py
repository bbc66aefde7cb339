"""How sure retrieval is that a record answers the question: three explainable features of the
ranking, multiplied into one confidence; below the threshold the asker refuses.

No raw similarity threshold separates answerable from unanswerable questions: a question about
something the records never decided still finds on-topic documents with high cosine scores.
Each feature below asks something a careful reader would, and all three must hold:

- standout: does the top document stand out from the other retrieved documents, in both
  dense and keyword search? (the mean of its two standard scores). A record that answers the
  question tends to lead both lists clearly; for an unanswerable one, many documents are about
  equally near, or the two searches disagree.
- coverage: does one passage of it hold the question's terms? (the share of the question's
  terms, weighted by IDF so rare terms count most, phrasing words and terms the corpus never
  uses left out, found together in its best passage). An answer needs a passage about the
  question's subject, not a document that mentions its words here and there.
- subject: is the record about what is asked? (cosine similarity of the question and the
  record's title). Unanswerable questions land on a neighbouring record (asked about a
  service mesh, found "Domain names"; asked about async closure syntax, found "futures").
- unknown names: does the question name something (a capitalised word past the first, such
  as "STAN") that no record mentions at all? Each halves the confidence.
- answerability (`assistant.answerability`): does the record hold what this question needs,
  beyond its topic: the names asked about, a reason where the question asks why something
  was given up, no contradiction of the question's premise, a date for a when? Each problem
  found multiplies the confidence by PROBLEM_FACTOR.

confidence = min(1, standout * coverage * subject * 0.5 ** unknown_names)
             * PROBLEM_FACTOR ** problems,
refused below DEFAULT_THRESHOLD, calibrated on ask-dev and ask-dev-2 together; the trade-off
curves and leave-one-set-out checks are in evals/reports/ask-dev.md.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.answerability import Problem
from assistant.bm25 import FUNCTION_WORDS, KeywordIndex, plain_words, split_words, tokenize
from assistant.models import Hit

# Words a question is phrased with, which say nothing about which record answers it.
QUESTION_WORDS = frozenset(
    """why what which who whom whose when where how did does do was were is are has have had
    decide decided decision decisions choose chose chosen pick picked team teams project
    happen happened reason reasons record records anything ever still go going get got
    """.split()
)

DEFAULT_THRESHOLD = 0.10  # calibrated on ask-dev and ask-dev-2 together (evals/reports/ask-dev.md)
PROBLEM_FACTOR = 0.05  # a missing part outweighs how well the record matches the topic
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


class Confidence(BaseModel):
    """The features behind a refusal decision, the combined score, and why, in words."""

    score: float
    standout: float
    coverage: float
    subject: float
    unknown_names: list[str]  # names in the question that no record mentions
    missing: list[str]  # the question's rarer terms absent from the best passage
    problems: list[Problem] = []  # what the record lacks to answer (assistant.answerability)
    reason: str


def key_terms(question: str) -> list[str]:
    """The question's content words (stemmed, de-duplicated, question phrasing dropped)."""
    words = [w for w in split_words(question) if w not in QUESTION_WORDS]
    return list(dict.fromkeys(tokenize(" ".join(words))))


def unknown_names(question: str, index: KeywordIndex) -> list[str]:
    """Capitalised words of the question (past its first word) that no indexed record uses."""
    words = _WORD.findall(question)
    names = [
        w for w in words[1:] if w[0].isupper() and w.lower() not in FUNCTION_WORDS | QUESTION_WORDS
    ]
    # Matched as words, not stems: "Fastly" is unknown even where records say "fast".
    return list(dict.fromkeys(w for w in names if not any(map(index.uses_word, plain_words(w)))))


def passage_coverage(
    terms: list[str], index: KeywordIndex, hits: list[Hit]
) -> tuple[float, list[str]]:
    """Best IDF-weighted share of `terms` found in one of the passages, and what it lacks."""
    weights = {t: index.idf(t) for t in terms if index.doc_freq(t) > 0}
    total = sum(weights.values())
    if not total or not hits:
        return 0.0, []
    best, best_tokens = -1.0, frozenset[str]()
    for hit in hits:
        tokens = index.chunk_terms(hit.chunk)
        share = sum(w for t, w in weights.items() if t in tokens) / total
        if share > best:
            best, best_tokens = share, tokens
    missing = sorted((t for t in weights if t not in best_tokens), key=lambda t: -weights[t])
    return best, missing[:4]


def assess(
    question: str,
    index: KeywordIndex,
    *,
    hits: list[Hit],
    dense_z: float,
    keyword_z: float,
    subject: float,
    problems: list[Problem] | None = None,
) -> Confidence:
    """Confidence that the top document answers the question, from its retrieved passages
    (`hits`), its standard scores in dense and keyword search, and the question-title
    similarity (`subject`)."""
    if not hits:
        return Confidence(
            score=0.0,
            standout=0.0,
            coverage=0.0,
            subject=0.0,
            unknown_names=[],
            missing=[],
            reason="no records",
        )
    standout = (dense_z + keyword_z) / 2
    coverage, missing = passage_coverage(key_terms(question), index, hits)
    unknown = unknown_names(question, index)
    problems = problems or []
    score = standout * coverage * max(0.0, subject) * 0.5 ** len(unknown)
    # Clamped first: a problem lowers even a record that stands out far.
    score = min(1.0, max(0.0, score)) * PROBLEM_FACTOR ** len(problems)
    reason = (
        f"best record stands out by {standout:.1f} sd, its best passage holds {coverage:.0%} "
        f"of the question's terms"
        + (f" (lacks: {', '.join(missing)})" if missing else "")
        + f", title similarity {subject:.2f}"
        + (f"; no record mentions {', '.join(unknown)}" if unknown else "")
        + "".join(f"; {p.detail}" for p in problems)
    )
    return Confidence(
        score=round(score, 4),
        standout=round(standout, 3),
        coverage=round(coverage, 3),
        subject=round(subject, 3),
        unknown_names=unknown,
        missing=missing,
        problems=problems,
        reason=reason,
    )
