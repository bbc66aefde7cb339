"""The review eval: load a labelled dataset, score predictions per code (pure), and run it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.config import Settings
from assistant.embed import Embedder
from assistant.errors import ConfigError, InputError, SpecreviewError

CORE_CODES = ("missing_why", "missing_acceptance_criteria", "unresolved_ownership")
EXTENDED_CODES = (
    "missing_success_metric",
    "unbounded_scope",
    "open_questions",
    "conflicts_with_decision",
    "repeats_past_lesson",
)
ALL_CODES = CORE_CODES + EXTENDED_CODES
HISTORY_CODES = ("conflicts_with_decision", "repeats_past_lesson")


class Case(BaseModel):
    """One labelled draft (format: ../shared/evals/LABELS.md)."""

    id: str
    path: str
    labels: dict[str, int]
    extended: dict[str, int] = Field(default_factory=dict)
    evidence: dict[str, list[int] | None] = Field(default_factory=dict)
    related: dict[str, str] = Field(default_factory=dict)
    note: str = ""

    @property
    def expected(self) -> dict[str, int]:
        return {**self.labels, **self.extended}


class Prediction(BaseModel):
    """What the reviewer raised on one case: codes, and the record ids cited per code."""

    case_id: str
    codes: list[str] = Field(default_factory=list)
    related: dict[str, list[str]] = Field(default_factory=dict)
    seconds: float = 0.0


class CodeScore(BaseModel):
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


class EvalReport(BaseModel):
    """Scores of one run; `scores_json` is the exact --json contract."""

    core_macro_f1: float
    extended_macro_f1: float
    codes: dict[str, CodeScore]
    related_correct: float | None
    n_cases: int
    seconds_per_case: float
    llm: str
    baseline: dict[str, CodeScore] = Field(default_factory=dict)
    predictions: list[Prediction] = Field(default_factory=list)
    mistakes: list[str] = Field(default_factory=list)  # "case: missed …; false …"

    def scores_json(self) -> str:
        keys = (
            "core_macro_f1",
            "extended_macro_f1",
            "codes",
            "related_correct",
            "n_cases",
            "seconds_per_case",
            "llm",
        )
        return json.dumps(self.model_dump(mode="json", include=set(keys)), indent=2)


def load_cases(dataset_dir: Path) -> list[Case]:
    """Read DATASET_DIR/cases.jsonl; a bad line is an InputError naming the line."""
    path = dataset_dir / "cases.jsonl"
    if not path.is_file():
        raise InputError(f"{path} not found: a review dataset needs cases.jsonl (see LABELS.md)")
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(Case.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(f"{path}:{n}: not a valid case ({exc.errors()[0]['msg']})") from exc
    return cases


# --- scoring (pure) ---------------------------------------------------------------------------


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


def macro_f1(scores: Mapping[str, CodeScore], codes: Sequence[str]) -> float:
    present = [scores[c].f1 for c in codes if c in scores]
    return round(sum(present) / len(present), 4) if present else 0.0


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


# --- the heading-linter baseline --------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BASELINE_HEADINGS = {
    "missing_why": r"why|motivation|problem|background|rationale|context",
    "missing_acceptance_criteria": r"acceptance|criteria|definition of done|done when|test plan",
    "unresolved_ownership": r"owner|dri|raci|roles|responsib|team",
    "missing_success_metric": r"metric|success|kpi|measure|outcome",
    "unbounded_scope": r"non-goals|out of scope|not doing|no-gos|scope",
}


def heading_linter(text: str) -> list[str]:
    """A naive baseline: a code is flagged when its expected heading is absent."""
    headings = " | ".join(h.lower() for h in _HEADING.findall(text))
    flagged = [code for code, pat in _BASELINE_HEADINGS.items() if not re.search(pat, headings)]
    if re.search(r"open questions|todo", headings):
        flagged.append("open_questions")
    return flagged


# --- running ----------------------------------------------------------------------------------


def run_review_eval(
    dataset_dir: Path,
    *,
    settings: Settings,
    use_llm: bool = False,
    embedder: Embedder | None = None,
) -> EvalReport:
    """Index DATASET_DIR/kb into a throwaway in-memory store, review every draft, score."""
    from assistant.services import Services
    from assistant.store import InMemoryStore
    from index.pipeline import index_paths

    cases = load_cases(dataset_dir)
    if use_llm and not settings.llm_enabled:
        raise ConfigError("--llm needs a model: set SPECREVIEW_LLM_MODEL (and the base URL)")
    if not use_llm:
        settings = settings.model_copy(update={"llm_model": None})
    services = Services(settings=settings, _store=InMemoryStore(), _embedder=embedder)
    kb = dataset_dir / "kb"
    if kb.is_dir():
        index_paths(
            [kb],
            store=services.store,
            embedder=services.embedder,
            chunk_tokens=settings.chunk_tokens,
        )
    reviewer = services.reviewer
    predictions = []
    baseline: dict[str, list[str]] = {}
    for case in cases:
        draft = dataset_dir / case.path
        started = time.perf_counter()
        try:
            review = reviewer.review_file(draft)
        except SpecreviewError as exc:
            raise InputError(f"case {case.id}: {exc}") from exc
        seconds = time.perf_counter() - started
        related: dict[str, list[str]] = {}
        for f in review.findings:
            related.setdefault(f.code, []).extend(r.id for r in f.related)
        codes = sorted({f.code for f in review.findings})
        predictions.append(
            Prediction(case_id=case.id, codes=codes, related=related, seconds=seconds)
        )
        baseline[case.id] = heading_linter(draft.read_text(encoding="utf-8", errors="replace"))
    return build_report(
        cases,
        predictions,
        baseline=baseline,
        llm=settings.llm_model if use_llm and settings.llm_model else "off",
    )


def build_report(
    cases: Sequence[Case],
    predictions: Sequence[Prediction],
    *,
    baseline: Mapping[str, Iterable[str]] | None = None,
    llm: str = "off",
) -> EvalReport:
    """Scores from predictions (pure)."""
    scores = score_codes(cases, {p.case_id: p.codes for p in predictions})
    n = len(predictions)
    return EvalReport(
        core_macro_f1=macro_f1(scores, CORE_CODES),
        extended_macro_f1=macro_f1(scores, EXTENDED_CODES),
        codes=scores,
        related_correct=related_correct(cases, predictions),
        n_cases=len(cases),
        seconds_per_case=round(sum(p.seconds for p in predictions) / n, 4) if n else 0.0,
        llm=llm,
        baseline=score_codes(cases, baseline) if baseline is not None else {},
        predictions=list(predictions),
        mistakes=_mistakes(cases, predictions),
    )


def _mistakes(cases: Sequence[Case], predictions: Sequence[Prediction]) -> list[str]:
    by_id = {p.case_id: p for p in predictions}
    out = []
    for case in cases:
        p = by_id.get(case.id)
        if p is None:
            continue
        gold = {c for c, v in case.expected.items() if v}
        missed = sorted(gold - set(p.codes))
        false = sorted(set(p.codes) - gold)
        if missed or false:
            out.append(
                f"{case.id} ({case.path}): missed {', '.join(missed) or '-'}; "
                f"false {', '.join(false) or '-'}"
            )
    return out


def format_table(report: EvalReport) -> str:
    """A readable per-code table with the heading-linter baseline beside it."""
    head = f"{'code':<30} {'tp':>3} {'fp':>3} {'fn':>3} {'P':>6} {'R':>6} {'F1':>6} {'base F1':>8}"
    rows = [head, "-" * len(head)]
    for code in ALL_CODES:
        s = report.codes[code]
        base = report.baseline.get(code)
        base_f1 = f"{base.f1:8.3f}" if base else f"{'-':>8}"
        rows.append(
            f"{code:<30} {s.tp:>3} {s.fp:>3} {s.fn:>3} "
            f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {base_f1}"
        )
    rows.append("-" * len(head))
    base_core = macro_f1(report.baseline, CORE_CODES) if report.baseline else 0.0
    base_ext = macro_f1(report.baseline, EXTENDED_CODES) if report.baseline else 0.0
    rc = "n/a" if report.related_correct is None else f"{report.related_correct:.3f}"
    rows += [
        f"core macro-F1      {report.core_macro_f1:.3f}   (heading linter {base_core:.3f})",
        f"extended macro-F1  {report.extended_macro_f1:.3f}   (heading linter {base_ext:.3f})",
        f"related_correct    {rc}",
        f"cases {report.n_cases}, {report.seconds_per_case:.3f} s per case, LLM {report.llm}",
    ]
    return "\n".join(rows)


def report_markdown(report: EvalReport, dataset_dir: Path) -> str:
    """A short markdown summary for evals/reports/."""
    lines = [
        f"# Review eval: {dataset_dir.name}",
        "",
        f"LLM: {report.llm}. Cases: {report.n_cases}. "
        f"Seconds per case: {report.seconds_per_case:.3f}.",
        "",
        "```",
        format_table(report),
        "```",
        "",
        "Wrong calls (case: missed / false):",
        "",
    ]
    lines += [f"- {m}" for m in report.mistakes] or ["- none"]
    return "\n".join(lines) + "\n"
