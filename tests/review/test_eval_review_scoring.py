"""Review eval scoring by document type: macro averages over codes with positives, the
precision of all findings, confidence reliability, type detection and the term-tracing hook."""

from __future__ import annotations

from pathlib import Path

from assistant.models import Finding, Review
from evals.review_eval import build_report, predict
from evals.review_report import format_report, report_markdown
from evals.review_scoring import (
    ALL_CODES,
    CORE_CODES,
    Case,
    Prediction,
    left_out,
    macro_f1,
    score_codes,
)

# Two specs and two decision records; the engine read d1 as a spec and recorded no type on none.
TYPED = [
    Case(
        id="s1",
        path="s1.md",
        labels={"missing_why": 1, "missing_acceptance_criteria": 0, "unresolved_ownership": 0},
        extended={"missing_success_metric": 1, "conflicts_with_decision": 0},
    ),
    Case(
        id="s2",
        path="s2.md",
        labels={"missing_why": 0, "missing_acceptance_criteria": 1, "unresolved_ownership": 0},
        extended={"missing_success_metric": 0, "conflicts_with_decision": 0},
    ),
    Case(
        id="d1",
        path="d1.md",
        type="decision",
        labels={"missing_why": 0, "missing_acceptance_criteria": 0, "unresolved_ownership": 1},
        extended={"missing_success_metric": 0, "conflicts_with_decision": 0},
    ),
    Case(
        id="d2",
        path="d2.md",
        type="decision",
        labels={"missing_why": 1, "missing_acceptance_criteria": 0, "unresolved_ownership": 0},
        extended={"missing_success_metric": 0, "conflicts_with_decision": 0},
    ),
]
TYPED_PREDICTIONS = [
    Prediction(
        case_id="s1",
        codes=["missing_acceptance_criteria", "missing_success_metric", "missing_why"],
        confidence={
            "missing_why": 0.9,
            "missing_acceptance_criteria": 0.6,
            "missing_success_metric": 0.8,
        },
        doc_type="spec",
    ),
    Prediction(
        case_id="s2",
        codes=["conflicts_with_decision", "missing_acceptance_criteria"],
        confidence={"missing_acceptance_criteria": 0.8, "conflicts_with_decision": 0.55},
        doc_type="spec",
    ),
    Prediction(
        case_id="d1",
        codes=["missing_acceptance_criteria", "unresolved_ownership"],
        confidence={"missing_acceptance_criteria": 0.7, "unresolved_ownership": 0.9},
        doc_type="spec",
        doc_type_source="default: no sign of its type",
    ),
    Prediction(case_id="d2", codes=[], doc_type="decision"),
]


def test_macro_leaves_out_codes_with_no_positive_label() -> None:
    report = build_report(TYPED, TYPED_PREDICTIONS)
    # conflicts_with_decision has a false flag but no positive: F1 0 whatever the engine does.
    assert report.left_out == [
        "unbounded_scope",
        "open_questions",
        "conflicts_with_decision",
        "repeats_past_lesson",
    ]
    assert report.codes["conflicts_with_decision"].fp == 1
    assert report.extended_macro_f1 == 1.0  # missing_success_metric alone, not (1 + 0 * 4) / 5
    assert report.core_macro_f1 == round((0.6667 + 0.5 + 1.0) / 3, 4)
    nothing = score_codes([Case(id="x", path="x.md", labels={"missing_why": 0})], {"x": []})
    assert macro_f1(nothing, CORE_CODES) is None
    assert left_out(nothing, CORE_CODES) == list(CORE_CODES)


def test_report_splits_by_document_type() -> None:
    report = build_report(TYPED, TYPED_PREDICTIONS, baseline={c.id: [] for c in TYPED})
    assert list(report.by_type) == ["spec", "decision"]
    spec, decision = report.by_type["spec"], report.by_type["decision"]
    assert (spec.n_cases, decision.n_cases) == (2, 2)
    acc = spec.codes["missing_acceptance_criteria"]
    assert (acc.tp, acc.fp, acc.fn) == (1, 1, 0)
    assert spec.core_macro_f1 == round((1.0 + 0.6667) / 2, 4)
    assert "unresolved_ownership" in spec.left_out
    # An ADR told it lacks acceptance criteria: a wrong finding, but no positive to average.
    d_acc = decision.codes["missing_acceptance_criteria"]
    assert (d_acc.tp, d_acc.fp, d_acc.fn) == (0, 1, 0)
    assert "missing_acceptance_criteria" in decision.left_out
    assert decision.core_macro_f1 == 0.5  # missing_why 0, unresolved_ownership 1
    assert decision.findings.core.model_dump() == {
        "raised": 2,
        "right": 1,
        "share_right": 0.5,
        "wrong_per_doc": 0.5,
    }
    assert report.baseline_by_type["decision"]["missing_why"].fn == 1


