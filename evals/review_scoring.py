"""Scoring for the review eval (pure): per-code P/R/F1, macro averages over the codes a set has
positives for, the precision of all findings, confidence reliability, and document types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, Field

# The codes scored, in the registry's order: core first, then extended.
from assistant.checks.registry import ALL_CODES, CORE_CODES, EXTENDED_CODES, HISTORY_CODES
from assistant.models import DOC_TYPES, DocType

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


class Case(BaseModel):
    """One labelled draft (format: ../shared/evals/LABELS.md)."""

    id: str
    path: str
    type: DocType = "spec"
    labels: dict[str, int] = Field(default_factory=dict)
    extended: dict[str, int] = Field(default_factory=dict)
    rules: dict[str, int] = Field(default_factory=dict)  # team rule id -> 0|1
    evidence: dict[str, list[int] | None] = Field(default_factory=dict)
    related: dict[str, str] = Field(default_factory=dict)
    note: str = ""

    @property
    def expected(self) -> dict[str, int]:
        return {**self.labels, **self.extended, **self.rules}


class Prediction(BaseModel):
    """What the reviewer raised on one case: codes, the record ids cited per code, the highest
    confidence per code, and the document type it read the draft as (None: not recorded)."""

    case_id: str
    codes: list[str] = Field(default_factory=list)
    related: dict[str, list[str]] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    doc_type: str | None = None
    doc_type_source: str = ""
    terms: dict[str, list[str]] = Field(default_factory=dict)  # code -> vocabulary term ids
    seconds: float = 0.0


class CodeScore(BaseModel):
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


class FindingTally(BaseModel):
    """Findings raised (one code on one labelled document), how many were right, and the wrong
    ones per document; share_right is None when nothing was raised."""

    raised: int
    right: int
    share_right: float | None
    wrong_per_doc: float


class Findings(BaseModel):
    core: FindingTally
    all_codes: FindingTally


class ReliabilityRow(BaseModel):
    """Of the findings at confidence >= threshold, how many were right."""

    threshold: float
    n: int
    right: int
    precision: float | None


class TypeMiss(BaseModel):
    case_id: str
    gold: str
    predicted: str
    source: str = ""


class TypeDetection(BaseModel):
    """Predicted document type against the gold one, over the cases that recorded a type."""

    n: int
    right: int
    accuracy: float | None
    wrong: list[TypeMiss] = Field(default_factory=list)


class Scores(BaseModel):
    """Per-code scores over one set of cases, with its macro averages and finding precision."""

    n_cases: int
    codes: dict[str, CodeScore]
    core_macro_f1: float | None
    extended_macro_f1: float | None
    left_out: list[str]  # codes with no positive label here, kept out of the macro averages
    findings: Findings


def prf(tp: int, fp: int, fn: int) -> CodeScore:
    """Precision, recall and F1; 0 where undefined (no predictions or no positives)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return CodeScore(
        tp=tp, fp=fp, fn=fn, precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4)
    )


def score_codes(
    cases: Sequence[Case], predicted: Mapping[str, Iterable[str]], codes: Sequence[str] = ALL_CODES
) -> dict[str, CodeScore]:
    """Per-code counts over the cases labelled on that code; `predicted` maps case id → codes."""
    out = {}
    for code in codes:
        tp = fp = fn = 0
        for case in cases:
            if code not in case.expected:
                continue
            gold = case.expected[code] == 1
            flagged = code in set(predicted.get(case.id, ()))
            tp += gold and flagged
            fp += flagged and not gold
            fn += gold and not flagged
        out[code] = prf(tp, fp, fn)
    return out


def rule_ids(cases: Sequence[Case]) -> list[str]:
    """The team rules a set is labelled on, in the order they first appear."""
    return list(dict.fromkeys(rule for case in cases for rule in case.rules))


def score_rules(cases: Sequence[Case], predictions: Sequence[Prediction]) -> dict[str, CodeScore]:
    """Per team rule: counts over the cases labelled on it (a rule's findings carry its id)."""
    predicted = {p.case_id: p.codes for p in predictions}
    return score_codes(cases, predicted, codes=rule_ids(cases))


def left_out(scores: Mapping[str, CodeScore], codes: Sequence[str] = ALL_CODES) -> list[str]:
    """Codes with no positive label in the scored set: their F1 is 0 whatever the engine does."""
    return [c for c in codes if c not in scores or scores[c].tp + scores[c].fn == 0]


def macro_f1(scores: Mapping[str, CodeScore], codes: Sequence[str]) -> float | None:
    """Mean F1 over the codes with a positive label in the set; None when none has one."""
    skip = set(left_out(scores, codes))
    kept = [scores[c].f1 for c in codes if c not in skip]
    return round(sum(kept) / len(kept), 4) if kept else None


