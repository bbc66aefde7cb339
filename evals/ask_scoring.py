"""Scoring for the ask eval (pure): recall@k, full recall@k, MRR, refusal accuracy, answered
rate, whether answers quote the gold rationale, by question type, the refusal trade-off curve
over confidence thresholds, and threshold calibration checked on questions it never saw
(leave one question out; leave one set out)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field


class Question(BaseModel):
    """One line of an ask eval set (ask-dev format)."""

    id: str
    question: str
    gold: list[str] = Field(default_factory=list)
    type: str = "unknown"
    rationale: str = ""  # ask-dev-2: a verbatim span of a gold record stating the answer's core


class QuestionResult(BaseModel):
    """What the asker (or a peer ranking) did with one question."""

    id: str
    type: str
    gold: list[str]
    ranked: list[str]  # ranked/cited document ids, best first
    refused: bool = False
    confidence: float = 1.0
    seconds: float = 0.0
    text: str = ""  # the answer text
    rationale_hit: bool | None = None  # None: refused, unanswerable, or no gold rationale


class Scores(BaseModel):
    recall_at_5: float
    full_recall_at_5: float
    mrr: float
    refusal_accuracy: float
    answered_rate: float
    n: int
    rationale_hit: float | None = None  # share of answered questions with a rationale
    rationale_n: int = 0  # how many answered questions had one


def load_questions(path: Path) -> list[Question]:
    """Read a questions.jsonl (blank lines ignored)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Question.model_validate(json.loads(line)) for line in lines if line.strip()]


def recall_at(ranked: Sequence[str], gold: Iterable[str], k: int = 5) -> float:
    """1 if any gold document is among the top k, else 0."""
    gold_set = set(gold)
    return 1.0 if gold_set & set(ranked[:k]) else 0.0


def full_recall_at(ranked: Sequence[str], gold: Iterable[str], k: int = 5) -> float:
    """1 if every gold document is among the top k, else 0."""
    gold_set = set(gold)
    return 1.0 if gold_set and gold_set <= set(ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str]) -> float:
    """1 / rank of the first gold document (0 when none is ranked)."""
    gold_set = set(gold)
    for rank, doc in enumerate(ranked, start=1):
        if doc in gold_set:
            return 1.0 / rank
    return 0.0


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def score(results: Sequence[QuestionResult], k: int = 5) -> Scores:
    """Retrieval metrics over answerable questions, refusal metrics over both kinds.

    Retrieval metrics use the ranking even when the asker refused: they measure retrieval;
    refusing an answerable question is counted by `answered_rate`.
    """
    answerable = [r for r in results if r.gold]
    unanswerable = [r for r in results if not r.gold]
    hits = [1.0 if r.rationale_hit else 0.0 for r in answerable if r.rationale_hit is not None]
    return Scores(
        recall_at_5=_mean([recall_at(r.ranked, r.gold, k) for r in answerable]),
        full_recall_at_5=_mean([full_recall_at(r.ranked, r.gold, k) for r in answerable]),
        mrr=_mean([reciprocal_rank(r.ranked, r.gold) for r in answerable]),
        refusal_accuracy=_mean([1.0 if r.refused else 0.0 for r in unanswerable]),
        answered_rate=_mean([0.0 if r.refused else 1.0 for r in answerable]),
        n=len(results),
        rationale_hit=_mean(hits) if hits else None,
        rationale_n=len(hits),
    )


_WORDS = re.compile(r"[a-z0-9]+")
# Words that carry no content: overlap on these alone would let any long answer "contain" a
# rationale ("the", "to", "of" are in most answers).
_FILLER = frozenset(
    """a an and are as at be been but by for from has have in is it its not of on or that the
    this to was were will with which we our""".split()
)
RATIONALE_OVERLAP = 0.6  # "most of its words": at least 60% of the rationale's content words


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def quotes_rationale(answer: str, rationale: str, *, overlap: float = RATIONALE_OVERLAP) -> bool:
    """Whether an answer's text contains the rationale span (compared word by word, so
    markup, case and line breaks do not matter) or at least `overlap` of its content words."""
    span, said = _words(rationale), _words(answer)
    if not span:
        return False
    if f" {' '.join(span)} " in f" {' '.join(said)} ":
        return True
    content = {w for w in span if w not in _FILLER} or set(span)
    return len(content & set(said)) / len(content) >= overlap


