"""The GitHub bot's durable state, as the findings ledger keeps it (issue 15, item 5).

A webhook delivery the bot accepts is written with the work it asks for (a `BotTask`) in one
transaction: the delivery id's unique insert is the replay check, so one delivery sent to two
workers (or redelivered after a restart) is accepted once; the task is then claimed by exactly
one worker (a conditional update), and one cut off by a crash is queued again on restart
(`requeue_bot_tasks`) rather than lost with the process's memory. Each pull request keeps its
last run (head reviewed, conclusion, summary comment) and a lease, so two workers never review
one pull request at the same time (GitHub asks integrators not to write concurrently).

The comments themselves stay the bot's memory of what it posted (api/github/markers.py): a
rerun after a crash finds the fingerprints it posted and posts nothing twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

TaskState = Literal["queued", "running", "done", "failed"]
MAX_ATTEMPTS = 3  # a task cut off this many times is failed, not run forever
INTERRUPTED = "interrupted by a restart"


class BotTask(BaseModel):
    """The work one accepted delivery asked for, as the database keeps it."""

    delivery_id: str
    kind: str
    repo: str  # owner/name
    number: int
    task: dict[str, Any] = Field(default_factory=dict)  # api.github.events.Task, as JSON
    state: TaskState = "queued"
    attempts: int = 0
    error: str | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None
    created_at: datetime
    finished_at: datetime | None = None


class PullRequestState(BaseModel):
    """A pull request's last bot run, and who is reviewing it now (a lease)."""

    repo: str
    number: int
    head_sha: str | None = None
    conclusion: str | None = None
    summary_comment_id: int | None = None
    findings: int = 0
    reviewed_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


class BotStateLedger(Protocol):
    """What the webhook keeps in the database so it survives restarts and spans workers."""

    def accept_delivery(self, delivery_id: str, task: BotTask | None) -> bool:
        """Record the delivery and its task (None: nothing to do) in one transaction; False
        when the delivery was recorded before (a replay, here or on another worker)."""
        ...

    def claim_bot_task(self, delivery_id: str, *, worker: str, lease_s: float) -> BotTask | None:
        """Take a queued task (or one whose lease ran out) for `worker`; None when another
        worker has it or it is finished."""
        ...

    def claimable_bot_tasks(self, *, limit: int = 20) -> list[str]:
        """Ids of tasks waiting for a worker, oldest first."""
        ...

    def finish_bot_task(self, delivery_id: str, *, error: str | None = None) -> None: ...

    def get_bot_task(self, delivery_id: str) -> BotTask | None: ...

    def requeue_bot_tasks(self, reason: str = INTERRUPTED) -> list[BotTask]:
        """On start, before any worker runs: tasks left running by a dead process are queued
        again (failed with `reason` after MAX_ATTEMPTS), and pull request leases dropped."""
        ...

    def lease_pull_request(self, repo: str, number: int, *, worker: str, lease_s: float) -> bool:
        """Take the pull request for `worker` unless another worker holds an unexpired lease."""
        ...

    def release_pull_request(
        self, repo: str, number: int, *, worker: str, run: PullRequestState | None = None
    ) -> None:
        """Drop the lease, saving the run's outcome when there is one."""
        ...

    def pull_request(self, repo: str, number: int) -> PullRequestState | None: ...

    def prune_bot_tasks(self, finished_before: datetime) -> int:
        """Forget finished tasks older than this; returns how many."""
        ...


def now() -> datetime:
    return datetime.now(UTC)


def expired(lease_until: datetime | None, at: datetime) -> bool:
    return lease_until is None or lease_until <= at


def _claimable(task: BotTask, at: datetime) -> bool:
    return task.state == "queued" or (task.state == "running" and expired(task.lease_until, at))