def tally_findings(
    scores: Mapping[str, CodeScore], codes: Sequence[str], n_cases: int
) -> FindingTally:
    """Every finding raised on a labelled document counts, positives or not."""
    right = sum(scores[c].tp for c in codes if c in scores)
    wrong = sum(scores[c].fp for c in codes if c in scores)
    raised = right + wrong
    return FindingTally(
        raised=raised,
        right=right,
        share_right=round(right / raised, 4) if raised else None,
        wrong_per_doc=round(wrong / n_cases, 4) if n_cases else 0.0,
    )


def score_set(cases: Sequence[Case], predictions: Sequence[Prediction]) -> Scores:
    """All code-level figures for one set (the whole dataset or one document type)."""
    scores = score_codes(cases, {p.case_id: p.codes for p in predictions})
    return Scores(
        n_cases=len(cases),
        codes=scores,
        core_macro_f1=macro_f1(scores, CORE_CODES),
        extended_macro_f1=macro_f1(scores, EXTENDED_CODES),
        left_out=left_out(scores),
        findings=Findings(
            core=tally_findings(scores, CORE_CODES, len(cases)),
            all_codes=tally_findings(scores, ALL_CODES, len(cases)),
        ),
    )


def score_by_type(cases: Sequence[Case], predictions: Sequence[Prediction]) -> dict[str, Scores]:
    """`score_set` for each document type present, in DOC_TYPES order."""
    return {
        t: score_set([c for c in cases if c.type == t], predictions)
        for t in DOC_TYPES
        if any(c.type == t for c in cases)
    }


def reliability(
    cases: Sequence[Case],
    predictions: Sequence[Prediction],
    *,
    codes: Sequence[str] = ALL_CODES,
    thresholds: Sequence[float] = THRESHOLDS,
) -> dict[str, list[ReliabilityRow]]:
    """Per code and threshold: findings on labelled cases whose highest confidence is at least
    the threshold, and how many were right. A finding with no recorded confidence is left out."""
    by_id = {c.id: c for c in cases}
    out: dict[str, list[ReliabilityRow]] = {}
    for code in codes:
        raised: list[tuple[float, bool]] = []
        for p in predictions:
            case = by_id.get(p.case_id)
            if case is None or code not in case.expected or code not in p.codes:
                continue
            if code in p.confidence:
                raised.append((p.confidence[code], case.expected[code] == 1))
        rows = []
        for x in thresholds:
            hits = [right for conf, right in raised if conf >= x]
            n, right = len(hits), sum(hits)
            rows.append(
                ReliabilityRow(
                    threshold=x, n=n, right=right, precision=round(right / n, 4) if n else None
                )
            )
        out[code] = rows
    return out


def type_detection(cases: Sequence[Case], predictions: Sequence[Prediction]) -> TypeDetection:
    """Accuracy of the predicted document type, and the cases it got wrong."""
    by_id = {p.case_id: p for p in predictions}
    n = right = 0
    wrong = []
    for case in cases:
        p = by_id.get(case.id)
        if p is None or p.doc_type is None:
            continue
        n += 1
        if p.doc_type == case.type:
            right += 1
        else:
            wrong.append(
                TypeMiss(
                    case_id=case.id, gold=case.type, predicted=p.doc_type, source=p.doc_type_source
                )
            )
    return TypeDetection(n=n, right=right, accuracy=round(right / n, 4) if n else None, wrong=wrong)


def related_correct(cases: Sequence[Case], predictions: Sequence[Prediction]) -> float | None:
    """Share of flagged conflicts/lessons citing the labelled record (a false flag cites none).

    None when nothing was flagged.
    """
    by_id = {c.id: c for c in cases}
    flagged = correct = 0
    for p in predictions:
        case = by_id.get(p.case_id)
        for code in HISTORY_CODES:
            if code not in p.codes or case is None:
                continue
            flagged += 1
            want = case.related.get(code)
            correct += bool(want) and want in p.related.get(code, [])
    return round(correct / flagged, 4) if flagged else None


def term_counts(predictions: Sequence[Prediction]) -> dict[str, dict[str, int]]:
    """code -> term id -> number of cases it fired on, most frequent first."""
    counts: dict[str, dict[str, int]] = {}
    for p in predictions:
        for code, terms in p.terms.items():
            bucket = counts.setdefault(code, {})
            for term in set(terms):
                bucket[term] = bucket.get(term, 0) + 1
    return {
        code: dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0])))
        for code, terms in sorted(counts.items())
    }


def mistakes(cases: Sequence[Case], predictions: Sequence[Prediction]) -> list[str]:
    """One line per case with a missed or false code, naming its gold and predicted type."""
    by_id = {p.case_id: p for p in predictions}
    out = []
    for case in cases:
        p = by_id.get(case.id)
        if p is None:
            continue
        gold = {c for c, v in case.expected.items() if v}
        labelled = set(case.expected)
        missed = sorted(gold - set(p.codes))
        false = sorted((set(p.codes) & labelled) - gold)
        if missed or false:
            read_as = f", read as {p.doc_type}" if p.doc_type is not None else ""
            out.append(
                f"{case.id} ({case.path}; {case.type}{read_as}): "
                f"missed {', '.join(missed) or '-'}; false {', '.join(false) or '-'}"
            )
    return out
