"""SqlLedger: the FindingLedger over SQLAlchemy. SQLAlchemy's errors become DatabaseErrors here,
at the seam, saying which database and what could not be done."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    distinct,
    event,
    extract,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assistant.db import migrate
from assistant.db.bot_state import SqlBotState
from assistant.db.schema import (
    AnswerRow,
    DeliveryRow,
    FindingCitationRow,
    FindingRow,
    FindingStateRow,
    JobRow,
    ReviewRow,
)
from assistant.errors import DatabaseError, InputError, SpecreviewError
from assistant.ledger import (
    ACTIVE,
    BY_MAX,
    EPOCH_DAY,
    QUESTION_MAX,
    SURFACES,
    CheckOutcome,
    Citations,
    CodeDay,
    DismissReason,
    DocumentGaps,
    DocumentKey,
    ExportedFinding,
    FindingRef,
    FindingState,
    FindingStateName,
    JobRecord,
    LedgerTotals,
    RecordedFinding,
    RecordedReview,
    Surface,
    check_reason,
    next_state,
    question_hash,
)
from assistant.models import Review

T = TypeVar("T")
CONNECT_TIMEOUT_S = 10  # seconds to reach a database server (the URL's connect_timeout wins)
SQLITE_WAIT_S = 30  # how long a writer waits for another's lock before "database is locked"


def engine_url(url: str) -> str:
    """A PostgreSQL URL without a driver gets psycopg (v3), the driver specreview ships."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # findings go with their review
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
    # With WAL, NORMAL syncs at checkpoints, not at every commit: a power cut may lose the
    # last reviews recorded, never corrupt the file (SQLite's documented guarantee).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _reason_of(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())[:300]


# The statements recording a review, built once (their compiled forms are cached per dialect).
_REVIEWS = cast(Table, ReviewRow.__table__)
_FINDINGS = cast(Table, FindingRow.__table__)
_STATES = cast(Table, FindingStateRow.__table__)
_INSERT_REVIEW = insert(_REVIEWS).returning(_REVIEWS.c.id)
_INSERT_FINDINGS = insert(_FINDINGS).returning(_FINDINGS.c.id, sort_by_parameter_order=True)
_INSERT_CITATIONS = insert(cast(Table, FindingCitationRow.__table__))
_DOCUMENT_STATES = select(_STATES.c.id, _STATES.c.fingerprint, _STATES.c.state).where(
    _STATES.c.repo == bindparam("repo"), _STATES.c.path == bindparam("path")
)
_MOVE_STATE = (
    update(_STATES)
    .where(_STATES.c.id == bindparam("state_id"))
    .values(state=bindparam("new_state"), changed_at=bindparam("at"), by=None, reason=None)
)