def score_by_type(results: Sequence[QuestionResult], k: int = 5) -> dict[str, Scores]:
    """`score` per question type, in first-seen order."""
    types = dict.fromkeys(r.type for r in results)
    return {t: score([r for r in results if r.type == t], k) for t in types}


class TradeOff(BaseModel):
    threshold: float
    refusal_accuracy: float
    answered_rate: float


def trade_off(results: Sequence[QuestionResult], thresholds: Sequence[float]) -> list[TradeOff]:
    """Refusal accuracy vs answered rate if the asker refused below each threshold."""
    answerable = [r for r in results if r.gold]
    unanswerable = [r for r in results if not r.gold]
    return [
        TradeOff(
            threshold=t,
            refusal_accuracy=_mean([1.0 if r.confidence < t else 0.0 for r in unanswerable]),
            answered_rate=_mean([0.0 if r.confidence < t else 1.0 for r in answerable]),
        )
        for t in thresholds
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list; 0 for an empty one."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def pick_threshold(results: Sequence[QuestionResult], *, min_answered: float = 0.9) -> float:
    """The threshold (midway between two observed confidences) that refuses the most
    unanswerable questions while answering at least `min_answered` of the answerable ones."""
    values = sorted({r.confidence for r in results})
    if len(values) < 2:
        return 0.0
    best_key: tuple[bool, float] | None = None
    best = 0.0
    # Below the lowest confidence (answer everything) is a candidate too.
    for low, high in zip([values[0] / 2 - 1e-9, *values], values, strict=False):
        point = trade_off(results, [(low + high) / 2])[0]
        key = (point.answered_rate >= min_answered, point.refusal_accuracy + point.answered_rate)
        if best_key is None or key > best_key:
            best_key, best = key, point.threshold
    return best


class LeaveOneOut(BaseModel):
    """Each question judged with a threshold picked on all the others."""

    refusal_accuracy: float
    answered_rate: float
    threshold_min: float
    threshold_max: float


def leave_one_out(results: Sequence[QuestionResult], *, min_answered: float = 0.9) -> LeaveOneOut:
    """How well threshold calibration generalises to a question it has not seen."""
    refused_right: list[float] = []
    answered: list[float] = []
    thresholds = []
    for i, held in enumerate(results):
        t = pick_threshold([*results[:i], *results[i + 1 :]], min_answered=min_answered)
        thresholds.append(t)
        if held.gold:
            answered.append(1.0 if held.confidence >= t else 0.0)
        else:
            refused_right.append(1.0 if held.confidence < t else 0.0)
    return LeaveOneOut(
        refusal_accuracy=_mean(refused_right),
        answered_rate=_mean(answered),
        threshold_min=round(min(thresholds, default=0.0), 4),
        threshold_max=round(max(thresholds, default=0.0), 4),
    )


class SetTransfer(BaseModel):
    """A threshold calibrated on one question set, measured on another."""

    calibrated_on: str
    measured_on: str
    threshold: float
    refusal_accuracy: float
    answered_rate: float


def leave_one_set_out(
    sets: Mapping[str, Sequence[QuestionResult]], *, min_answered: float = 0.95
) -> list[SetTransfer]:
    """For each ordered pair of sets: the threshold picked on the first, applied to the other.
    The held-out estimate of refusal when new questions are written by someone else."""
    out = []
    for train, train_results in sets.items():
        t = pick_threshold(train_results, min_answered=min_answered)
        for test, test_results in sets.items():
            if test == train:
                continue
            point = trade_off(test_results, [t])[0]
            out.append(
                SetTransfer(
                    calibrated_on=train,
                    measured_on=test,
                    threshold=round(t, 4),
                    refusal_accuracy=point.refusal_accuracy,
                    answered_rate=point.answered_rate,
                )
            )
    return out