class InMemoryBotState:
    """BotStateLedger in dicts, mixed into InMemoryLedger (it provides `_lock` and
    `first_time_delivery`)."""

    _lock: threading.Lock

    def _bot(self) -> tuple[dict[str, BotTask], dict[tuple[str, int], PullRequestState]]:
        if not hasattr(self, "_bot_tasks"):
            self._bot_tasks: dict[str, BotTask] = {}
            self._bot_pulls: dict[tuple[str, int], PullRequestState] = {}
        return self._bot_tasks, self._bot_pulls

    first_time_delivery: Callable[..., bool]

    def accept_delivery(self, delivery_id: str, task: BotTask | None) -> bool:
        if not self.first_time_delivery(delivery_id):
            return False
        if task is not None:
            with self._lock:
                self._bot()[0][delivery_id] = task.model_copy(deep=True)
        return True

    def claim_bot_task(self, delivery_id: str, *, worker: str, lease_s: float) -> BotTask | None:
        at = now()
        with self._lock:
            task = self._bot()[0].get(delivery_id)
            if task is None or not (
                task.state == "queued"
                or (task.state == "running" and expired(task.lease_until, at))
            ):
                return None
            task.state, task.claimed_by = "running", worker
            task.lease_until = at + timedelta(seconds=lease_s)
            task.attempts += 1
            return task.model_copy(deep=True)

    def claimable_bot_tasks(self, *, limit: int = 20) -> list[str]:
        at = now()
        with self._lock:
            waiting = [t for t in self._bot()[0].values() if _claimable(t, at)]
            return [t.delivery_id for t in sorted(waiting, key=lambda t: t.created_at)][:limit]

    def finish_bot_task(self, delivery_id: str, *, error: str | None = None) -> None:
        with self._lock:
            task = self._bot()[0].get(delivery_id)
            if task is not None:
                task.state = "failed" if error else "done"
                task.error, task.finished_at, task.lease_until = error, now(), None

    def get_bot_task(self, delivery_id: str) -> BotTask | None:
        with self._lock:
            task = self._bot()[0].get(delivery_id)
            return task.model_copy(deep=True) if task else None

    def requeue_bot_tasks(self, reason: str = INTERRUPTED) -> list[BotTask]:
        with self._lock:
            tasks, pulls = self._bot()
            moved = []
            for task in tasks.values():
                if task.state != "running":
                    continue
                if task.attempts >= MAX_ATTEMPTS:
                    task.state, task.finished_at = "failed", now()
                    task.error = f"{reason} {task.attempts} times"
                else:
                    task.state = "queued"
                task.claimed_by = task.lease_until = None
                moved.append(task.model_copy(deep=True))
            for pull in pulls.values():
                pull.lease_owner = pull.lease_until = None
            return moved

    def lease_pull_request(self, repo: str, number: int, *, worker: str, lease_s: float) -> bool:
        at = now()
        with self._lock:
            pulls = self._bot()[1]
            pull = pulls.setdefault((repo, number), PullRequestState(repo=repo, number=number))
            if pull.lease_owner not in (None, worker) and not expired(pull.lease_until, at):
                return False
            pull.lease_owner, pull.lease_until = worker, at + timedelta(seconds=lease_s)
            return True

    def release_pull_request(
        self, repo: str, number: int, *, worker: str, run: PullRequestState | None = None
    ) -> None:
        with self._lock:
            pull = self._bot()[1].get((repo, number))
            if pull is None or pull.lease_owner != worker:
                return
            if run is not None:
                pull.head_sha, pull.conclusion = run.head_sha, run.conclusion
                pull.summary_comment_id, pull.findings = run.summary_comment_id, run.findings
                pull.reviewed_at = run.reviewed_at or now()
            pull.lease_owner = pull.lease_until = None

    def pull_request(self, repo: str, number: int) -> PullRequestState | None:
        with self._lock:
            pull = self._bot()[1].get((repo, number))
            return pull.model_copy() if pull else None

    def prune_bot_tasks(self, finished_before: datetime) -> int:
        with self._lock:
            tasks = self._bot()[0]
            old = [
                d
                for d, t in tasks.items()
                if t.finished_at is not None and t.finished_at < finished_before
            ]
            for delivery in old:
                del tasks[delivery]
            return len(old)
