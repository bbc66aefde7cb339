"""Insights from the findings database: findings by code over time, the checks people dismiss
(noise), the gaps each folder or repository keeps having, the decisions reviews and answers
cite, and the accepted decisions nobody cites.

The ledger answers the counting queries (FindingLedger.findings_per_day, check_outcomes,
gaps_by_document, citations, totals); everything here is pure aggregation over what it
returns and the store's records, so the CLI, the API and the page show the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from assistant.ledger import (
    DISMISS_REASONS,
    CheckOutcome,
    Citations,
    CodeDay,
    DocumentGaps,
    FindingLedger,
    LedgerTotals,
    folder_of,
)
from assistant.models import DocumentRecord

Bucket = Literal["day", "week"]
NOISE_SHARE = 0.5  # a check dismissed more than this share of the time is noise...
NOISE_MIN = 5  # ...once at least this many of its findings are tracked
TOP = 10  # rows in each ranked table
DAYS = 84  # the timeline's default span (12 weeks)


class CodeSeries(BaseModel):
    code: str
    counts: list[int]
    total: int


class Timeline(BaseModel):
    """Findings raised per code in each period (a UTC day, or a week from Monday)."""

    bucket: Bucket
    periods: list[date] = Field(default_factory=list)
    series: list[CodeSeries] = Field(default_factory=list)  # largest total first

    @property
    def totals(self) -> list[int]:
        return [sum(s.counts[i] for s in self.series) for i in range(len(self.periods))]


class CheckShare(BaseModel):
    """How often people dismissed one check's findings, and why."""

    code: str
    tracked: int
    dismissed: int
    share: float
    reasons: dict[str, int] = Field(default_factory=dict)
    noise: bool = False


class GapCount(BaseModel):
    """A code raised on this many documents of one folder (or repository)."""

    repo: str
    folder: str | None = None  # None: the repository as a whole
    code: str
    documents: int
    open: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def place(self) -> str:
        where = self.folder if self.folder is not None else ""
        if self.repo:
            return f"{self.repo}:{where}" if where else self.repo
        return where or "(top level)"


class CitedRecord(BaseModel):
    id: str
    title: str = ""
    status: str | None = None
    in_library: bool = True
    by_reviews: int = 0
    by_answers: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        return self.by_reviews + self.by_answers


class UncitedDecision(BaseModel):
    id: str
    title: str
    path: str = ""
    date: str | None = None


class Insights(BaseModel):
    generated_at: datetime
    since: datetime
    totals: LedgerTotals
    timeline: Timeline
    checks: list[CheckShare] = Field(default_factory=list)  # most dismissed share first
    noise: list[str] = Field(default_factory=list)  # the codes called out as noise
    noise_share: float = NOISE_SHARE
    noise_min: int = NOISE_MIN
    gaps_by_folder: list[GapCount] = Field(default_factory=list)
    gaps_by_repository: list[GapCount] = Field(default_factory=list)
    most_cited: list[CitedRecord] = Field(default_factory=list)
    never_cited: list[UncitedDecision] = Field(default_factory=list)
    accepted_decisions: int = 0  # in the library


def period_start(day: date, bucket: Bucket) -> date:
    """The first day of the period `day` falls in (weeks start on Monday)."""
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def timeline(
    counts: Iterable[CodeDay], *, start: date, end: date, bucket: Bucket = "week"
) -> Timeline:
    """Every period from `start` to `end` (empty ones too), each code's count in each."""
    first, last = period_start(start, bucket), period_start(end, bucket)
    step = timedelta(days=7 if bucket == "week" else 1)
    periods: list[date] = []
    at = first
    while at <= last:
        periods.append(at)
        at += step
    index = {p: i for i, p in enumerate(periods)}
    by_code: dict[str, list[int]] = {}
    for row in counts:
        slot = index.get(period_start(row.day, bucket))
        if slot is None:
            continue
        by_code.setdefault(row.code, [0] * len(periods))[slot] += row.findings
    series = [CodeSeries(code=c, counts=v, total=sum(v)) for c, v in by_code.items()]
    series.sort(key=lambda s: (-s.total, s.code))
    return Timeline(bucket=bucket, periods=periods, series=series)


def check_shares(
    outcomes: Iterable[CheckOutcome],
    *,
    noise_share: float = NOISE_SHARE,
    noise_min: int = NOISE_MIN,
) -> list[CheckShare]:
    """Each check's dismissed share; noise when over `noise_share` with `noise_min` tracked."""
    shares = []
    for o in outcomes:
        share = o.dismissed / o.tracked if o.tracked else 0.0
        reasons = dict(zip(DISMISS_REASONS, (o.wrong, o.not_applicable, o.wont_fix), strict=True))
        shares.append(
            CheckShare(
                code=o.code,
                tracked=o.tracked,
                dismissed=o.dismissed,
                share=round(share, 4),
                reasons={k: v for k, v in reasons.items() if v},
                noise=o.tracked >= noise_min and share > noise_share,
            )
        )
    shares.sort(key=lambda c: (-c.share, -c.tracked, c.code))
    return shares