class SqlLedger(SqlBotState):
    """A FindingLedger on one database; thread-safe (a session per call)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.label = engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str, *, lock_wait_s: float = SQLITE_WAIT_S) -> SqlLedger:
        try:
            parsed = make_url(engine_url(url))
        except ArgumentError as exc:
            raise DatabaseError(
                f"database URL {url!r} is not valid ({exc}); use postgresql://user@host/db, "
                "or unset SPECREVIEW_DATABASE_URL for the SQLite file beside the store"
            ) from exc
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": lock_wait_s}
        else:
            # A server may drop idle connections: test each on checkout (a file cannot, and
            # the test would cost every review a round trip).
            options["pool_pre_ping"] = True
        if parsed.get_backend_name() != "sqlite" and "connect_timeout" not in parsed.query:
            # A server that does not answer is an error in seconds, not a hung review.
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        try:
            engine = create_engine(parsed, **options)
        except (ArgumentError, ImportError) as exc:
            raise DatabaseError(f"database {parsed!r}: cannot connect ({exc})") from exc
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        ledger = cls(engine)
        with ledger._translated("migrate to the current schema"):
            migrate.upgrade(engine)
        return ledger

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        """SQLAlchemy's errors become DatabaseErrors that say what to do."""
        try:
            yield
        except SpecreviewError:
            raise
        except OperationalError as exc:
            reason = _reason_of(exc)
            if "locked" in reason.lower():
                hint = "another process holds its write lock; retry when it is done"
            else:
                hint = "it is unreachable; check SPECREVIEW_DATABASE_URL and that the server runs"
            raise DatabaseError(
                f"database {self.label}: could not {action}: {hint} ({reason})"
            ) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"database {self.label}: could not {action} ({_reason_of(exc)})"
            ) from exc

    @contextmanager
    def _session(self, action: str) -> Iterator[Session]:
        with self._translated(action), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _reading(self, action: str) -> Iterator[Connection]:
        """A connection for Core reads (Insights' aggregates): no ORM loading layer, which
        costs more than the query on thousands of plain rows."""
        with self._translated(action), self._engine.connect() as connection:
            yield connection

    # Reviews and findings.

    def record_review(
        self,
        review: Review,
        *,
        document: DocumentKey,
        content_hash: str,
        surface: Surface,
        at: datetime | None = None,
    ) -> RecordedReview:
        when = at or datetime.now(UTC)
        for attempt in range(3):
            try:
                with (
                    self._translated(f"record the review of {document.label}"),
                    self._engine.begin() as connection,
                ):
                    return self._record(connection, review, document, content_hash, surface, when)
            except DatabaseError as exc:
                # Two reviews of one document at once both started tracking a fingerprint;
                # the second retries and finds the first's rows.
                if not isinstance(exc.__cause__, IntegrityError) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(
        self,
        connection: Connection,
        review: Review,
        document: DocumentKey,
        content_hash: str,
        surface: Surface,
        when: datetime,
    ) -> RecordedReview:
        # Recording sits on every review's path (evals/reports/findings-db.md): one transaction
        # on one connection, SQLAlchemy Core statements (cached compiled forms; no ORM unit of
        # work or bulk-persistence layer), the findings in one multi-row INSERT ... RETURNING.
        review_id = connection.execute(
            _INSERT_REVIEW,
            {
                "repo": document.repo,
                "path": document.path,
                "content_hash": content_hash,
                "doc_type": review.doc_type,
                "llm_mode": review.llm.mode,
                "surface": surface,
                "created_at": when,
            },
        ).scalar_one()
        rows = [
            {
                "review_id": review_id,
                "code": f.code,
                "severity": f.severity,
                "fingerprint": f.fingerprint,
                "start_line": f.span.start_line if f.span else None,
                "end_line": f.span.end_line if f.span else None,
                "section": f.section,
                "title": f.title,
                "message": f.message,
                "related": [r.id for r in f.related],
            }
            for f in review.findings
        ]
        ids: list[int] = []
        if rows:
            ids = list(connection.execute(_INSERT_FINDINGS, rows).scalars())
            cites = [  # one row per record a finding cites, for Insights' counts
                {"finding_id": finding_id, "record_id": record_id, "review_id": review_id}
                for row, finding_id in zip(rows, ids, strict=True)
                for record_id in dict.fromkeys(row["related"])
            ]
            if cites:
                connection.execute(_INSERT_CITATIONS, cites)
        states = {
            fp: (state_id, _state(state))
            for state_id, fp, state in connection.execute(
                _DOCUMENT_STATES, {"repo": document.repo, "path": document.path}
            )
        }
        present = {f.fingerprint: f.code for f in review.findings}
        added, changed = [], []
        after: dict[str, FindingStateName] = {fp: state for fp, (_, state) in states.items()}
        for fp in states.keys() | present.keys():
            old = states.get(fp)
            new = next_state(old[1] if old else None, fp in present)
            if new is None or (old is not None and old[1] == new):
                continue
            after[fp] = new
            if old is None:
                added.append(
                    {
                        "repo": document.repo,
                        "path": document.path,
                        "fingerprint": fp,
                        "code": present[fp],
                        "state": new,
                        "changed_at": when,
                    }
                )
            else:  # moved by a review, not a person: who dismissed it no longer applies
                changed.append({"state_id": old[0], "new_state": new, "at": when})
        if added:
            connection.execute(insert(_STATES), added)
        if changed:
            connection.execute(_MOVE_STATE, changed)
        return RecordedReview(
            id=review_id,
            document=document,
            content_hash=content_hash,
            doc_type=review.doc_type,
            llm_mode=review.llm.mode,
            surface=surface,
            created_at=when,
            findings=[
                _finding_from(row, finding_id, after.get(row["fingerprint"], "open"))
                for row, finding_id in zip(rows, ids, strict=True)
            ],
        )

    def get_review(self, review_id: int) -> RecordedReview | None:
        with self._session(f"read review {review_id}") as session:
            row = session.get(ReviewRow, review_id, options=[selectinload(ReviewRow.findings)])
            if row is None:
                return None
            return _recorded(row, self._current(session, [row]))

    def reviews(
        self,
        *,
        document: DocumentKey | None = None,
        surface: Surface | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[RecordedReview]:
        query = select(ReviewRow).options(selectinload(ReviewRow.findings))
        if document is not None:
            query = query.where(ReviewRow.repo == document.repo, ReviewRow.path == document.path)
        if surface is not None:
            query = query.where(ReviewRow.surface == surface)
        if since is not None:
            query = query.where(ReviewRow.created_at >= since)
        query = query.order_by(ReviewRow.id.desc()).limit(limit)
        with self._session("list reviews") as session:
            rows = list(session.scalars(query))
            current = self._current(session, rows)
            return [_recorded(r, current, keyed=True) for r in rows]

    def _current(self, session: Session, rows: list[ReviewRow]) -> dict[Any, FindingStateName]:
        """The current state of every fingerprint these reviews raised, by (repo, path, fp)
        and, for a single review, by fingerprint."""
        fps = {f.fingerprint for r in rows for f in r.findings}
        if not fps:
            return {}
        docs = {(r.repo, r.path) for r in rows}
        query = select(FindingStateRow).where(FindingStateRow.fingerprint.in_(fps))
        found: dict[Any, FindingStateName] = {}
        for s in session.scalars(query):
            if (s.repo, s.path) in docs:
                found[(s.repo, s.path, s.fingerprint)] = _state(s.state)
                if len(rows) == 1:
                    found[s.fingerprint] = _state(s.state)
        return found

    def get_finding(self, finding_id: int) -> RecordedFinding | None:
        with self._session(f"read finding {finding_id}") as session:
            row = session.get(FindingRow, finding_id)
            if row is None:
                return None
            state = session.scalars(_state_of(_key(row.review), row.fingerprint)).first()
            return _finding(row, _state(state.state) if state else "open")

    # Finding states.

    def dismiss(self, finding: FindingRef, *, by: str, reason: DismissReason) -> FindingState:
        return self._set(finding, "dismissed", by=by, reason=check_reason(reason))

    def reopen(self, finding: FindingRef, *, by: str) -> FindingState:
        return self._set(finding, "reopened", by=by, reason=None)

    def _set(
        self, finding: FindingRef, state: FindingStateName, *, by: str, reason: str | None
    ) -> FindingState:
        with self._session(f"mark finding {finding!r} {state}") as session:
            if isinstance(finding, tuple):
                document, fp = finding
                label = f"{fp} on {document.label}"
            else:
                row = session.get(FindingRow, finding)
                if row is None:
                    raise InputError(
                        f"no finding {finding} is recorded; check the id in the review output"
                    )
                document, fp, label = _key(row.review), row.fingerprint, str(finding)
            found = session.scalars(_state_of(document, fp)).first()
            if found is None:
                raise InputError(f"no finding {label} is recorded; review the document first")
            found.state, found.by, found.reason = state, by[:BY_MAX], reason
            found.changed_at = datetime.now(UTC)
            session.flush()
            return _finding_state(found)

    def dismissed_fingerprints(self, document: DocumentKey) -> dict[str, FindingState]:
        query = _states_of(document).where(FindingStateRow.state == "dismissed")
        with self._session(f"read dismissals on {document.label}") as session:
            return {s.fingerprint: _finding_state(s) for s in session.scalars(query)}

    def finding_states(self, document: DocumentKey | None = None) -> list[FindingState]:
        query = select(FindingStateRow) if document is None else _states_of(document)
        with self._session("read finding states") as session:
            return [_finding_state(s) for s in session.scalars(query.order_by(FindingStateRow.id))]

    # Service state.

    def first_time_delivery(self, delivery_id: str, *, at: datetime | None = None) -> bool:
        try:
            with self._session(f"record webhook delivery {delivery_id}") as session:
                session.add(DeliveryRow(delivery_id=delivery_id, received_at=at or _now()))
        except DatabaseError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                return False  # recorded before: by this process, another, or before a restart
            raise
        return True

    def forget_delivery(self, delivery_id: str) -> None:
        with self._session(f"forget webhook delivery {delivery_id}") as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is not None:
                session.delete(row)

    def prune_deliveries(self, received_before: datetime) -> int:
        query = delete(DeliveryRow).where(DeliveryRow.received_at < received_before)
        with self._session("prune webhook deliveries") as session:
            result = session.execute(query.returning(DeliveryRow.delivery_id))
            return len(result.all())

    def save_job(self, job: JobRecord) -> None:
        fields = job.model_dump(exclude={"updated_at"})
        with self._session(f"save job {job.id}") as session:
            session.merge(JobRow(**fields, updated_at=_now()))

    def get_job(self, job_id: str) -> JobRecord | None:
        with self._session(f"read job {job_id}") as session:
            row = session.get(JobRow, job_id)
            return _job(row) if row else None

    def jobs(self, *, limit: int = 200) -> list[JobRecord]:
        query = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
        with self._session("list jobs") as session:
            return [_job(r) for r in session.scalars(query)]

    def interrupt_jobs(self, reason: str, *, at: datetime | None = None) -> list[JobRecord]:
        when = at or _now()
        query = select(JobRow).where(JobRow.state.in_(("queued", "running")))
        with self._session("mark interrupted jobs failed") as session:
            rows = list(session.scalars(query))
            for row in rows:
                row.state, row.error, row.message = "failed", reason, "failed"
                row.finished_at = row.updated_at = when
            session.flush()
            return [_job(r) for r in rows]

    # Answers and insights: SQL aggregates (SQLAlchemy Core, portable), the rest in Python.

    def record_answer(
        self,
        *,
        question: str,
        cited: Sequence[str],
        surface: Surface,
        refused: bool = False,
        at: datetime | None = None,
    ) -> None:
        row = {
            "question_hash": question_hash(question),
            "question": question[:QUESTION_MAX],
            "cited": list(dict.fromkeys(cited)),
            "refused": refused,
            "surface": surface,
            "created_at": at or _now(),
        }
        with self._session("record an answer") as session:
            session.execute(insert(AnswerRow), [row])

    def findings_per_day(self, *, since: datetime | None = None) -> list[CodeDay]:
        # Each review's UTC day as seconds since the epoch (extract() is SQLAlchemy's portable
        # function: strftime on SQLite, EXTRACT on PostgreSQL), worked out once per review in
        # the window, then its findings counted per day and code. Day first in GROUP BY:
        # by code first, SQLite walks every finding by its code index (600 ms over 10,000
        # reviews, against 40 ms).
        epoch = extract("epoch", ReviewRow.created_at)
        reviews = select(ReviewRow.id.label("id"), (epoch - epoch % 86400).label("day"))
        if since is not None:
            reviews = reviews.where(ReviewRow.created_at >= since)
        days = reviews.subquery()
        query = (
            select(FindingRow.code, days.c.day, func.count())
            .join(days, FindingRow.review_id == days.c.id)
            .group_by(days.c.day, FindingRow.code)
        )
        with self._reading("count findings per day") as connection:
            rows = connection.execute(query).all()
        return sorted(
            CodeDay(code, EPOCH_DAY + timedelta(days=int(day) // 86400), n) for code, day, n in rows
        )

    def check_outcomes(self) -> list[CheckOutcome]:
        def count_where(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        s = FindingStateRow
        query = (
            select(
                s.code,
                func.count(),
                count_where(s.state == "dismissed"),
                count_where(s.reason == "wrong"),
                count_where(s.reason == "not_applicable"),
                count_where(s.reason == "wont_fix"),
            )
            .group_by(s.code)
            .order_by(s.code)
        )
        with self._reading("count dismissals per check") as session:
            return [CheckOutcome(*(row[0], *map(int, row[1:]))) for row in session.execute(query)]

    def gaps_by_document(self) -> list[DocumentGaps]:
        s = FindingStateRow
        query = (
            select(
                s.repo,
                s.path,
                s.code,
                func.count(),
                func.coalesce(func.sum(case((s.state.in_(ACTIVE), 1), else_=0)), 0),
            )
            .where(s.state != "dismissed")
            .group_by(s.repo, s.path, s.code)
        )
        with self._reading("count gaps per document") as session:
            return sorted(
                DocumentGaps(repo, path, code, int(raised), int(still))
                for repo, path, code, raised, still in session.execute(query)
            )

    def citations(self) -> Citations:
        # Reviews: one row per (finding, record) in finding_citations, counted by its index.
        # Answers: only those citing something (the JSON list's first element is not null,
        # a JSON path in SQLAlchemy Core on both databases); their ids are counted here.
        c = FindingCitationRow
        reviews = select(c.record_id, func.count(distinct(c.review_id))).group_by(c.record_id)
        answers = select(AnswerRow.cited).where(AnswerRow.cited[0].as_string().is_not(None))
        found = Citations()
        with self._reading("count citations") as session:
            found.by_reviews = {record: int(n) for record, n in session.execute(reviews)}
            for (cited,) in session.execute(answers):
                for record in set(cited or []):
                    found.by_answers[record] = found.by_answers.get(record, 0) + 1
        return found

    def totals(self) -> LedgerTotals:
        reviews = select(
            func.count(),
            func.min(ReviewRow.created_at),
            func.max(ReviewRow.created_at),
        )
        documents = select(func.count()).select_from(
            select(ReviewRow.repo, ReviewRow.path).distinct().subquery()
        )
        with self._reading("count reviews") as session:
            n, first, last = session.execute(reviews).one()
            return LedgerTotals(
                reviews=n,
                findings=session.scalar(select(func.count()).select_from(FindingRow)) or 0,
                documents=session.scalar(documents) or 0,
                answers=session.scalar(select(func.count()).select_from(AnswerRow)) or 0,
                first_review=_aware(first),
                last_review=_aware(last),
                last_change=_aware(session.scalar(select(func.max(FindingStateRow.changed_at)))),
            )

    def export_findings(self, *, batch: int = 1000) -> Iterator[ExportedFinding]:
        # Keyset pages by finding id, each its own short read: memory stays at one page and
        # no transaction is held open while the caller writes.
        f, r, s = FindingRow, ReviewRow, FindingStateRow
        query = (
            select(
                f.id,
                f.review_id,
                r.created_at,
                r.surface,
                r.repo,
                r.path,
                r.doc_type,
                r.llm_mode,
                f.code,
                f.severity,
                f.fingerprint,
                f.start_line,
                f.end_line,
                f.section,
                f.title,
                f.message,
                f.related,
                s.state,
                s.by,
                s.reason,
            )
            .join(r, f.review_id == r.id)
            .outerjoin(s, and_(s.repo == r.repo, s.path == r.path, s.fingerprint == f.fingerprint))
            .order_by(f.id)
            .limit(batch)
        )
        after = 0
        while True:
            with self._reading("export findings") as session:
                rows = session.execute(query.where(f.id > after)).all()
            for row in rows:
                state = _state(row.state) if row.state else "open"
                yield ExportedFinding(
                    finding_id=row.id,
                    review_id=row.review_id,
                    reviewed_at=row.created_at,
                    surface=row.surface,
                    repo=row.repo,
                    path=row.path,
                    doc_type=row.doc_type,
                    llm_mode=row.llm_mode,
                    code=row.code,
                    severity=row.severity,
                    fingerprint=row.fingerprint,
                    start_line=row.start_line,
                    end_line=row.end_line,
                    section=row.section,
                    title=row.title,
                    message=row.message,
                    related=list(row.related or []),
                    state=state,
                    dismissed_by=row.by if state == "dismissed" else None,
                    dismiss_reason=check_reason(row.reason) if row.reason else None,
                )
            if len(rows) < batch:
                return
            after = rows[-1].id


def _aware(value: datetime | None) -> datetime | None:
    """min()/max() of a column bypass its type on SQLite (a string or a naive datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _key(row: ReviewRow) -> DocumentKey:
    return DocumentKey(repo=row.repo, path=row.path)


def _states_of(document: DocumentKey) -> Select[FindingStateRow]:
    return select(FindingStateRow).where(
        FindingStateRow.repo == document.repo, FindingStateRow.path == document.path
    )


def _state_of(document: DocumentKey, fingerprint: str) -> Select[FindingStateRow]:
    return _states_of(document).where(FindingStateRow.fingerprint == fingerprint)


def _state(value: str) -> FindingStateName:
    for known in ("open", "resolved", "dismissed", "reopened"):
        if value == known:
            return known
    raise DatabaseError(f"unknown finding state {value!r} in the database")


def _surface(value: str) -> Surface:
    for known in SURFACES:
        if value == known:
            return known
    raise DatabaseError(f"unknown surface {value!r} in the database")


def _finding(row: FindingRow, state: FindingStateName) -> RecordedFinding:
    return RecordedFinding(
        id=row.id,
        review_id=row.review_id,
        code=row.code,
        severity=row.severity,
        fingerprint=row.fingerprint,
        start_line=row.start_line,
        end_line=row.end_line,
        section=row.section,
        title=row.title,
        message=row.message,
        related=list(row.related or []),
        state=state,
    )


def _finding_from(row: dict[str, Any], finding_id: int, state: FindingStateName) -> RecordedFinding:
    return RecordedFinding(id=finding_id, state=state, **row)


def _recorded(
    row: ReviewRow, states: dict[Any, FindingStateName], *, keyed: bool = False
) -> RecordedReview:
    def state_of(f: FindingRow) -> FindingStateName:
        key = (row.repo, row.path, f.fingerprint) if keyed else f.fingerprint
        return states.get(key, "open")

    return RecordedReview(
        id=row.id,
        document=_key(row),
        content_hash=row.content_hash,
        doc_type=row.doc_type,
        llm_mode=row.llm_mode,
        surface=_surface(row.surface),
        created_at=row.created_at,
        findings=[_finding(f, state_of(f)) for f in row.findings],
    )


def _finding_state(row: FindingStateRow) -> FindingState:
    return FindingState(
        document=DocumentKey(repo=row.repo, path=row.path),
        fingerprint=row.fingerprint,
        code=row.code,
        state=_state(row.state),
        by=row.by,
        reason=check_reason(row.reason) if row.reason else None,
        changed_at=row.changed_at,
    )


def _job(row: JobRow) -> JobRecord:
    return JobRecord.model_validate(row, from_attributes=True)
