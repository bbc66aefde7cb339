"""The review eval report as text (terminal) and markdown (evals/reports/)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from assistant.checks.registry import ALL_CODES, CORE_CODES, EXTENDED_CODES
from evals.review_eval import EvalReport
from evals.review_scoring import (
    THRESHOLDS,
    CodeScore,
    FindingTally,
    Scores,
    left_out,
    macro_f1,
)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _code_table(
    codes: Mapping[str, CodeScore], baseline: Mapping[str, CodeScore], indent: str = ""
) -> list[str]:
    head = f"{'code':<30} {'tp':>3} {'fp':>3} {'fn':>3} {'P':>6} {'R':>6} {'F1':>6} {'base F1':>8}"
    rows = [head, "-" * len(head)]
    skipped = set(left_out(codes))
    for code in ALL_CODES:
        s = codes[code]
        base = baseline.get(code)
        base_f1 = f"{base.f1:8.3f}" if base else f"{'-':>8}"
        note = " *" if code in skipped else ""
        rows.append(
            f"{code:<30} {s.tp:>3} {s.fp:>3} {s.fn:>3} "
            f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {base_f1}{note}"
        )
    rows.append("-" * len(head))
    return [indent + r for r in rows]


def _macro_lines(
    codes: Mapping[str, CodeScore], baseline: Mapping[str, CodeScore], indent: str = ""
) -> list[str]:
    base_core = _num(macro_f1(baseline, CORE_CODES)) if baseline else "-"
    base_ext = _num(macro_f1(baseline, EXTENDED_CODES)) if baseline else "-"
    out = left_out(codes)
    return [
        f"{indent}core macro-F1      {_num(macro_f1(codes, CORE_CODES))}   "
        f"(heading linter {base_core})",
        f"{indent}extended macro-F1  {_num(macro_f1(codes, EXTENDED_CODES))}   "
        f"(heading linter {base_ext})",
        textwrap.fill(
            f"* no positive label, left out of the macro averages: {', '.join(out) or 'none'}",
            width=80,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
        ),
    ]


def format_table(report: EvalReport) -> str:
    """The per-code table with the heading-linter baseline beside it, and the macro averages."""
    rows = _code_table(report.codes, report.baseline)
    rows += _macro_lines(report.codes, report.baseline)
    rows += [
        f"related_correct    {_num(report.related_correct)}",
        f"cases {report.n_cases}, {report.seconds_per_case:.3f} s per case, LLM {report.llm}",
    ]
    return "\n".join(rows)


def _tally_row(label: str, t: FindingTally) -> str:
    return (
        f"{label:<12} {t.raised:>6} {t.right:>6} {_num(t.share_right):>12} {t.wrong_per_doc:>14.3f}"
    )


def format_findings(report: EvalReport) -> str:
    """How many findings were raised, how many were right, and wrong ones per document."""
    return "\n".join(
        [
            "Findings raised (one code on one labelled document)",
            f"{'':<12} {'raised':>6} {'right':>6} {'share right':>12} {'wrong per doc':>14}",
            _tally_row("core", report.findings.core),
            _tally_row("all codes", report.findings.all_codes),
        ]
    )


def _type_block(doc_type: str, scores: Scores, baseline: Mapping[str, CodeScore]) -> list[str]:
    core, every = scores.findings.core, scores.findings.all_codes
    return [
        f"{doc_type}: {scores.n_cases} cases",
        *_code_table(scores.codes, baseline, indent="  "),
        *_macro_lines(scores.codes, baseline, indent="  "),
        f"  core findings right {core.right} of {core.raised} ({_num(core.share_right)}), "
        f"wrong per doc {core.wrong_per_doc:.3f}",
        f"  all findings right {every.right} of {every.raised} ({_num(every.share_right)}), "
        f"wrong per doc {every.wrong_per_doc:.3f}",
    ]


def format_by_type(report: EvalReport) -> str:
    """The per-code table and averages for each document type in the set."""
    lines = ["By document type (gold type from cases.jsonl)"]
    for doc_type, scores in report.by_type.items():
        lines += ["", *_type_block(doc_type, scores, report.baseline_by_type.get(doc_type, {}))]
    return "\n".join(lines)


def format_reliability(report: EvalReport) -> str:
    """Per code: of the findings at confidence >= x, how many were right."""
    head = f"{'code':<28}" + "".join(f" {'>=' + str(x):>9}" for x in THRESHOLDS)
    lines = [
        "Confidence reliability (findings at confidence >= x: right/n precision)",
        head,
        "-" * len(head),
    ]
    for code, rows in report.reliability.items():
        cells = [
            f" {f'{r.right}/{r.n} {r.precision:.2f}':>9}" if r.n else f" {'-':>9}" for r in rows
        ]
        lines.append(f"{code:<28}" + "".join(cells))
    return "\n".join(lines)


def format_type_detection(report: EvalReport) -> str:
    """Type-detection accuracy, and the wrong ones grouped by gold -> predicted type."""
    td = report.type_detection
    if td.n == 0:
        return "Document type detection: no predicted types recorded"
    lines = [f"Document type detection: {td.right} of {td.n} right ({_num(td.accuracy)})"]
    groups: dict[tuple[str, str], list[str]] = {}
    for miss in td.wrong:
        groups.setdefault((miss.gold, miss.predicted), []).append(miss.case_id)
    for (gold, predicted), ids in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {gold} read as {predicted}: {len(ids)} ({', '.join(ids)})")
    sources: dict[str, int] = {}
    for p in report.predictions:
        if p.doc_type is not None:
            key = p.doc_type_source.split(":", 1)[0] or "-"
            sources[key] = sources.get(key, 0) + 1
    told = ", ".join(f"{k} {v}" for k, v in sorted(sources.items(), key=lambda kv: -kv[1]))
    lines.append(f"  how the type was told: {told}")
    return "\n".join(lines)


def format_terms(report: EvalReport) -> str | None:
    """Which vocabulary terms fired on how many cases; None when tracing was not asked for."""
    if report.term_tracing == "off" or report.terms is None:
        return None
    lines = [
        f"Vocabulary terms that fired ({report.n_cases} cases; a term that fires only on this "
        "set's wording is not a signal)"
    ]
    for code, terms in report.terms.items():
        lines.append(f"  {code}")
        for term, n in sorted(terms.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"    {n:>4}  {term}")
    if not report.terms:
        lines.append("  none")
    return "\n".join(lines)


def format_rules(report: EvalReport) -> str | None:
    """Each team rule's precision and recall; None when the set labels no rules."""
    if not report.rules:
        return None
    head = f"{'team rule':<30} {'tp':>3} {'fp':>3} {'fn':>3} {'P':>6} {'R':>6} {'F1':>6}"
    lines = ["Team rules (labelled in cases.jsonl `rules`)", head, "-" * len(head)]
    for rule, s in report.rules.items():
        note = "  (no positive label)" if s.tp + s.fn == 0 else ""
        lines.append(
            f"{rule:<30} {s.tp:>3} {s.fp:>3} {s.fn:>3} "
            f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}{note}"
        )
    return "\n".join(lines)


def _sections(report: EvalReport) -> list[str]:
    rules = format_rules(report)
    sections = [
        *([rules] if rules is not None else []),
        format_table(report),
        format_findings(report),
        format_by_type(report),
        format_reliability(report),
        format_type_detection(report),
    ]
    terms = format_terms(report)
    return sections + [terms] if terms is not None else sections


def format_report(report: EvalReport) -> str:
    """Everything the terminal shows, section after section."""
    return "\n\n".join(_sections(report))


def report_markdown(report: EvalReport, dataset_dir: Path) -> str:
    """A markdown summary for evals/reports/: every section, then the per-case mistakes."""
    lines = [
        f"# Review eval: {dataset_dir.name}",
        "",
        f"LLM: {report.llm}. Cases: {report.n_cases}. "
        f"Seconds per case: {report.seconds_per_case:.3f}.",
    ]
    for section in _sections(report):
        lines += ["", "```", section, "```"]
    lines += ["", "Wrong calls (case (path; gold type, read as): missed / false):", ""]
    lines += [f"- {m}" for m in report.mistakes] or ["- none"]
    return "\n".join(lines) + "\n"
