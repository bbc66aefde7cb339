"""The review page's view model: the draft's lines with each finding placed beside its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.errors import DatabaseError
from assistant.ledger import FindingLedger, FindingState, RecordedFinding
from assistant.models import SEVERITY_ORDER, Finding, Review

_DISMISSED = re.compile(r"\(dismissed, finding (\d+)\)$")  # as assistant.ledger.apply_ledger says


@dataclass
class DraftRow:
    """One line of the draft, the findings anchored to it, and absences whose stub goes after it."""

    n: int
    text: str
    findings: list[Finding] = field(default_factory=list)
    stubs: list[Finding] = field(default_factory=list)
    in_span: bool = False  # inside a multi-line finding's span (continuation lines)


@dataclass
class ReviewView:
    rows: list[DraftRow]
    top_stubs: list[Finding]  # absences that belong before the first line
    unplaced: list[Finding]  # findings about the whole draft, with no line
    ordered: list[Finding]  # every finding, most severe first, then by line
    counts: dict[str, int]


def finding_line(finding: Finding) -> int | None:
    if finding.span is not None:
        return finding.span.start_line
    return finding.insert_after_line


def build_review_view(text: str, review: Review) -> ReviewView:
    """Place findings on rows; line numbers are clamped so a bad anchor never drops a finding."""
    lines = text.split("\n")
    rows = [DraftRow(n=i, text=line) for i, line in enumerate(lines, start=1)]
    top: list[Finding] = []
    unplaced: list[Finding] = []
    last = len(rows)
    for finding in review.findings:
        if finding.span is not None:
            n = min(max(finding.span.start_line, 1), last)
            rows[n - 1].findings.append(finding)
            for row in rows[n : min(finding.span.end_line, last)]:
                row.in_span = True
        elif finding.insert_after_line is not None:
            n = min(finding.insert_after_line, last)
            (rows[n - 1].stubs if n >= 1 else top).append(finding)
        else:
            unplaced.append(finding)
    counts = dict.fromkeys(sorted(SEVERITY_ORDER, key=lambda s: -SEVERITY_ORDER[s]), 0)
    for finding in review.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1

    def key(f: Finding) -> tuple[int, int]:
        return (-SEVERITY_ORDER.get(f.severity, 0), finding_line(f) or 0)

    return ReviewView(
        rows=rows,
        top_stubs=top,
        unplaced=unplaced,
        ordered=sorted(review.findings, key=key),
        counts=counts,
    )


@dataclass
class DismissedFinding:
    """A finding this review raised again on a document where it was dismissed: shown as
    dismissed (who, why), with a way to reopen it, instead of silently left out."""

    finding: RecordedFinding
    state: FindingState | None


def dismissed_in(ledger: Callable[[], FindingLedger], review: Review) -> list[DismissedFinding]:
    """The review's findings suppressed because they were dismissed on its document; [] when
    the findings database cannot be read (the review itself says it was not saved)."""
    ids = [int(m.group(1)) for s in review.suppressed if (m := _DISMISSED.search(s))]
    if not ids:
        return []
    try:
        book = ledger()
        out: list[DismissedFinding] = []
        states: dict[int, dict[str, FindingState]] = {}
        for finding_id in ids:
            found = book.get_finding(finding_id)
            if found is None:
                continue
            if found.review_id not in states:
                recorded = book.get_review(found.review_id)
                states[found.review_id] = (
                    book.dismissed_fingerprints(recorded.document) if recorded else {}
                )
            out.append(DismissedFinding(found, states[found.review_id].get(found.fingerprint)))
        return sorted(out, key=lambda d: (d.finding.start_line or 0, d.finding.code))
    except DatabaseError:
        return []
