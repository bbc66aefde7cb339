"""The GitHub bot's durable state over SQLAlchemy (assistant/bot_state.py says what and why),
mixed into SqlLedger. Every check that must hold across workers is one statement the database
makes atomic: a unique insert (a delivery accepted once) or a conditional update (a task or a
pull request taken by one worker)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.bot_state import (
    INTERRUPTED,
    MAX_ATTEMPTS,
    BotTask,
    PullRequestState,
    TaskState,
    now,
)
from assistant.db.schema import DeliveryRow, GitHubTaskRow, PullRequestRow
from assistant.errors import DatabaseError


def _claimable(at: datetime):  # type: ignore[no-untyped-def]
    return or_(
        GitHubTaskRow.state == "queued",
        and_(GitHubTaskRow.state == "running", GitHubTaskRow.lease_until <= at),
    )


def _task_state(value: str) -> TaskState:
    for known in ("queued", "running", "done", "failed"):
        if value == known:
            return known
    raise DatabaseError(f"unknown task state {value!r} in the database")


def _task(row: GitHubTaskRow) -> BotTask:
    return BotTask(
        delivery_id=row.delivery_id,
        kind=row.kind,
        repo=row.repo,
        number=row.number,
        task=dict(row.task or {}),
        state=_task_state(row.state),
        attempts=row.attempts,
        error=row.error,
        claimed_by=row.claimed_by,
        lease_until=row.lease_until,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _pull(row: PullRequestRow) -> PullRequestState:
    return PullRequestState.model_validate(row, from_attributes=True)


class SqlBotState:
    """BotStateLedger for SqlLedger (which provides `_session`)."""

    def _session(self, action: str) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def accept_delivery(self, delivery_id: str, task: BotTask | None) -> bool:
        at = now()
        try:
            with self._session(f"accept webhook delivery {delivery_id}") as session:
                session.add(DeliveryRow(delivery_id=delivery_id, received_at=at))
                session.flush()  # the unique insert first: a replay stops here
                if task is not None:
                    session.add(
                        GitHubTaskRow(
                            delivery_id=delivery_id,
                            kind=task.kind,
                            repo=task.repo,
                            number=task.number,
                            task=task.task,
                            state="queued",
                            attempts=0,
                            created_at=task.created_at,
                            updated_at=at,
                        )
                    )
        except DatabaseError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                return False  # accepted before: by this process, another, or before a restart
            raise
        return True

    def claim_bot_task(self, delivery_id: str, *, worker: str, lease_s: float) -> BotTask | None:
        at = now()
        query = (
            update(GitHubTaskRow)
            .where(GitHubTaskRow.delivery_id == delivery_id, _claimable(at))
            .values(
                state="running",
                claimed_by=worker,
                lease_until=at + timedelta(seconds=lease_s),
                attempts=GitHubTaskRow.attempts + 1,
                updated_at=at,
            )
        )
        with self._session(f"claim bot task {delivery_id}") as session:
            if session.execute(query).rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(GitHubTaskRow, delivery_id)
            return _task(row) if row else None

    def claimable_bot_tasks(self, *, limit: int = 20) -> list[str]:
        query = (
            select(GitHubTaskRow.delivery_id)
            .where(_claimable(now()))
            .order_by(GitHubTaskRow.created_at)
            .limit(limit)
        )
        with self._session("list waiting bot tasks") as session:
            return list(session.scalars(query))

    def finish_bot_task(self, delivery_id: str, *, error: str | None = None) -> None:
        at = now()
        query = (
            update(GitHubTaskRow)
            .where(GitHubTaskRow.delivery_id == delivery_id)
            .values(
                state="failed" if error else "done",
                error=error,
                lease_until=None,
                finished_at=at,
                updated_at=at,
            )
        )
        with self._session(f"finish bot task {delivery_id}") as session:
            session.execute(query)

    def get_bot_task(self, delivery_id: str) -> BotTask | None:
        with self._session(f"read bot task {delivery_id}") as session:
            row = session.get(GitHubTaskRow, delivery_id)
            return _task(row) if row else None

    def requeue_bot_tasks(self, reason: str = INTERRUPTED) -> list[BotTask]:
        at = now()
        with self._session("queue interrupted bot tasks again") as session:
            rows = list(
                session.scalars(select(GitHubTaskRow).where(GitHubTaskRow.state == "running"))
            )
            for row in rows:
                if row.attempts >= MAX_ATTEMPTS:
                    row.state, row.finished_at = "failed", at
                    row.error = f"{reason} {row.attempts} times"
                else:
                    row.state = "queued"
                row.claimed_by, row.lease_until, row.updated_at = None, None, at
            session.execute(update(PullRequestRow).values(lease_owner=None, lease_until=None))
            session.flush()
            return [_task(r) for r in rows]

    def lease_pull_request(self, repo: str, number: int, *, worker: str, lease_s: float) -> bool:
        at = now()
        until = at + timedelta(seconds=lease_s)
        take = (
            update(PullRequestRow)
            .where(PullRequestRow.repo == repo, PullRequestRow.number == number)
            .where(
                or_(
                    PullRequestRow.lease_owner.is_(None),
                    PullRequestRow.lease_owner == worker,
                    PullRequestRow.lease_until <= at,
                )
            )
            .values(lease_owner=worker, lease_until=until)
        )
        for _ in range(2):
            with self._session(f"lease pull request {repo}#{number}") as session:
                if session.execute(take).rowcount == 1:  # type: ignore[attr-defined]
                    return True
                if session.scalar(
                    select(PullRequestRow.id).where(
                        PullRequestRow.repo == repo, PullRequestRow.number == number
                    )
                ):
                    return False  # another worker holds it
            try:  # the pull request's first run: its row, leased, in one insert
                with self._session(f"lease pull request {repo}#{number}") as session:
                    session.add(
                        PullRequestRow(
                            repo=repo,
                            number=number,
                            findings=0,
                            lease_owner=worker,
                            lease_until=until,
                        )
                    )
                return True
            except DatabaseError as exc:
                if not isinstance(exc.__cause__, IntegrityError):
                    raise
                # another worker inserted it first: try the conditional update again
        return False

    def release_pull_request(
        self, repo: str, number: int, *, worker: str, run: PullRequestState | None = None
    ) -> None:
        values: dict[str, object] = {"lease_owner": None, "lease_until": None}
        if run is not None:
            values |= {
                "head_sha": run.head_sha,
                "conclusion": run.conclusion,
                "summary_comment_id": run.summary_comment_id,
                "findings": run.findings,
                "reviewed_at": run.reviewed_at or now(),
            }
        query = (
            update(PullRequestRow)
            .where(
                PullRequestRow.repo == repo,
                PullRequestRow.number == number,
                PullRequestRow.lease_owner == worker,
            )
            .values(**values)
        )
        with self._session(f"release pull request {repo}#{number}") as session:
            session.execute(query)

    def pull_request(self, repo: str, number: int) -> PullRequestState | None:
        query = select(PullRequestRow).where(
            PullRequestRow.repo == repo, PullRequestRow.number == number
        )
        with self._session(f"read pull request {repo}#{number}") as session:
            row = session.scalars(query).first()
            return _pull(row) if row else None

    def prune_bot_tasks(self, finished_before: datetime) -> int:
        query = delete(GitHubTaskRow).where(
            GitHubTaskRow.finished_at.is_not(None), GitHubTaskRow.finished_at < finished_before
        )
        with self._session("prune finished bot tasks") as session:
            return len(session.execute(query.returning(GitHubTaskRow.delivery_id)).all())