def gaps(rows: Iterable[DocumentGaps], *, top: int = TOP) -> tuple[list[GapCount], list[GapCount]]:
    """The codes raised on the most documents per folder, and per repository."""
    folders: dict[tuple[str, str, str], list[int]] = {}
    repos: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row.raised <= 0:
            continue
        still = 1 if row.open > 0 else 0
        entry = folders.setdefault((row.repo, folder_of(row.path), row.code), [0, 0])
        entry[0] += 1
        entry[1] += still
        if row.repo:
            whole = repos.setdefault((row.repo, row.code), [0, 0])
            whole[0] += 1
            whole[1] += still

    def ranked(items: list[GapCount]) -> list[GapCount]:
        items.sort(key=lambda g: (-g.documents, -g.open, g.place, g.code))
        return items[:top]

    by_folder = [
        GapCount(repo=repo, folder=folder, code=code, documents=n, open=o)
        for (repo, folder, code), (n, o) in folders.items()
    ]
    by_repo = [
        GapCount(repo=repo, code=code, documents=n, open=o)
        for (repo, code), (n, o) in repos.items()
    ]
    return ranked(by_folder), ranked(by_repo)


def is_accepted_decision(record: DocumentRecord) -> bool:
    return record.kind == "decision" and (record.status or "").strip().lower() == "accepted"


def citation_tables(
    citations: Citations, records: Sequence[DocumentRecord], *, top: int = TOP
) -> tuple[list[CitedRecord], list[UncitedDecision], int]:
    """The most cited records (reviews and answers together), the accepted decisions never
    cited by either, and how many accepted decisions the library holds."""
    known = {r.id: r for r in records}
    cited = citations.by_reviews.keys() | citations.by_answers.keys()
    most = []
    for record_id in cited:
        record = known.get(record_id)
        most.append(
            CitedRecord(
                id=record_id,
                title=record.title if record else "",
                status=record.status if record else None,
                in_library=record is not None,
                by_reviews=citations.by_reviews.get(record_id, 0),
                by_answers=citations.by_answers.get(record_id, 0),
            )
        )
    most.sort(key=lambda c: (-c.total, -c.by_reviews, c.id))
    accepted = [r for r in records if is_accepted_decision(r)]
    never = [
        UncitedDecision(id=r.id, title=r.title, path=r.path, date=r.date)
        for r in sorted(accepted, key=lambda r: (r.date or "", r.id))
        if r.id not in cited
    ]
    return most[:top], never, len(accepted)


def version(
    totals: LedgerTotals, records: Sequence[DocumentRecord], *, now: datetime, **params: object
) -> str:
    """What insights depend on, as a key: nothing recorded, moved or re-indexed since and the
    same day and parameters give the same insights (a surface may reuse them)."""
    library = sorted((r.id, r.kind, r.status or "", r.title, r.path, r.date or "") for r in records)
    key = (
        totals.model_dump_json(),
        hash(tuple(library)),
        now.date().isoformat(),
        sorted(params.items()),
    )
    return repr(key)


def build_insights(
    ledger: FindingLedger,
    records: Sequence[DocumentRecord],
    *,
    days: int = DAYS,
    bucket: Bucket = "week",
    noise_share: float = NOISE_SHARE,
    noise_min: int = NOISE_MIN,
    top: int = TOP,
    now: datetime | None = None,
    totals: LedgerTotals | None = None,
) -> Insights:
    """Insights from the ledger's counts and the library's records (store.list_documents());
    `totals`: the ledger's, when the caller has just read them."""
    now = now or datetime.now(UTC)
    start = (now - timedelta(days=max(days, 1) - 1)).date()
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    if bucket == "week":  # a whole first week, not a part of one
        monday = period_start(start, "week")
        since = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    per_day = ledger.findings_per_day(since=since)
    shares = check_shares(ledger.check_outcomes(), noise_share=noise_share, noise_min=noise_min)
    by_folder, by_repo = gaps(ledger.gaps_by_document(), top=top)
    most, never, accepted = citation_tables(ledger.citations(), records, top=top)
    return Insights(
        generated_at=now,
        since=since,
        totals=totals or ledger.totals(),
        timeline=timeline(per_day, start=since.date(), end=now.date(), bucket=bucket),
        checks=shares,
        noise=[c.code for c in shares if c.noise],
        noise_share=noise_share,
        noise_min=noise_min,
        gaps_by_folder=by_folder,
        gaps_by_repository=by_repo,
        most_cited=most,
        never_cited=never,
        accepted_decisions=accepted,
    )
