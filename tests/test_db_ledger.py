"""The FindingLedger contract, run on the in-memory fake, SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.db import open_ledger, sqlite_url
from assistant.errors import DatabaseError, InputError
from assistant.ledger import (
    DocumentKey,
    FindingLedger,
    InMemoryLedger,
    JobRecord,
    apply_ledger,
    next_state,
)
from assistant.models import Finding, RelatedRecord, Review, Span
from tests.db_support import fresh_database

DOC = DocumentKey(repo="acme/specs", path="docs/specs/checkout.md")
OTHER = DocumentKey(path="draft.md")


def finding(fp: str, code: str = "SPEC-WHY", line: int = 3) -> Finding:
    return Finding(
        code=code,
        severity="medium",
        title=f"{code} title",
        message=f"{code} message",
        suggestion="do it",
        span=Span(start_line=line, end_line=line + 1, quote="quoted"),
        section="Goals",
        fingerprint=fp,
        related=[RelatedRecord(id="adr-0001", title="Use Postgres")],
    )


def review_with(*findings: Finding) -> Review:
    return Review(path="checkout.md", findings=list(findings))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FindingLedger]:
    if request.param == "memory":
        yield InMemoryLedger()
        return
    with fresh_database(request.param, tmp_path) as url:
        opened = open_ledger(url)
        yield opened
        opened.close()


def record(ledger: FindingLedger, *findings: Finding, doc: DocumentKey = DOC, **kw: object):
    return ledger.record_review(
        review_with(*findings),
        document=doc,
        content_hash="h" * 64,
        surface=kw.get("surface", "cli"),  # type: ignore[arg-type]
        at=kw.get("at"),  # type: ignore[arg-type]
    )


def states(ledger: FindingLedger, doc: DocumentKey = DOC) -> dict[str, str]:
    return {s.fingerprint: s.state for s in ledger.finding_states(doc)}


def test_a_review_is_recorded_with_its_findings(ledger: FindingLedger) -> None:
    recorded = record(ledger, finding("a"), finding("b", "SPEC-OWNER", 9), surface="api")
    assert recorded.document == DOC and recorded.surface == "api"
    assert recorded.doc_type == "spec" and recorded.llm_mode == "off"
    assert [
        (f.fingerprint, f.code, f.start_line, f.end_line, f.state) for f in recorded.findings
    ] == [
        ("a", "SPEC-WHY", 3, 4, "open"),
        ("b", "SPEC-OWNER", 9, 10, "open"),
    ]
    assert recorded.findings[0].related == ["adr-0001"]
    again = ledger.get_review(recorded.id)
    assert again is not None and again.findings == recorded.findings
    assert ledger.get_finding(recorded.findings[1].id) == recorded.findings[1]
    assert ledger.get_finding(10_000) is None and ledger.get_review(10_000) is None


def test_a_finding_gone_from_a_later_review_is_resolved_and_reopened_when_back(
    ledger: FindingLedger,
) -> None:
    record(ledger, finding("a"), finding("b"))
    record(ledger, finding("a"))
    assert states(ledger) == {"a": "open", "b": "resolved"}
    back = record(ledger, finding("a"), finding("b"))
    assert states(ledger) == {"a": "open", "b": "reopened"}
    assert [f.state for f in back.findings] == ["open", "reopened"]


def test_documents_are_kept_apart(ledger: FindingLedger) -> None:
    record(ledger, finding("a"))
    record(ledger, doc=OTHER)  # a clean review of another document resolves nothing here
    assert states(ledger) == {"a": "open"}
    assert states(ledger, OTHER) == {}


def test_dismiss_by_id_then_it_stays_dismissed_until_reopened(ledger: FindingLedger) -> None:
    first = record(ledger, finding("a"), finding("b"))
    dismissed = ledger.dismiss(first.findings[0].id, by="pm@acme", reason="wrong")
    assert (dismissed.state, dismissed.by, dismissed.reason) == ("dismissed", "pm@acme", "wrong")
    assert set(ledger.dismissed_fingerprints(DOC)) == {"a"}
    assert ledger.dismissed_fingerprints(OTHER) == {}
    again = record(ledger, finding("a"), finding("b"))
    assert [f.state for f in again.findings] == ["dismissed", "open"]
    record(ledger, finding("b"))  # gone: a dismissed finding is not "resolved"
    assert states(ledger)["a"] == "dismissed"
    reopened = ledger.reopen((DOC, "a"), by="pm@acme")
    assert (reopened.state, reopened.reason) == ("reopened", None)
    assert ledger.dismissed_fingerprints(DOC) == {}


def test_dismiss_by_document_and_fingerprint(ledger: FindingLedger) -> None:
    record(ledger, finding("a"))
    ledger.dismiss((DOC, "a"), by="bot", reason="wont_fix")
    assert ledger.dismissed_fingerprints(DOC)["a"].reason == "wont_fix"


def test_dismissing_what_was_never_recorded_or_with_an_unknown_reason_says_so(
    ledger: FindingLedger,
) -> None:
    recorded = record(ledger, finding("a"))
    with pytest.raises(InputError, match="no finding 999"):
        ledger.dismiss(999, by="x", reason="wrong")
    with pytest.raises(InputError, match="no finding zzz"):
        ledger.dismiss((DOC, "zzz"), by="x", reason="wrong")
    with pytest.raises(InputError, match="wrong, not_applicable, wont_fix"):
        ledger.dismiss(recorded.findings[0].id, by="x", reason="meh")  # type: ignore[arg-type]


def test_review_history_newest_first_filtered(ledger: FindingLedger) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    record(ledger, finding("a"), at=start)
    record(ledger, finding("a"), surface="github", at=start + timedelta(days=2))
    record(ledger, doc=OTHER, surface="web", at=start + timedelta(days=3))
    listed = ledger.reviews()
    assert [r.surface for r in listed] == ["web", "github", "cli"]
    assert [r.surface for r in ledger.reviews(document=DOC)] == ["github", "cli"]
    assert [r.surface for r in ledger.reviews(surface="github")] == ["github"]
    assert len(ledger.reviews(since=start + timedelta(days=1))) == 2
    assert len(ledger.reviews(limit=1)) == 1
    assert listed[2].created_at == start


def test_deliveries_are_first_time_once(ledger: FindingLedger) -> None:
    assert ledger.first_time_delivery("d-1")
    assert not ledger.first_time_delivery("d-1")
    ledger.forget_delivery("d-1")
    assert ledger.first_time_delivery("d-1")


def test_old_deliveries_are_pruned(ledger: FindingLedger) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ledger.first_time_delivery("old", at=start)
    ledger.first_time_delivery("new", at=start + timedelta(days=30))
    assert ledger.prune_deliveries(start + timedelta(days=1)) == 1
    assert ledger.first_time_delivery("old")
    assert not ledger.first_time_delivery("new")


def test_who_is_kept_to_200_characters(ledger: FindingLedger) -> None:
    record(ledger, finding("a"))
    assert ledger.dismiss((DOC, "a"), by="x" * 500, reason="wrong").by == "x" * 200


def test_jobs_are_saved_listed_and_interrupted(ledger: FindingLedger) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ledger.save_job(JobRecord(id="j1", state="done", total=2, done=2, created_at=now))
    ledger.save_job(JobRecord(id="j2", state="running", total=5, created_at=now + timedelta(1)))
    ledger.save_job(
        JobRecord(
            id="j2",
            state="running",
            total=5,
            done=3,
            warnings=["x: binary"],
            created_at=now + timedelta(1),
        )
    )
    job = ledger.get_job("j2")
    assert job is not None and (job.done, job.warnings) == (3, ["x: binary"])
    assert [j.id for j in ledger.jobs()] == ["j2", "j1"]
    marked = ledger.interrupt_jobs("the server restarted while it ran")
    assert [j.id for j in marked] == ["j2"]
    job = ledger.get_job("j2")
    assert job is not None
    assert (job.state, job.error) == ("failed", "the server restarted while it ran")
    assert ledger.get_job("nope") is None


def test_apply_ledger_shows_ids_and_suppresses_dismissed(ledger: FindingLedger) -> None:
    first = record(ledger, finding("a"), finding("b"))
    ledger.dismiss(first.findings[0].id, by="pm", reason="not_applicable")
    review = review_with(finding("a"), finding("b"))
    shown = apply_ledger(review, record(ledger, finding("a"), finding("b")))
    assert [f.fingerprint for f in shown.findings] == ["b"]
    assert shown.findings[0].id is not None
    assert len(shown.suppressed) == 1 and "SPEC-WHY@3 (dismissed, finding" in shown.suppressed[0]


@pytest.mark.parametrize(
    ("current", "present", "expected"),
    [
        (None, True, "open"),
        (None, False, None),
        ("open", False, "resolved"),
        ("reopened", False, "resolved"),
        ("resolved", True, "reopened"),
        ("resolved", False, "resolved"),
        ("dismissed", True, "dismissed"),
        ("dismissed", False, "dismissed"),
    ],
)
def test_next_state(current, present, expected) -> None:
    assert next_state(current, present) == expected


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_reviews_of_one_document_record_each(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        ledger = open_ledger(url)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(5):
                    record(ledger, finding("a"), finding("b"))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(ledger.reviews(limit=100)) == 20
        assert states(ledger) == {"a": "open", "b": "open"}
        ledger.close()


def test_an_unreachable_server_is_a_database_error() -> None:
    with pytest.raises(DatabaseError, match="unreachable; check SPECREVIEW_DATABASE_URL"):
        open_ledger("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_a_bad_url_is_a_database_error() -> None:
    with pytest.raises(DatabaseError, match="not valid"):
        open_ledger("not a url")


def test_a_locked_sqlite_database_is_a_database_error(tmp_path: Path) -> None:
    import sqlite3

    url = sqlite_url(tmp_path / "db.sqlite")
    ledger = open_ledger(url, lock_wait_s=0.1)
    holder = sqlite3.connect(str(tmp_path / "db.sqlite"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError, match="write lock; retry"):
            record(ledger, finding("a"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
