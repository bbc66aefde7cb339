"""The finding ledger: what is remembered about reviews, findings and the service's own work.

`FindingLedger` is the interface every surface records through (the CLI, the API, the web
page, the GitHub bot); `assistant/db/` implements it over SQLAlchemy (SQLite or PostgreSQL)
and `InMemoryLedger` below is the honest fake for tests. The engine never records: surfaces
review, then record here, then `apply_ledger` marks what the ledger says (ids, dismissals).

A finding's life, per document and fingerprint: open → resolved (absent from a later review
of the same document) → reopened (present again); open or reopened → dismissed (by whom and
why) → reopened (by hand). A dismissed finding stays dismissed while it keeps being raised.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.bot_state import BotStateLedger, InMemoryBotState
from assistant.errors import DatabaseError, InputError
from assistant.models import Answer, Review

log = logging.getLogger("specreview.ledger")

Surface = Literal["cli", "api", "web", "github"]
SURFACES: tuple[Surface, ...] = ("cli", "api", "web", "github")
FindingStateName = Literal["open", "resolved", "dismissed", "reopened"]
DismissReason = Literal["wrong", "not_applicable", "wont_fix"]
DISMISS_REASONS: tuple[DismissReason, ...] = ("wrong", "not_applicable", "wont_fix")
JobState = Literal["queued", "running", "done", "failed"]
ACTIVE = ("open", "reopened")  # the states a finding is raised in
BY_MAX = 200  # characters of who moved a finding that are kept


class DocumentKey(BaseModel):
    """Which document a review was of: repository and path, or an uploaded name (repo "")."""

    model_config = ConfigDict(frozen=True)

    repo: str = ""
    path: str

    @property
    def label(self) -> str:
        return f"{self.repo}:{self.path}" if self.repo else self.path


class RecordedFinding(BaseModel):
    """One finding as recorded with its review, and its state on the document since."""

    id: int
    review_id: int
    code: str
    severity: str
    fingerprint: str
    start_line: int | None = None
    end_line: int | None = None
    section: str = ""
    title: str = ""
    message: str = ""
    related: list[str] = Field(default_factory=list)  # ids of the records it cites
    state: FindingStateName = "open"


class RecordedReview(BaseModel):
    """A review as the ledger keeps it."""

    id: int
    document: DocumentKey
    content_hash: str
    doc_type: str
    llm_mode: str
    surface: Surface
    created_at: datetime
    findings: list[RecordedFinding] = Field(default_factory=list)


class FindingState(BaseModel):
    """Where a finding (a fingerprint on a document) stands, and who moved it there why."""

    document: DocumentKey
    fingerprint: str
    code: str
    state: FindingStateName
    by: str | None = None
    reason: DismissReason | None = None
    changed_at: datetime


class JobRecord(BaseModel):
    """An upload (indexing) job as it survives a restart."""

    id: str
    state: JobState = "queued"
    total: int = 0
    done: int = 0
    message: str = ""
    error: str | None = None
    document_ids: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime | None = None
    finished_at: datetime | None = None


class CodeDay(NamedTuple):
    """Findings of one code raised by the reviews of one UTC day."""

    code: str
    day: date
    findings: int


class CheckOutcome(NamedTuple):
    """One check's findings as tracked on documents (a fingerprint each), and how many of
    them people dismissed, by reason."""

    code: str
    tracked: int
    dismissed: int
    wrong: int = 0
    not_applicable: int = 0
    wont_fix: int = 0


class DocumentGaps(NamedTuple):
    """One code on one document: fingerprints ever raised there and not dismissed, and how
    many of them are still open."""

    repo: str
    path: str
    code: str
    raised: int
    open: int


class Citations(BaseModel):
    """How often each record is cited: by reviews (a finding's `related`, once per review)
    and by answers (once per answer)."""

    by_reviews: dict[str, int] = Field(default_factory=dict)
    by_answers: dict[str, int] = Field(default_factory=dict)


class LedgerTotals(BaseModel):
    reviews: int = 0
    findings: int = 0
    documents: int = 0
    answers: int = 0
    first_review: datetime | None = None
    last_review: datetime | None = None
    last_change: datetime | None = None  # the latest move of any finding's state


class ExportedFinding(BaseModel):
    """One recorded finding with its review and its document's current state, as exported."""

    finding_id: int
    review_id: int
    reviewed_at: datetime
    surface: str
    repo: str
    path: str
    doc_type: str
    llm_mode: str
    code: str
    severity: str
    fingerprint: str
    start_line: int | None = None
    end_line: int | None = None
    section: str = ""
    title: str = ""
    message: str = ""
    related: list[str] = Field(default_factory=list)
    state: FindingStateName = "open"
    dismissed_by: str | None = None
    dismiss_reason: DismissReason | None = None


EPOCH_DAY = date(1970, 1, 1)
QUESTION_MAX = 2000  # characters of a question that are kept with its answer


FindingRef = int | tuple[DocumentKey, str]  # a recorded finding's id, or (document, fingerprint)


class FindingLedger(BotStateLedger, Protocol):
    """Reviews, findings and their states, and the service's durable state."""

    def record_review(
        self,
        review: Review,
        *,
        document: DocumentKey,
        content_hash: str,
        surface: Surface,
        at: datetime | None = None,
    ) -> RecordedReview:
        """Record a review and its findings; move the document's finding states (resolved for
        those gone, reopened for resolved ones back). Returns each finding's id and state."""
        ...

    def dismiss(self, finding: FindingRef, *, by: str, reason: DismissReason) -> FindingState:
        """Dismiss a finding on its document; InputError when no such finding is recorded."""
        ...

    def reopen(self, finding: FindingRef, *, by: str) -> FindingState: ...

    def dismissed_fingerprints(self, document: DocumentKey) -> dict[str, FindingState]:
        """The fingerprints dismissed on this document, with who dismissed each and why."""
        ...

    def finding_states(self, document: DocumentKey | None = None) -> list[FindingState]: ...

    def get_finding(self, finding_id: int) -> RecordedFinding | None: ...

    def get_review(self, review_id: int) -> RecordedReview | None: ...

    def reviews(
        self,
        *,
        document: DocumentKey | None = None,
        surface: Surface | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[RecordedReview]:
        """Recorded reviews, newest first, with their findings."""
        ...

    def first_time_delivery(self, delivery_id: str, *, at: datetime | None = None) -> bool:
        """Record a webhook delivery id; False when it was recorded before (a replay)."""
        ...

    def forget_delivery(self, delivery_id: str) -> None:
        """Drop a delivery whose work was refused, so its redelivery is accepted."""
        ...

    def prune_deliveries(self, received_before: datetime) -> int:
        """Forget deliveries received before this (GitHub redelivers for days, not months);
        returns how many were dropped."""
        ...

    def save_job(self, job: JobRecord) -> None:
        """Insert or update an upload job."""
        ...

    def get_job(self, job_id: str) -> JobRecord | None: ...

    def jobs(self, *, limit: int = 200) -> list[JobRecord]:
        """Jobs, newest first."""
        ...

    def interrupt_jobs(self, reason: str, *, at: datetime | None = None) -> list[JobRecord]:
        """Mark every queued or running job failed with `reason` (call once on start: they
        were cut off by a restart). Returns the jobs it marked."""
        ...

    # Answers and insights.

    def record_answer(
        self,
        *,
        question: str,
        cited: Sequence[str],
        surface: Surface,
        refused: bool = False,
        at: datetime | None = None,
    ) -> None:
        """Record an answer given and the record ids it cited (in citation order)."""
        ...

    def findings_per_day(self, *, since: datetime | None = None) -> list[CodeDay]:
        """Findings raised per code and UTC day by the reviews recorded since `since`."""
        ...

    def check_outcomes(self) -> list[CheckOutcome]:
        """Per code: fingerprints tracked on documents, and those dismissed (by reason)."""
        ...

    def gaps_by_document(self) -> list[DocumentGaps]:
        """Per document and code: fingerprints raised and not dismissed, and those open."""
        ...

    def citations(self) -> Citations:
        """Every record id cited by a recorded review or answer, with how often."""
        ...

    def totals(self) -> LedgerTotals: ...

    def export_findings(self, *, batch: int = 1000) -> Iterator[ExportedFinding]:
        """Every recorded finding, oldest first, read `batch` at a time (never all at once)."""
        ...

    def close(self) -> None: ...


def next_state(current: FindingStateName | None, present: bool) -> FindingStateName | None:
    """A fingerprint's state after a review of its document (None: not tracked, stays so)."""
    if present:
        if current is None:
            return "open"
        return "reopened" if current == "resolved" else current
    return "resolved" if current in ACTIVE else current


def apply_ledger(review: Review, recorded: RecordedReview) -> Review:
    """The review as shown: each finding with its recorded id, and the dismissed ones moved
    to `suppressed` (saying who dismissed them and why), not silently dropped."""
    states = {f.fingerprint: f for f in recorded.findings}
    kept, suppressed = [], list(review.suppressed)
    for finding in review.findings:
        entry = states.get(finding.fingerprint)
        if entry is not None and entry.state == "dismissed":
            where = f"@{finding.span.start_line}" if finding.span else ""
            suppressed.append(f"{finding.code}{where} (dismissed, finding {entry.id})")
            continue
        kept.append(finding.model_copy(update={"id": entry.id}) if entry else finding)
    return review.model_copy(update={"findings": kept, "suppressed": suppressed})


def hide_dismissed(review: Review, dismissed: Mapping[str, FindingState]) -> Review:
    """The review without the fingerprints dismissed on its document (they go to
    `suppressed`), for a surface that reads the ledger without recording."""
    kept, suppressed = [], list(review.suppressed)
    for finding in review.findings:
        if finding.fingerprint in dismissed:
            where = f"@{finding.span.start_line}" if finding.span else ""
            suppressed.append(f"{finding.code}{where} (dismissed)")
        else:
            kept.append(finding)
    return review.model_copy(update={"findings": kept, "suppressed": suppressed})


def unrecorded(review: Review, reason: str) -> Review:
    """The review as shown when it could not be recorded: its coverage says so (and that
    findings dismissed earlier may be among its findings)."""
    note = f"recording: the review was not saved ({reason}); dismissed findings may show again"
    coverage = review.coverage.model_copy(update={"skipped": [*review.coverage.skipped, note]})
    return review.model_copy(update={"coverage": coverage})


def content_hash(content: str | bytes) -> str:
    """The SHA-256 of what was reviewed (text as UTF-8)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def record_and_show(
    ledger: FindingLedger,
    review: Review,
    *,
    document: DocumentKey,
    content: str | bytes,
    surface: Surface,
) -> Review:
    """What every surface does after a review: record it, then show it as the ledger says
    (recorded ids, dismissed findings suppressed)."""
    recorded = ledger.record_review(
        review, document=document, content_hash=content_hash(content), surface=surface
    )
    return apply_ledger(review, recorded)


def remember(
    ledger: Callable[[], FindingLedger],
    review: Review,
    *,
    document: DocumentKey,
    content: str | bytes,
    surface: Surface,
) -> Review:
    """record_and_show for a service: a database that cannot be opened or written does not
    fail the review; the review's coverage says it was not saved."""
    try:
        return record_and_show(
            ledger(), review, document=document, content=content, surface=surface
        )
    except DatabaseError as exc:
        return unrecorded(review, str(exc))


def question_hash(question: str) -> str:
    """The same question asked twice hashes alike (case and spacing aside)."""
    return content_hash(" ".join(question.lower().split()))


def cited_ids(answer: Answer) -> list[str]:
    """The record ids an answer cites, in citation order, each once."""
    return list(dict.fromkeys(c.doc_id for c in answer.citations))


def remember_answer(
    ledger: Callable[[], FindingLedger], answer: Answer, *, surface: Surface
) -> None:
    """Record an answer at a surface's edge; a database that cannot be opened or written is
    logged, never an error for the person who asked."""
    try:
        ledger().record_answer(
            question=answer.question,
            cited=cited_ids(answer),
            surface=surface,
            refused=answer.refused,
        )
    except DatabaseError as exc:
        log.warning("the answer was not recorded: %s", exc)


def day_of(at: datetime) -> date:
    """The UTC day of an aware datetime."""
    return at.astimezone(UTC).date()


def folder_of(path: str) -> str:
    """A document's folder ("" at the root)."""
    return posixpath.dirname(path)


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def check_reason(reason: str) -> DismissReason:
    """The reason, or an InputError naming the ones accepted."""
    for known in DISMISS_REASONS:
        if reason == known:
            return known
    raise InputError(f"reason {reason!r} is not one of {', '.join(DISMISS_REASONS)}")


class InMemoryLedger(InMemoryBotState):
    """A FindingLedger in dicts, for tests; the same contract tests run it and the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reviews: dict[int, RecordedReview] = {}
        self._states: dict[tuple[DocumentKey, str], FindingState] = {}
        self._deliveries: dict[str, datetime] = {}
        self._jobs: dict[str, JobRecord] = {}
        self._answers: list[tuple[list[str], datetime]] = []
        self._next_finding = 1

    def record_review(
        self,
        review: Review,
        *,
        document: DocumentKey,
        content_hash: str,
        surface: Surface,
        at: datetime | None = None,
    ) -> RecordedReview:
        when = _now(at)
        with self._lock:
            review_id = len(self._reviews) + 1
            present = {f.fingerprint: f.code for f in review.findings}
            tracked = {fp for (doc, fp) in self._states if doc == document}
            for fp in tracked | present.keys():
                self._move(document, fp, present.get(fp), when)
            findings = []
            for f in review.findings:
                findings.append(
                    RecordedFinding(
                        id=self._next_finding,
                        review_id=review_id,
                        code=f.code,
                        severity=f.severity,
                        fingerprint=f.fingerprint,
                        start_line=f.span.start_line if f.span else None,
                        end_line=f.span.end_line if f.span else None,
                        section=f.section,
                        title=f.title,
                        message=f.message,
                        related=[r.id for r in f.related],
                        state=self._states[(document, f.fingerprint)].state,
                    )
                )
                self._next_finding += 1
            recorded = RecordedReview(
                id=review_id,
                document=document,
                content_hash=content_hash,
                doc_type=review.doc_type,
                llm_mode=review.llm.mode,
                surface=surface,
                created_at=when,
                findings=findings,
            )
            self._reviews[review_id] = recorded
            return recorded.model_copy(deep=True)

    def _move(self, document: DocumentKey, fp: str, code: str | None, when: datetime) -> None:
        old = self._states.get((document, fp))
        new = next_state(old.state if old else None, code is not None)
        if new is None or (old is not None and new == old.state):
            return
        self._states[(document, fp)] = FindingState(
            document=document,
            fingerprint=fp,
            code=code or (old.code if old else ""),
            state=new,
            changed_at=when,
        )

    def _resolve(self, finding: FindingRef) -> tuple[DocumentKey, str]:
        if isinstance(finding, tuple):
            if finding not in self._states:
                raise InputError(f"no finding {finding[1]} recorded on {finding[0].label}")
            return finding
        for review in self._reviews.values():
            for f in review.findings:
                if f.id == finding:
                    return review.document, f.fingerprint
        raise InputError(f"no finding {finding} is recorded; check the id in the review output")

    def _set(
        self,
        finding: FindingRef,
        state: FindingStateName,
        by: str,
        reason: DismissReason | None,
    ) -> FindingState:
        with self._lock:
            key = self._resolve(finding)
            updated = self._states[key].model_copy(
                update={
                    "state": state,
                    "by": by[:BY_MAX],
                    "reason": reason,
                    "changed_at": _now(None),
                }
            )
            self._states[key] = updated
            return updated

    def dismiss(self, finding: FindingRef, *, by: str, reason: DismissReason) -> FindingState:
        return self._set(finding, "dismissed", by, check_reason(reason))

    def reopen(self, finding: FindingRef, *, by: str) -> FindingState:
        return self._set(finding, "reopened", by, None)

    def dismissed_fingerprints(self, document: DocumentKey) -> dict[str, FindingState]:
        with self._lock:
            return {
                fp: s
                for (doc, fp), s in self._states.items()
                if doc == document and s.state == "dismissed"
            }

    def finding_states(self, document: DocumentKey | None = None) -> list[FindingState]:
        with self._lock:
            return [s for (doc, _), s in self._states.items() if document in (None, doc)]

    def get_finding(self, finding_id: int) -> RecordedFinding | None:
        with self._lock:
            for review in self._reviews.values():
                for f in review.findings:
                    if f.id == finding_id:
                        return f.model_copy(update={"state": self._state_of(review, f)})
            return None

    def _state_of(self, review: RecordedReview, f: RecordedFinding) -> FindingStateName:
        state = self._states.get((review.document, f.fingerprint))
        return state.state if state else f.state

    def get_review(self, review_id: int) -> RecordedReview | None:
        with self._lock:
            found = self._reviews.get(review_id)
            return found.model_copy(deep=True) if found else None

    def reviews(
        self,
        *,
        document: DocumentKey | None = None,
        surface: Surface | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[RecordedReview]:
        with self._lock:
            chosen = [
                r
                for r in sorted(self._reviews.values(), key=lambda r: r.id, reverse=True)
                if document in (None, r.document)
                and surface in (None, r.surface)
                and (since is None or r.created_at >= since)
            ]
            return [r.model_copy(deep=True) for r in chosen[:limit]]

    def first_time_delivery(self, delivery_id: str, *, at: datetime | None = None) -> bool:
        with self._lock:
            if delivery_id in self._deliveries:
                return False
            self._deliveries[delivery_id] = _now(at)
            return True

    def forget_delivery(self, delivery_id: str) -> None:
        with self._lock:
            self._deliveries.pop(delivery_id, None)

    def prune_deliveries(self, received_before: datetime) -> int:
        with self._lock:
            old = [d for d, at in self._deliveries.items() if at < received_before]
            for delivery in old:
                del self._deliveries[delivery]
            return len(old)

    def save_job(self, job: JobRecord) -> None:
        with self._lock:
            self._jobs[job.id] = job.model_copy(update={"updated_at": _now(None)}, deep=True)

    def get_job(self, job_id: str) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy(deep=True) if job else None

    def jobs(self, *, limit: int = 200) -> list[JobRecord]:
        with self._lock:
            ordered = sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)
            return [j.model_copy(deep=True) for j in ordered[:limit]]

    def interrupt_jobs(self, reason: str, *, at: datetime | None = None) -> list[JobRecord]:
        when = _now(at)
        with self._lock:
            marked = []
            for job in self._jobs.values():
                if job.state in ("queued", "running"):
                    job.state, job.error, job.message = "failed", reason, "failed"
                    job.finished_at = job.updated_at = when
                    marked.append(job.model_copy(deep=True))
            return marked

    def record_answer(
        self,
        *,
        question: str,  # noqa: ARG002 - the database keeps it; the fake needs only the ids
        cited: Sequence[str],
        surface: Surface,  # noqa: ARG002
        refused: bool = False,  # noqa: ARG002
        at: datetime | None = None,
    ) -> None:
        with self._lock:
            self._answers.append((list(dict.fromkeys(cited)), _now(at)))

    def findings_per_day(self, *, since: datetime | None = None) -> list[CodeDay]:
        counts: dict[tuple[str, date], int] = {}
        with self._lock:
            for r in self._reviews.values():
                if since is not None and r.created_at < since:
                    continue
                for f in r.findings:
                    key = (f.code, day_of(r.created_at))
                    counts[key] = counts.get(key, 0) + 1
        return [CodeDay(code, day, n) for (code, day), n in sorted(counts.items())]

    def check_outcomes(self) -> list[CheckOutcome]:
        by_code: dict[str, list[int]] = {}
        with self._lock:
            for s in self._states.values():
                row = by_code.setdefault(s.code, [0, 0, 0, 0, 0])
                row[0] += 1
                if s.state == "dismissed":
                    row[1] += 1
                if s.reason is not None:
                    row[2 + DISMISS_REASONS.index(s.reason)] += 1
        return [CheckOutcome(code, *row) for code, row in sorted(by_code.items())]

    def gaps_by_document(self) -> list[DocumentGaps]:
        by_key: dict[tuple[str, str, str], list[int]] = {}
        with self._lock:
            for (doc, _), s in self._states.items():
                if s.state == "dismissed":
                    continue
                row = by_key.setdefault((doc.repo, doc.path, s.code), [0, 0])
                row[0] += 1
                row[1] += s.state in ACTIVE
        return [DocumentGaps(*key, *row) for key, row in sorted(by_key.items())]

    def citations(self) -> Citations:
        found = Citations()
        with self._lock:
            for r in self._reviews.values():
                for record in {rid for f in r.findings for rid in f.related}:
                    found.by_reviews[record] = found.by_reviews.get(record, 0) + 1
            for cited, _ in self._answers:
                for record in cited:
                    found.by_answers[record] = found.by_answers.get(record, 0) + 1
        return found

    def totals(self) -> LedgerTotals:
        with self._lock:
            reviews = list(self._reviews.values())
            return LedgerTotals(
                reviews=len(reviews),
                findings=sum(len(r.findings) for r in reviews),
                documents=len({r.document for r in reviews}),
                answers=len(self._answers),
                first_review=min((r.created_at for r in reviews), default=None),
                last_review=max((r.created_at for r in reviews), default=None),
                last_change=max((s.changed_at for s in self._states.values()), default=None),
            )

    def export_findings(self, *, batch: int = 1000) -> Iterator[ExportedFinding]:  # noqa: ARG002
        with self._lock:
            reviews = sorted(self._reviews.values(), key=lambda r: r.id)
            states = dict(self._states)
        for r in reviews:
            for f in r.findings:
                state = states.get((r.document, f.fingerprint))
                yield ExportedFinding(
                    finding_id=f.id,
                    review_id=r.id,
                    reviewed_at=r.created_at,
                    surface=r.surface,
                    repo=r.document.repo,
                    path=r.document.path,
                    doc_type=r.doc_type,
                    llm_mode=r.llm_mode,
                    code=f.code,
                    severity=f.severity,
                    fingerprint=f.fingerprint,
                    start_line=f.start_line,
                    end_line=f.end_line,
                    section=f.section,
                    title=f.title,
                    message=f.message,
                    related=f.related,
                    state=state.state if state else f.state,
                    dismissed_by=state.by if state and state.state == "dismissed" else None,
                    dismiss_reason=state.reason if state else None,
                )

    def close(self) -> None:
        return None
