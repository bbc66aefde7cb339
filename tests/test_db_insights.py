"""Insights queries behind the FindingLedger, on the in-memory fake, SQLite and PostgreSQL alike,
and the pure aggregation in assistant/insights.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from assistant.db import open_ledger
from assistant.insights import (
    build_insights,
    check_shares,
    citation_tables,
    gaps,
    period_start,
    timeline,
)
from assistant.ledger import (
    CheckOutcome,
    Citations,
    CodeDay,
    DocumentGaps,
    DocumentKey,
    FindingLedger,
    InMemoryLedger,
)
from assistant.models import DocumentRecord, Finding, RelatedRecord, Review, Span
from tests.db_support import fresh_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday
SPEC = DocumentKey(repo="acme/specs", path="docs/specs/checkout.md")
DESIGN = DocumentKey(repo="acme/specs", path="docs/design/cache.md")
UPLOAD = DocumentKey(path="draft.md")


def finding(fp: str, code: str = "SPEC-WHY", cites: tuple[str, ...] = ()) -> Finding:
    return Finding(
        code=code,
        severity="medium",
        title=f"{code} title",
        message=f"{code}, message",
        suggestion="do it",
        span=Span(start_line=3, end_line=4, quote="q"),
        section="Goals",
        fingerprint=fp,
        related=[RelatedRecord(id=c, title=c) for c in cites],
    )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FindingLedger]:
    if request.param == "memory":
        yield InMemoryLedger()
        return
    with fresh_database(request.param, tmp_path) as url:
        opened = open_ledger(url)
        yield opened
        opened.close()


def record(ledger: FindingLedger, doc: DocumentKey, at: datetime, *findings: Finding):
    return ledger.record_review(
        Review(path=doc.path, findings=list(findings)),
        document=doc,
        content_hash="h" * 64,
        surface="cli",
        at=at,
    )


def seed(ledger: FindingLedger) -> None:
    """Three days of reviews on three documents; two dismissals; citations from both sides."""
    d0 = NOW - timedelta(days=2)
    record(ledger, SPEC, d0, finding("a"), finding("b", "SPEC-OWNER", ("adr-1",)))
    record(ledger, DESIGN, d0 + timedelta(hours=23, minutes=59), finding("c"))
    first = record(ledger, UPLOAD, NOW - timedelta(days=1), finding("d"), finding("e", "X"))
    # The day boundary is UTC: 00:00:30 on the next day is that day.
    late = datetime(NOW.year, NOW.month, NOW.day, 0, 0, 30, tzinfo=UTC)
    record(ledger, SPEC, late, finding("a"), finding("b", "SPEC-OWNER", ("adr-1", "adr-2")))
    ledger.dismiss(first.findings[0].id, by="pm", reason="wrong")
    ledger.dismiss((SPEC, "b"), by="pm", reason="not_applicable")
    ledger.record_answer(question="Why Postgres?", cited=["adr-1", "adr-3", "adr-1"], surface="api")
    ledger.record_answer(question="Who owns X?", cited=[], surface="web", refused=True)


def test_findings_per_day_are_counted_per_code_and_utc_day(ledger: FindingLedger) -> None:
    seed(ledger)
    days = {(r.code, r.day): r.findings for r in ledger.findings_per_day()}
    assert days == {
        ("SPEC-WHY", date(2026, 12, 5)): 1,
        ("SPEC-OWNER", date(2026, 12, 5)): 1,
        ("SPEC-WHY", date(2026, 12, 6)): 2,
        ("X", date(2026, 12, 6)): 1,
        ("SPEC-WHY", date(2026, 12, 7)): 1,
        ("SPEC-OWNER", date(2026, 12, 7)): 1,
    }
    recent = ledger.findings_per_day(since=NOW - timedelta(days=1, hours=1))
    assert {r.day for r in recent} == {date(2026, 12, 6), date(2026, 12, 7)}


def test_check_outcomes_count_tracked_findings_and_dismissals_by_reason(
    ledger: FindingLedger,
) -> None:
    seed(ledger)
    assert ledger.check_outcomes() == [
        CheckOutcome("SPEC-OWNER", 1, 1, 0, 1, 0),
        CheckOutcome("SPEC-WHY", 3, 1, 1, 0, 0),
        CheckOutcome("X", 1, 0, 0, 0, 0),
    ]


def test_gaps_per_document_leave_out_dismissed_findings(ledger: FindingLedger) -> None:
    seed(ledger)
    record(ledger, DESIGN, NOW, finding("z"))  # "c" gone: resolved, still a gap it had
    assert ledger.gaps_by_document() == [
        DocumentGaps("", "draft.md", "X", 1, 1),
        DocumentGaps("acme/specs", "docs/design/cache.md", "SPEC-WHY", 2, 1),
        DocumentGaps("acme/specs", "docs/specs/checkout.md", "SPEC-WHY", 1, 1),
    ]


def test_citations_count_reviews_and_answers_once_each(ledger: FindingLedger) -> None:
    seed(ledger)
    cited = ledger.citations()
    assert cited.by_reviews == {"adr-1": 2, "adr-2": 1}
    assert cited.by_answers == {"adr-1": 1, "adr-3": 1}
    totals = ledger.totals()
    assert (totals.reviews, totals.findings, totals.documents, totals.answers) == (4, 7, 3, 2)
    assert totals.first_review == NOW - timedelta(days=2)
    assert totals.last_review == datetime(2026, 12, 7, 0, 0, 30, tzinfo=UTC)


def test_export_reads_every_finding_in_pages_with_its_current_state(
    ledger: FindingLedger,
) -> None:
    seed(ledger)
    rows = list(ledger.export_findings(batch=2))
    assert [r.finding_id for r in rows] == sorted(r.finding_id for r in rows)
    assert len(rows) == 7 and len({r.finding_id for r in rows}) == 7
    first = rows[0]
    assert (first.repo, first.path, first.code, first.surface) == (
        "acme/specs",
        "docs/specs/checkout.md",
        "SPEC-WHY",
        "cli",
    )
    owner = [r for r in rows if r.code == "SPEC-OWNER"]
    assert [r.related for r in owner] == [["adr-1"], ["adr-1", "adr-2"]]
    assert {(r.state, r.dismissed_by, r.dismiss_reason) for r in owner} == {
        ("dismissed", "pm", "not_applicable")
    }
    assert [r.state for r in rows if r.path == "draft.md"] == ["dismissed", "open"]
    assert list(InMemoryLedger().export_findings()) == []


def test_insights_from_a_ledger_and_the_library(ledger: FindingLedger) -> None:
    seed(ledger)
    for n in range(6):  # a check dismissed 4 times in 6: noise
        doc = DocumentKey(path=f"notes/n{n}.md")
        recorded = record(ledger, doc, NOW, finding(f"n{n}", "NOISY"))
        if n < 4:
            ledger.dismiss(recorded.findings[0].id, by="pm", reason="wrong")
    records = [
        DocumentRecord(id="adr-1", kind="decision", title="Use Postgres", path="adr/1.md",
                       status="accepted"),
        DocumentRecord(id="adr-4", kind="decision", title="Use Kafka", path="adr/4.md",
                       status="Accepted", date="2025-01-01"),
        DocumentRecord(id="adr-5", kind="decision", title="Old", path="adr/5.md",
                       status="superseded"),
    ]  # fmt: skip
    found = build_insights(ledger, records, days=14, bucket="week", noise_min=5, now=NOW)
    assert found.noise == ["NOISY"]
    noisy = next(c for c in found.checks if c.code == "NOISY")
    assert noisy.share == pytest.approx(4 / 6, abs=1e-4) and noisy.reasons == {"wrong": 4}
    assert found.timeline.periods == [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]
    by_code = {s.code: s.counts for s in found.timeline.series}
    assert by_code["SPEC-WHY"] == [0, 3, 1] and by_code["NOISY"] == [0, 0, 6]
    assert [c.id for c in found.most_cited] == ["adr-1", "adr-2", "adr-3"]
    assert (found.most_cited[0].by_reviews, found.most_cited[0].by_answers) == (2, 1)
    assert not found.most_cited[1].in_library
    assert [d.id for d in found.never_cited] == ["adr-4"] and found.accepted_decisions == 2
    assert found.gaps_by_repository[0].repo == "acme/specs"
    assert found.totals.answers == 2
    assert found.model_dump(mode="json")["most_cited"][0]["total"] == 3


def test_timeline_fills_empty_periods_and_folds_days_into_weeks() -> None:
    rows = [CodeDay("A", date(2026, 12, 1), 2), CodeDay("B", date(2026, 12, 3), 5)]
    weeks = timeline(rows, start=date(2026, 11, 20), end=date(2026, 12, 9), bucket="week")
    assert weeks.periods == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30),
                             date(2026, 12, 7)]  # fmt: skip
    assert [(s.code, s.counts) for s in weeks.series] == [("B", [0, 0, 5, 0]), ("A", [0, 0, 2, 0])]
    days = timeline(rows, start=date(2026, 12, 1), end=date(2026, 12, 3), bucket="day")
    assert days.totals == [2, 0, 5]
    assert period_start(date(2026, 12, 6), "week") == date(2026, 11, 30)  # a Sunday
    assert timeline([], start=date(2026, 12, 1), end=date(2026, 12, 1)).series == []


def test_a_check_is_noise_over_half_dismissed_and_only_with_enough_findings() -> None:
    shares = check_shares(
        [
            CheckOutcome("HALF", 10, 5),  # exactly half: not over it
            CheckOutcome("MOST", 10, 6, wrong=6),
            CheckOutcome("FEW", 2, 2, wont_fix=2),  # all dismissed, but too few to tell
        ],
        noise_min=5,
    )
    assert [(c.code, c.noise) for c in shares] == [
        ("FEW", False),
        ("MOST", True),
        ("HALF", False),
    ]
    assert shares[1].reasons == {"wrong": 6}


def test_gaps_group_documents_by_folder_and_repository() -> None:
    rows = [
        DocumentGaps("acme/a", "docs/x.md", "WHY", 2, 0),
        DocumentGaps("acme/a", "docs/y.md", "WHY", 1, 1),
        DocumentGaps("acme/b", "z.md", "WHY", 1, 1),
        DocumentGaps("", "draft.md", "OWNER", 3, 3),
    ]
    by_folder, by_repo = gaps(rows)
    assert [(g.place, g.code, g.documents, g.open) for g in by_folder] == [
        ("acme/a:docs", "WHY", 2, 1),
        ("(top level)", "OWNER", 1, 1),
        ("acme/b", "WHY", 1, 1),
    ]
    assert [(g.repo, g.documents) for g in by_repo] == [("acme/a", 2), ("acme/b", 1)]


def test_never_cited_lists_only_accepted_decisions() -> None:
    records = [
        DocumentRecord(id="d1", kind="decision", title="A", path="a", status="accepted"),
        DocumentRecord(id="d2", kind="decision", title="B", path="b", status="accepted"),
        DocumentRecord(id="s1", kind="spec", title="S", path="s", status="accepted"),
    ]
    most, never, accepted = citation_tables(Citations(by_answers={"d1": 1}), records)
    assert [c.id for c in most] == ["d1"] and [d.id for d in never] == ["d2"] and accepted == 2


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_upgrading_to_0004_copies_the_citations_of_findings_recorded_before(
    kind: str, tmp_path: Path
) -> None:
    from assistant.db import migrate

    with fresh_database(kind, tmp_path) as url:
        ledger = open_ledger(url)
        seed(ledger)
        before = ledger.citations().by_reviews
        migrate.downgrade(ledger.engine, "0003")  # no finding_citations, no answers
        migrate.upgrade(ledger.engine)
        assert ledger.citations().by_reviews == before == {"adr-1": 2, "adr-2": 1}
        assert ledger.citations().by_answers == {}  # answers came with 0004
        ledger.close()