def test_precision_of_findings() -> None:
    report = build_report(TYPED, TYPED_PREDICTIONS)
    assert report.findings.core.model_dump() == {
        "raised": 5,
        "right": 3,
        "share_right": 0.6,
        "wrong_per_doc": 0.5,
    }
    assert report.findings.all_codes.model_dump() == {
        "raised": 7,
        "right": 4,
        "share_right": 0.5714,
        "wrong_per_doc": 0.75,
    }
    silent = build_report(TYPED, [Prediction(case_id=c.id) for c in TYPED])
    assert silent.findings.core.share_right is None and silent.findings.core.wrong_per_doc == 0


def test_reliability_table() -> None:
    table = build_report(TYPED, TYPED_PREDICTIONS).reliability
    assert list(table) == list(ALL_CODES)
    rows = [(r.threshold, r.n, r.right, r.precision) for r in table["missing_acceptance_criteria"]]
    assert rows == [
        (0.5, 3, 1, 0.3333),
        (0.6, 3, 1, 0.3333),
        (0.7, 2, 1, 0.5),
        (0.8, 1, 1, 1.0),
        (0.9, 0, 0, None),
    ]
    assert [(r.n, r.right) for r in table["conflicts_with_decision"]][:2] == [(1, 0), (0, 0)]
    assert [r.n for r in table["missing_why"]] == [1, 1, 1, 1, 1]
    # A finding with no recorded confidence is left out rather than guessed.
    bare = build_report(TYPED, [Prediction(case_id="s1", codes=["missing_why"])])
    assert [r.n for r in bare.reliability["missing_why"]] == [0] * 5


def test_type_detection_accuracy() -> None:
    predictions = [*TYPED_PREDICTIONS[:3], Prediction(case_id="d2")]  # d2 recorded no type
    td = build_report(TYPED, predictions).type_detection
    assert (td.n, td.right, td.accuracy) == (3, 2, 0.6667)
    assert [(m.case_id, m.gold, m.predicted, m.source) for m in td.wrong] == [
        ("d1", "decision", "spec", "default: no sign of its type")
    ]
    assert build_report(TYPED, TYPED_PREDICTIONS).type_detection.accuracy == 0.75


def test_report_text_and_markdown_show_every_section() -> None:
    report = build_report(TYPED, TYPED_PREDICTIONS, baseline={c.id: [] for c in TYPED})
    text = format_report(report)
    for expected in (
        "* no positive label, left out of the macro averages: unbounded_scope",
        "Findings raised",
        "By document type",
        "decision: 2 cases",
        "Confidence reliability",
        "missing_acceptance_criteria   1/3 0.33",
        "Document type detection: 3 of 4 right (0.750)",
        "decision read as spec: 1 (d1)",
    ):
        assert expected in text
    assert "Term tracing" not in text
    md = report_markdown(report, Path("sets/typed"))
    assert md.startswith("# Review eval: typed\n")
    assert "- d1 (d1.md; decision, read as spec): missed -; false missing_acceptance_criteria" in md


def test_predict_keeps_the_highest_confidence_and_the_type() -> None:
    def finding(code: str, confidence: float) -> Finding:
        return Finding(
            code=code, severity="low", title="t", message="m", suggestion="s", confidence=confidence
        )

    review = Review(
        path="x.md",
        doc_type="design",
        doc_type_source="detected: KEP",
        findings=[finding("missing_why", 0.6), finding("open_questions", 0.7)]
        + [finding("missing_why", 0.8)],
    )
    p = predict("x", review, seconds=0.1, tracer=lambda t: {"missing_why": [t]}, text="t-1")
    assert p.codes == ["missing_why", "open_questions"]
    assert p.confidence == {"missing_why": 0.8, "open_questions": 0.7}
    assert (p.doc_type, p.doc_type_source) == ("design", "detected: KEP")
    assert p.terms == {"missing_why": ["t-1"]}


def test_term_counts_per_code_are_reported() -> None:
    predictions = [
        Prediction(case_id="s1", terms={"missing_why": ["why.problem", "why.cost"]}),
        Prediction(case_id="s2", terms={"missing_why": ["why.cost"]}),
    ]
    report = build_report(TYPED, predictions, term_tracing="on")
    assert report.terms == {"missing_why": {"why.cost": 2, "why.problem": 1}}
    shown = format_report(report)
    assert shown.index("2  why.cost") < shown.index("1  why.problem")
    assert build_report(TYPED, predictions).terms is None  # tracing off
