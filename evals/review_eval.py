"""The review eval: load a labelled dataset, review every draft, and build the report.

Scoring is pure and lives in `evals.review_scoring`; the text and markdown in
`evals.review_report`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from assistant.checks.vocab import fired_terms
from assistant.config import Settings, lift_rules, read_toml_config
from assistant.embed import Embedder
from assistant.errors import ConfigError, InputError, SpecreviewError
from assistant.models import Review
from evals.review_scoring import (
    Case,
    CodeScore,
    Findings,
    ReliabilityRow,
    Scores,
    TypeDetection,
    mistakes,
    related_correct,
    reliability,
    score_by_type,
    score_codes,
    score_rules,
    score_set,
    term_counts,
    type_detection,
)

# Re-exported: scripts build reports from predictions they recorded themselves.
from evals.review_scoring import Prediction as Prediction

TermTracing = Literal["off", "on"]
TermTracer = Callable[[str], dict[str, list[str]]]  # a draft's text -> code -> term ids
JSON_KEYS = (
    "core_macro_f1",
    "extended_macro_f1",
    "left_out",
    "codes",
    "findings",
    "related_correct",
    "n_cases",
    "seconds_per_case",
    "llm",
    "by_type",
    "reliability",
    "type_detection",
    "term_tracing",
    "terms",
    "rules",
)


class EvalReport(BaseModel):
    """Scores of one run; `scores_json` is the exact --json contract (JSON_KEYS)."""

    core_macro_f1: float | None
    extended_macro_f1: float | None
    left_out: list[str]  # codes with no positive label in the set: not in the macro averages
    codes: dict[str, CodeScore]
    findings: Findings
    related_correct: float | None
    n_cases: int
    seconds_per_case: float
    llm: str
    by_type: dict[str, Scores] = Field(default_factory=dict)
    reliability: dict[str, list[ReliabilityRow]] = Field(default_factory=dict)
    type_detection: TypeDetection = Field(
        default_factory=lambda: TypeDetection(n=0, right=0, accuracy=None)
    )
    term_tracing: TermTracing = "off"
    terms: dict[str, dict[str, int]] | None = None  # code -> term id -> cases it fired on
    rules: dict[str, CodeScore] = Field(default_factory=dict)  # team rule id -> scores
    baseline: dict[str, CodeScore] = Field(default_factory=dict)
    baseline_by_type: dict[str, dict[str, CodeScore]] = Field(default_factory=dict)
    predictions: list[Prediction] = Field(default_factory=list)
    mistakes: list[str] = Field(default_factory=list)  # "case (path; type, read as …): missed …"

    def scores_json(self) -> str:
        return self.model_dump_json(include=set(JSON_KEYS), indent=2)


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


def predict(
    case_id: str,
    review: Review,
    *,
    seconds: float,
    tracer: TermTracer | None = None,
    text: str = "",
) -> Prediction:
    """What one review raised: codes, cited records and the highest confidence per code."""
    related: dict[str, list[str]] = {}
    confidence: dict[str, float] = {}
    for f in review.findings:
        related.setdefault(f.code, []).extend(r.id for r in f.related)
        confidence[f.code] = max(confidence.get(f.code, 0.0), round(f.confidence, 4))
    return Prediction(
        case_id=case_id,
        codes=sorted(confidence),
        related=related,
        confidence=confidence,
        doc_type=review.doc_type,
        doc_type_source=review.doc_type_source,
        terms=tracer(text) if tracer is not None else {},
        seconds=seconds,
    )


def run_review_eval(
    dataset_dir: Path,
    *,
    settings: Settings,
    use_llm: bool = False,
    embedder: Embedder | None = None,
    trace_terms: bool = False,
    rules_file: Path | None = None,
) -> EvalReport:
    """Index DATASET_DIR/kb into a throwaway in-memory store, review every draft, score.

    The team rules reviewed with are `rules_file`'s [[rules]], else those of the dataset's own
    .specreview.toml, else the settings' own.
    """
    from assistant.services import Services
    from assistant.store import InMemoryStore
    from index.pipeline import index_paths

    cases = load_cases(dataset_dir)
    if use_llm and not settings.llm_enabled:
        raise ConfigError("--llm needs a model: set SPECREVIEW_LLM_MODEL (and the base URL)")
    if not use_llm:
        settings = settings.model_copy(update={"llm_model": None})
    if rules_file is not None and not rules_file.is_file():
        raise InputError(f"{rules_file} not found: --rules names a file with [[rules]]")
    settings = with_rules(settings, rules_file or dataset_dir / ".specreview.toml")
    tracer: TermTracer | None = fired_terms if trace_terms else None
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
        text = draft.read_text(encoding="utf-8", errors="replace")
        predictions.append(predict(case.id, review, seconds=seconds, tracer=tracer, text=text))
        baseline[case.id] = heading_linter(text)
    tracing: TermTracing = "on" if trace_terms else "off"
    return build_report(
        cases,
        predictions,
        baseline=baseline,
        llm=settings.llm_model if use_llm and settings.llm_model else "off",
        term_tracing=tracing,
    )


def with_rules(settings: Settings, path: Path) -> Settings:
    """The settings with the [[rules]] of a config file (unchanged when it has none)."""
    if not path.is_file():
        return settings
    data = lift_rules(read_toml_config(path), source=str(path))
    rules = data.get("review", {}).get("rules")
    if not rules:
        return settings
    review = settings.review.model_copy(update={"rules": rules})
    return settings.model_copy(update={"review": review})


def build_report(
    cases: Sequence[Case],
    predictions: Sequence[Prediction],
    *,
    baseline: Mapping[str, Iterable[str]] | None = None,
    llm: str = "off",
    term_tracing: TermTracing = "off",
) -> EvalReport:
    """Scores from predictions (pure)."""
    overall = score_set(cases, predictions)
    n = len(predictions)
    by_type = score_by_type(cases, predictions)
    base = dict(baseline) if baseline is not None else None
    return EvalReport(
        core_macro_f1=overall.core_macro_f1,
        extended_macro_f1=overall.extended_macro_f1,
        left_out=overall.left_out,
        codes=overall.codes,
        findings=overall.findings,
        related_correct=related_correct(cases, predictions),
        n_cases=len(cases),
        seconds_per_case=round(sum(p.seconds for p in predictions) / n, 4) if n else 0.0,
        llm=llm,
        by_type=by_type,
        reliability=reliability(cases, predictions),
        type_detection=type_detection(cases, predictions),
        term_tracing=term_tracing,
        terms=term_counts(predictions) if term_tracing == "on" else None,
        baseline=score_codes(cases, base) if base is not None else {},
        baseline_by_type={t: score_codes([c for c in cases if c.type == t], base) for t in by_type}
        if base is not None
        else {},
        predictions=list(predictions),
        mistakes=mistakes(cases, predictions),
        rules=score_rules(cases, predictions),
    )
